import type { ActiveFlowEntry, EndedFlowEntry, InstanceActiveFlows } from '../ports/activeFlowStore';

/** After its last expected stage, a flow stays counted this long (a timer firing late, a slow proactive turn). */
export const ACTIVE_GRACE_MS = 60_000;

/**
 * How long an ended flow is remembered at least, so that another instance's older entry for the same conversation
 * (published before the end) does not count it again: longer than any entry's `until` lies ahead.
 */
export const ENDED_KEPT_MS = 3_600_000;

/** Expired entries are swept after this many updates (and on every read). */
const SWEEP_EVERY = 1000;

/**
 * The flows in progress that this instance has seen, by conversation, for `activeFlows()`. In memory and
 * per instance by design: counting from the database would need a write per turn (the flow id on the timer)
 * or a scan of the bot's conversation state, which may not be in MongoDB at all. An entry is set at the end
 * of every user turn in a flow, removed when the flow ends on this instance, and dropped at its `until` (the
 * flow's final stage plus {@link ACTIVE_GRACE_MS}) when the flow ended elsewhere (another instance's timer or
 * turn). Holds flow ids and conversation keys only.
 *
 * For `activeFlows({ scope: 'all' })` each instance publishes its entries, and the conversations it saw end, to
 * the database ({@link ActiveFlows.publication}); {@link countAcrossInstances} merges them by conversation, the
 * latest word on each winning.
 */
export class ActiveFlows {
    private readonly entries = new Map<string, { flowId: string; until: number; seenAt: number }>();
    private readonly ended = new Map<string, { at: number; keepUntil: number }>();
    private updates = 0;

    /**
     * Notes a flow in progress in a conversation.
     *
     * @param key The conversation's key.
     * @param flowId The flow.
     * @param until When it stops counting unless seen again (epoch ms).
     * @param now The clock.
     */
    set(key: string, flowId: string, until: number, now: number): void {
        this.entries.set(key, { flowId, until, seenAt: now });
        this.ended.delete(key);
        if (++this.updates % SWEEP_EVERY === 0) {
            this.sweep(now);
        }
    }

    /**
     * Moves a conversation's expiry later (the user was given more time).
     *
     * @param key The conversation's key.
     * @param ms By how much.
     */
    extend(key: string, ms: number): void {
        const entry = this.entries.get(key);
        if (entry) {
            entry.until += ms;
        }
    }

    /**
     * The flow of a conversation ended.
     *
     * @param key The conversation's key.
     * @param now The clock.
     * @param flowEnded Whether a flow is known to have ended (a flow event): then the end is remembered for the
     *   other instances even when this one never saw the flow; a turn that merely finds no flow leaves a mark only
     *   where this instance counted one (else every conversation that ever spoke would be remembered).
     * @param flowId The flow that ended, when known: a conversation counted in another flow (which took its place
     *   in the same turn) stays counted.
     */
    end(key: string, now: number, flowEnded = false, flowId?: string): void {
        const entry = this.entries.get(key);
        if (entry && flowId !== undefined && entry.flowId !== flowId) {
            return;
        }
        this.entries.delete(key);
        if (entry || flowEnded) {
            this.ended.set(key, { at: now, keepUntil: Math.max(entry?.until ?? 0, now + ENDED_KEPT_MS) });
        }
    }

    /**
     * What this instance publishes for `activeFlows({ scope: 'all' })`: its flows in progress and the
     * conversations it saw end, unexpired.
     *
     * @param instanceId The instance's id.
     * @param now The clock.
     * @returns The publication.
     */
    publication(instanceId: string, now: number): InstanceActiveFlows {
        this.sweep(now);
        const live: ActiveFlowEntry[] = [...this.entries].map(([key, e]) => ({ key, flowId: e.flowId, until: e.until, seenAt: e.seenAt }));
        const ended: EndedFlowEntry[] = [...this.ended].map(([key, e]) => ({ key, at: e.at, keepUntil: e.keepUntil }));
        const expiresAt = Math.max(now, ...live.map((e) => e.until), ...ended.map((e) => e.keepUntil));
        return { instanceId, publishedAt: now, expiresAt, live, ended };
    }

    /**
     * Flows in progress by flow id.
     *
     * @param now The clock.
     * @returns A count per flow id (flows with none are absent).
     */
    counts(now: number): Record<string, number> {
        this.sweep(now);
        const out: Record<string, number> = {};
        for (const { flowId } of this.entries.values()) {
            out[flowId] = (out[flowId] ?? 0) + 1;
        }
        return out;
    }

    private sweep(now: number): void {
        for (const [key, entry] of this.entries) {
            if (entry.until <= now) {
                this.entries.delete(key);
            }
        }
        for (const [key, entry] of this.ended) {
            if (entry.keepUntil <= now) {
                this.ended.delete(key);
            }
        }
    }
}

/**
 * Flows in progress by flow id across instances: per conversation the latest word of any instance wins (a flow
 * seen in progress, or seen ending), so a conversation whose turns moved between instances counts once, and not
 * at all once an instance saw its flow end after the others saw it.
 *
 * @param publications Every instance's publication.
 * @param now The clock.
 * @returns A count per flow id (flows with none are absent).
 */
export function countAcrossInstances(publications: InstanceActiveFlows[], now: number): Record<string, number> {
    const latest = new Map<string, { at: number; live?: ActiveFlowEntry }>();
    for (const p of publications) {
        for (const e of p.live) {
            const known = latest.get(e.key);
            if (!known || e.seenAt > known.at) {
                latest.set(e.key, { at: e.seenAt, live: e });
            }
        }
        for (const e of p.ended) {
            const known = latest.get(e.key);
            // At the same instant, the end wins: a flow is not counted after a word that it ended.
            if (!known || e.at >= known.at) {
                latest.set(e.key, { at: e.at });
            }
        }
    }
    const out: Record<string, number> = {};
    for (const { live } of latest.values()) {
        if (live && live.until > now) {
            out[live.flowId] = (out[live.flowId] ?? 0) + 1;
        }
    }
    return out;
}
