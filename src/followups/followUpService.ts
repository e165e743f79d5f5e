import type { ConversationReference } from 'botbuilder';
import createDebug from 'debug';
import type { Agenda, Job, NotificationChannel } from 'agenda' with { 'resolution-mode': 'import' };
import { Collection } from 'mongodb';
import { toMilliseconds } from '../core/policy/duration';
import { InactivityConfigError } from '../core/errors';
import { Localizer } from '../core/texts/localization';
import { MongoHandle, openMongo } from '../mongo/mongoConnection';
import { timerReference } from '../scheduling/timerDocument';
import { retryDelay } from '../core/ports/timerScheduler';
import { track } from '../core/telemetry';
import { ChannelPolicy, DEFAULT_CHANNEL_POLICIES, insideWindow } from './channelPolicy';
import { deliverFollowUp, DeliveryDeps } from './followUpDelivery';
import { isDuplicateKey } from '../mongo/collection';
import { followUpId } from '../mongo/followUpId';
import {
    CheckInFollowUp,
    CustomFollowUp,
    FOLLOW_UP_DEFAULTS,
    FollowUpHealth,
    FollowUpOptions,
    PostEventFollowUp,
    ScheduleCommon,
    ScheduleResult,
} from './followUpOptions';
import { FOLLOW_UP_VERSION, FollowUp, FollowUpDocument, FollowUpType, SkipReason, toFollowUp } from './followUpRecord';
import { FollowUpPage, FollowUpQuery, FollowUpStore } from '../mongo/followUpStore';
import { FollowUpEvents } from './followUpTelemetry';
import { FollowUpUsers } from '../mongo/followUpUsers';
import { DEFAULT_SCORE_THRESHOLDS, ScoreThresholds } from './templateChoice';
import { atLocalTime, isTimeZone, localDate, minutesOfDay, outsideQuietHours, QuietHours } from './userTime';

const debug = createDebug('botbuilder-inactivity:followups');

/** The Agenda job that wakes the service when the earliest pending follow-up is due (one job, re-armed). */
export const FOLLOW_UP_JOB_NAME = 'bbi:followups';

/** How long a claimed follow-up stays with the instance that claimed it before another may claim it. */
export const FOLLOW_UP_LEASE_MS = 60_000;

/** The wake-up job never sleeps longer than this, so a wake-up lost to a race costs at most this much lateness. */
const MAX_SLEEP_MS = 15 * 60_000;

/** How often the retention sweep runs, at most (on a wake-up). */
const PURGE_EVERY_MS = 60 * 60_000;

/**
 * Follow-ups and re-engagement: scheduled outreach after events and silences, sent through the same adapter and
 * the same bounded, retried send as the inactivity timers, on the bot's MongoDB.
 *
 * Each follow-up is one document in `<prefix>FollowUps` whose `_id` is derived from its deduplication key, so
 * scheduling the same key twice (two replicas, a retried request) keeps one record and returns its id with
 * `duplicate: true`. One Agenda job sleeps until the earliest pending follow-up is due; each instance then claims
 * due follow-ups one at a time with an atomic update (pending → sending, with a lease), so a follow-up is sent by
 * one instance once.
 *
 * @example
 * ```ts
 * const followUps = new FollowUpService({ adapter, mongo: client });
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
export class FollowUpService {
    private mongo?: MongoHandle;
    private store?: FollowUpStore;
    private users?: FollowUpUsers;
    private agenda?: Agenda;
    private channel?: NotificationChannel;
    private jobs?: Collection;
    private started?: Promise<void>;
    private draining?: Promise<void>;
    private drainAgain = false;
    private lastPurge = 0;
    private readonly blockedListeners: Array<(userId: string) => void> = [];
    /** The earliest wake-up asked for on this instance while the wake-up job ran (its completion write must not lose it). */
    private wokenDuringRun?: number;
    private readonly localizer: Localizer;
    private readonly now: () => number;
    private readonly settings: {
        prefix: string;
        botAppId: string;
        defaultTimeZone: string;
        quietHours: QuietHours | null;
        followUpAfter: number;
        reengageAfter: number;
        dedupeWindow: number;
        frequencyCap: number;
        checkInAfter: number;
        retention: number;
        retries: number;
        sendTimeout: number;
        processEvery: number;
        concurrency: number;
        thresholds: ScoreThresholds;
        channels: Record<string, ChannelPolicy>;
    };

    /**
     * @param options See {@link FollowUpOptions}.
     * @throws InactivityConfigError naming the option that cannot be used.
     */
    constructor(private readonly options: FollowUpOptions) {
        if (!options?.adapter || typeof options.adapter.continueConversationAsync !== 'function') {
            throw new InactivityConfigError('FollowUpService needs `adapter`: the bot adapter (CloudAdapter) follow-ups are sent through.');
        }
        if (!options.mongo) {
            throw new InactivityConfigError('FollowUpService needs `mongo`: a MongoDB connection string, MongoClient or Db.');
        }
        const d = FOLLOW_UP_DEFAULTS;
        const defaultTimeZone = options.defaultTimeZone ?? d.defaultTimeZone;
        if (!isTimeZone(defaultTimeZone)) {
            throw new InactivityConfigError(`defaultTimeZone must be an IANA time zone such as 'Europe/Lisbon'; got ${JSON.stringify(defaultTimeZone)}.`);
        }
        const quietHours = options.quietHours === null ? null : (options.quietHours ?? d.quietHours);
        if (quietHours) {
            try {
                minutesOfDay(quietHours.start, 'quietHours.start');
                minutesOfDay(quietHours.end, 'quietHours.end');
            } catch (err) {
                throw new InactivityConfigError((err as Error).message);
            }
        }
        const cap = options.frequencyCap ?? d.frequencyCap;
        if (!Number.isInteger(cap) || cap < 0) {
            throw new InactivityConfigError(`frequencyCap must be a whole number of follow-ups per day (0 for no cap); got ${JSON.stringify(cap)}.`);
        }
        const thresholds = { ...DEFAULT_SCORE_THRESHOLDS, ...options.scoreThresholds };
        if (!(thresholds.high >= thresholds.neutral)) {
            throw new InactivityConfigError(`scoreThresholds.high (${thresholds.high}) must be at least scoreThresholds.neutral (${thresholds.neutral}).`);
        }
        this.settings = {
            prefix: options.collectionPrefix ?? d.collectionPrefix,
            botAppId: options.botAppId ?? '',
            defaultTimeZone,
            quietHours,
            followUpAfter: toMilliseconds(options.followUpAfter ?? d.followUpAfter, 'followUpAfter'),
            reengageAfter: toMilliseconds(options.reengageAfter ?? d.reengageAfter, 'reengageAfter'),
            dedupeWindow: toMilliseconds(options.dedupeWindow ?? d.dedupeWindow, 'dedupeWindow'),
            frequencyCap: cap,
            checkInAfter: toMilliseconds(options.checkInAfter ?? d.checkInAfter, 'checkInAfter'),
            retention: toMilliseconds(options.retention ?? d.retention, 'retention'),
            retries: options.retries ?? d.retries,
            sendTimeout: toMilliseconds(options.sendTimeout ?? d.sendTimeout, 'sendTimeout'),
            processEvery: toMilliseconds(options.processEvery ?? d.processEvery, 'processEvery'),
            concurrency: Math.max(1, options.concurrency ?? d.concurrency),
            thresholds,
            channels: { ...DEFAULT_CHANNEL_POLICIES, ...options.channels },
        };
        this.localizer = options.localizer ?? new Localizer({ defaultLocale: options.defaultLocale, ...(options.localesPath ? { extraPaths: [options.localesPath] } : {}) });
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
    async scoreMessage(text: string, context: import('botbuilder').TurnContext): Promise<number | undefined> {
        const scorer = this.options.scoreSentiment;
        if (!scorer || !text.trim()) {
            return undefined;
        }
        try {
            const score = await scorer(text, context);
            return typeof score === 'number' && score >= 0 && score <= 1 ? score : undefined;
        } catch (err) {
            this.report(err);
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
     * Opens the database (when given a connection string), creates the indexes, and starts the Agenda job that
     * sends due follow-ups. Calling it again returns the same promise.
     */
    start(): Promise<void> {
        this.started ??= this.open().catch(async (err) => {
            this.started = undefined;
            await this.mongo?.close().catch(() => undefined);
            throw err;
        });
        return this.started;
    }

    /** Stops sending (waits for sends under way) and closes what the service opened. */
    async stop(): Promise<void> {
        await this.started?.catch(() => undefined);
        const agenda = this.agenda;
        this.agenda = undefined;
        this.started = undefined;
        if (agenda) {
            await agenda.drain({ timeout: 30_000, closeConnection: false }).catch(() => undefined);
        }
        await this.draining?.catch(() => undefined);
        await this.mongo?.close();
        this.mongo = undefined;
    }

    /**
     * Schedules a follow-up after an event (a booked session): at `eventAt + after`, moved out of the user's quiet
     * hours, or at `localTime` on the user's clock. Key: `postEvent:<user>:<eventId or eventAt>`. With the
     * tolerance window (`dedupeWindow`), another post-event follow-up of the same user that close is a duplicate.
     *
     * @returns The id, and `duplicate: true` when it already existed.
     */
    async schedulePostEvent(request: PostEventFollowUp): Promise<ScheduleResult> {
        if (!(request.eventAt instanceof Date) || Number.isNaN(request.eventAt.getTime())) {
            throw new InactivityConfigError(`schedulePostEvent needs eventAt as a valid Date; got ${String(request.eventAt)}.`);
        }
        const after = request.after !== undefined ? toMilliseconds(request.after, 'after') : this.settings.followUpAfter;
        const userId = this.userOf(request);
        const zone = await this.zoneOf(userId, request);
        let at = new Date(request.eventAt.getTime() + after);
        if (request.localTime) {
            at = atLocalTime(at, zone, request.localTime);
        }
        const key = request.key ?? `postEvent:${userId}:${request.eventId ?? request.eventAt.toISOString()}`;
        const store = await this.ready();
        if (!request.key && this.settings.dedupeWindow > 0) {
            const near = await store.findNear(userId, 'postEvent', at, this.settings.dedupeWindow);
            if (near) {
                return { id: near, duplicate: true };
            }
        }
        const result = await this.insert('postEvent', key, request, at, zone, request.template, { eventId: request.eventId, eventAt: request.eventAt }, request.score);
        await this.users?.update(userId, { customer: true });
        return result;
    }

    /**
     * Schedules a check-in after a concern (a conversation that went badly). Key: `checkIn:<user>:<local date>`.
     *
     * @returns The id, and `duplicate: true` when one exists for that user and day.
     */
    async scheduleCheckIn(request: CheckInFollowUp): Promise<ScheduleResult> {
        const userId = this.userOf(request);
        const zone = await this.zoneOf(userId, request);
        const at = request.at ?? new Date(this.now() + this.settings.checkInAfter);
        const day = localDate(at, zone);
        return this.insert('checkIn', request.key ?? `checkIn:${userId}:${day}`, request, at, zone, request.template ?? 'followups:checkIn', {}, request.score);
    }

    /**
     * Schedules a follow-up at any time with any template. Key: the caller's, else `custom:<user>:<template>:<at>`.
     *
     * @returns The id, and `duplicate: true` when the key existed.
     */
    async scheduleCustom(request: CustomFollowUp): Promise<ScheduleResult> {
        if (!(request.at instanceof Date) || Number.isNaN(request.at.getTime())) {
            throw new InactivityConfigError(`scheduleCustom needs at as a valid Date; got ${String(request.at)}.`);
        }
        const userId = this.userOf(request);
        const zone = await this.zoneOf(userId, request);
        return this.insert('custom', request.key ?? `custom:${userId}:${request.template}:${request.at.toISOString()}`, request, request.at, zone, request.template, {}, request.score);
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
    async armReengagement(reference: Partial<ConversationReference>, options: { timeZone?: string; locale?: string; userId?: string } = {}): Promise<boolean> {
        const store = await this.ready();
        const userId = this.userOf({ reference, userId: options.userId });
        const zone = await this.zoneOf(userId, { reference, timeZone: options.timeZone });
        const now = new Date(this.now());
        const at = outsideQuietHours(new Date(now.getTime() + this.settings.reengageAfter), zone, this.settings.quietHours);
        const key = `reengagement:${userId}`;
        const _id = followUpId(key);
        const fields = {
            v: FOLLOW_UP_VERSION,
            key,
            type: 'reengagement' as const,
            userId,
            conversationId: reference.conversation?.id ?? '',
            channelId: reference.channelId ?? '',
            reference: timerReference(reference),
            template: 'followups:reengagement',
            variables: {},
            timeZone: zone,
            trigger: { silenceMs: this.settings.reengageAfter, lastMessageAt: now },
            ...(options.locale ?? reference.locale ? { locale: options.locale ?? reference.locale } : {}),
        };
        const write = () =>
            store.collection.updateOne(
                { _id, status: { $ne: 'sending' } },
                {
                    $set: { ...fields, status: 'pending', scheduledAt: at, attempts: 0 },
                    $unset: { lastError: '', skipReason: '', executedAt: '', cancelledAt: '', finishedAt: '', text: '' },
                    $setOnInsert: { createdAt: now },
                    $push: { history: { $each: [{ event: 'moved', at: now, scheduledAt: at }], $slice: -20 } },
                },
                { upsert: true }
            );
        try {
            const result = await write();
            if (result.matchedCount === 0 && result.upsertedCount === 0) {
                return false;
            }
        } catch (err) {
            // The upsert met the record in `sending` (the filter did not match, the insert hit its _id): a send is under way.
            if (isDuplicateKey(err)) {
                return false;
            }
            throw err;
        }
        this.wake(at);
        return true;
    }

    /**
     * Records a user's score (an answer to a follow-up, say): the next post-event follow-up or check-in without a
     * score of its own chooses its template by it.
     */
    async recordScore(userId: string, score: number): Promise<void> {
        if (!(score >= 0 && score <= 1)) {
            throw new InactivityConfigError(`A score is a number from 0 to 1; got ${JSON.stringify(score)}.`);
        }
        await this.ready();
        await this.users?.update(userId, { score });
    }

    /**
     * Records what the middleware saw of a user's message: their last message time (for channel windows), time
     * zone, and that any 403 suppression ends.
     */
    async noteUserMessage(userId: string, at: Date, timeZone?: string): Promise<void> {
        await this.ready();
        await this.users?.update(userId, { lastMessageAt: at, ...(isTimeZone(timeZone) ? { timeZone } : {}) }, ['blockedAt']);
    }

    /**
     * Opts a user out: cancels their pending follow-ups and keeps new ones from being scheduled or sent, until
     * {@link FollowUpService.optIn}.
     *
     * @returns How many pending follow-ups were cancelled.
     */
    async optOut(userId: string): Promise<number> {
        const store = await this.ready();
        const now = new Date(this.now());
        await this.users?.update(userId, { optedOutAt: now });
        return store.cancelUser(userId, now, 'optedOut');
    }

    /** Opts a user back in. */
    async optIn(userId: string): Promise<void> {
        await this.ready();
        await this.users?.update(userId, {}, ['optedOutAt']);
    }

    /**
     * Lists follow-ups, latest scheduled first, a page at a time.
     *
     * @param query Filters, `limit` (default 50) and the previous page's `nextCursor`.
     * @returns A page and the cursor of the next.
     */
    async list(query: FollowUpQuery = {}): Promise<FollowUpPage<FollowUp>> {
        const page = await (await this.ready()).list(query);
        return { items: page.items.map(toFollowUp), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    }

    /** @returns The follow-up with this id, or undefined. */
    async get(id: string): Promise<FollowUp | undefined> {
        const doc = await (await this.ready()).get(id);
        return doc ? toFollowUp(doc) : undefined;
    }

    /** @returns True when it was pending and is now cancelled; false when not found or already sent (or finished). */
    async cancel(id: string): Promise<boolean> {
        return (await this.ready()).cancel(id, new Date(this.now()));
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
        const moved = await (await this.ready()).reschedule(id, at, new Date(this.now()));
        if (moved) {
            this.wake(at);
        }
        return moved;
    }

    /** @returns The service's state (see {@link FollowUpHealth}). */
    async health(): Promise<FollowUpHealth> {
        const running = Boolean(this.agenda);
        let store: FollowUpStore;
        try {
            store = await this.ready();
        } catch {
            return { status: 'down', running: false, pending: 0, executedToday: 0, failed: 0, overdue: 0, oldestOverdueMs: 0, p95LatenessMs: 0 };
        }
        const now = new Date(this.now());
        const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
        const c = store.collection;
        try {
            const [pending, executedToday, failed, overdue, oldest, recent] = await Promise.all([
                c.countDocuments({ status: { $in: ['pending', 'sending'] } }),
                // finishedAt (indexed) is set with executedAt when a follow-up is sent.
                c.countDocuments({ status: 'executed', finishedAt: { $gte: midnight } }),
                c.countDocuments({ status: 'failed', finishedAt: { $gte: midnight } }),
                c.countDocuments({ status: 'pending', scheduledAt: { $lt: now } }),
                c.find({ status: 'pending', scheduledAt: { $lt: now } }, { projection: { scheduledAt: 1 } }).sort({ scheduledAt: 1 }).limit(1).toArray(),
                c.find({ status: 'executed' }, { projection: { scheduledAt: 1, executedAt: 1 } }).sort({ finishedAt: -1 }).limit(1000).toArray(),
            ]);
            const oldestOverdueMs = oldest[0] ? now.getTime() - oldest[0].scheduledAt.getTime() : 0;
            const lateness = recent.map((d) => Math.max(0, (d.executedAt?.getTime() ?? 0) - d.scheduledAt.getTime())).sort((a, b) => a - b);
            const p95LatenessMs = lateness.length ? lateness[Math.min(lateness.length - 1, Math.ceil(lateness.length * 0.95) - 1)] : 0;
            const status = oldestOverdueMs > 5 * 60_000 || failed > 0 ? 'degraded' : 'ok';
            return { status, running, pending, executedToday, failed, overdue, oldestOverdueMs, p95LatenessMs };
        } catch (err) {
            this.report(err);
            return { status: 'down', running, pending: 0, executedToday: 0, failed: 0, overdue: 0, oldestOverdueMs: 0, p95LatenessMs: 0 };
        }
    }

    /**
     * Sends every due follow-up now (what the wake-up job does), then returns. For tests, tools and a bot that
     * wants to flush.
     *
     * @returns How many were claimed.
     */
    async runDue(): Promise<number> {
        const store = await this.ready();
        let claimed = 0;
        const worker = async (): Promise<void> => {
            for (;;) {
                const doc = await store.claimDue(new Date(this.now()), FOLLOW_UP_LEASE_MS);
                if (!doc) {
                    return;
                }
                claimed++;
                await this.process(store, doc).catch((err: unknown) => this.report(err));
            }
        };
        await Promise.all(Array.from({ length: this.settings.concurrency }, worker));
        if (this.now() - this.lastPurge > PURGE_EVERY_MS) {
            this.lastPurge = this.now();
            await this.purge().catch((err: unknown) => this.report(err));
        }
        return claimed;
    }

    /**
     * Deletes follow-ups finished more than `retention` ago (the embedded server applies no TTL index, so a sweep
     * does it everywhere). Runs by itself at most hourly.
     *
     * @returns How many were deleted.
     */
    async purge(): Promise<number> {
        return (await this.ready()).purge(new Date(this.now() - this.settings.retention));
    }

    /**
     * The middleware that arms re-engagements, honours stop words and ends suppressions from users' messages.
     * Add it with `adapter.use(...)`.
     */
    middleware(): import('./followUpMiddleware').FollowUpMiddleware {
        // Loaded here so the middleware's file can import this one's types without a cycle at load time.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { FollowUpMiddleware } = require('./followUpMiddleware') as typeof import('./followUpMiddleware');
        const middleware = new FollowUpMiddleware(this);
        this.blockedListeners.push((userId) => middleware.forget(userId));
        return middleware;
    }

    private async process(store: FollowUpStore, doc: FollowUpDocument): Promise<void> {
        const now = new Date(this.now());
        const user = await this.users?.get(doc.userId);
        const props = { conversationId: doc.conversationId, followUpId: doc._id.toHexString(), type: doc.type, channelId: doc.channelId };
        const skip = async (reason: SkipReason) => {
            await store.markSkipped(doc, reason, now);
            debug('follow-up %s skipped: %s', props.followUpId, reason);
            track(this.options.telemetryClient, FollowUpEvents.skipped, { ...props, reason }, {}, (e) => this.report(e));
        };
        if (user?.optedOutAt) {
            return skip('optedOut');
        }
        if (user?.blockedAt) {
            return skip('blocked');
        }
        // Quiet hours are checked again at send time: a retry, a reschedule or a late run may land inside them.
        const allowed = outsideQuietHours(now, doc.timeZone, this.settings.quietHours);
        if (allowed.getTime() > now.getTime()) {
            await store.release(doc, allowed, now, 'quietHours', undefined, false);
            this.wake(allowed);
            return;
        }
        const policy = this.settings.channels[doc.channelId];
        const inWindow = insideWindow(policy, user?.lastMessageAt ?? undefined, now);
        if (!inWindow && !this.options.outsideWindow) {
            return skip('outsideWindow');
        }
        const capDay = localDate(now, doc.timeZone);
        if (this.settings.frequencyCap > 0 && !(await this.users?.reserveSend(doc.userId, capDay, this.settings.frequencyCap))) {
            return skip('capped');
        }
        const unreserve = async () => {
            if (this.settings.frequencyCap > 0) {
                await this.users?.releaseSend(doc.userId, capDay);
            }
        };
        // Re-engagement speaks to a first-time user and to a past customer differently.
        const toSend = doc.type === 'reengagement' && doc.template === 'followups:reengagement' ? { ...doc, template: `followups:reengagement.${user?.customer ? 'pastCustomer' : 'firstTime'}` } : doc;
        const followUp = toFollowUp(toSend);
        const outcome = await deliverFollowUp(this.deliveryDeps(), toSend, {
            score: doc.score ?? user?.score,
            inWindow,
            outsideWindow: this.options.outsideWindow && ((context) => (this.options.outsideWindow as NonNullable<FollowUpOptions['outsideWindow']>)(followUp, context)),
        });
        const done = new Date(this.now());
        if (outcome.kind === 'sent' || outcome.kind === 'outsideWindowSent') {
            await store.markExecuted(doc, outcome.text, done);
            const latenessMs = Math.max(0, done.getTime() - doc.scheduledAt.getTime());
            debug('follow-up %s sent (%d ms late)', props.followUpId, latenessMs);
            track(this.options.telemetryClient, FollowUpEvents.sent, props, { latenessMs, attempt: doc.attempts }, (e) => this.report(e));
            return;
        }
        await unreserve();
        if (outcome.kind === 'outsideWindowSkipped') {
            return skip('outsideWindow');
        }
        const last = outcome.failure.permanent || doc.attempts > this.settings.retries;
        track(
            this.options.telemetryClient,
            FollowUpEvents.failed,
            { ...props, status: outcome.failure.status, permanent: outcome.failure.permanent, final: last },
            { attempt: doc.attempts },
            (e) => this.report(e)
        );
        if (outcome.failure.status === 403) {
            // Blocked or removed: nothing more goes to this user until they write again.
            await this.users?.update(doc.userId, { blockedAt: done });
            this.blockedListeners.forEach((forget) => forget(doc.userId));
            await store.markSkipped(doc, 'blocked', done);
            return;
        }
        if (last) {
            await store.markFailed(doc, outcome.error, done);
            return;
        }
        const delay = retryDelay({ retries: this.settings.retries, delay: 2000, factor: 2, maxDelay: 60_000, jitter: 0 }, doc.attempts, outcome.failure.retryAfterMs);
        const at = new Date(done.getTime() + Math.round(delay * (0.8 + Math.random() * 0.4)));
        await store.release(doc, at, done, 'retry', outcome.error);
        this.wake(at);
    }

    private deliveryDeps(): DeliveryDeps {
        return { adapter: this.options.adapter, botAppId: this.settings.botAppId, localizer: this.localizer, thresholds: this.settings.thresholds, sendTimeout: this.settings.sendTimeout };
    }

    private async insert(
        type: FollowUpType,
        key: string,
        request: ScheduleCommon,
        at: Date,
        zone: string,
        template: string,
        trigger: FollowUpDocument['trigger'],
        score: number | undefined
    ): Promise<ScheduleResult> {
        if (!request.reference?.conversation?.id) {
            throw new InactivityConfigError('A follow-up needs `reference`: the conversation reference (TurnContext.getConversationReference(activity)).');
        }
        if (typeof template !== 'string' || !template) {
            throw new InactivityConfigError(`A follow-up needs a template (a locale key); got ${JSON.stringify(template)}.`);
        }
        if (score !== undefined && !(score >= 0 && score <= 1)) {
            throw new InactivityConfigError(`score must be a number from 0 to 1; got ${JSON.stringify(score)}.`);
        }
        const store = await this.ready();
        const userId = this.userOf(request);
        const user = await this.users?.get(userId);
        const now = new Date(this.now());
        const scheduledAt = outsideQuietHours(at, zone, this.settings.quietHours);
        const optedOut = Boolean(user?.optedOutAt);
        const doc: FollowUpDocument = {
            _id: followUpId(key),
            v: FOLLOW_UP_VERSION,
            key,
            type,
            status: optedOut ? 'skipped' : 'pending',
            userId,
            conversationId: request.reference.conversation.id,
            channelId: request.reference.channelId ?? '',
            reference: timerReference(request.reference),
            scheduledAt,
            template,
            variables: request.variables ?? {},
            ...(request.buttons?.length ? { buttons: request.buttons } : {}),
            ...(score !== undefined ? { score } : {}),
            ...((request.locale ?? request.reference.locale) ? { locale: request.locale ?? request.reference.locale } : {}),
            timeZone: zone,
            trigger,
            attempts: 0,
            createdAt: now,
            ...(optedOut ? { skipReason: 'optedOut' as const, finishedAt: now } : {}),
            history: [{ event: optedOut ? 'skipped' : 'scheduled', at: now, scheduledAt }],
        };
        const result = await store.insert(doc);
        if (!result.duplicate && !optedOut) {
            this.wake(scheduledAt);
        }
        return result;
    }

    private userOf(request: { reference: Partial<ConversationReference>; userId?: string }): string {
        const userId = request.userId ?? request.reference?.user?.id;
        if (!userId) {
            throw new InactivityConfigError('A follow-up needs the user: `userId`, or a `reference` with `user.id`.');
        }
        return userId;
    }

    private async zoneOf(userId: string, request: { reference: Partial<ConversationReference>; timeZone?: string }): Promise<string> {
        if (isTimeZone(request.timeZone)) {
            return request.timeZone;
        }
        const resolved = await Promise.resolve(this.options.timeZone?.(userId, request.reference)).catch((err: unknown) => {
            this.report(err);
            return undefined;
        });
        if (isTimeZone(resolved)) {
            return resolved;
        }
        await this.ready();
        const stored = (await this.users?.get(userId))?.timeZone;
        return isTimeZone(stored) ? stored : this.settings.defaultTimeZone;
    }

    private async ready(): Promise<FollowUpStore> {
        await this.started?.catch(() => undefined);
        if (!this.store) {
            throw new InactivityConfigError('The follow-up service is not started: call start() first.');
        }
        return this.store;
    }

    private async open(): Promise<void> {
        this.mongo = await openMongo(this.options.mongo);
        const db = this.mongo.db;
        const store = new FollowUpStore(db, this.collectionName);
        await store.ensureIndexes();
        this.users = new FollowUpUsers(db, `${this.settings.prefix}FollowUpUsers`);
        this.store = store;
        const jobsName = `${this.settings.prefix}FollowUpJobs`;
        // Also without sending: a follow-up scheduled or rescheduled here moves the senders' wake-up.
        this.jobs = db.collection(jobsName);
        if (this.options.send === false) {
            debug('started on %s (scheduling only)', this.collectionName);
            return;
        }
        const { Agenda, InMemoryNotificationChannel } = await import('agenda');
        const { MongoBackend } = await import('@agendajs/mongo-backend');
        const channel = new InMemoryNotificationChannel();
        Object.assign(channel, { publishState: undefined, subscribeState: undefined });
        this.channel = channel;
        const agenda = new Agenda({
            backend: new MongoBackend({ mongo: db, collection: jobsName, ensureIndex: false }),
            processEvery: this.settings.processEvery,
            notificationChannel: channel,
            removeOnComplete: false,
            maxConcurrency: 1,
        });
        agenda.on('error', (err: Error) => this.report(err));
        // A wake-up asked for while the job ran was written over by the run's completion (and its notification
        // found the job locked): the completion carries it, and is announced again when due before the next poll.
        agenda.on(`complete:${FOLLOW_UP_JOB_NAME}`, (job: Job) => {
            const next = job.attrs.nextRunAt;
            if (next) {
                this.announce(new Date(next));
            }
        });
        await agenda.ready;
        agenda.define(FOLLOW_UP_JOB_NAME, (job: Job) => this.onWake(job), { concurrency: 1, lockLifetime: 10 * 60_000, removeOnComplete: false });
        // The one wake-up document, created once by whichever instance comes first (its _id is fixed).
        await this.jobs.updateOne(
            { _id: WAKE_ID },
            { $setOnInsert: { name: FOLLOW_UP_JOB_NAME, type: 'normal', data: {}, priority: 0, nextRunAt: new Date(this.now()), lockedAt: null, disabled: false } },
            { upsert: true }
        );
        this.agenda = agenda;
        await agenda.start();
        debug('started on %s', this.collectionName);
    }

    /** The wake-up job: sends what is due, then sleeps until the next one is due (at most `MAX_SLEEP_MS`). */
    private async onWake(job: Job): Promise<void> {
        this.wokenDuringRun = Number.POSITIVE_INFINITY;
        await this.drain();
        const store = this.store;
        const next = store ? await store.nextDue() : undefined;
        const cap = this.now() + MAX_SLEEP_MS;
        const woken = this.wokenDuringRun ?? Number.POSITIVE_INFINITY;
        this.wokenDuringRun = undefined;
        job.attrs.nextRunAt = new Date(Math.max(this.now(), Math.min(next?.getTime() ?? cap, cap, woken)));
    }

    /** Runs `runDue()` once at a time per instance, once more if woken meanwhile. */
    private drain(): Promise<void> {
        if (this.draining) {
            this.drainAgain = true;
            return this.draining;
        }
        this.draining = (async () => {
            do {
                this.drainAgain = false;
                await this.runDue().catch((err: unknown) => this.report(err));
            } while (this.drainAgain);
        })().finally(() => {
            this.draining = undefined;
        });
        return this.draining;
    }

    /** Moves the wake-up earlier when `at` comes before it; tells this instance's Agenda when due before its next poll. */
    private wake(at: Date): void {
        const jobs = this.jobs;
        // The wake-up never sleeps longer than MAX_SLEEP_MS: a later time cannot move it (a re-engagement in 30
        // days, say), and the update would be a command that matches nothing.
        if (!jobs || at.getTime() - this.now() > MAX_SLEEP_MS) {
            return;
        }
        if (this.wokenDuringRun !== undefined) {
            this.wokenDuringRun = Math.min(this.wokenDuringRun, at.getTime());
        }
        jobs.updateOne({ _id: WAKE_ID, $or: [{ nextRunAt: null }, { nextRunAt: { $gt: at } }] }, { $set: { nextRunAt: at } })
            .then(() => this.announce(at))
            .catch((err: unknown) => this.report(err));
    }

    /** Tells this instance's Agenda about a wake-up due before its next poll, so it is locked at once. */
    private announce(at: Date): void {
        const channel = this.channel;
        if (this.agenda && channel && channel.state === 'connected' && at.getTime() - Date.now() <= this.settings.processEvery) {
            channel
                .publish({ jobId: '' as never, jobName: FOLLOW_UP_JOB_NAME, nextRunAt: at, priority: 0, timestamp: new Date(), source: 'followups' })
                .catch((err: unknown) => this.report(err));
        }
    }

    private report(err: unknown): void {
        const error = err instanceof Error ? err : new Error(String(err));
        debug('error: %O', error);
        try {
            if (this.options.onError) {
                this.options.onError(error);
            } else {
                process.emitWarning(error.message, { type: 'BotbuilderInactivityWarning', code: 'BBI_FOLLOWUPS' });
            }
        } catch {
            // onError threw: nothing more to do.
        }
    }
}

/** The fixed `_id` of the wake-up job. */
const WAKE_ID = followUpId('wake');
