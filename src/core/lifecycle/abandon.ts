import { randomUUID } from 'crypto';
import { resolvePolicy } from '../flows/flowInfo';
import { abandonmentDraft, EndedRun, recordAbandonment, runOf } from '../flows/abandonment';
import { clearFlow } from '../flows/endFlow';
import { saveSnapshot, snapshotOf } from '../flows/snapshot';
import { conversationKey, InactivityState } from '../turn/inactivityState';
import type { AbandonmentDraft } from '../turn/inactivityState';
import type { FlowSnapshot } from '../records/snapshotStore';
import type { Turn } from '../turn/turn';
import { checkAbandonReason } from './abandonReason';
import { updateStored } from './conditionalUpdate';

/** An abandonment decided and stored in the state, its records still to write. */
interface Decided {
    id: string;
    draft: AbandonmentDraft;
    snapshot?: FlowSnapshot;
    key: string;
    /** The run it ends, for its drop-off record. */
    run: EndedRun;
}

/**
 * Abandons the flow in progress with the bot's own reason: saves it for resuming (as a close does), ends the
 * flow, clears it from the plugin's record, cancels the conversation's timer and records the abandonment
 * (MongoDB, telemetry, the `abandoned` hook). Sends nothing: what to say is the bot's.
 *
 * @param turn The turn; its `state` is the plugin's record of the user turn running through the middleware, if
 *   this is one (changed in place and stored by that turn). Otherwise the stored state is changed conditionally.
 * @param reason The bot's reason (see {@link checkAbandonReason}).
 * @returns True when a flow was in progress and was abandoned.
 */
export async function abandonFlow(turn: Omit<Turn, 'state'> & { state?: InactivityState }, reason: string): Promise<boolean> {
    checkAbandonReason(reason);
    const { plugin, context } = turn;
    const decided = turn.state
        ? await decide({ plugin, context, state: turn.state }, reason)
        : await updateStored(plugin, context, (state) => decide({ plugin, context, state }, reason));
    if (!decided) {
        return false;
    }
    const saved = decided.snapshot ? await saveSnapshot(turn, decided.snapshot) : false;
    const draft = saved ? { ...decided.draft, snapshotId: decided.id } : decided.draft;
    const cancelling = plugin.scheduler
        ? plugin.bounded(plugin.scheduler.cancel(decided.key), 'cancel the timer').catch((err: unknown) => plugin.warn(err, context))
        : undefined;
    await Promise.all([recordAbandonment(turn, { draft, eventId: decided.id, run: decided.run }), cancelling]);
    return true;
}

async function decide(turn: Turn, reason: string): Promise<Decided | undefined> {
    const { plugin, context, state } = turn;
    if (!state.flow) {
        return undefined;
    }
    const info = plugin.flows.inspect(await plugin.flows.path(context));
    if (!info) {
        return undefined;
    }
    const flowTurn = { ...turn, info, policy: resolvePolicy(plugin.settings, info, context.activity.channelId) };
    const id = randomUUID();
    const snapshot = snapshotOf(flowTurn, { reason, id, flowState: await plugin.flows.save(context) });
    const draft = abandonmentDraft(flowTurn, reason);
    const run = runOf(state, 'abandoned');
    await clearFlow(turn);
    state.armedFor = undefined;
    state.invalid = undefined;
    state.extension = undefined;
    // A reminder the timer was retrying is not sent after the flow is gone.
    state.delivery = undefined;
    return { id, draft, snapshot, key: conversationKey(state.reference), run };
}
