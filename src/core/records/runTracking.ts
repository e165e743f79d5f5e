import type { ConversationRef, TurnContextLike } from '../ports/activity';
import { randomUUID } from 'crypto';
import type { FlowInfo } from '../flows/flowInfo';
import { conversationKey, type FlowProgress } from '../turn/inactivityState';
import type { Plugin } from '../plugin';
import { holdoutGroupOf } from './holdout';
import { FLOW_RUN_VERSION, type FlowRunRecord, type RunOutcome, type RunStep } from './flowRun';

/** Steps kept per run: a flow that loops keeps its last ones (the state stays small). */
const MAX_STEPS = 50;

/** Reminders kept per run. */
const MAX_REMINDERS = 20;

/**
 * Gives a run its id (a flow begun, started over or resumed, or one saved by an older version). The arrays of
 * the progress are replaced, never changed in place: the storage's cache may share them.
 *
 * @param flow The flow in progress.
 */
export function ensureRun(flow: FlowProgress): void {
    if (!flow.runId) {
        flow.runId = randomUUID();
        flow.steps = [];
        flow.reminders = [];
    }
}

/**
 * Notes the step the user is at, when it differs from the last one noted.
 *
 * @param flow The flow in progress.
 * @param info Where the user is.
 * @param now The clock (epoch ms).
 */
export function noteStep(flow: FlowProgress, info: FlowInfo, now: number): void {
    ensureRun(flow);
    const step = stepIdOf(info);
    if (step === undefined) {
        return;
    }
    const steps = flow.steps ?? [];
    if (steps[steps.length - 1]?.step === step) {
        return;
    }
    const visit = {
        step,
        at: now,
        ...(info.stepIndex !== undefined ? { index: info.stepIndex } : {}),
        ...(steps.length === 0 && flow.resumedFrom ? { resumed: true as const } : {}),
    };
    flow.steps = [...steps, visit].slice(-MAX_STEPS);
}

/**
 * Notes a reminder sent in the run.
 *
 * @param flow The flow in progress.
 * @param now The clock (epoch ms).
 */
export function noteReminder(flow: FlowProgress, now: number): void {
    ensureRun(flow);
    flow.reminders = [...(flow.reminders ?? []), { at: now, ...lastStepOf(flow) }].slice(-MAX_REMINDERS);
}

/** The step noted last (the one the user is silent at), for a reminder or a skip. */
function lastStepOf(flow: FlowProgress): { step?: string; index?: number } {
    const last = flow.steps?.[flow.steps.length - 1];
    return last ? { step: last.step, ...(last.index !== undefined ? { index: last.index } : {}) } : {};
}

/**
 * Notes a reminder that was due and not sent.
 *
 * @param flow The flow in progress.
 * @param skip When, and why.
 */
export function noteSkippedReminder(flow: FlowProgress, skip: { at: number; reason: 'fatigue' | 'holdout' }): void {
    ensureRun(flow);
    flow.skippedReminders = [...(flow.skippedReminders ?? []), { ...skip, ...lastStepOf(flow) }].slice(-MAX_REMINDERS);
}

/**
 * Notes that the user wrote or clicked: the last reminder, if unanswered, was answered.
 *
 * @param flow The flow in progress.
 * @param now The clock (epoch ms).
 */
export function noteAnswer(flow: FlowProgress | undefined, now: number): void {
    const reminders = flow?.reminders;
    const last = reminders?.[reminders.length - 1];
    if (flow && reminders && last && last.answeredAt === undefined) {
        flow.reminders = [...reminders.slice(0, -1), { ...last, answeredAt: now }];
    }
    // A held-out run's would-be reminder is answered as a sent one is: the experiment compares the two.
    const skipped = flow?.skippedReminders;
    const lastSkip = skipped?.[skipped.length - 1];
    if (flow && skipped && lastSkip && lastSkip.reason === 'holdout' && lastSkip.answeredAt === undefined) {
        flow.skippedReminders = [...skipped.slice(0, -1), { ...lastSkip, answeredAt: now }];
    }
}

/**
 * The step id the report uses: the step's name, or its 1-based number.
 *
 * @param info Where the user is.
 * @returns The id, or `undefined` outside a waterfall.
 */
export function stepIdOf(info: Pick<FlowInfo, 'stepName' | 'stepIndex'>): string | undefined {
    return info.stepName ?? (info.stepIndex !== undefined ? String(info.stepIndex + 1) : undefined);
}

/** How a run ended, for {@link runRecord}. */
export interface RunEnd {
    /** The outcome. */
    outcome: RunOutcome;
    /** The reason, for an abandoned or handed-off run. */
    reason?: string;
    /** The snapshot saved for resuming, if any. */
    snapshotId?: string;
}

/** The end of a run to record. */
export interface RunEnding {
    /** The conversation (the plugin's stored reference: it names the user on timer turns too). */
    reference: ConversationRef;
    /** The run's progress. */
    flow: FlowProgress | undefined;
    /** How it ended. */
    end: RunEnd;
}

/** When a run's record is made, how its user is named, and its group in a holdout. */
export interface RecordContext {
    /** The clock (epoch ms). */
    now: number;
    /** How a user is stored. */
    userOf: (channelId: string, userId: string | undefined) => string | undefined;
    /** Whether the run is held out of reminders; `undefined` when no holdout is configured. */
    heldOut?: boolean;
}

/** The step of a reminder or a skip, without empty fields. */
function stepFields(r: { step?: string; index?: number }): { step?: string; index?: number } {
    return { ...(r.step !== undefined ? { step: r.step } : {}), ...(r.index !== undefined ? { index: r.index } : {}) };
}

/**
 * The record of a finished run.
 *
 * @param ending The run, its conversation and how it ended.
 * @param at When (epoch ms), and how the user is stored.
 * @returns The record.
 */
export function runRecord(ending: RunEnding & { flow: FlowProgress }, at: RecordContext): FlowRunRecord {
    const { flow, reference, end } = ending;
    const { now, userOf } = at;
    const visits = flow.steps ?? [];
    const startedAt = visits[0]?.at ?? flow.startedAt;
    const steps: RunStep[] = visits.map((v, i) => ({
        step: v.step,
        ...(v.index !== undefined ? { index: v.index } : {}),
        ms: Math.max(0, (visits[i + 1]?.at ?? now) - v.at),
        ...(v.resumed ? { resumed: true as const } : {}),
    }));
    const reminders = (flow.reminders ?? []).map((r) => ({ at: new Date(r.at), ...stepFields(r), answered: r.answeredAt !== undefined }));
    const skipped = (flow.skippedReminders ?? []).map((r) => ({
        at: new Date(r.at),
        reason: r.reason,
        ...stepFields(r),
        ...(r.reason === 'holdout' ? { answered: r.answeredAt !== undefined } : {}),
    }));
    const last = visits[visits.length - 1];
    const channelId = reference.channelId ?? 'unknown';
    const tenantId = (reference.conversation as { tenantId?: string } | undefined)?.tenantId;
    const runId = flow.runId ?? randomUUID();
    return {
        v: FLOW_RUN_VERSION,
        runId,
        flowId: flow.id,
        outcome: end.outcome,
        ...(end.outcome !== 'completed' && end.reason ? { reason: end.reason } : {}),
        ...(last ? { endStep: last.step, ...(last.index !== undefined ? { endStepIndex: last.index } : {}) } : {}),
        startedAt: new Date(startedAt),
        endedAt: new Date(now),
        durationMs: Math.max(0, now - startedAt),
        steps,
        reminders,
        ...(skipped.length ? { skippedReminders: skipped } : {}),
        ...(at.heldOut !== undefined ? { heldOut: at.heldOut } : {}),
        reminded: reminders.length > 0,
        answeredAfterReminder: reminders.some((r) => r.answered),
        resumed: Boolean(flow.resumedFrom),
        ...(flow.resumedFrom ? { resumedFrom: flow.resumedFrom } : {}),
        ...(end.snapshotId ? { snapshotId: end.snapshotId } : {}),
        extensions: flow.extensions ?? 0,
        channelId,
        ...(tenantId ? { tenantId } : {}),
        user: userOf(channelId, reference.user?.id),
    };
}

/**
 * Records the end of a run, once (the record's id comes from the run), within the scheduler's time bound. A
 * storage failure is reported, never thrown. Nothing happens without a records store (no MongoDB) or a run.
 *
 * @param turn The turn (its context may be absent outside one).
 * @param ending The run and how it ended.
 */
export async function recordRun(turn: { plugin: Plugin; context?: TurnContextLike }, ending: RunEnding): Promise<void> {
    const { plugin, context } = turn;
    const store = plugin.flowRuns;
    if (!store || !ending.flow) {
        return;
    }
    try {
        const flow = ending.flow;
        const record = runRecord(
            { flow, reference: ending.reference, end: ending.end },
            { now: plugin.now(), userOf: (c, u) => store.userOf(c, u), heldOut: flow.runId ? holdoutGroupOf(plugin, ending.reference, flow.runId) : undefined }
        );
        await plugin.bounded(store.record(conversationKey(ending.reference), record), 'record the flow run');
    } catch (err) {
        plugin.warn(err, context);
    }
}
