import { randomUUID } from 'crypto';
import type { AbandonmentEvent, AbandonReason } from '../records/abandonmentLog';
import type { RunOutcome } from '../records/flowRun';
import { noteStep, recordRun } from '../records/runTracking';
import { TelemetryEvents, track } from '../telemetry';
import type { AbandonmentDraft, FlowProgress, InactivityState } from '../turn/inactivityState';
import { conversationIdOf, FlowTurn, Turn } from '../turn/turn';
import { timeOpen } from './journey';

/**
 * What a flow's abandonment will be recorded as: where the user was and what they had done, names only.
 *
 * @param turn The turn, in the flow (its record before the flow is cleared).
 * @param reason Why it ends.
 * @param snapshotId The snapshot saved for resuming, if any.
 * @returns The draft.
 */
export function abandonmentDraft(turn: FlowTurn, reason: AbandonReason, snapshotId?: string): AbandonmentDraft {
    const { plugin, state, info } = turn;
    const now = plugin.now();
    if (state.flow) {
        // The step the run ends at, if the user never answered it (reached when the bot last asked).
        noteStep(state.flow, info, state.lastUserActivityAt);
    }
    return {
        reason,
        flowId: info.flowId,
        stepId: info.stepName ?? (info.stepIndex !== undefined ? String(info.stepIndex + 1) : undefined),
        stepIndex: info.stepIndex,
        // WaterfallDialog keeps its own telemetry id in `values`: it is not something the user gave.
        fieldsCollected: Object.keys(info.values).filter((k) => k !== 'instanceId'),
        reminderSent: Boolean(state.flow?.reminded),
        // The time the journey was open, across Start over and Resume; not the time it sat closed.
        timeSpentMs: timeOpen(state.flow, now),
        idleMs: now - state.lastUserActivityAt,
        ...(snapshotId ? { snapshotId } : {}),
    };
}

/** The flow run an abandonment ends, for its drop-off record. */
export interface EndedRun {
    /** The run's progress. */
    flow: FlowProgress | undefined;
    /** The conversation (the plugin's stored reference). */
    reference: InactivityState['reference'];
    /** How it ended. */
    outcome: RunOutcome;
}

/**
 * The run in progress in a conversation, as ended now.
 *
 * @param state The plugin's record, before the flow is cleared.
 * @param outcome How it ends.
 * @returns What {@link recordAbandonment} records.
 */
export function runOf(state: InactivityState, outcome: RunOutcome): EndedRun {
    return { flow: state.flow, reference: state.reference, outcome };
}

/** One abandonment to record. */
export interface AbandonmentRecord {
    /** What to record. */
    draft: AbandonmentDraft;
    /** The event's id; recording the same id twice stores one. Default: a random id. */
    eventId?: string;
    /** The run it ends, for its drop-off record. */
    run?: EndedRun;
}

/**
 * Records one abandonment event (MongoDB and telemetry) and, when given, the record of the run it ends.
 * Recording the same `eventId` (or run) twice stores one. A storage failure is reported, never thrown.
 *
 * @param turn The turn.
 * @param abandonment What to record.
 */
export async function recordAbandonment(turn: Pick<Turn, 'plugin' | 'context'>, abandonment: AbandonmentRecord): Promise<void> {
    const { plugin, context } = turn;
    const { draft, run } = abandonment;
    const ending = run
        ? recordRun(turn, { reference: run.reference, flow: run.flow, end: { outcome: run.outcome, reason: draft.reason, snapshotId: draft.snapshotId } })
        : undefined;
    const event: AbandonmentEvent = {
        id: abandonment.eventId ?? randomUUID(),
        v: 1,
        at: new Date(plugin.now()),
        ...draft,
        channelId: context.activity.channelId ?? '',
        conversationId: conversationIdOf(turn),
        resumed: false,
    };
    const step = draft.stepIndex !== undefined ? draft.stepIndex + 1 : undefined;
    track(
        { client: plugin.telemetry, onError: (e) => plugin.warn(e, context) },
        {
            name: TelemetryEvents.flowAbandoned,
            properties: {
                conversationId: event.conversationId,
                dialogId: event.flowId,
                step,
                stepId: event.stepId,
                reason: event.reason,
                reminderSent: event.reminderSent,
                fieldsCollected: event.fieldsCollected.join(','),
                snapshotId: event.snapshotId,
            },
            metrics: { timeSpentMs: event.timeSpentMs, idleMs: event.idleMs },
        }
    );
    if (plugin.abandonments) {
        await plugin.bounded(plugin.abandonments.record(event), 'record an abandonment').catch((err: unknown) => plugin.warn(err, context));
    }
    await ending;
    await plugin.lifecycle.emit(context, 'abandoned', { flowId: draft.flowId, stepIndex: draft.stepIndex, stepId: draft.stepId, reason: draft.reason });
}

/** A final action taken, for its telemetry event and flow event. */
export interface FinalAction {
    /** What was done. */
    action: 'close' | 'handoff' | 'dialog';
    /** The abandonment. */
    draft: AbandonmentDraft;
    /** Why the flow ended. */
    reason: AbandonReason;
    /** The fallback begun, for `dialog`. */
    fallbackDialog?: string;
}

/**
 * Sends the telemetry event of a final action, and raises its flow event (`closed`, `handedOff`; a fallback
 * dialog has none of its own: its `abandoned` says it).
 *
 * @param turn The turn.
 * @param final What was done and why.
 */
export async function trackFinal(turn: Pick<Turn, 'plugin' | 'context'>, final: FinalAction): Promise<void> {
    const { plugin, context } = turn;
    const { action, draft, reason, fallbackDialog } = final;
    const name = action === 'handoff' ? TelemetryEvents.handedOff : action === 'dialog' ? TelemetryEvents.fallbackStarted : TelemetryEvents.closed;
    const step = draft.stepIndex !== undefined ? draft.stepIndex + 1 : undefined;
    const props = {
        conversationId: conversationIdOf(turn),
        dialogId: draft.flowId,
        step,
        reason,
        ...(action === 'close' ? { resumable: Boolean(draft.snapshotId) } : {}),
        ...(fallbackDialog ? { fallbackDialog } : {}),
    };
    track(
        { client: plugin.telemetry, onError: (e) => plugin.warn(e, context) },
        { name, properties: props, metrics: { idleMs: draft.idleMs, timeSpentMs: draft.timeSpentMs } }
    );
    if (action !== 'dialog') {
        await plugin.lifecycle.emit(context, action === 'handoff' ? 'handedOff' : 'closed', {
            flowId: draft.flowId,
            stepIndex: draft.stepIndex,
            stepId: draft.stepId,
            reason,
        });
    }
}
