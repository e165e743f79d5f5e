import { markedFlowOf } from '../markers/flowMarker';
import { randomUUID } from 'crypto';
import createDebug from 'debug';
import type { TurnContextLike } from '../ports/activity';
import type { ConversationRecord } from '../ports/conversationStore';
import { newNonce } from '../turn/buttonPayload';
import { sendWithin } from './sendWithin';
import { abandonmentDraft } from '../flows/abandonment';
import { fallbackAvailable } from '../flows/endFlow';
import { closeActivities, handoffActivities } from '../flows/finalActivities';
import { saveSnapshot, snapshotOf } from '../flows/snapshot';
import { addTranscriptLine, DeliveryClaim, forgetFlow, readState } from '../turn/inactivityState';
import { dueStage, nextDue, Stage, StageName } from './stages';
import { describeFlow, reminderActivity } from '../texts/messages';
import type { DueTimer, DueTimerHandler } from '../ports/timerScheduler';
import type { Plugin } from '../plugin';
import { TelemetryEvents, track } from '../telemetry';
import { ensureRun, noteReminder, noteStep } from '../records/runTracking';
import { holdoutGroupOf } from '../records/holdout';
import { conversationIdOf } from '../turn/turn';
import { timeoutError, withTimeout } from '../util/withTimeout';
import { afterConflict, claimStage, inFlow, Outcome, TimerFlowTurn, TimerTurn } from './timerClaim';
import { deliver, resend, runFallback, sendFailed, settle } from './timerDelivery';
import { failure, reportMissingState, UNDECIDED_RETRY_MS } from './timerFailure';
import { countIgnoredReminder, reminderPaused, reminderUnanswered, skipReminder } from './reminderFatigue';

export type { TimerTurn } from './timerClaim';

const debug = createDebug('botbuilder-inactivity:timer');

/**
 * A user turn still marked as being answered after this long is taken to have died without storing its reply:
 * the silence then counts from its message.
 */
const MAX_REPLY_MS = 2 * 60_000;

/**
 * What happens when a conversation's timer fires: a proactive turn reads the conversation's state, decides the
 * due stage, and **claims** it — saves the decision with the eTag it read — before anything is sent. A user
 * message stored in between (on any instance) makes the claim conflict: nothing is sent and the timer moves to
 * the newer message. Only after a claim do the reminder, goodbye, snapshot, abandonment event or handoff happen.
 *
 * A send the channel refuses is retried by the scheduler with backoff (the claim stays, so a retry sends the
 * very same activities); a 401/403/404, or the last attempt failing, closes the flow without a message and
 * records it as `undeliverable`. A crash in the middle of a send leaves the stage claimed: it is never sent twice.
 *
 * @param plugin The plugin.
 * @returns The handler to give the scheduler.
 */
export function createTimerHandler(plugin: Plugin): DueTimerHandler {
    const reportedMissing = new Set<string>();
    return async (timer: DueTimer) => {
        let outcome: Outcome = {};
        const turn = plugin.bot.continueConversation(timer.data.reference, async (context) => {
            // Never throws: an error escaping here would reach the adapter's onTurnError, whose usual handlers
            // tell the user "something went wrong" in a turn the user did not start.
            outcome = await onDue({ plugin, context, timer }, reportedMissing).catch((err: unknown) => ({
                retry: failure({ plugin, timer }, { what: 'handle the timer', err, undecided: true }),
                undecided: true,
            }));
        });
        try {
            await withTimeout(turn, plugin.settings.timerDeadline, () => timeoutError(`Gave up after ${plugin.settings.timerDeadline} ms.`));
        } catch (err) {
            // The proactive turn did not start or did not end in time (credentials, a hung storage or channel).
            outcome = { retry: failure({ plugin, timer }, { what: 'run the proactive turn', err, undecided: true }), undecided: true };
        }
        if (outcome.retry) {
            if (outcome.undecided && timer.lastAttempt) {
                // Nothing was claimed: the flow is still open, so its timer stays, slower.
                return new Date(Date.now() + UNDECIDED_RETRY_MS);
            }
            if (timer.lastAttempt || outcome.retry.permanent) {
                debug('%s: giving up after attempt %d', timer.data.key, timer.attempt);
                return undefined;
            }
            throw outcome.retry;
        }
        if (debug.enabled) {
            debug('%s fired; next %s', timer.data.key, outcome.next ? new Date(outcome.next).toISOString() : 'none');
        }
        return outcome.next !== undefined ? new Date(outcome.next) : undefined;
    };
}

async function onDue(start: { plugin: Plugin; context: TurnContextLike; timer: DueTimer }, reportedMissing: Set<string>): Promise<Outcome> {
    const { plugin, context, timer } = start;
    let record: ConversationRecord;
    try {
        record = await plugin.conversations.load(context, true);
    } catch (err) {
        return { retry: failure(start, { what: 'read the conversation state', err, undecided: true }), undecided: true };
    }
    const state = readState(await plugin.conversations.get(context));
    if (!state) {
        reportMissingState(plugin, timer.data.key, reportedMissing);
        return {};
    }
    const turn: TimerTurn = { plugin, context, timer, record, state };
    // The proactive turn's activity is an internal event no client ever saw: a reply to it makes Web Chat hold
    // the message for up to 5 s, waiting for an activity that never comes.
    context.onSendActivities(async (_ctx, activities, nextSend) => {
        activities.forEach((a) => delete a.replyToId);
        return nextSend();
    });
    // The plugin retries failed sends itself (durably, honouring Retry-After): one attempt, one HTTP call.
    plugin.bot.singleAttemptSends(context);
    const claimed = state.delivery;
    if (claimed && claimed.status === 'retry' && state.lastUserActivityAt <= claimed.claimedAt) {
        return resend(turn, claimed);
    }
    if (claimed && claimed.status === 'sending' && claimed.action !== 'reminder' && state.lastUserActivityAt <= claimed.claimedAt) {
        // The instance sending this final action stopped mid-send (its lock expired). The message may have gone
        // out: it is not sent again (at most once), but the abandonment is recorded.
        await settle(turn, claimed, claimed.abandonment?.reason ?? 'timeout');
        return {};
    }
    const flowTurn = await inFlow(turn);
    if (!flowTurn || !state.flow) {
        return {};
    }
    const { policy } = flowTurn;
    const now = plugin.now();
    if (state.replyingSince !== undefined && now - state.replyingSince < MAX_REPLY_MS) {
        // The bot is still answering the user's last message: the silence has not begun. Come back a stage later.
        return { next: nextDue({ ...state, lastUserActivityAt: now }, policy) };
    }
    const due = dueStage(state, policy, now);
    if (!due) {
        return { next: nextDue(state, policy) };
    }
    return due.stage.name === 'reminder' ? remind(flowTurn, due.settled) : finish(flowTurn, { stage: due.stage, settled: due.settled });
}

async function remind(turn: TimerFlowTurn, settled: StageName[]): Promise<Outcome> {
    const { plugin, context, state, info, policy, timer } = turn;
    // Fatigue first: a paused user's reminder would not go out in either group, so such silences are left out of
    // both sides of the holdout's comparison alike.
    if (await reminderPaused(turn)) {
        return skipReminder(turn, { settled, reason: 'fatigue' });
    }
    if (state.flow && heldOut(plugin, state)) {
        return skipReminder(turn, { settled, reason: 'holdout' });
    }
    const now = plugin.now();
    const idleMs = now - state.lastUserActivityAt;
    const nonce = newNonce();
    const description = describeFlow(plugin.localizer, state.locale, info);
    // A late reminder announces the time it really leaves: the final action keeps its distance from it (stages).
    // A flow the bot marks itself offers Start over only when the bot can begin it again (onStartOver).
    const startOver = !markedFlowOf(info.path) || (await plugin.flows.canDrive(context, info));
    const activity = reminderActivity(turn, { description, idleMs: Math.min(idleMs, policy.reminderAfter), nonce, startOver });
    state.stagesDone.push(...settled);
    // Stored with the claim: a handoff later shows the agent the reminder the user got.
    addTranscriptLine(state, { from: 'bot', text: activity.text ?? '', at: now }, plugin.settings.transcriptSize);
    state.pending = { nonce, kind: 'reminder', issuedAt: now };
    if (state.flow) {
        state.flow.reminded = true;
        state.flow.remindedAt = now;
        noteStep(state.flow, info, state.lastUserActivityAt);
        noteReminder(state.flow, now);
    }
    const next = nextDue(state, policy);
    state.armedFor = next;
    const claim: DeliveryClaim = {
        id: randomUUID(),
        stage: 'reminder',
        action: 'reminder',
        status: 'sending',
        attempts: timer.attempt,
        claimedAt: now,
        activities: [activity],
    };
    state.delivery = claim;
    if (!(await claimStage(turn))) {
        return afterConflict(turn);
    }
    try {
        await sendWithin(context, [activity], plugin.settings.sendTimeout);
    } catch (err) {
        return sendFailed(turn, claim, err);
    }
    track(
        { client: plugin.telemetry, onError: (e) => plugin.warn(e, context) },
        {
            name: TelemetryEvents.reminderSent,
            properties: { conversationId: conversationIdOf(turn), dialogId: info.flowId, step: description.step },
            metrics: { idleMs },
        }
    );
    await plugin.lifecycle.emit(context, 'reminded', { flowId: info.flowId, stepIndex: info.stepIndex, stepId: info.stepName });
    return { next };
}

/** Whether the run in progress is held out of reminders (`holdout`). */
function heldOut(plugin: Plugin, state: TimerTurn['state']): boolean {
    if (!state.flow || !(plugin.settings.holdout > 0)) {
        return false;
    }
    ensureRun(state.flow);
    return holdoutGroupOf(plugin, state.reference, state.flow.runId ?? '') === true;
}

async function finish(turn: TimerFlowTurn, due: { stage: Stage; settled: StageName[] }): Promise<Outcome> {
    const { plugin, context, state, policy, timer } = turn;
    const now = plugin.now();
    const reason = due.stage.name === 'maxDuration' ? 'maxDuration' : 'timeout';
    const id = randomUUID();
    const fallback = policy.finalAction === 'dialog' && policy.fallbackDialog !== undefined && (await fallbackAvailable(turn, policy.fallbackDialog));
    const action: DeliveryClaim['action'] = policy.finalAction === 'handoff' ? 'handoff' : fallback ? 'dialog' : 'close';
    const claim: DeliveryClaim = { id, stage: due.stage.name, action, status: 'sending', attempts: timer.attempt, claimedAt: now };
    const snapshot = action === 'close' ? snapshotOf(turn, { reason, id, flowState: await plugin.flows.save(context) }) : undefined;
    claim.abandonment = abandonmentDraft(turn, action === 'handoff' && reason === 'timeout' ? 'handoff' : reason, snapshot?.id);
    if (action === 'handoff') {
        claim.activities = handoffActivities(turn, reason);
    }
    if (action !== 'dialog') {
        // The flow is closed by the claim itself: a user turn stored after it finds no flow to go on with.
        await plugin.flows.clear(context);
    }
    // Read before the flow is forgotten: the reminder of this silence went out and was let pass.
    const ignored = reminderUnanswered(state);
    state.stagesDone.push(...due.settled);
    claim.run = state.flow;
    forgetFlow(state);
    state.armedFor = undefined;
    state.delivery = claim;
    if (!(await claimStage(turn))) {
        return afterConflict(turn);
    }
    if (ignored) {
        await countIgnoredReminder(plugin, state.reference);
    }
    if (action === 'dialog') {
        return runFallback(turn, claim);
    }
    if (snapshot && !(await saveSnapshot(turn, snapshot)) && claim.abandonment) {
        claim.abandonment.snapshotId = undefined;
    }
    if (action === 'close') {
        claim.activities = closeActivities(turn, reason, claim.abandonment?.snapshotId && snapshot ? snapshot.expiresAt - snapshot.createdAt : undefined);
    }
    return deliver(turn, claim);
}
