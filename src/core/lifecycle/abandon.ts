import type { TurnContext } from 'botbuilder';
import { randomUUID } from 'crypto';
import { activePath, inspectFlow, resolvePolicy } from '../../botbuilder/dialogPath';
import { abandonmentDraft, cancelAll, EndedRun, recordAbandonment, runOf, saveSnapshot, snapshotOf } from '../flows/flowActions';
import { conversationKey, InactivityState } from '../turn/inactivityState';
import type { Services } from '../runtime';
import type { DialogState } from 'botbuilder-dialogs';
import type { AbandonmentDraft } from '../turn/inactivityState';
import type { FlowSnapshot } from '../records/snapshotStore';
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
 * dialogs, clears the flow from the plugin's record, cancels the conversation's timer and records the
 * abandonment (MongoDB, telemetry, the `abandoned` hook). Sends nothing: what to say is the bot's.
 *
 * @param svc The services.
 * @param context The turn.
 * @param reason The bot's reason (see {@link checkAbandonReason}).
 * @param turnState The plugin's record of the user turn running through the middleware, if this is one: it is
 *   changed in place and stored by that turn. Otherwise the stored state is changed conditionally.
 * @returns True when a flow was in progress and was abandoned.
 */
export async function abandonFlow(svc: Services, context: TurnContext, reason: string, turnState: InactivityState | undefined): Promise<boolean> {
    checkAbandonReason(reason);
    const decided = turnState ? await decide(svc, context, turnState, reason) : await updateStored(svc, context, (state) => decide(svc, context, state, reason));
    if (!decided) {
        return false;
    }
    const saved = decided.snapshot ? await saveSnapshot(svc, context, decided.snapshot) : false;
    const draft = saved ? { ...decided.draft, snapshotId: decided.id } : decided.draft;
    const cancelling = svc.scheduler
        ? svc.budget(svc.scheduler.cancel(decided.key), 'cancel the timer').catch((err: unknown) => svc.report(err, context))
        : undefined;
    await Promise.all([recordAbandonment(svc, context, draft, decided.id, decided.run), cancelling]);
    return true;
}

async function decide(svc: Services, context: TurnContext, state: InactivityState, reason: string): Promise<Decided | undefined> {
    if (!state.flow) {
        return undefined;
    }
    const dialogState = structuredClone(await svc.dialogState.get(context, { dialogStack: [] })) as DialogState;
    const info = inspectFlow(activePath(dialogState), svc.settings.flows, svc.options.dialog);
    if (!info) {
        return undefined;
    }
    const policy = resolvePolicy(svc.settings.policy, info, svc.settings.flows);
    const id = randomUUID();
    const snapshot = snapshotOf(svc, context, state, info, policy, reason, id, dialogState);
    const draft = abandonmentDraft(svc, state, info, reason);
    const run = runOf(state, 'abandoned');
    await cancelAll(svc, context);
    state.flow = undefined;
    state.pending = undefined;
    state.armedFor = undefined;
    state.invalid = undefined;
    state.extension = undefined;
    // A reminder the timer was retrying is not sent after the flow is gone.
    state.delivery = undefined;
    return { id, draft, snapshot, key: conversationKey(state.reference), run };
}
