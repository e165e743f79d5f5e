import { Activity, ActivityTypes, Middleware, TurnContext } from 'botbuilder';
import { DialogSet } from 'botbuilder-dialogs';
import createDebug from 'debug';
import { MongoAbandonmentLog } from '../mongo/mongoAbandonmentLog';
import { withinBudget } from '../core/util/withinBudget';
import { ButtonPayload, readPayload } from '../core/turn/buttonPayload';
import { checkResolvedPolicies, checkTextKeys, defaultPolicy, loadPolicyFile, mergeFlows, mergePolicy, validateOptions } from '../core/policy/config';
import { activePath, FlowInfo, inspectFlow, resolvePolicy } from './dialogPath';
import { toMilliseconds } from '../core/policy/duration';
import { InactivityConfigError, InactivitySchedulerError } from '../core/errors';
import { claimRecord, loadRecord } from './conversationRecord';
import { continueFlow, endFlow, startOver } from '../core/flows/flowActions';
import { addTranscriptLine, conversationKey, InactivityState, PendingButtons, readState, recordSentMessages, STATE_PROPERTY, STATE_VERSION } from '../core/turn/inactivityState';
import { EARLY_TOLERANCE_MS, nextDue } from '../core/timers/stages';
import { Localizer, normalizeLocale } from '../core/texts/localization';
import { textActivity } from '../core/texts/messages';
import { MongoHandle, openMongo } from '../mongo/mongoConnection';
import { DEFAULTS, InactivityOptions, ResolvedPolicy } from '../core/policy/options';
import { promptIdentity, RepromptWatch, watchReprompts } from '../core/flows/invalidAnswers';
import { answerResume, discardIgnoredOffer, offerResume } from '../core/flows/resume';
import { AgendaScheduler } from '../scheduling/agendaScheduler';
import { OutageGuard, OutageSkipError } from '../scheduling/outageGuard';
import { timerReference } from '../scheduling/timerDocument';
import { TIMER_DATA_VERSION, TimerScheduler } from '../core/ports/timerScheduler';
import type { Services, Settings } from '../core/runtime';
import { MongoSnapshotStore } from '../mongo/mongoSnapshotStore';
import { MongoFlowRunStore } from '../mongo/flowRunStore';
import { noteAnswer, noteStep, recordRun } from '../core/records/runTracking';
import { createTimerHandler } from '../core/timers/timerTurn';
import { abandonFlow } from '../core/lifecycle/abandon';
import { extendFlow } from '../core/lifecycle/extend';
import { ACTIVE_GRACE_MS } from '../core/lifecycle/activeFlows';
import type { FlowEventHandler } from '../core/lifecycle/flowEvent';
import { FlowLifecycle } from '../core/lifecycle/flowLifecycle';
import type { Duration } from '../core/policy/duration';

const debug = createDebug('botbuilder-inactivity:turn');

/** The recurring job that expires saved flows past their resume window and purges records past their retention. */
export const EXPIRE_JOB_NAME = 'botbuilder-inactivity:expire-snapshots';

/** How often saved flows are swept. */
const EXPIRE_EVERY_MS = 3_600_000;


/**
 * A message arriving this close to its conversation's next stage (or after it) first stores that the user spoke,
 * conditionally, before the bot answers: a timer claiming that stage at the same moment then loses, on any
 * instance. Further from the stage no timer can fire during the turn, and no extra write is made.
 */
export const TURN_GUARD_MS = 30_000;

/** A bot reply this fast leaves the silence counted from the user's message (see endTurn). */
const STAMP_SLACK_MS = 1000;

/** The longest `sendTimeout`: a timer's turn (a few sends) must end well inside its one-minute lock. */
const MAX_SEND_TIMEOUT_MS = 15_000;

/** The longest `flowEventTimeout`: hooks run inside a timer's turn, which must end well inside its lock. */
const MAX_FLOW_EVENT_TIMEOUT_MS = 10_000;

/** Per-turn data; lives in locals of one `onTurn` call, never on the middleware. */
interface Turn {
    state: InactivityState;
    payload?: ButtonPayload | 'invalid';
    pendingBefore?: PendingButtons;
    reprompts?: RepromptWatch;
    /** The flow ran past its maxDuration before this message: it is closed instead of answered. */
    overCap?: { info: FlowInfo; policy: ResolvedPolicy };
}

/**
 * Inactivity and abandonment handling as a botbuilder middleware. On every user message it stamps the time in
 * the conversation's state and keeps a durable timer (Agenda on MongoDB) armed; when the user goes quiet in
 * a flow it sends a localized reminder with Continue / Start over buttons, then closes the flow (saving it
 * for resuming), hands off to a human, or begins a fallback dialog.
 *
 * @example
 * ```ts
 * const inactivity = new InactivityMiddleware({
 *     adapter,
 *     conversationState,
 *     dialogState: conversationState.createProperty('DialogState'),
 *     dialog: mainDialog,
 *     mongo: process.env.MONGODB_URI,
 *     reminderAfter: '5 minutes',
 *     closeAfter: '15 minutes',
 * });
 * adapter.use(inactivity);
 * await inactivity.start();
 * ```
 */
export class InactivityMiddleware implements Middleware {
    private readonly svc: Services;
    private mongo?: MongoHandle;
    private createdScheduler = false;
    private starting?: Promise<void>;
    private readonly guard: OutageGuard;
    /** Where a user turn running through this middleware keeps its {@link Turn}, for `abandon` and `extend`. */
    private readonly turnKey = Symbol('botbuilder-inactivity turn');

    /**
     * @param options See {@link InactivityOptions}; every default is listed in the README and manifest.json.
     * @throws InactivityConfigError when an option is missing or not valid.
     */
    constructor(options: InactivityOptions) {
        validateOptions(options);
        const fileFlows = options.policyFile ? loadPolicyFile(options.policyFile) : {};
        const policy = mergePolicy(defaultPolicy(), fileFlows.defaults, options);
        const flows = mergeFlows(fileFlows.flows, options.flows);
        checkResolvedPolicies(policy, flows);
        const sendTimeout = toMilliseconds(options.sendTimeout ?? DEFAULTS.sendTimeout, 'sendTimeout');
        if (sendTimeout <= 0 || sendTimeout > MAX_SEND_TIMEOUT_MS) {
            throw new InactivityConfigError(`sendTimeout is ${sendTimeout} ms; it must be more than 0 and at most ${MAX_SEND_TIMEOUT_MS} ms, so that a timer's turn ends well inside its one-minute lock.`);
        }
        const flowEventTimeout = toMilliseconds(options.flowEventTimeout ?? DEFAULTS.flowEventTimeout, 'flowEventTimeout');
        if (flowEventTimeout <= 0 || flowEventTimeout > MAX_FLOW_EVENT_TIMEOUT_MS) {
            throw new InactivityConfigError(`flowEventTimeout is ${flowEventTimeout} ms; it must be more than 0 and at most ${MAX_FLOW_EVENT_TIMEOUT_MS} ms, so that hooks cannot hold a timer's turn past its lock.`);
        }
        const settings: Settings = {
            policy,
            flows,
            botAppId: options.botAppId ?? DEFAULTS.botAppId,
            schedulerTimeout: toMilliseconds(options.schedulerTimeout ?? DEFAULTS.schedulerTimeout, 'schedulerTimeout'),
            transcriptSize: options.transcriptSize ?? DEFAULTS.transcriptSize,
            endOfConversation: options.endOfConversation ?? DEFAULTS.endOfConversation,
            sendTimeout,
            // Besides its sends, a timer's turn raises at most 2 flow events (abandoned, then closed), each bounded.
            timerDeadline: Math.min(45_000, 3 * sendTimeout + 2 * flowEventTimeout + 5000),
        };
        if (options.onFlowEvent !== undefined && typeof options.onFlowEvent !== 'function') {
            throw new InactivityConfigError(`options.onFlowEvent must be a function (event) => void | Promise<void>; got ${options.onFlowEvent === null ? 'null' : typeof options.onFlowEvent}.`);
        }
        const retry = { retries: options.sendRetries ?? DEFAULTS.sendRetries };
        const report = (err: unknown, context?: TurnContext): void => this.report(err, context);
        const localizer = new Localizer({
            defaultLocale: options.defaultLocale ?? DEFAULTS.defaultLocale,
            extraPaths: options.localesPath ? [options.localesPath] : [],
            onProblem: (err) => report(err),
        });
        checkTextKeys(policy, flows, (key) => localizer.has(key, options.defaultLocale ?? DEFAULTS.defaultLocale));
        const now = options.now ?? Date.now;
        const lifecycle = new FlowLifecycle(flowEventTimeout, now, report);
        if (options.onFlowEvent) {
            lifecycle.hooks.add(options.onFlowEvent);
        }
        this.svc = {
            options,
            settings,
            localizer,
            // Without a scheduler or an Agenda, the plugin creates its own in start(), once MongoDB is open.
            scheduler: options.scheduler ?? (options.agenda ? new AgendaScheduler({ agenda: options.agenda, onError: report, retry, runDeadline: settings.timerDeadline }) : undefined),
            state: options.conversationState.createProperty<InactivityState | undefined>(STATE_PROPERTY),
            conversationState: options.conversationState,
            dialogState: options.dialogState,
            dialogs: options.dialog ? new DialogSet(options.dialogState).add(options.dialog) : undefined,
            telemetry: options.telemetryClient,
            lifecycle,
            now,
            report,
            budget: (work, what) => this.guard.call(work, what),
        };
        this.guard = new OutageGuard({ timeout: settings.schedulerTimeout, scheduler: () => this.svc.scheduler, report });
    }

    /**
     * Connects to MongoDB (when given a connection string), prepares collections and starts processing timers.
     * Call once before the bot takes traffic; calling again returns the same promise.
     *
     * @throws InactivitySchedulerError when MongoDB cannot be reached.
     */
    start(): Promise<void> {
        this.starting ??= this.open().catch((err) => {
            this.starting = undefined;
            throw err;
        });
        return this.starting;
    }

    /**
     * Stops processing timers (running ones finish first) and closes the connections the plugin opened. A
     * `start()` still under way is waited for first, so nothing keeps running after `stop()` resolves.
     */
    async stop(): Promise<void> {
        const starting = this.starting;
        this.starting = undefined;
        await starting?.catch(() => undefined);
        this.guard.stop();
        await this.svc.scheduler?.stop();
        if (this.createdScheduler) {
            this.svc.scheduler = undefined;
            this.createdScheduler = false;
        }
        await this.mongo?.close();
        this.mongo = undefined;
    }

    /**
     * Marks the flow in progress abandoned for a reason of the bot's own (the user said "never mind", a payment
     * failed): saves it for resuming as a close does (the user is offered Resume when they begin it again, within
     * `resumeWindow`), ends the bot's dialogs, cancels the conversation's timer and records the abandonment with
     * `reason` (MongoDB, telemetry `InactivityFlowAbandoned`, the `abandoned` flow event), where the report shows
     * it beside the built-in reasons. Sends nothing to the user: what to say is the bot's.
     *
     * Call it in the user's turn (from the bot's logic or a dialog), or in a turn of the bot's own
     * (`adapter.continueConversationAsync`, for a payment webhook): there the stored state is changed
     * conditionally, so a timer firing at the same moment either comes first or finds the flow gone.
     *
     * @example
     * ```ts
     * if (/^cancel$/i.test(context.activity.text ?? '')) {
     *     await inactivity.abandon(context, 'userCancelled');
     *     await context.sendActivity('OK, cancelled.');
     * }
     * ```
     * @param context The turn.
     * @param reason A name of 1 to 40 characters, starting with a lower-case letter, then letters, digits, `_`
     *   or `-` (`/^[a-z][a-zA-Z0-9_-]{0,39}$/`). `userCancelled` is accepted; the other built-in reasons
     *   (`timeout`, `maxDuration`, `invalidInput`, `handoff`, `undeliverable`) are the plugin's own and refused.
     * @returns True when a flow was in progress and is now abandoned; false when there was none.
     * @throws RangeError for a reason that is not valid; an error when the conversation's state cannot be
     *   read or written (outside a user turn).
     */
    abandon(context: TurnContext, reason: string): Promise<boolean> {
        return abandonFlow(this.svc, context, reason, this.turnOf(context)?.state);
    }

    /**
     * Gives the user more time in the flow in progress ("give me a minute"): the reminder and the final action
     * still to come move later by `duration` (after a reminder, the close it announced moves). `maxDuration` does
     * not move. It lasts until the user's next message, from which the usual times count again. The flow's
     * progress counts it (`extensions`) and the `extended` flow event is raised. Makes no scheduler write.
     *
     * @example
     * ```ts
     * await inactivity.extend(context, '10 minutes');
     * ```
     * @param context The turn (the user's, or one of the bot's own, as for {@link InactivityMiddleware.abandon}).
     * @param duration Milliseconds or a string such as `'10 minutes'`; more than 0 and at most 7 days.
     * @returns True when a flow was in progress and was extended; false when there was none.
     * @throws InactivityConfigError or RangeError for a duration that is not valid.
     */
    extend(context: TurnContext, duration: Duration): Promise<boolean> {
        return extendFlow(this.svc, context, duration, this.turnOf(context)?.state);
    }

    /**
     * Adds a hook on flow events, beside the `onFlowEvent` option. Hooks are awaited at most `flowEventTimeout`
     * together; a hook that throws or runs longer is reported through `onError` and never breaks the turn or the
     * timer.
     *
     * @example
     * ```ts
     * inactivity.onFlowEvent(async (event) => {
     *     if (event.type === 'escalated') {
     *         await crm.note(event.userId, `struggling at ${event.flowId} step ${event.step}`);
     *     }
     * });
     * ```
     * @param handler The hook.
     * @returns A function that removes the hook.
     */
    onFlowEvent(handler: FlowEventHandler): () => void {
        return this.svc.lifecycle.hooks.add(handler);
    }

    /**
     * Flows in progress by flow id, for a dashboard: the conversations whose last turn on THIS instance left
     * them in a flow that has not ended since (in memory, no database call). A flow that went on or ended on
     * another instance stops counting here after its close time (plus a minute); add the counts of every
     * instance for the total, knowing that a conversation whose turns moved between instances is counted on
     * each for that long.
     *
     * @returns A count per flow id, e.g. `{ addClient: 12 }`; flows with none are absent.
     */
    activeFlows(): Record<string, number> {
        return this.svc.lifecycle.active.counts(this.svc.now());
    }

    /**
     * Handles a turn. The bot's own logic always runs (or, for a click on one of the plugin's buttons, the
     * plugin answers it); no plugin failure stops the reply.
     *
     * @param context The turn.
     * @param next The rest of the pipeline.
     */
    async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
        if (!isUserMessage(context.activity)) {
            await next();
            return;
        }
        let turn: Turn | undefined;
        try {
            turn = await this.beginTurn(context);
            context.turnState.set(this.turnKey, turn);
        } catch (err) {
            this.report(err, context);
        }
        let handled = false;
        if (turn?.payload || turn?.overCap) {
            handled = true;
            try {
                if (turn.overCap) {
                    await endFlow(this.svc, context, turn.state, turn.overCap.info, turn.overCap.policy, 'maxDuration');
                } else {
                    await this.answerButton(context, turn);
                }
            } catch (err) {
                this.report(err, context);
            }
        }
        let failed = true;
        try {
            if (!handled) {
                await next();
            }
            failed = false;
        } finally {
            if (turn) {
                try {
                    await this.endTurn(context, turn, failed);
                } catch (err) {
                    this.report(err, context);
                }
            }
        }
    }

    private async open(): Promise<void> {
        const { options } = this.svc;
        const prefix = options.collectionPrefix ?? DEFAULTS.collectionPrefix;
        if (options.mongo) {
            this.mongo = await openMongo(options.mongo);
            const db = this.mongo.db;
            try {
                const snapshots = new MongoSnapshotStore(db, { collection: `${prefix}Snapshots` });
                const abandonments = new MongoAbandonmentLog(db, { collection: `${prefix}Events`, retention: options.recordRetention ?? DEFAULTS.recordRetention });
                const flowRuns = new MongoFlowRunStore(db, { collection: `${prefix}Runs`, retention: options.recordRetention ?? DEFAULTS.recordRetention, rawUserIds: options.rawUserIds ?? DEFAULTS.rawUserIds, userHashKey: options.userHashKey });
                await Promise.all([snapshots.init(), abandonments.init(), flowRuns.init()]);
                this.svc.snapshots = snapshots;
                this.svc.abandonments = abandonments;
                this.svc.flowRuns = flowRuns;
                if (!this.svc.scheduler) {
                    this.svc.scheduler = new AgendaScheduler({
                        mongo: db,
                        collection: `${prefix}Jobs`,
                        processEvery: toMilliseconds(options.processEvery ?? DEFAULTS.processEvery, 'processEvery'),
                        onError: (err) => this.report(err),
                        retry: { retries: options.sendRetries ?? DEFAULTS.sendRetries },
                        runDeadline: this.svc.settings.timerDeadline,
                    });
                    this.createdScheduler = true;
                }
            } catch (err) {
                await this.mongo.close();
                this.mongo = undefined;
                throw err instanceof InactivitySchedulerError ? err : new InactivitySchedulerError('Could not prepare the MongoDB collections.', { cause: err });
            }
        }
        try {
            await (this.svc.scheduler as TimerScheduler).start(createTimerHandler(this.svc));
        } catch (err) {
            // Nothing may stay open after a failed start: the connection this call opened is closed again.
            if (this.createdScheduler) {
                this.svc.scheduler = undefined;
                this.createdScheduler = false;
            }
            await this.mongo?.close();
            this.mongo = undefined;
            throw err;
        }
        // Saved flows past their window are marked expired and their data dropped, and flow-run records and
        // abandonment events past their retention deleted (the TTL index does it too where the server has one):
        // now, then hourly on one instance. One recurring task for both: each costs every instance a check a minute.
        const snapshots = this.svc.snapshots;
        const flowRuns = this.svc.flowRuns;
        const events = this.svc.abandonments instanceof MongoAbandonmentLog ? this.svc.abandonments : undefined;
        if (snapshots || flowRuns) {
            const sweep = async () => {
                const now = this.svc.now();
                await Promise.all([snapshots?.expire(now), flowRuns?.purge(now), flowRuns && events?.purge(new Date(now - flowRuns.retentionMs))]);
            };
            await sweep().catch((err: unknown) => this.report(err));
            await this.svc.scheduler?.repeat?.(EXPIRE_JOB_NAME, EXPIRE_EVERY_MS, sweep).catch((err: unknown) => this.report(err));
        }
        debug('started');
    }

    private async beginTurn(context: TurnContext): Promise<Turn> {
        const svc = this.svc;
        const now = svc.now();
        let previous = readState(await svc.state.get(context));
        const atRisk = previous !== undefined && this.atRisk(previous, now);
        if (previous && atRisk) {
            previous = await this.claimSilenceEnd(context, previous, now);
        }
        const negotiated = svc.options.localeNegotiator ? await svc.options.localeNegotiator(context) : undefined;
        const reference = TurnContext.getConversationReference(context.activity);
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
            // Until this turn's reply is stored, a timer must not count the silence from the message's arrival.
            // Only needed where a timer may fire during the turn (the claim above stored it); elsewhere it would
            // make the bot's own save in its handler stale, and cost a second write to clear it.
            replyingSince: atRisk ? now : undefined,
        };
        // The user is back: the last reminder of the run, if any, was answered.
        noteAnswer(state.flow, now);
        const payload = readPayload(context.activity);
        const turn: Turn = { state, payload, pendingBefore: previous?.pending };
        if (!payload) {
            // Anything the user types makes earlier buttons stale: a later click on them changes nothing.
            state.pending = undefined;
            if (typeof context.activity.text === 'string' && context.activity.text) {
                addTranscriptLine(state, 'user', context.activity.text, now, svc.settings.transcriptSize);
            }
            const path = activePath(await svc.dialogState.get(context, { dialogStack: [] }));
            const info = state.flow ? inspectFlow(path, svc.settings.flows, svc.options.dialog) : undefined;
            const policy = info && resolvePolicy(svc.settings.policy, info, svc.settings.flows);
            if (info && previous && state.flow?.id === info.flowId) {
                // The step the user answers, reached when the bot last asked: noted before the bot saves its state,
                // so the flow's progress costs no write of its own.
                noteStep(state.flow, info, previous.lastUserActivityAt);
            }
            if (info && policy?.enabled && policy.maxDuration !== null && state.flow && now - state.flow.startedAt >= policy.maxDuration) {
                turn.overCap = { info, policy };
            }
            const before = promptIdentity(path);
            if (before && !turn.overCap) {
                turn.reprompts = watchReprompts(svc, context, state, before, path[path.length - 1]);
            }
        }
        recordSentMessages(context, state, svc.now, svc.settings.transcriptSize);
        await svc.state.set(context, state);
        return turn;
    }

    private async answerButton(context: TurnContext, turn: Turn): Promise<void> {
        const svc = this.svc;
        const { state, payload, pendingBefore } = turn;
        const kind = payload === 'invalid' || payload === undefined ? undefined : payload.action === 'continue' || payload.action === 'startOver' ? 'reminder' : 'resume';
        if (payload === 'invalid' || payload === undefined || !pendingBefore || pendingBefore.nonce !== payload.nonce || pendingBefore.kind !== kind) {
            debug('stale or forged button in %s', context.activity.conversation?.id);
            await context.sendActivity(textActivity(svc.localizer.t(state.locale, kind === 'resume' ? 'stale.resume' : 'stale.button')));
            state.pending = pendingBefore;
            return;
        }
        // One click per set of buttons.
        state.pending = undefined;
        const info = inspectFlow(activePath(await svc.dialogState.get(context, { dialogStack: [] })), svc.settings.flows, svc.options.dialog);
        switch (payload.action) {
            case 'continue':
                return continueFlow(svc, context, state, info);
            case 'startOver':
                return startOver(svc, context, state, info);
            case 'resume':
            case 'fresh':
                return answerResume(svc, context, state, pendingBefore, payload.action === 'resume');
        }
    }

    private async endTurn(context: TurnContext, turn: Turn, botFailed: boolean): Promise<void> {
        const svc = this.svc;
        const { state } = turn;
        const now = svc.now();
        turn.reprompts?.stop();
        if (!turn.payload && turn.pendingBefore?.kind === 'resume') {
            await discardIgnoredOffer(svc, context, state, turn.pendingBefore);
        }
        const path = activePath(await svc.dialogState.get(context, { dialogStack: [] }));
        const info = inspectFlow(path, svc.settings.flows, svc.options.dialog);
        // Silence counts from the end of the bot's answer: a slow turn does not shorten the user's time to reply.
        state.replyingSince = undefined;
        // A turn answered within STAMP_SLACK_MS keeps the stamp of the message's arrival: stamping again would make
        // the bot's own save of this turn (most bots save in their handler) stale, and cost a second write.
        if (now - state.lastUserActivityAt > STAMP_SLACK_MS) {
            state.lastUserActivityAt = now;
        }
        let began = false;
        // A run that ended in the bot's own logic (its dialog ended, or another flow took its place) completed.
        const completed = state.flow && (!info || state.flow.id !== info.flowId) ? state.flow : undefined;
        if (!info) {
            state.flow = undefined;
        } else if (!state.flow || state.flow.id !== info.flowId) {
            state.flow = { id: info.flowId, startedAt: now, reminded: false };
            began = true;
        }
        if (began && state.flow && info) {
            noteStep(state.flow, info, now);
        }
        // The completed run's record goes out while the turn goes on (it never throws): no round trip of waiting.
        const recording = completed ? recordRun(svc, context, state.reference, completed, { outcome: 'completed' }) : undefined;
        if (state.invalid && state.invalid.prompt !== promptIdentity(path)) {
            state.invalid = undefined;
        }
        if (info && state.flow) {
            const policy = resolvePolicy(svc.settings.policy, info, svc.settings.flows);
            if (turn.reprompts?.escalate) {
                state.invalid = undefined;
                await endFlow(svc, context, state, info, policy, 'invalidInput');
            } else if (policy.enabled && policy.maxDuration !== null && now - state.flow.startedAt >= policy.maxDuration) {
                await endFlow(svc, context, state, info, policy, 'maxDuration');
            } else {
                // The first turn of a flow looks for a saved flow to offer and arms the timer: both at once, one
                // round trip of waiting instead of two.
                const offer = began && !turn.payload && svc.snapshots ? this.svc.budget(offerResume(svc, context, state, info), 'look up a saved flow').catch((err: unknown) => this.report(err, context)) : undefined;
                await Promise.all([offer, this.arm(context, state, policy.enabled ? nextDue(state, policy) : undefined)]);
            }
        }
        // A flow that completed or was ended keeps its timer: a flow begun before it fires uses it without a write;
        // otherwise it fires once, finds no flow and is deleted. Cancelling it here would cost a write per flow.
        await svc.state.set(context, state);
        // After a failure in the bot's logic its dialog state is half-way: saving it would skip a step.
        await Promise.all([botFailed ? undefined : svc.conversationState.saveChanges(context), recording]);
        await this.afterTurn(context, state, info, began, completed);
    }

    /** Counts the flow in progress and raises `started` / `completed` once the turn is stored. */
    private async afterTurn(context: TurnContext, state: InactivityState, info: FlowInfo | undefined, began: boolean, completed: InactivityState['flow']): Promise<void> {
        const svc = this.svc;
        const key = conversationKey(state.reference);
        if (state.flow && info) {
            const policy = resolvePolicy(svc.settings.policy, info, svc.settings.flows);
            const last = Math.max(state.lastUserActivityAt + (state.extension?.ms ?? 0) + policy.closeAfter, state.armedFor ?? 0);
            svc.lifecycle.active.set(key, state.flow.id, last + ACTIVE_GRACE_MS, svc.now());
        } else {
            svc.lifecycle.active.end(key);
        }
        if (completed) {
            await svc.lifecycle.emit(context, 'completed', { flowId: completed.id });
        }
        if (began && info && state.flow) {
            await svc.lifecycle.emit(context, 'started', { flowId: info.flowId, stepIndex: info.stepIndex, stepId: info.stepName });
        }
    }

    private turnOf(context: TurnContext): Turn | undefined {
        return context.turnState.get(this.turnKey) as Turn | undefined;
    }

    /** Arms the conversation's timer unless the one already armed fires at or before `due` (then it re-arms itself). */
    private async arm(context: TurnContext, state: InactivityState, due: number | undefined): Promise<void> {
        const now = this.svc.now();
        if (due === undefined || (state.armedFor !== undefined && state.armedFor > now && state.armedFor <= due)) {
            return;
        }
        try {
            if (!this.starting) {
                throw new InactivitySchedulerError('InactivityMiddleware received a turn before start() was called: call `await inactivity.start()` at start-up.');
            }
            await this.guard.arm({ v: TIMER_DATA_VERSION, key: conversationKey(state.reference), reference: timerReference(state.reference) }, new Date(due));
            state.armedFor = due;
        } catch (err) {
            // Not known to be armed: the next turn tries again (and after an outage, the guard does).
            state.armedFor = undefined;
            this.report(err, context);
        }
    }

    /**
     * Whether a timer may claim a stage while this turn runs: the next stage is due within {@link TURN_GUARD_MS},
     * or overdue, or a failed send is waiting for its retry, or the last arm failed (a timer armed before it, or
     * the failed arm landing late, may fire at any time).
     */
    private atRisk(previous: InactivityState, now: number): boolean {
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
    private async claimSilenceEnd(context: TurnContext, previous: InactivityState, now: number): Promise<InactivityState | undefined> {
        const svc = this.svc;
        try {
            const record = await loadRecord(svc.conversationState, context, false);
            await svc.state.set(context, { ...previous, lastUserActivityAt: now, replyingSince: now, stagesDone: [], delivery: undefined });
            // The bot's storage, bounded but not skipped during a scheduler outage: a turn that went on without
            // knowing whether a timer claimed first would answer from the state it read and save over a close.
            const limit = svc.settings.schedulerTimeout;
            if (await withinBudget(claimRecord(svc.conversationState, context, record), limit, 'store that the user spoke')) {
                return previous;
            }
            debug('a timer claimed a stage in %s just before this message', context.activity.conversation?.id);
            await withinBudget(svc.conversationState.load(context, true), limit, 'read the conversation state');
        } catch (err) {
            this.report(err, context);
        }
        return readState(await svc.state.get(context));
    }

    private report(err: unknown, context?: TurnContext): void {
        const error = err instanceof Error ? err : new Error(String(err));
        debug('error: %O', error);
        if (error instanceof OutageSkipError || (this.guard?.isDown && error instanceof InactivitySchedulerError && /scheduler reported an error/.test(error.message))) {
            // Part of an outage already reported once (its start): not once per turn or per poll.
            return;
        }
        try {
            if (this.svc?.options.onError) {
                void Promise.resolve(this.svc.options.onError(error, context)).catch((e: unknown) => debug('onError failed: %O', e));
                return;
            }
            // Not the adapter's onTurnError: every error reported here has been recovered from, and template
            // onTurnError handlers apologise to the user and delete the conversation state.
            process.emitWarning(error.message, { type: 'BotbuilderInactivityWarning', detail: describeCause(error) });
        } catch (e) {
            debug('error reporting failed: %O', e);
        }
    }
}

function describeCause(error: Error): string | undefined {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${cause.name}: ${cause.message}` : undefined;
}

function isUserMessage(activity: Partial<Activity>): boolean {
    return activity.type === ActivityTypes.Message && activity.from?.role !== 'bot';
}


