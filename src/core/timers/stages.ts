import type { InactivityState } from '../turn/inactivityState';
import type { ResolvedPolicy } from '../policy/options';
import { capEndsAt } from '../flows/journey';

/** A step of the ladder: the reminder, the final action, or the end of the flow's maximum duration. */
export type StageName = 'reminder' | 'final' | 'maxDuration';

/** A stage and when it comes due (epoch ms). */
export interface Stage {
    /** Which stage. */
    name: StageName;
    /** When it is due. */
    at: number;
}

/**
 * A timer may fire a little before a stage's time (clock differences between bot instances). Stages due
 * within this margin are taken rather than re-armed for a few milliseconds later.
 */
export const EARLY_TOLERANCE_MS = 50;

/**
 * The stages still to come for the flow in progress, in time order. Idle stages count from the user's last
 * message and wait for a typing hold to end; `maxDuration` counts from the flow's start.
 *
 * @param state The plugin's record.
 * @param policy The policy in force.
 * @returns Stages not yet taken since the last user message.
 */
export function pendingStages(state: InactivityState, policy: ResolvedPolicy): Stage[] {
    if (!policy.enabled) {
        return [];
    }
    const stages: Stage[] = [];
    const reminding = policy.remind && policy.reminderAfter < policy.closeAfter;
    // More time given with extend() moves the idle stages still to come (maxDuration is a cap: only
    // extend(context, { maxDuration }) moves it).
    const origin = state.lastUserActivityAt + (state.extension?.ms ?? 0);
    if (reminding) {
        stages.push({ name: 'reminder', at: origin + policy.reminderAfter });
    }
    let final = origin + policy.closeAfter;
    const remindedAt = state.flow?.remindedAt;
    if (reminding && remindedAt !== undefined && state.stagesDone.includes('reminder')) {
        // A reminder that went out late (a queue that could not keep up, a bot that was down) still gives the
        // user the time it announced before the final action.
        final = Math.max(final, remindedAt + policy.closeAfter - policy.reminderAfter + (state.extension?.afterReminderMs ?? 0));
    }
    stages.push({ name: 'final', at: final });
    const capEnd = capEndsAt(state.flow, policy);
    if (capEnd !== undefined) {
        stages.push({ name: 'maxDuration', at: capEnd });
    }
    // A user who is typing is not reminded or closed on while the hold lasts (the cap is not held).
    const held = state.typing?.until ?? 0;
    return stages
        .filter((s) => !state.stagesDone.includes(s.name))
        .map((s) => (s.name === 'maxDuration' || s.at >= held ? s : { ...s, at: held }))
        .sort((a, b) => a.at - b.at);
}

/**
 * When the conversation's timer should next fire.
 *
 * @param state The plugin's record.
 * @param policy The policy in force.
 * @returns Epoch ms, or `undefined` when nothing is left to do.
 */
export function nextDue(state: InactivityState, policy: ResolvedPolicy): number | undefined {
    return pendingStages(state, policy)[0]?.at;
}

/**
 * Which stage to take now. A due reminder is always taken first, however late (a burst the bot could not keep
 * up with, a bot that was down): the final action then comes `closeAfter - reminderAfter` after it, as the
 * reminder announces, so a user never gets a reminder and a goodbye at once and never a goodbye unwarned. Only a
 * flow past its `maxDuration` ends at once, settling every stage due.
 *
 * @param state The plugin's record.
 * @param policy The policy in force.
 * @param now The time.
 * @returns The stage to take and every stage it settles, or `undefined` when none is due.
 */
export function dueStage(state: InactivityState, policy: ResolvedPolicy, now: number): { stage: Stage; settled: StageName[] } | undefined {
    const due = pendingStages(state, policy).filter((s) => s.at <= now + EARLY_TOLERANCE_MS);
    if (due.length === 0) {
        return undefined;
    }
    const cap = due.find((s) => s.name === 'maxDuration');
    if (cap) {
        return { stage: cap, settled: due.map((s) => s.name) };
    }
    const reminder = due.find((s) => s.name === 'reminder');
    if (reminder) {
        return { stage: reminder, settled: ['reminder'] };
    }
    return { stage: due[0], settled: due.map((s) => s.name) };
}
