/** After its last expected stage, a flow stays counted this long (a timer firing late, a slow proactive turn). */
export const ACTIVE_GRACE_MS = 60_000;

/** Expired entries are swept after this many updates (and on every read). */
const SWEEP_EVERY = 1000;

/**
 * The flows in progress that this instance has seen, by conversation, for `activeFlows()`. In memory and
 * per instance by design: counting from the database would need a write per turn (the flow id on the timer)
 * or a scan of the bot's conversation state, which may not be in MongoDB at all. An entry is set at the end
 * of every user turn in a flow, removed when the flow ends on this instance, and dropped at its `until` (the
 * flow's final stage plus {@link ACTIVE_GRACE_MS}) when the flow ended elsewhere (another instance's timer or
 * turn). Holds flow ids and conversation keys only.
 */
export class ActiveFlows {
    private readonly entries = new Map<string, { flowId: string; until: number }>();
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
        this.entries.set(key, { flowId, until });
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
     */
    end(key: string): void {
        this.entries.delete(key);
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
    }
}
