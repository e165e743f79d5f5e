import type { ResolvedPolicy } from '../policy/options';
import type { FlowProgress } from '../turn/inactivityState';

/**
 * A journey is a flow from its first start to its end, across Start over and Resume: its `maxDuration` cap
 * counts from the first start (with what `extend(context, { maxDuration })` added), and its time spent counts
 * only the stretches it was open, not the time it sat closed waiting to be resumed.
 */

/** What a journey carries from one run to the next (Start over, Resume). */
export type JourneyFields = Pick<FlowProgress, 'startedAt' | 'capExtendedMs' | 'openedAt' | 'openBeforeMs'>;

/**
 * The cap in force for the journey: the policy's `maxDuration` plus what `extend()` added to it.
 *
 * @param flow The flow in progress.
 * @param policy The policy in force.
 * @returns The cap (ms), or `null` when the policy sets none.
 */
export function capOf(flow: FlowProgress | undefined, policy: Pick<ResolvedPolicy, 'maxDuration'>): number | null {
    return policy.maxDuration === null ? null : policy.maxDuration + (flow?.capExtendedMs ?? 0);
}

/**
 * When the journey's cap ends (epoch ms).
 *
 * @param flow The flow in progress.
 * @param policy The policy in force.
 * @returns Epoch ms, or `undefined` without a cap.
 */
export function capEndsAt(flow: FlowProgress | undefined, policy: Pick<ResolvedPolicy, 'maxDuration'>): number | undefined {
    const cap = capOf(flow, policy);
    return cap === null || !flow ? undefined : flow.startedAt + cap;
}

/**
 * Whether the journey has run past its cap.
 *
 * @param flow The flow in progress.
 * @param policy The policy in force.
 * @param now Epoch ms.
 * @returns True at or after the cap's end.
 */
export function pastCap(flow: FlowProgress | undefined, policy: Pick<ResolvedPolicy, 'maxDuration'>, now: number): boolean {
    const end = capEndsAt(flow, policy);
    return end !== undefined && now >= end;
}

/**
 * How long the journey has been open: the stretches before (closed, then resumed) and the current one.
 *
 * @param flow The flow in progress.
 * @param now Epoch ms.
 * @returns Milliseconds; 0 without a flow.
 */
export function timeOpen(flow: FlowProgress | undefined, now: number): number {
    return flow ? Math.max(0, (flow.openBeforeMs ?? 0) + now - (flow.openedAt ?? flow.startedAt)) : 0;
}

/**
 * The journey's fields a new run of the same flow keeps (Start over): its first start, the cap's extension and
 * its open time, which goes on counting.
 *
 * @param flow The run that ends.
 * @returns The fields to copy into the new run.
 */
export function journeyOf(flow: FlowProgress): JourneyFields {
    return {
        startedAt: flow.startedAt,
        ...(flow.capExtendedMs ? { capExtendedMs: flow.capExtendedMs } : {}),
        ...(flow.openedAt !== undefined ? { openedAt: flow.openedAt } : {}),
        ...(flow.openBeforeMs ? { openBeforeMs: flow.openBeforeMs } : {}),
    };
}
