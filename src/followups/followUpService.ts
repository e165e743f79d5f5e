import createDebug from 'debug';
import type { FollowUpReference } from './followUpReference';
import { InactivityConfigError } from '../core/errors';
import type { ActivityLike, ConversationRef as ConversationReference, TurnContextLike } from '../core/ports/activity';
import type { BotBinding } from '../core/ports/botBinding';
import { Localizer } from '../core/texts/localization';
import { DOWN, readHealth } from './followUpHealth';
import { FollowUpMiddleware } from './followUpMiddleware';
import {
    CheckInFollowUp,
    CustomFollowUp,
    FollowUpHealth,
    FollowUpOptions,
    PostEventFollowUp,
    ReengagementFollowUp,
    ReengagementResult,
    ScheduleCommon,
    ScheduleResult,
} from './followUpOptions';
import { scheduleKnownReengagements } from './knownReengagements';
import type { FollowUpType } from './followUpRecord';
import { checkFollowUpText } from './followUpTexts';
import { FollowUp, toFollowUp } from './followUpRecord';
import { Warn, standaloneWarn } from './followUpWarnings';
import { FollowUpSettings, resolveFollowUpSettings } from './followUpSettings';
import { RunningFollowUps, startFollowUps } from './followUpStart';
import { FollowUpPage, FollowUpQuery } from '../mongo/followUpStore';
import { FollowUpWakeUp } from './followUpWakeUp';
import { userOf, zoneOf, ZoneSource } from './requestUser';
import { checkNewFollowUp, NewFollowUp, newFollowUpDocument, writeReengagement } from './followUpWrites';
import { checkInFollowUp, customFollowUp, postEventFollowUp, RequestContext } from './followUpRequests';
import { isTimeZone, outsideQuietHours } from './userTime';
import { lastSweep, SweepReport } from '../mongo/sweepLog';

export { FOLLOW_UP_JOB_NAME } from './followUpWakeUp';
export { FOLLOW_UP_LEASE_MS } from './followUpSender';

const debug = createDebug('botbuilder-inactivity:followups');

/**
 * The follow-up service of either SDK: `FollowUpService` of `botbuilder-inactivity` (botbuilder) and of
 * `botbuilder-inactivity/agents` (the Agents SDK) are this class with their SDK's binding; `C` is the SDK's turn
 * context.
 *
 * Follow-ups and re-engagement: scheduled outreach after events and silences, sent through the same adapter and
 * the same bounded, retried send as the inactivity timers, on the bot's MongoDB.
 *
 * Each follow-up is one document in `<prefix>FollowUps` whose `_id` is derived from its deduplication key, so
 * scheduling the same key twice (two replicas, a retried request) keeps one record and returns its id with
 * `duplicate: true`. One Agenda job sleeps until the earliest pending follow-up is due; each instance then claims
 * due follow-ups one at a time with an atomic update (pending → sending, with a lease), so a follow-up is sent by
 * one instance once. Given the bot's `InactivityMiddleware` as `inactivity`, the service uses its MongoDB
 * connection, its Agenda and its `onError`: one of each per bot.
 *
 * @example
 * ```ts
 * const followUps = new FollowUpService({ adapter, inactivity });
 * await inactivity.start();
 * await followUps.start();
 * adapter.use(followUps.middleware());
 * await followUps.schedulePostEvent({
 *     reference: TurnContext.getConversationReference(context.activity),
 *     eventAt: new Date(),
 *     eventId: bookingId,
 *     template: 'sample:followUp.firstSession',
 *     variables: { name: 'Maria' },
 * });
 * ```
 */
export class FollowUpServiceBase<C = TurnContextLike> {
    private running?: RunningFollowUps;
    private started?: Promise<void>;
    private readonly wakeUp = new FollowUpWakeUp();
    private readonly blockedListeners: Array<(userId: string) => void> = [];
    private readonly localizer: Localizer;
    private readonly now: () => number;
    private readonly settings: FollowUpSettings;
    /** The error path: the service's own, or the InactivityMiddleware's once shared. */
    private warn: Warn;

    /**
     * @param options See {@link FollowUpOptions}.
     * @param bot The bot's SDK, follow-ups are sent through; none for a service that only schedules and reads (`send: false`).
     * @throws InactivityConfigError naming the option that cannot be used.
     */
    constructor(
        private readonly options: FollowUpOptions<C, unknown>,
        private readonly bot?: BotBinding
    ) {
        if (!bot && options?.send !== false) {
            throw new InactivityConfigError('FollowUpService needs `adapter`: the bot adapter (CloudAdapter) follow-ups are sent through.');
        }
        this.settings = resolveFollowUpSettings(options as FollowUpOptions);
        this.warn = standaloneWarn(options.onError);
        this.localizer =
            options.localizer ?? new Localizer({ defaultLocale: options.defaultLocale, ...(options.localesPath ? { extraPaths: [options.localesPath] } : {}) });
        this.now = options.now ?? Date.now;
    }

    /** The name of the follow-ups collection: `<prefix>FollowUps`. */
    get collectionName(): string {
        return `${this.settings.prefix}FollowUps`;
    }

    /** The silence before a re-engagement, ms (the middleware reads it). */
    get reengageAfterMs(): number {
        return this.settings.reengageAfter;
    }

    /** The delay of a post-event follow-up, ms. */
    get followUpAfterMs(): number {
        return this.settings.followUpAfter;
    }

    /** The score below which a message is low (`scoreThresholds.neutral`): the middleware schedules a check-in. */
    get lowScore(): number {
        return this.settings.thresholds.neutral;
    }

    /**
     * Scores a user's message with `scoreSentiment`, when one is given.
     *
     * @returns The score (0-1), or undefined without a scorer or when it failed (reported).
     */
    async scoreMessage(text: string, context: TurnContextLike): Promise<number | undefined> {
        const scorer = this.options.scoreSentiment;
        if (!scorer || !text.trim()) {
            return undefined;
        }
        try {
            const score = await scorer(text, context as unknown as C);
            return typeof score === 'number' && score >= 0 && score <= 1 ? score : undefined;
        } catch (err) {
            this.warn(err);
            return undefined;
        }
    }

    /**
     * The channel's window for free-form messages, ms, if its policy has one (the middleware then records the
     * user's last message hourly instead of daily).
     */
    channelWindowMs(channelId: string | undefined): number | undefined {
        return channelId ? this.settings.channels[channelId]?.windowMs : undefined;
    }

    /** The texts the service renders with. */
    get texts(): Localizer {
        return this.localizer;
    }

    /**
     * Opens the database (when given a connection string; with `inactivity`, starts the middleware and borrows its
     * connection and Agenda), creates the indexes, and starts the Agenda job that sends due follow-ups. Calling it
     * again returns the same promise.
     *
     * @throws InactivityConfigError when `inactivity` has no MongoDB of its own to share.
     */
    start(): Promise<void> {
        this.started ??= this.open().catch((err) => {
            this.started = undefined;
            throw err;
        });
        return this.started;
    }

    /**
     * Stops sending so that no follow-up waits on this instance (a deploy's SIGTERM): hands the wake-up's lock back at
     * once, sends what falls due until another instance has taken the wake-up over (one lease watch and a second at
     * most; shared, one poll), hands back the claims not yet being sent, waits for sends under way, and closes what
     * the service opened (nothing, when shared).
     */
    async stop(): Promise<void> {
        await this.started?.catch(() => undefined);
        this.started = undefined;
        await this.wakeUp.handOver().catch((err: unknown) => this.warn(err));
        this.running?.sender.stopClaiming();
        await this.wakeUp.stop();
        await this.running?.sender.idle();
        await this.running?.mongo?.close();
    }

    /**
     * Schedules a follow-up after an event (a booked session): at `eventAt + after`, moved out of the user's quiet
     * hours, or at `localTime` on the user's clock. Key: `postEvent:<user>:<eventId or eventAt>`. With the
     * tolerance window (`dedupeWindow`), another post-event follow-up of the same user that close is a duplicate.
     *
     * @returns The id, and `duplicate: true` when it already existed.
     */
    async schedulePostEvent(given: PostEventFollowUp): Promise<ScheduleResult> {
        const request = withVars(given);
        this.checkText('postEvent', request, request.template);
        const made = await postEventFollowUp(request, this.requests());
        return 'id' in made ? made : this.insert(made);
    }

    /**
     * Schedules a check-in after a concern (a conversation that went badly). Key: `checkIn:<user>:<local date>`.
     *
     * @returns The id, and `duplicate: true` when one exists for that user and day.
     */
    async scheduleCheckIn(given: CheckInFollowUp): Promise<ScheduleResult> {
        const request = withVars(given);
        this.checkText('checkIn', request, request.template ?? 'followups:checkIn');
        return this.insert(await checkInFollowUp(request, this.requests()));
    }

    /**
     * Schedules a follow-up at any time with any template. Key: the caller's, else `custom:<user>:<template>:<at>`.
     *
     * @returns The id, and `duplicate: true` when the key existed.
     */
    async scheduleCustom(given: CustomFollowUp): Promise<ScheduleResult> {
        const request = withVars(given);
        this.checkText('custom', request, request.template);
        return this.insert(await customFollowUp(request, this.requests()));
    }

    /**
     * Schedules a re-engagement from a known last activity: for a user who went quiet before the plugin was
     * installed (or whom the middleware never saw), due `after` (default `reengageAfter`) their `lastActivityAt`,
     * at once when that has passed, out of quiet hours. Key `reengagement:<user>`, the one the middleware arms and
     * moves: a user who has one (armed, imported or sent) gets `duplicate: true` and nothing new.
     *
     * @returns The id, and `duplicate: true` when the user's re-engagement existed.
     * @throws InactivityConfigError for a request that cannot be scheduled (no reference, a bad date, an unknown template).
     */
    async scheduleReengagement(request: ReengagementFollowUp): Promise<ScheduleResult> {
        const [result] = await this.scheduleReengagements([request]);
        if ('error' in result) {
            throw result.error;
        }
        return result;
    }

    /**
     * {@link FollowUpService.scheduleReengagement} for many users in two database commands (an import): each
     * request's result in order, a refused one with its `error` (the others still go in).
     *
     * @returns One result per request.
     */
    async scheduleReengagements(requests: readonly ReengagementFollowUp[]): Promise<ReengagementResult[]> {
        const { store, users } = await this.ready();
        return scheduleKnownReengagements(requests.map(withVars), {
            requests: this.requests(),
            store,
            users,
            checkText: (request, template) => this.checkText('reengagement', request, template),
            wake: (at) => this.wake(at),
        });
    }

    /**
     * Arms or moves the user's re-engagement to `reengageAfter` from now (one record per user, key
     * `reengagement:<user>`), unless it is being sent at this moment. Called by the middleware from the user's
     * messages, at most once a day per user: moving it is also what cancels a due one when the user writes.
     *
     * @param reference The conversation to write into.
     * @param options `timeZone` and `locale` of the user, when known.
     * @returns True when it was armed or moved; false when a send of it is under way.
     */
    async armReengagement(reference: FollowUpReference, options: { timeZone?: string; locale?: string; userId?: string } = {}): Promise<boolean> {
        const { store } = await this.ready();
        const userId = userOf({ reference, userId: options.userId });
        const zone = await zoneOf(this.zoneSource(), userId, { reference, timeZone: options.timeZone });
        const now = new Date(this.now());
        const at = outsideQuietHours(new Date(now.getTime() + this.settings.reengageAfter), zone, this.settings.quietHours);
        if (!(await writeReengagement(store, { userId, reference, zone, locale: options.locale, at, now, silenceMs: this.settings.reengageAfter }))) {
            return false;
        }
        this.wake(at);
        return true;
    }

    /**
     * Records a user's score (an answer to a follow-up, say): the next post-event follow-up or check-in without a
     * score of its own chooses its template by the mean of the user's last `scoreHistory` scores (default 5).
     */
    async recordScore(userId: string, score: number): Promise<void> {
        if (!(score >= 0 && score <= 1)) {
            throw new InactivityConfigError(`A score is a number from 0 to 1; got ${JSON.stringify(score)}.`);
        }
        const { users } = await this.ready();
        await users.addScore(userId, score, this.settings.scoreHistory);
    }

    /**
     * Records what the middleware saw of a user's message: their last message time (for channel windows), time
     * zone, and that any 403 suppression ends.
     */
    async noteUserMessage(userId: string, at: Date, timeZone?: string): Promise<void> {
        const { users } = await this.ready();
        await users.update(userId, { lastMessageAt: at, ...(isTimeZone(timeZone) ? { timeZone } : {}) }, ['blockedAt']);
    }

    /**
     * Opts a user out: cancels their pending follow-ups and keeps new ones from being scheduled or sent, until
     * {@link FollowUpService.optIn}.
     *
     * @returns How many pending follow-ups were cancelled.
     */
    async optOut(userId: string): Promise<number> {
        const { store, users } = await this.ready();
        const now = new Date(this.now());
        await users.update(userId, { optedOutAt: now });
        return store.cancelUser(userId, now, 'optedOut');
    }

    /** Opts a user back in. */
    async optIn(userId: string): Promise<void> {
        const { users } = await this.ready();
        await users.update(userId, {}, ['optedOutAt']);
    }

    /**
     * Lists follow-ups, latest scheduled first, a page at a time.
     *
     * @param query Filters, `limit` (default 50) and the previous page's `nextCursor`.
     * @returns A page and the cursor of the next.
     */
    async list(query: FollowUpQuery = {}): Promise<FollowUpPage<FollowUp>> {
        const page = await (await this.ready()).store.list(query);
        return { items: page.items.map(toFollowUp), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    }

    /** @returns The follow-up with this id, or undefined. */
    async get(id: string): Promise<FollowUp | undefined> {
        const doc = await (await this.ready()).store.get(id);
        return doc ? toFollowUp(doc) : undefined;
    }

    /** @returns True when it was pending and is now cancelled; false when not found or already sent (or finished). */
    async cancel(id: string): Promise<boolean> {
        return (await this.ready()).store.cancel(id, new Date(this.now()));
    }

    /**
     * Moves a follow-up to `at`, pending again with its attempts reset and its history kept (also one that was
     * cancelled, failed or skipped).
     *
     * @returns True when found and moved; false when not found or being sent at this moment.
     */
    async reschedule(id: string, at: Date): Promise<boolean> {
        if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
            throw new InactivityConfigError(`reschedule needs a valid Date; got ${String(at)}.`);
        }
        const moved = await (await this.ready()).store.reschedule(id, at, new Date(this.now()));
        if (moved) {
            this.wake(at);
        }
        return moved;
    }

    /** @returns The service's state (see {@link FollowUpHealth}). */
    async health(): Promise<FollowUpHealth> {
        let running: RunningFollowUps;
        try {
            running = await this.ready();
        } catch {
            return DOWN;
        }
        const prefix = this.settings.prefix;
        const sweeps = async () =>
            (await Promise.all([lastSweep(running.db, prefix, 'followUps'), lastSweep(running.db, prefix, 'inactivity')])).filter(
                (s): s is SweepReport => s !== undefined
            );
        return readHealth(running.store, { running: this.wakeUp.running, now: new Date(this.now()), jobs: this.wakeUp.jobCollections, sweeps }, this.warn);
    }

    /**
     * Sends every due follow-up now (what the wake-up job does), then returns. For tests, tools and a bot that
     * wants to flush.
     *
     * @returns How many were claimed.
     */
    async runDue(): Promise<number> {
        return (await this.ready()).sender.runDue();
    }

    /**
     * Deletes follow-ups finished more than `retention` ago (the embedded server applies no TTL index, so a sweep
     * does it everywhere). Runs by itself at most hourly.
     *
     * @returns How many were deleted.
     */
    async purge(): Promise<number> {
        return (await this.ready()).sender.purge();
    }

    /**
     * The conversation reference of a user's activity, in the bot's SDK's shape (the middleware arms
     * re-engagements with it).
     *
     * @param activity The user's activity.
     * @returns The reference.
     */
    referenceOf(activity: ActivityLike): ConversationReference {
        if (!this.bot) {
            throw new InactivityConfigError('This FollowUpService was made without an adapter (send: false): it reads no turns.');
        }
        return this.bot.referenceOf(activity);
    }

    /**
     * The middleware that arms re-engagements, honours stop words and ends suppressions from users' messages.
     * Add it with `adapter.use(...)`.
     */
    middleware(): FollowUpMiddleware<C> {
        const middleware = new FollowUpMiddleware<C>(this);
        this.blockedListeners.push((userId) => middleware.forget(userId));
        return middleware;
    }

    private async insert(followUp: NewFollowUp): Promise<ScheduleResult> {
        checkNewFollowUp(followUp);
        const { store, users } = await this.ready();
        const user = await users.get(followUp.userId);
        const scheduledAt = outsideQuietHours(followUp.scheduledAt, followUp.zone, this.settings.quietHours);
        const optedOut = Boolean(user?.optedOutAt);
        const result = await store.insert(newFollowUpDocument({ ...followUp, scheduledAt }, { now: new Date(this.now()), optedOut }));
        if (!result.duplicate && !optedOut) {
            this.wake(scheduledAt);
        }
        return result;
    }

    /**
     * Refuses, when scheduling, a follow-up that could not be shown: an unknown template, a placeholder without a
     * value, an empty text (see {@link checkFollowUpText}).
     */
    private checkText(type: FollowUpType, request: ScheduleCommon, template: string | undefined): void {
        if (request.text === undefined && (typeof template !== 'string' || !template)) {
            return; // checkNewFollowUp names what is missing.
        }
        checkFollowUpText(this.localizer, {
            type,
            template: template ?? '',
            ...(request.text !== undefined ? { text: request.text } : {}),
            variables: request.variables ?? {},
            buttons: request.buttons,
            locale: request.locale ?? request.reference?.locale,
        });
    }

    /** What the schedule requests are turned into follow-ups with. */
    private requests(): RequestContext {
        return { settings: this.settings, zones: this.zoneSource(), now: this.now, store: async () => (await this.ready()).store };
    }

    /** Where a user's time zone is found (see {@link zoneOf}). */
    private zoneSource(): ZoneSource {
        return {
            resolver: this.options.timeZone,
            stored: async (userId) => (await (await this.ready()).users.get(userId))?.timeZone,
            defaultTimeZone: this.settings.defaultTimeZone,
            warn: this.warn,
        };
    }

    private async ready(): Promise<RunningFollowUps> {
        await this.started?.catch(() => undefined);
        if (!this.running) {
            throw new InactivityConfigError('The follow-up service is not started: call start() first.');
        }
        return this.running;
    }

    private async open(): Promise<void> {
        this.running = await startFollowUps({
            options: this.options as FollowUpOptions,
            bot: this.bot,
            settings: this.settings,
            localizer: this.localizer,
            now: this.now,
            warn: this.warn,
            wakeUp: this.wakeUp,
            blocked: (userId) => this.blockedListeners.forEach((forget) => forget(userId)),
        });
        // One reporter per bot: shared, the service reports where the middleware does.
        this.warn = this.running.shared?.warn ?? this.warn;
        debug('started on %s (%s)', this.collectionName, this.running.shared ? 'shared with the InactivityMiddleware' : 'own connection');
    }

    /** Moves the senders' wake-up earlier when `at` comes before it. */
    private wake(at: Date): void {
        this.wakeUp.wake(at);
    }
}

/** A request with `vars` folded into `variables` (the two names of one field). */
function withVars<T extends ScheduleCommon>(request: T): T {
    if (!request || typeof request !== 'object' || request.vars === undefined) {
        return request;
    }
    const { vars, ...rest } = request;
    return { ...rest, variables: { ...vars, ...request.variables } } as T;
}
