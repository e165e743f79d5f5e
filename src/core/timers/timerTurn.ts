import { StoreItem, TurnContext } from 'botbuilder';
import type { AbandonReason } from '../records/abandonmentLog';
import { DialogState } from 'botbuilder-dialogs';
import { randomUUID } from 'crypto';
import createDebug from 'debug';
import { newNonce } from '../turn/buttonPayload';
import { claimRecord, ConversationRecord, loadRecord, rewriteIf } from '../../botbuilder/conversationRecord';
import { turnOffConnectorRetries } from '../../botbuilder/connectorRetries';
import { classifySendFailure } from './sendFailure';
import { sendWithin } from './sendWithin';
import { activePath, FlowInfo, inspectFlow, resolvePolicy } from '../../botbuilder/dialogPath';
import { InactivityDeliveryError } from '../errors';
import {
    abandonmentDraft,
    beginFallback,
    cancelAll,
    closeActivities,
    EndedRun,
    findFallback,
    handoffActivities,
    recordAbandonment,
    saveSnapshot,
    snapshotOf,
    trackFinal,
} from '../flows/flowActions';
import { addTranscriptLine, DeliveryClaim, InactivityState, readState, STATE_PROPERTY } from '../turn/inactivityState';
import { dueStage, nextDue, Stage, StageName } from './stages';
import { describeFlow, reminderActivity } from '../texts/messages';
import type { ResolvedPolicy } from '../policy/options';
import type { DueTimer, DueTimerHandler } from '../ports/timerScheduler';
import type { Services } from '../runtime';
import { TelemetryEvents, track } from '../telemetry';
import { noteReminder, noteStep } from '../records/runTracking';

const debug = createDebug('botbuilder-inactivity:timer');

/** What one firing decided: when to fire next, or a failed send to retry. */
interface Outcome {
    next?: number;
    retry?: InactivityDeliveryError;
    /** The state could not be read or the turn not run: nothing was decided, so the timer must not end. */
    undecided?: boolean;
}

/**
 * A user turn still marked as being answered after this long is taken to have died without storing its reply:
 * the silence then counts from its message.
 */
const MAX_REPLY_MS = 2 * 60_000;

/** After the last retry of a timer that could not even read its state, it tries again this much later. */
const UNDECIDED_RETRY_MS = 10 * 60_000;

/** Conversations whose missing state was reported, so each is reported once (bounded). */
const MAX_REPORTED_MISSING = 10_000;

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
 * @param svc The services.
 * @returns The handler to give the scheduler.
 */
export function createTimerHandler(svc: Services): DueTimerHandler {
    const reportedMissing = new Set<string>();
    return async (timer: DueTimer) => {
        let outcome: Outcome = {};
        const turn = svc.options.adapter.continueConversationAsync(svc.settings.botAppId, timer.data.reference, async (context) => {
            // Never throws: an error escaping here would reach the adapter's onTurnError, whose usual handlers
            // tell the user "something went wrong" in a turn the user did not start.
            outcome = await onDue(svc, context, timer, reportedMissing).catch((err: unknown) => ({ retry: failure(svc, undefined, timer, 'handle the timer', err, undefined, true), undecided: true }));
        });
        try {
            await withDeadline(turn, svc.settings.timerDeadline);
        } catch (err) {
            // The proactive turn did not start or did not end in time (credentials, a hung storage or channel).
            outcome = { retry: failure(svc, undefined, timer, 'run the proactive turn', err, undefined, true), undecided: true };
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

async function onDue(svc: Services, context: TurnContext, timer: DueTimer, reportedMissing: Set<string>): Promise<Outcome> {
    let record: ConversationRecord;
    try {
        record = await loadRecord(svc.conversationState, context);
    } catch (err) {
        return { retry: failure(svc, context, timer, 'read the conversation state', err, undefined, true), undecided: true };
    }
    const state = readState(await svc.state.get(context));
    if (!state) {
        reportMissingState(svc, timer.data.key, reportedMissing);
        return {};
    }
    // The proactive turn's activity is an internal event no client ever saw: a reply to it makes Web Chat hold
    // the message for up to 5 s, waiting for an activity that never comes.
    context.onSendActivities(async (_ctx, activities, nextSend) => {
        activities.forEach((a) => delete a.replyToId);
        return nextSend();
    });
    // The plugin retries failed sends itself (durably, honouring Retry-After): one attempt, one HTTP call.
    turnOffConnectorRetries(context);
    const claimed = state.delivery;
    if (claimed && claimed.status === 'retry' && state.lastUserActivityAt <= claimed.claimedAt) {
        return resend(svc, context, record, state, claimed, timer);
    }
    if (claimed && claimed.status === 'sending' && claimed.action !== 'reminder' && state.lastUserActivityAt <= claimed.claimedAt) {
        // The instance sending this final action stopped mid-send (its lock expired). The message may have gone
        // out: it is not sent again (at most once), but the abandonment is recorded.
        await settle(svc, context, record, state, claimed, claimed.abandonment?.reason ?? 'timeout');
        return {};
    }
    const info = inspectFlow(activePath(await svc.dialogState.get(context, { dialogStack: [] })), svc.settings.flows, svc.options.dialog);
    if (!info || !state.flow) {
        return {};
    }
    const policy = resolvePolicy(svc.settings.policy, info, svc.settings.flows);
    const now = svc.now();
    if (state.replyingSince !== undefined && now - state.replyingSince < MAX_REPLY_MS) {
        // The bot is still answering the user's last message: the silence has not begun. Come back a stage later.
        return { next: nextDue({ ...state, lastUserActivityAt: now }, policy) };
    }
    const due = dueStage(state, policy, now);
    if (!due) {
        return { next: nextDue(state, policy) };
    }
    return due.stage.name === 'reminder'
        ? remind(svc, context, record, state, info, policy, due.settled, timer)
        : finish(svc, context, record, state, info, policy, due.stage, due.settled, timer);
}

async function remind(svc: Services, context: TurnContext, record: ConversationRecord, state: InactivityState, info: FlowInfo, policy: ResolvedPolicy, settled: StageName[], timer: DueTimer): Promise<Outcome> {
    const now = svc.now();
    const idleMs = now - state.lastUserActivityAt;
    const nonce = newNonce();
    const description = describeFlow(svc.localizer, state.locale, info);
    // A late reminder announces the time it really leaves: the final action keeps its distance from it (ladder).
    const activity = reminderActivity(svc.localizer, state.locale, description, policy, Math.min(idleMs, policy.reminderAfter), nonce);
    state.stagesDone.push(...settled);
    // Stored with the claim: a handoff later shows the agent the reminder the user got.
    addTranscriptLine(state, 'bot', activity.text ?? '', now, svc.settings.transcriptSize);
    state.pending = { nonce, kind: 'reminder', issuedAt: now };
    if (state.flow) {
        state.flow.reminded = true;
        state.flow.remindedAt = now;
        noteStep(state.flow, info, state.lastUserActivityAt);
        noteReminder(state.flow, now);
    }
    const next = nextDue(state, policy);
    state.armedFor = next;
    const claim: DeliveryClaim = { id: randomUUID(), stage: 'reminder', action: 'reminder', status: 'sending', attempts: timer.attempt, claimedAt: now, activities: [activity] };
    state.delivery = claim;
    if (!(await claim_(svc, context, record, state))) {
        return afterConflict(svc, context);
    }
    try {
        await sendWithin(context, [activity], svc.settings.sendTimeout);
    } catch (err) {
        return sendFailed(svc, context, record, claim, timer, err);
    }
    track(svc.telemetry, TelemetryEvents.reminderSent, { conversationId: convId(context), dialogId: info.flowId, step: description.step }, { idleMs }, (e) => svc.report(e, context));
    await svc.lifecycle.emit(context, 'reminded', { flowId: info.flowId, stepIndex: info.stepIndex, stepId: info.stepName });
    return { next };
}

async function finish(
    svc: Services,
    context: TurnContext,
    record: ConversationRecord,
    state: InactivityState,
    info: FlowInfo,
    policy: ResolvedPolicy,
    stage: Stage,
    settled: StageName[],
    timer: DueTimer
): Promise<Outcome> {
    const now = svc.now();
    const reason = stage.name === 'maxDuration' ? 'maxDuration' : 'timeout';
    const id = randomUUID();
    const fallback = policy.finalAction === 'dialog' && policy.fallbackDialog && (await findFallback(svc, context, info, policy.fallbackDialog)) !== undefined;
    const action: DeliveryClaim['action'] = policy.finalAction === 'handoff' ? 'handoff' : fallback ? 'dialog' : 'close';
    const claim: DeliveryClaim = { id, stage: stage.name, action, status: 'sending', attempts: timer.attempt, claimedAt: now };
    const dialogState = structuredClone(await svc.dialogState.get(context, { dialogStack: [] })) as DialogState;
    const snapshot = action === 'close' ? snapshotOf(svc, context, state, info, policy, reason, id, dialogState) : undefined;
    claim.abandonment = abandonmentDraft(svc, state, info, action === 'handoff' && reason === 'timeout' ? 'handoff' : reason, snapshot?.id);
    if (action === 'handoff') {
        claim.activities = handoffActivities(svc, context, state, info, policy, reason);
    }
    if (action !== 'dialog') {
        // The flow is closed by the claim itself: a user turn stored after it finds no flow to go on with.
        await cancelAll(svc, context);
    }
    state.stagesDone.push(...settled);
    claim.run = state.flow;
    state.flow = undefined;
    state.pending = undefined;
    state.armedFor = undefined;
    state.delivery = claim;
    if (!(await claim_(svc, context, record, state))) {
        return afterConflict(svc, context);
    }
    if (action === 'dialog') {
        return runFallback(svc, context, record, state, claim, info, policy.fallbackDialog as string, timer);
    }
    if (snapshot && !(await saveSnapshot(svc, context, snapshot)) && claim.abandonment) {
        claim.abandonment.snapshotId = undefined;
    }
    if (action === 'close') {
        claim.activities = closeActivities(svc, context, state.locale, policy, reason, claim.abandonment?.snapshotId && snapshot ? snapshot.expiresAt - snapshot.createdAt : undefined);
    }
    return deliver(svc, context, record, state, claim, timer);
}

/** Sends a claimed final action's activities; on success records the abandonment. */
async function deliver(svc: Services, context: TurnContext, record: ConversationRecord, state: InactivityState, claim: DeliveryClaim, timer: DueTimer): Promise<Outcome> {
    try {
        await sendWithin(context, claim.activities ?? [], svc.settings.sendTimeout);
    } catch (err) {
        return sendFailed(svc, context, record, claim, timer, err);
    }
    if (claim.action === 'reminder') {
        track(svc.telemetry, TelemetryEvents.reminderSent, { conversationId: convId(context) }, { attempt: timer.attempt }, (e) => svc.report(e, context));
        if (state.flow) {
            const info = inspectFlow(activePath(await svc.dialogState.get(context, { dialogStack: [] })), svc.settings.flows, svc.options.dialog);
            await svc.lifecycle.emit(context, 'reminded', { flowId: state.flow.id, stepIndex: info?.stepIndex, stepId: info?.stepName });
        }
        return { next: state.armedFor };
    }
    if (claim.abandonment) {
        await recordAbandonment(svc, context, claim.abandonment, claim.id, endedRun(state, claim));
        await trackFinal(svc, context, claim.action === 'handoff' ? 'handoff' : 'close', claim.abandonment, claim.abandonment.reason);
    }
    return {};
}

async function runFallback(
    svc: Services,
    context: TurnContext,
    record: ConversationRecord,
    state: InactivityState,
    claim: DeliveryClaim,
    info: FlowInfo,
    fallbackDialog: string,
    timer: DueTimer
): Promise<Outcome> {
    try {
        await withDeadline(beginFallback(svc, context, info, fallbackDialog, state.locale), svc.settings.sendTimeout);
    } catch (err) {
        return sendFailed(svc, context, record, claim, timer, err);
    }
    // The fallback changed the dialog state after the claim: store it while the claim still stands.
    await svc.state.set(context, { ...state, delivery: { ...claim, status: 'done' } });
    const stored = await rewriteIf(svc.conversationState, context, record.key, (item) => claimOf(item)?.id === claim.id).catch((err: unknown) => {
        svc.report(err, context);
        return false;
    });
    if (!stored) {
        debug('%s: the user wrote while the fallback began; their turn stands', record.key);
    }
    if (claim.abandonment) {
        await recordAbandonment(svc, context, claim.abandonment, claim.id, endedRun(state, claim));
        await trackFinal(svc, context, 'dialog', claim.abandonment, claim.abandonment.reason, fallbackDialog);
    }
    return {};
}

/** A retry of a claimed stage whose last send failed: the same activities, claimed again. */
async function resend(svc: Services, context: TurnContext, record: ConversationRecord, state: InactivityState, claimed: DeliveryClaim, timer: DueTimer): Promise<Outcome> {
    const claim: DeliveryClaim = { ...claimed, status: 'sending', attempts: timer.attempt };
    state.delivery = claim;
    if (!(await claim_(svc, context, record, state))) {
        return afterConflict(svc, context);
    }
    if (claim.action === 'dialog') {
        const info = inspectFlow(activePath(await svc.dialogState.get(context, { dialogStack: [] })), svc.settings.flows, svc.options.dialog);
        const policy = info && resolvePolicy(svc.settings.policy, info, svc.settings.flows);
        if (!info || !policy?.fallbackDialog) {
            await settle(svc, context, record, state, claim, 'undeliverable');
            return {};
        }
        return runFallback(svc, context, record, state, claim, info, policy.fallbackDialog, timer);
    }
    return deliver(svc, context, record, state, claim, timer);
}

/**
 * A send failed. Reported (onError and `InactivitySendFailed`) every time; retried with the scheduler's backoff
 * unless the failure is permanent or this was the last attempt, in which case the flow is closed without a
 * message and recorded as `undeliverable`.
 */
async function sendFailed(svc: Services, context: TurnContext, record: ConversationRecord, claim: DeliveryClaim, timer: DueTimer, err: unknown): Promise<Outcome> {
    const error = failure(svc, context, timer, `send the ${claim.action}`, err, claim);
    if (error.permanent || timer.lastAttempt) {
        await giveUp(svc, context, record, claim);
        return { retry: error };
    }
    // Keep the claim and mark it for the retry, unless the user wrote meanwhile (then their turn stands).
    await svc.conversationState.load(context, true);
    const fresh = readState(await svc.state.get(context));
    if (fresh && fresh.delivery?.id === claim.id) {
        await svc.state.set(context, { ...fresh, delivery: { ...claim, status: 'retry', attempts: timer.attempt } });
        await rewriteIf(svc.conversationState, context, record.key, (item) => claimOf(item)?.id === claim.id).catch((e: unknown) => svc.report(e, context));
    }
    return { retry: error };
}

/** The last attempt failed, or the channel refused for good: close the flow silently and record it. */
async function giveUp(svc: Services, context: TurnContext, record: ConversationRecord, claim: DeliveryClaim): Promise<void> {
    // Work from what is stored now: a fallback may have half begun in this turn's cache.
    await svc.conversationState.load(context, true);
    const state = readState(await svc.state.get(context));
    if (!state || state.delivery?.id !== claim.id) {
        return;
    }
    if (claim.action === 'reminder' || claim.action === 'dialog') {
        // The flow is still open in storage: close it as a timeout close would, without a message.
        const info = inspectFlow(activePath(await svc.dialogState.get(context, { dialogStack: [] })), svc.settings.flows, svc.options.dialog);
        if (info) {
            const policy = resolvePolicy(svc.settings.policy, info, svc.settings.flows);
            const dialogState = structuredClone(await svc.dialogState.get(context, { dialogStack: [] })) as DialogState;
            const snapshot = snapshotOf(svc, context, state, info, policy, 'undeliverable', claim.id, dialogState);
            const saved = snapshot ? await saveSnapshot(svc, context, snapshot) : false;
            claim.abandonment = abandonmentDraft(svc, state, info, 'undeliverable', saved ? claim.id : undefined);
            claim.run = state.flow;
            await cancelAll(svc, context);
        }
        state.flow = undefined;
        state.pending = undefined;
        state.armedFor = undefined;
    }
    await settle(svc, context, record, state, claim, 'undeliverable');
}

/** Marks a claim settled in storage and records its abandonment with `reason`, once. */
async function settle(svc: Services, context: TurnContext, record: ConversationRecord, state: InactivityState, claim: DeliveryClaim, reason: AbandonReason): Promise<void> {
    await svc.state.set(context, { ...state, delivery: { ...claim, status: 'done', activities: undefined } });
    const stored = await rewriteIf(svc.conversationState, context, record.key, (item) => claimOf(item)?.id === claim.id).catch((err: unknown) => {
        svc.report(err, context);
        return false;
    });
    if (stored && claim.abandonment) {
        const draft = { ...claim.abandonment, reason };
        await recordAbandonment(svc, context, draft, claim.id, endedRun(state, claim));
        await trackFinal(svc, context, claim.action === 'handoff' ? 'handoff' : claim.action === 'dialog' ? 'dialog' : 'close', draft, reason);
    }
}

/** Saves the turn's state as the claim, conditionally on the eTag read. */
async function claim_(svc: Services, context: TurnContext, record: ConversationRecord, state: InactivityState): Promise<boolean> {
    await svc.state.set(context, state);
    const won = await claimRecord(svc.conversationState, context, record);
    if (!won) {
        debug('%s: a user message was stored first; nothing sent', record.key);
    }
    return won;
}

/** The claim lost to a newer user message: read what is stored now and move the timer to it. */
async function afterConflict(svc: Services, context: TurnContext): Promise<Outcome> {
    await svc.conversationState.load(context, true);
    const state = readState(await svc.state.get(context));
    const info = state?.flow && inspectFlow(activePath(await svc.dialogState.get(context, { dialogStack: [] })), svc.settings.flows, svc.options.dialog);
    if (!state || !info) {
        return {};
    }
    return { next: nextDue(state, resolvePolicy(svc.settings.policy, info, svc.settings.flows)) };
}

function failure(svc: Services, context: TurnContext | undefined, timer: DueTimer, what: string, err: unknown, claim?: DeliveryClaim, undecided = false): InactivityDeliveryError {
    const f = classifySendFailure(err);
    const conversationId = timer.data.reference.conversation?.id ?? '';
    const status = f.status !== undefined ? `status ${f.status}` : ((err as { code?: string })?.code === 'ETIMEDOUT' ? 'no answer in time' : (err as Error)?.message ?? String(err));
    const next = undecided
        ? timer.lastAttempt
            ? `it will be tried again in ${UNDECIDED_RETRY_MS / 60_000} minutes`
            : 'it will be retried'
        : f.permanent
          ? 'not retried: the flow is closed and recorded as undeliverable'
          : timer.lastAttempt
            ? 'that was the last attempt: the flow is closed and recorded as undeliverable'
            : 'it will be retried';
    const error = new InactivityDeliveryError(`Could not ${what} in conversation ${conversationId} (attempt ${timer.attempt}, ${status}); ${next}.`, {
        status: f.status,
        attempt: timer.attempt,
        retryAfterMs: f.retryAfterMs,
        permanent: f.permanent,
        cause: err,
    });
    svc.report(error, context);
    track(
        svc.telemetry,
        TelemetryEvents.sendFailed,
        { conversationId, dialogId: claim?.abandonment?.flowId, stage: claim?.stage, action: claim?.action ?? what, status: f.status, permanent: f.permanent, lastAttempt: timer.lastAttempt },
        { attempt: timer.attempt },
        (e) => svc.report(e, context)
    );
    return error;
}

function reportMissingState(svc: Services, key: string, reported: Set<string>): void {
    if (reported.has(key)) {
        return;
    }
    if (reported.size >= MAX_REPORTED_MISSING) {
        reported.clear();
    }
    reported.add(key);
    svc.report(
        new Error(
            `A timer for conversation ${key} fired but the conversation's state is empty, so nothing was sent. Likely causes: the bot keeps conversation state in a storage that is not persistent or not shared by all its instances (MemoryStorage loses it on restart: use MongoStorage or another shared Storage), or another bot uses the same database and collectionPrefix (give each bot its own prefix).`
        )
    );
}

function endedRun(state: InactivityState, claim: DeliveryClaim): EndedRun {
    return { flow: claim.run, reference: state.reference, outcome: claim.action === 'handoff' ? 'handedOff' : 'abandoned' };
}

function claimOf(item: StoreItem): DeliveryClaim | undefined {
    return readState((item as Record<string, unknown>)[STATE_PROPERTY])?.delivery;
}

function convId(context: TurnContext): string {
    return context.activity.conversation?.id ?? '';
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`Gave up after ${ms} ms.`), { code: 'ETIMEDOUT' })), ms);
    });
    work.catch(() => undefined);
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
