import createDebug from 'debug';
import type { AbandonReason } from '../records/abandonmentLog';
import { sendWithin } from './sendWithin';
import { abandonmentDraft, EndedRun, recordAbandonment, trackFinal } from '../flows/abandonment';
import { beginFallback } from '../flows/endFlow';
import { saveSnapshot, snapshotOf } from '../flows/snapshot';
import { DeliveryClaim, forgetFlow, InactivityState, readState } from '../turn/inactivityState';
import { TelemetryEvents, track } from '../telemetry';
import { conversationIdOf, idleMsOf, stepNumberOf } from '../turn/turn';
import { timeoutError, withTimeout } from '../util/withTimeout';
import { afterConflict, claimStage, inFlow, Outcome, TimerFlowTurn, TimerTurn } from './timerClaim';
import { failure } from './timerFailure';

const debug = createDebug('botbuilder-inactivity:timer');

/**
 * Sends a claimed stage's activities (a final action's, or a reminder's on a retry); on success records the
 * abandonment.
 *
 * @param turn The timer's turn.
 * @param claim The claim.
 * @returns What the firing decided.
 */
export async function deliver(turn: TimerTurn, claim: DeliveryClaim): Promise<Outcome> {
    const { plugin, context, state, timer } = turn;
    try {
        await sendWithin(context, claim.activities ?? [], plugin.settings.sendTimeout);
    } catch (err) {
        return sendFailed(turn, claim, err);
    }
    if (claim.action === 'reminder') {
        // A retried reminder says what the first attempt would have: the flow, its step, the idle time.
        const flowTurn = state.flow ? await inFlow(turn) : undefined;
        const info = flowTurn?.info;
        track(
            { client: plugin.telemetry, onError: (e) => plugin.warn(e, context) },
            {
                name: TelemetryEvents.reminderSent,
                properties: { conversationId: conversationIdOf(turn), dialogId: state.flow?.id, step: stepNumberOf(info) },
                metrics: { idleMs: idleMsOf(turn), attempt: timer.attempt },
            }
        );
        if (state.flow) {
            await plugin.lifecycle.emit(context, 'reminded', { flowId: state.flow.id, stepIndex: info?.stepIndex, stepId: info?.stepName });
        }
        return { next: state.armedFor };
    }
    if (claim.abandonment) {
        await recordAbandonment(turn, { draft: claim.abandonment, eventId: claim.id, run: endedRun(state, claim) });
        await trackFinal(turn, { action: claim.action === 'handoff' ? 'handoff' : 'close', draft: claim.abandonment, reason: claim.abandonment.reason });
    }
    return {};
}

/**
 * Begins the fallback flow of a claimed final action, bounded by `sendTimeout`.
 *
 * @param turn The timer's turn, in the flow.
 * @param claim The claim.
 * @returns What the firing decided.
 */
export async function runFallback(turn: TimerFlowTurn, claim: DeliveryClaim): Promise<Outcome> {
    const { plugin, context, state, record } = turn;
    const fallbackDialog = turn.policy.fallbackDialog as string;
    try {
        await withTimeout(beginFallback(turn, fallbackDialog), plugin.settings.sendTimeout, () =>
            timeoutError(`Gave up after ${plugin.settings.sendTimeout} ms.`)
        );
    } catch (err) {
        return sendFailed(turn, claim, err);
    }
    // The fallback changed the flow state after the claim: store it while the claim still stands.
    await plugin.conversations.set(context, { ...state, delivery: { ...claim, status: 'done' } });
    const stored = await plugin.conversations
        .rewriteIf(context, record.key, (stored) => readState(stored)?.delivery?.id === claim.id)
        .catch((err: unknown) => {
            plugin.warn(err, context);
            return false;
        });
    if (!stored) {
        debug('%s: the user wrote while the fallback began; their turn stands', record.key);
    }
    if (claim.abandonment) {
        await recordAbandonment(turn, { draft: claim.abandonment, eventId: claim.id, run: endedRun(state, claim) });
        await trackFinal(turn, { action: 'dialog', draft: claim.abandonment, reason: claim.abandonment.reason, fallbackDialog });
    }
    return {};
}

/**
 * A retry of a claimed stage whose last send failed: the same activities, claimed again.
 *
 * @param turn The timer's turn.
 * @param claimed The claim stored by the failed attempt.
 * @returns What the firing decided.
 */
export async function resend(turn: TimerTurn, claimed: DeliveryClaim): Promise<Outcome> {
    const claim: DeliveryClaim = { ...claimed, status: 'sending', attempts: turn.timer.attempt };
    turn.state.delivery = claim;
    if (!(await claimStage(turn))) {
        return afterConflict(turn);
    }
    if (claim.action === 'dialog') {
        const flowTurn = await inFlow(turn);
        if (!flowTurn?.policy.fallbackDialog) {
            await settle(turn, claim, 'undeliverable');
            return {};
        }
        return runFallback(flowTurn, claim);
    }
    return deliver(turn, claim);
}

/**
 * A send failed. Reported (onError and `InactivitySendFailed`) every time; retried with the scheduler's backoff
 * unless the failure is permanent or this was the last attempt, in which case the flow is closed without a
 * message and recorded as `undeliverable`.
 *
 * @param turn The timer's turn.
 * @param claim The claim whose send failed.
 * @param err What the send threw.
 * @returns What the firing decided.
 */
export async function sendFailed(turn: TimerTurn, claim: DeliveryClaim, err: unknown): Promise<Outcome> {
    const { plugin, context, timer, record } = turn;
    const error = failure(turn, { what: `send the ${claim.action}`, err, claim });
    if (error.permanent || timer.lastAttempt) {
        await giveUp(turn, claim);
        return { retry: error };
    }
    // Keep the claim and mark it for the retry, unless the user wrote meanwhile (then their turn stands).
    await plugin.conversations.load(context, true);
    const fresh = readState(await plugin.conversations.get(context));
    if (fresh && fresh.delivery?.id === claim.id) {
        await plugin.conversations.set(context, { ...fresh, delivery: { ...claim, status: 'retry', attempts: timer.attempt } });
        await plugin.conversations
            .rewriteIf(context, record.key, (stored) => readState(stored)?.delivery?.id === claim.id)
            .catch((e: unknown) => plugin.warn(e, context));
    }
    return { retry: error };
}

/**
 * The last attempt failed, or the channel refused for good: close the flow silently and record it.
 *
 * @param turn The timer's turn.
 * @param claim The claim given up.
 */
export async function giveUp(turn: TimerTurn, claim: DeliveryClaim): Promise<void> {
    const { plugin, context } = turn;
    // Work from what is stored now: a fallback may have half begun in this turn's cache.
    await plugin.conversations.load(context, true);
    const state = readState(await plugin.conversations.get(context));
    if (!state || state.delivery?.id !== claim.id) {
        return;
    }
    turn.state = state;
    if (claim.action === 'reminder' || claim.action === 'dialog') {
        // The flow is still open in storage: close it as a timeout close would, without a message.
        const flowTurn = await inFlow(turn);
        if (flowTurn) {
            const snapshot = snapshotOf(flowTurn, { reason: 'undeliverable', id: claim.id, flowState: await plugin.flows.save(context) });
            const saved = snapshot ? await saveSnapshot(turn, snapshot) : false;
            claim.abandonment = abandonmentDraft(flowTurn, 'undeliverable', saved ? claim.id : undefined);
            claim.run = state.flow;
            await plugin.flows.clear(context);
        }
        forgetFlow(state);
        state.armedFor = undefined;
    }
    await settle(turn, claim, 'undeliverable');
}

/**
 * Marks a claim settled in storage and records its abandonment with `reason`, once.
 *
 * @param turn The timer's turn.
 * @param claim The claim.
 * @param reason Why the flow ended.
 */
export async function settle(turn: TimerTurn, claim: DeliveryClaim, reason: AbandonReason): Promise<void> {
    const { plugin, context, state, record } = turn;
    await plugin.conversations.set(context, { ...state, delivery: { ...claim, status: 'done', activities: undefined } });
    const stored = await plugin.conversations
        .rewriteIf(context, record.key, (item) => readState(item)?.delivery?.id === claim.id)
        .catch((err: unknown) => {
            plugin.warn(err, context);
            return false;
        });
    if (stored && claim.abandonment) {
        const draft = { ...claim.abandonment, reason };
        await recordAbandonment(turn, { draft, eventId: claim.id, run: endedRun(state, claim) });
        await trackFinal(turn, { action: claim.action === 'handoff' ? 'handoff' : claim.action === 'dialog' ? 'dialog' : 'close', draft, reason });
    }
}

function endedRun(state: InactivityState, claim: DeliveryClaim): EndedRun {
    return { flow: claim.run, reference: state.reference, outcome: claim.action === 'handoff' ? 'handedOff' : 'abandoned' };
}
