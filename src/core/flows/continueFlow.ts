import { TelemetryEvents, track } from '../telemetry';
import { textActivity } from '../texts/messages';
import { conversationIdOf, FlowTurn, idleMsOf, stepNumberOf, Turn } from '../turn/turn';
import { abandonmentDraft, recordAbandonment, runOf } from './abandonment';
import { journeyOf } from './journey';

/**
 * Re-asks the step the user was on (Continue).
 *
 * @param turn The turn, with the flow when one is active.
 */
export async function continueFlow(turn: Turn & Partial<Pick<FlowTurn, 'info'>>): Promise<void> {
    const { plugin, context, state, info } = turn;
    if (!info || !(await plugin.flows.canDrive(context))) {
        await context.sendActivity(textActivity(plugin.localizer.t(state.locale, 'continue.nothingToContinue')));
        return;
    }
    await context.sendActivity(textActivity(plugin.localizer.t(state.locale, 'continue.text')));
    await plugin.flows.reask(context);
    track(
        { client: plugin.telemetry, onError: (e) => plugin.warn(e, context) },
        {
            name: TelemetryEvents.continued,
            properties: { conversationId: conversationIdOf(turn), dialogId: info.flowId, step: stepNumberOf(info) },
            metrics: { idleMs: idleMsOf(turn) },
        }
    );
}

/**
 * Cancels the flow the user was in and begins it again with its original options (Start over).
 *
 * @param turn The turn, with the flow when one is active.
 */
export async function startOver(turn: Turn & Partial<FlowTurn>): Promise<void> {
    const { plugin, context, state, info } = turn;
    if (!info || !(await plugin.flows.canDrive(context, info))) {
        await context.sendActivity(textActivity(plugin.localizer.t(state.locale, 'continue.nothingToContinue')));
        return;
    }
    const flowTurn = turn as FlowTurn;
    await recordAbandonment(turn, { draft: abandonmentDraft(flowTurn, 'userCancelled'), run: runOf(state, 'abandoned') });
    await context.sendActivity(textActivity(plugin.localizer.t(state.locale, 'startOver.text')));
    await plugin.flows.restart(context, info);
    // maxDuration counts from the flow's first start, and the time spent goes on: starting over restarts neither.
    state.flow = { id: info.flowId, ...(state.flow?.id === info.flowId ? journeyOf(state.flow) : { startedAt: plugin.now() }), reminded: false };
    track(
        { client: plugin.telemetry, onError: (e) => plugin.warn(e, context) },
        {
            name: TelemetryEvents.startedOver,
            properties: { conversationId: conversationIdOf(turn), dialogId: info.flowId, step: stepNumberOf(info) },
            metrics: { idleMs: idleMsOf(turn) },
        }
    );
    // A new run of the flow: its `started` follows the old run's `abandoned` (userCancelled).
    const restarted = plugin.flows.inspect(await plugin.flows.path(context));
    await plugin.lifecycle.emit(context, 'started', { flowId: info.flowId, stepIndex: restarted?.stepIndex, stepId: restarted?.stepName });
}
