import createDebug from 'debug';
import type { ActivityLike, TurnContextLike } from '../ports/activity';
import { InactivitySchedulerError } from '../errors';
import { FlowInfo, promptIdentity, questionIdentity, resolvePolicy } from '../flows/flowInfo';
import { continueFlow, startOver } from '../flows/continueFlow';
import { endFlow } from '../flows/endFlow';
import { pastCap } from '../flows/journey';
import { RepromptWatch, watchReprompts } from '../flows/invalidAnswers';
import { answerResume, discardIgnoredOffer, offerResume } from '../flows/resume';
import { ACTIVE_GRACE_MS } from '../lifecycle/activeFlows';
import type { Plugin } from '../plugin';
import type { ResolvedPolicy } from '../policy/options';
import { noteAnswer, noteStep, recordRun } from '../records/runTracking';
import { normalizeLocale } from '../texts/localization';
import { textActivity } from '../texts/messages';
import { EARLY_TOLERANCE_MS, nextDue } from '../timers/stages';
import { reminderUnanswered, resetIgnoredReminders } from '../timers/reminderFatigue';
import { TIMER_DATA_VERSION } from '../ports/timerScheduler';
import { timerReference } from '../timers/timerReference';
import { withinDatabaseTimeout } from '../util/withinDatabaseTimeout';
import { ButtonPayload, readPayload } from './buttonPayload';
import {
    addTranscriptLine,
    conversationKey,
    FlowProgress,
    InactivityState,
    PendingButtons,
    readState,
    recordSentMessages,
    STATE_VERSION,
} from './inactivityState';
import type { Turn } from './turn';

const debug = createDebug('botbuilder-inactivity:turn');

/**
 * A message arriving this close to its conversation's next stage (or after it) first stores that the user spoke,
 * conditionally, before the bot answers: a timer claiming that stage at the same moment then loses, on any
 * instance. Further from the stage no timer can fire during the turn, and no extra write is made.
 */
export const TURN_GUARD_MS = 30_000;

/** A bot reply this fast leaves the silence counted from the user's message (see endUserTurn). */
const STAMP_SLACK_MS = 1000;

/**
 * A user's turn as the plugin sees it: the plugin, the SDK's turn, the conversation's record, and what the
 * turn's beginning found. Lives in one `onTurn` call, never on the middleware.
 */
export interface UserTurn extends Turn {
    /** One of the plugin's buttons clicked (or a forged or stale one: `'invalid'`). */
    payload?: ButtonPayload | 'invalid';
    /** The buttons waiting for a click when the turn began. */
    pendingBefore?: PendingButtons;
    /** The watch on the prompt asking again (an invalid answer). */
    reprompts?: RepromptWatch;
    /** The flow ran past its maxDuration before this message: it is closed instead of answered. */
    overCap?: { info: FlowInfo; policy: ResolvedPolicy };
    /** What the turn found of the flow once the bot answered (see {@link noteFlowChange}). */
    flowChange?: FlowChange;
    /** The bot's logic is over and the end of the turn has begun: saves from now on are the plugin's. */
    ending?: boolean;
}

/** A flow begun or ended in a turn, noted before the bot's save and kept on the turn, so noting it again changes nothing. */
export interface FlowChange {
    /** A flow began in this turn. */
    began: boolean;
    /** The run that ended in the bot's own logic (its flow ended, or another flow took its place). */
    completed?: FlowProgress;
    /** The timer's due time noted before the bot's save, before the arm is sent (see {@link noteFlowChange}). */
    assumedArmedFor?: number;
    /** What `armedFor` was before that. */
    armedBefore?: number;
}

/**
 * Whether an activity is a user's message (the turns the plugin watches); a proactive turn's `event`, the bot's
 * own echoes and everything else pass through untouched.
 *
 * @param activity The turn's activity.
 * @returns True for a user's message.
 */
export function isUserMessage(activity: ActivityLike): boolean {
    return activity.type === 'message' && activity.from?.role !== 'bot';
}

/**
 * Begins a user's turn: stamps the message, ends a silence a timer might be claiming (conditionally, when one is
 * near), notes the step answered and reads what the message is (a button, a flow past its cap).
 *
 * @param plugin The plugin.
 * @param context The turn.
 * @returns The turn.
 */
export async function beginUserTurn(plugin: Plugin, context: TurnContextLike): Promise<UserTurn> {
    const now = plugin.now();
    let previous = readState(await plugin.conversations.get(context));
    const atRisk = previous !== undefined && isAtRisk(previous, now);
    if (previous && atRisk) {
        previous = await claimSilenceEnd({ plugin, context, state: previous }, now);
    }
    const negotiated = plugin.options.localeNegotiator ? await plugin.options.localeNegotiator(context) : undefined;
    const reference = plugin.bot.referenceOf(context.activity);
    const state: InactivityState = {
        ...(previous ?? { stagesDone: [], transcript: [] }),
        v: STATE_VERSION,
        lastUserActivityAt: now,
        reference,
        locale: normalizeLocale(negotiated ?? context.activity.locale) ?? previous?.locale,
        stagesDone: [],
        // The user is back: whatever a timer was delivering (or retrying) is settled.
        delivery: undefined,
        // Time given with extend() was for the silence that has just ended.
        extension: undefined,
        // So was a hold for typing: the message it announced has come.
        typing: undefined,
        // Until this turn's reply is stored, a timer must not count the silence from the message's arrival.
        // Only needed where a timer may fire during the turn (the claim above stored it); elsewhere it would
        // make the bot's own save in its handler stale, and cost a second write to clear it.
        replyingSince: atRisk ? now : undefined,
    };
    // The user is back: the last reminder of the run, if any, was answered, and the reminders they let pass in a
    // row start again from none.
    if (previous && reminderUnanswered(previous)) {
        resetIgnoredReminders(plugin, state.reference);
    }
    noteAnswer(state.flow, now);
    const payload = readPayload(context.activity);
    const turn: UserTurn = { plugin, context, state, payload, pendingBefore: previous?.pending };
    if (!payload) {
        await readMessage(turn, previous);
    }
    recordSentMessages(context, state, () => plugin.now(), plugin.settings.transcriptSize);
    await plugin.conversations.set(context, state);
    plugin.conversations.beforeSave?.(context, () => noteBeforeSave(turn));
    return turn;
}

/** {@link noteFlowChange} before the bot saves; a failure is reported and the end of the turn notes it again. */
async function noteBeforeSave(turn: UserTurn): Promise<void> {
    if (turn.ending) {
        return;
    }
    try {
        await noteFlowChange(turn, { assumeArmed: true });
    } catch (err) {
        turn.plugin.warn(err, turn.context);
    }
}

/**
 * Notes in the plugin's record what the bot's logic did to the flow: a flow begun (its first step), a run
 * completed (its flow ended or another took its place), a prompt answered (its invalid-answer count cleared).
 * Runs right before the bot saves its state, so that all of it goes out in the bot's own write, and again at the
 * end of the turn for what came after that save; the turn keeps what it found, so noting twice changes nothing.
 *
 * With `assumeArmed`, the timer's new due time is noted too, before the arm is sent after the bot's logic: a
 * flow's first turn then costs the bot's storage no second write. The end of the turn arms it and notes the
 * time it got (none, if the arm failed).
 *
 * @param turn The turn.
 * @param options Whether to note the due time of the arm to come.
 * @returns Where the user is.
 */
export async function noteFlowChange(turn: UserTurn, options: { assumeArmed: boolean }): Promise<{ path: unknown[]; info: FlowInfo | undefined }> {
    const { plugin, context, state } = turn;
    const now = plugin.now();
    const change = (turn.flowChange ??= { began: false });
    const path = await plugin.flows.path(context);
    const info = plugin.flows.inspect(path);
    if (state.flow && (!info || state.flow.id !== info.flowId)) {
        change.completed ??= state.flow;
    }
    if (!info) {
        state.flow = undefined;
    } else if (!state.flow || state.flow.id !== info.flowId) {
        state.flow = { id: info.flowId, startedAt: now, reminded: false };
        change.began = true;
        noteStep(state.flow, info, now);
    }
    if (state.invalid && state.invalid.prompt !== questionIdentity(path, info)) {
        state.invalid = undefined;
    }
    const bots = !turn.payload && !turn.overCap && !turn.reprompts?.escalate;
    if (options.assumeArmed && bots && info && state.flow && change.assumedArmedFor === undefined) {
        const policy = resolvePolicy(plugin.settings, info, context.activity.channelId);
        const due = policy.enabled && !pastCap(state.flow, policy, now) ? nextDue(state, policy) : undefined;
        if (due !== undefined && needsArming(state, due, now)) {
            change.armedBefore = state.armedFor;
            change.assumedArmedFor = due;
            state.armedFor = due;
        }
    }
    return { path, info };
}

/** A typed message (not a button): notes the step answered, the flow's cap, and a prompt that may ask again. */
async function readMessage(turn: UserTurn, previous: InactivityState | undefined): Promise<void> {
    const { plugin, context, state } = turn;
    const now = plugin.now();
    // Anything the user types makes earlier buttons stale: a later click on them changes nothing.
    state.pending = undefined;
    if (typeof context.activity.text === 'string' && context.activity.text) {
        addTranscriptLine(state, { from: 'user', text: context.activity.text, at: now }, plugin.settings.transcriptSize);
    }
    const path = await plugin.flows.path(context);
    const info = state.flow ? plugin.flows.inspect(path) : undefined;
    const policy = info && resolvePolicy(plugin.settings, info, context.activity.channelId);
    if (info && previous && state.flow?.id === info.flowId) {
        // The step the user answers, reached when the bot last asked: noted before the bot saves its state,
        // so the flow's progress costs no write of its own.
        noteStep(state.flow, info, previous.lastUserActivityAt);
    }
    if (info && policy?.enabled && pastCap(state.flow, policy, now)) {
        turn.overCap = { info, policy };
    }
    const identity = promptIdentity(path);
    if (identity && !turn.overCap) {
        turn.reprompts = watchReprompts(turn, { identity, frame: path[path.length - 1] });
    }
}

/**
 * Answers a click on one of the plugin's buttons (Continue, Start over, Resume, Start fresh), or a flow past
 * its cap, in place of the bot's logic.
 *
 * @param turn The turn.
 */
export async function answerInPlaceOfBot(turn: UserTurn): Promise<void> {
    if (turn.overCap) {
        await endFlow({ ...turn, ...turn.overCap }, 'maxDuration');
        return;
    }
    const { plugin, context, state, payload, pendingBefore } = turn;
    const kind =
        payload === 'invalid' || payload === undefined ? undefined : payload.action === 'continue' || payload.action === 'startOver' ? 'reminder' : 'resume';
    if (payload === 'invalid' || payload === undefined || !pendingBefore || pendingBefore.nonce !== payload.nonce || pendingBefore.kind !== kind) {
        debug('stale or forged button in %s', context.activity.conversation?.id);
        await context.sendActivity(textActivity(plugin.localizer.t(state.locale, kind === 'resume' ? 'stale.resume' : 'stale.button')));
        state.pending = pendingBefore;
        return;
    }
    // One click per set of buttons.
    state.pending = undefined;
    const info = plugin.flows.inspect(await plugin.flows.path(context));
    switch (payload.action) {
        case 'continue':
            return continueFlow({ ...turn, info });
        case 'startOver':
            return startOver({ ...turn, info });
        case 'resume':
        case 'fresh':
            return answerResume(turn, { pending: pendingBefore, resume: payload.action === 'resume' });
    }
}

/** What the end of a user's turn needs besides the turn. */
export interface TurnEnd {
    /** The bot's logic failed: its flow state is half-way and is not saved. */
    botFailed: boolean;
    /** How the conversation's timer is armed. */
    arming: TimerArming;
}

/**
 * Ends a user's turn once the bot answered: the flow now in progress (begun, going on, completed), its timer,
 * a final action after invalid answers or past the cap, and the save of the conversation's state.
 *
 * @param turn The turn.
 * @param end Whether the bot failed, and how to arm.
 */
export async function endUserTurn(turn: UserTurn, end: TurnEnd): Promise<void> {
    const { plugin, context, state } = turn;
    const now = plugin.now();
    turn.ending = true;
    turn.reprompts?.stop();
    if (!turn.payload && turn.pendingBefore?.kind === 'resume') {
        await discardIgnoredOffer(turn, turn.pendingBefore);
    }
    // Silence counts from the end of the bot's answer: a slow turn does not shorten the user's time to reply.
    state.replyingSince = undefined;
    // A turn answered within STAMP_SLACK_MS keeps the stamp of the message's arrival: stamping again would make
    // the bot's own save of this turn (most bots save in their handler) stale, and cost a second write.
    if (now - state.lastUserActivityAt > STAMP_SLACK_MS) {
        state.lastUserActivityAt = now;
    }
    const { info } = await noteFlowChange(turn, { assumeArmed: false });
    const change = turn.flowChange ?? { began: false };
    const { began, completed } = change;
    // The due time noted before the bot's save is the arm's to confirm: not armed until it succeeds.
    if (change.assumedArmedFor !== undefined && state.armedFor === change.assumedArmedFor) {
        state.armedFor = change.armedBefore;
    }
    // The completed run's record goes out while the turn goes on (it never throws): no round trip of waiting.
    const recording = completed ? recordRun(turn, { reference: state.reference, flow: completed, end: { outcome: 'completed' } }) : undefined;
    if (info && state.flow) {
        const policy = resolvePolicy(plugin.settings, info, context.activity.channelId);
        if (turn.reprompts?.escalate) {
            state.invalid = undefined;
            await endFlow({ ...turn, info, policy }, 'invalidInput');
        } else if (policy.enabled && pastCap(state.flow, policy, now)) {
            await endFlow({ ...turn, info, policy }, 'maxDuration');
        } else {
            // The first turn of a flow looks for a saved flow to offer and arms the timer: both at once, one
            // round trip of waiting instead of two.
            const offer =
                began && !turn.payload && plugin.snapshots
                    ? plugin.bounded(offerResume(turn, info), 'look up a saved flow').catch((err: unknown) => plugin.warn(err, context))
                    : undefined;
            await Promise.all([offer, armTimer(turn, { due: policy.enabled ? nextDue(state, policy) : undefined, arming: end.arming })]);
        }
    }
    // A flow that completed or was ended keeps its timer: a flow begun before it fires uses it without a write;
    // otherwise it fires once, finds no flow and is deleted. Cancelling it here would cost a write per flow.
    await plugin.conversations.set(context, state);
    // After a failure in the bot's logic its flow state is half-way: saving it would skip a step.
    await Promise.all([end.botFailed ? undefined : plugin.conversations.save(context), recording]);
    await afterTurn(turn, { info, began, completed });
}

/** Counts the flow in progress and raises `started` / `completed` once the turn is stored. */
async function afterTurn(turn: UserTurn, seen: { info: FlowInfo | undefined; began: boolean; completed: FlowProgress | undefined }): Promise<void> {
    const { plugin, context, state } = turn;
    const { info, began, completed } = seen;
    const key = conversationKey(state.reference);
    if (state.flow && info) {
        const policy = resolvePolicy(plugin.settings, info, context.activity.channelId);
        const last = Math.max(state.lastUserActivityAt + (state.extension?.ms ?? 0) + policy.closeAfter, state.armedFor ?? 0);
        plugin.lifecycle.active.set(key, state.flow.id, last + ACTIVE_GRACE_MS, plugin.now());
    } else {
        plugin.lifecycle.active.end(key, plugin.now());
    }
    if (completed) {
        await plugin.lifecycle.emit(context, 'completed', { flowId: completed.id });
    }
    if (began && info && state.flow) {
        await plugin.lifecycle.emit(context, 'started', { flowId: info.flowId, stepIndex: info.stepIndex, stepId: info.stepName });
    }
}

/** How the conversation's timer is armed: through the outage guard, once the plugin has started. */
export interface TimerArming {
    /** Whether `start()` was called. */
    started(): boolean;
    /** Arms the timer (bounded; during an outage kept in memory and armed when it ends). */
    arm: (data: Parameters<NonNullable<Plugin['scheduler']>['arm']>[0], due: Date) => Promise<void>;
}

/**
 * Arms the conversation's timer unless the one already armed fires at or before `due` (then it re-arms itself).
 * A failure is reported: the next turn tries again.
 *
 * @param turn The turn.
 * @param request When it is due, and how to arm.
 */
export async function armTimer(turn: Turn, request: { due: number | undefined; arming: TimerArming }): Promise<void> {
    const { plugin, context, state } = turn;
    const { due, arming } = request;
    const now = plugin.now();
    if (due === undefined || !needsArming(state, due, now)) {
        return;
    }
    try {
        if (!arming.started()) {
            throw new InactivitySchedulerError('InactivityMiddleware received a turn before start() was called: call `await inactivity.start()` at start-up.');
        }
        await arming.arm({ v: TIMER_DATA_VERSION, key: conversationKey(state.reference), reference: timerReference(state.reference) }, new Date(due));
        state.armedFor = due;
    } catch (err) {
        // Not known to be armed: the next turn tries again (and after an outage, the guard does).
        state.armedFor = undefined;
        plugin.warn(err, context);
    }
}

/** Whether the timer must be armed for `due`: no timer is known to fire before it (one that does re-arms itself). */
function needsArming(state: InactivityState, due: number, now: number): boolean {
    return state.armedFor === undefined || state.armedFor <= now || state.armedFor > due;
}

/**
 * Whether a timer may claim a stage while this turn runs: the next stage is due within {@link TURN_GUARD_MS},
 * or overdue, or a failed send is waiting for its retry, or the last arm failed (a timer armed before it, or
 * the failed arm landing late, may fire at any time).
 */
function isAtRisk(previous: InactivityState, now: number): boolean {
    if (previous.delivery?.status === 'retry') {
        return true;
    }
    // Not known to be armed (an arm failed or waits for the end of an outage): a timer may still come due.
    return previous.flow !== undefined && (previous.armedFor === undefined || now >= previous.armedFor - TURN_GUARD_MS - EARLY_TOLERANCE_MS);
}

/**
 * Stores "the user spoke" before the bot answers, conditionally on the eTag this turn read. If a timer's turn
 * claimed a stage first, its decision stands (the reminder or goodbye crossed this message) and this turn
 * goes on from what it stored.
 */
async function claimSilenceEnd(turn: Turn, now: number): Promise<InactivityState | undefined> {
    const { plugin, context, state: previous } = turn;
    try {
        const record = await plugin.conversations.load(context, false);
        await plugin.conversations.set(context, { ...previous, lastUserActivityAt: now, replyingSince: now, stagesDone: [], delivery: undefined });
        // The bot's storage, bounded but not skipped during a scheduler outage: a turn that went on without
        // knowing whether a timer claimed first would answer from the state it read and save over a close.
        const limit = plugin.settings.schedulerTimeout;
        if (await withinDatabaseTimeout(plugin.conversations.claim(context, record), limit, 'store that the user spoke')) {
            return previous;
        }
        debug('a timer claimed a stage in %s just before this message', context.activity.conversation?.id);
        await withinDatabaseTimeout(plugin.conversations.load(context, true), limit, 'read the conversation state');
    } catch (err) {
        plugin.warn(err, context);
    }
    return readState(await plugin.conversations.get(context));
}
