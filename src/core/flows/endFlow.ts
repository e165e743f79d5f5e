import { randomUUID } from 'crypto';
import type { AbandonReason } from '../records/abandonmentLog';
import { textActivity } from '../texts/messages';
import { forgetFlow } from '../turn/inactivityState';
import type { FlowTurn, Turn } from '../turn/turn';
import { abandonmentDraft, recordAbandonment, runOf, trackFinal } from './abandonment';
import { closeActivities, handoffActivities } from './finalActivities';
import { saveSnapshot, snapshotOf } from './snapshot';

/**
 * Ends the flow: every flow the user is in (and what surrounds it) without a result, and the plugin's record of
 * it (the run, buttons waiting for a click). The one place a flow is cleared.
 *
 * @param turn The turn.
 */
export async function clearFlow(turn: Turn): Promise<void> {
    await turn.plugin.flows.clear(turn.context);
    forgetFlow(turn.state);
}

/**
 * Whether the fallback flow can begin; reported when it is not registered where it could.
 *
 * @param turn The turn, in the flow.
 * @param fallback The fallback's id.
 * @returns True when it can.
 */
export async function fallbackAvailable(turn: FlowTurn, fallback: string): Promise<boolean> {
    if (await turn.plugin.flows.hasFallback(turn.context, { info: turn.info, fallback })) {
        return true;
    }
    turn.plugin.warn(
        new Error(`The fallback dialog '${fallback}' is not registered in the flow '${turn.info.flowId}' or beside it; the flow was closed instead.`),
        turn.context
    );
    return false;
}

/**
 * Says "Let's try something else" and begins the fallback flow.
 *
 * @param turn The turn, in the flow.
 * @param fallback The fallback's id.
 * @returns False when it cannot begin (nothing was sent).
 */
export async function beginFallback(turn: FlowTurn, fallback: string): Promise<boolean> {
    if (!(await fallbackAvailable(turn, fallback))) {
        return false;
    }
    await turn.context.sendActivity(textActivity(turn.plugin.localizer.t(turn.state.locale, 'fallback.text')));
    return turn.plugin.flows.beginFallback(turn.context, { info: turn.info, fallback });
}

/**
 * Takes a flow's final action in a user's turn (invalid answers, maxDuration): close (saving the flow for
 * resuming), hand off to a human, or begin the fallback flow. Records the abandonment. A timer's turn does the
 * same in steps, claiming before it sends (see timers/timerTurn.ts).
 *
 * @param turn The turn, in the flow; its record is cleared of the flow.
 * @param reason Why the flow ends.
 */
export async function endFlow(turn: FlowTurn, reason: AbandonReason): Promise<void> {
    const { context, state, policy } = turn;
    const id = randomUUID();
    if (policy.finalAction === 'handoff') {
        const draft = abandonmentDraft(turn, reason === 'timeout' ? 'handoff' : reason);
        await context.sendActivities(handoffActivities(turn, reason));
        await turn.plugin.flows.clear(context);
        await recordAbandonment(turn, { draft, eventId: id, run: runOf(state, 'handedOff') });
        await trackFinal(turn, { action: 'handoff', draft, reason });
    } else if (policy.finalAction === 'dialog' && policy.fallbackDialog && (await fallbackAvailable(turn, policy.fallbackDialog))) {
        const draft = abandonmentDraft(turn, reason);
        await beginFallback(turn, policy.fallbackDialog);
        await recordAbandonment(turn, { draft, eventId: id, run: runOf(state, 'abandoned') });
        await trackFinal(turn, { action: 'dialog', draft, reason, fallbackDialog: policy.fallbackDialog });
    } else {
        const snapshot = snapshotOf(turn, { reason, id, flowState: await turn.plugin.flows.save(context) });
        const saved = snapshot ? await saveSnapshot(turn, snapshot) : false;
        const draft = abandonmentDraft(turn, reason, saved ? id : undefined);
        await turn.plugin.flows.clear(context);
        await context.sendActivities(closeActivities(turn, reason, saved && snapshot ? snapshot.expiresAt - snapshot.createdAt : undefined));
        await recordAbandonment(turn, { draft, eventId: id, run: runOf(state, 'abandoned') });
        await trackFinal(turn, { action: 'close', draft, reason });
    }
    // The record of the flow goes last: the hooks of the abandonment above still see the flow in this turn.
    forgetFlow(state);
}
