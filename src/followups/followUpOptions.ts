import type { TelemetryClientLike, TurnContextLike } from '../core/ports/activity';
import type { FollowUpReference } from './followUpReference';
import type { SweepReport } from '../mongo/sweepLog';
import type { Duration } from '../core/policy/duration';
import type { Localizer } from '../core/texts/localization';
import type { MongoSource } from '../mongo/mongoConnection';
import type { SharedAgendaSource } from '../scheduling/sharedAgenda';
import type { ChannelPolicy } from './channelPolicy';
import type { FollowUp } from './followUpRecord';
import type { ScoreThresholds } from './templateChoice';
import { DEFAULT_QUIET_HOURS, QuietHours } from './userTime';

/** Options of {@link FollowUpService}. Durations accept milliseconds or strings such as `'24 hours'`. */
export interface FollowUpOptions<C = TurnContextLike, A = unknown> {
    /** The adapter follow-ups are sent through (`continueConversationAsync`), as for the inactivity timers. Required. */
    adapter: A;
    /**
     * The bot's `InactivityMiddleware`, to share its MongoDB connection, its Agenda and its error path (`onError`):
     * a bot that runs both then has one connection, one Agenda polling one jobs collection (`<prefix>Jobs` of the
     * middleware) and one error reporter. The middleware needs `mongo`; `start()` starts it when it is not yet.
     * Stop the service before the middleware. The middleware's `processEvery` applies (this `processEvery` and
     * `onError` do not). Either this or `mongo`. Default: none.
     *
     * @example
     * ```ts
     * const followUps = new FollowUpService({ adapter, inactivity });
     * ```
     */
    inactivity?: SharedAgendaSource;
    /**
     * Where follow-ups live when the service stands alone: a connection string, a `MongoClient` (its default
     * database) or a `Db`; the service then runs its own Agenda on `<prefix>FollowUpJobs`. Either this or
     * `inactivity` (which wins when both are given). Default: none.
     */
    mongo?: MongoSource;
    /** The bot's app id for proactive turns. Default `''`. */
    botAppId?: string;
    /** Prefix of the collections: `<prefix>FollowUps`, `<prefix>FollowUpUsers`, `<prefix>FollowUpJobs`. Default `'inactivity'`. */
    collectionPrefix?: string;
    /** The texts; default a `Localizer` on the package's `locales/` (plus `localesPath`). */
    localizer?: Localizer;
    /** A folder of the bot's own texts (`<lng>/<namespace>.json`) for its templates, when no `localizer` is given. */
    localesPath?: string;
    /** The language used when the user's is unknown. Default `'en'`. */
    defaultLocale?: string;
    /** The IANA time zone used when none is known for a user. Default `'UTC'`. */
    defaultTimeZone?: string;
    /**
     * Resolves a user's IANA time zone (from your user profile, say). Otherwise the activity's `localTimezone`
     * (seen by the middleware), else `defaultTimeZone`.
     */
    timeZone?: (userId: string, reference: FollowUpReference) => string | undefined | Promise<string | undefined>;
    /** No sends in these local hours; a send due inside them is moved to their end. `null` turns them off. Default 21:00–08:00. */
    quietHours?: QuietHours | null;
    /** Delay of a post-event follow-up after its event. Default `'24 hours'`. */
    followUpAfter?: Duration;
    /** Silence before a re-engagement. Default `'30 days'`. */
    reengageAfter?: Duration;
    /** Post-event follow-ups of one user within this of each other are one (the later returns the first's id, `duplicate: true`). Default `'1 day'`; 0 turns it off. */
    dedupeWindow?: Duration;
    /** Follow-ups sent to one user per local day, at most; the others are `skipped` with reason `capped`. Default 1. */
    frequencyCap?: number;
    /** Per-channel delivery rules, merged over the built-in ones (WhatsApp: a 24-hour window). */
    channels?: Record<string, ChannelPolicy>;
    /**
     * Called for a follow-up due outside its channel's window: send an approved template on `context` and return
     * true, or return false to have it recorded `skipped` with reason `outsideWindow` (what happens without it).
     */
    outsideWindow?: (followUp: FollowUp, context: C) => Promise<boolean>;
    /** Scores a user's message from 0 (bad) to 1 (good); a score below `scoreThresholds.neutral` schedules a check-in. Default: none. */
    scoreSentiment?: (text: string, context: C) => number | undefined | Promise<number | undefined>;
    /** Bands of the score that chooses a template. Default high ≥ 0.7, neutral ≥ 0.4. */
    scoreThresholds?: ScoreThresholds;
    /**
     * How many of a user's latest scores (`recordScore`) are kept: their mean chooses the template of a follow-up
     * scheduled without a score of its own. 1 uses the latest alone. Default 5.
     */
    scoreHistory?: number;
    /** Delay of an automatic check-in after a low score. Default `'1 day'`. */
    checkInAfter?: Duration;
    /** How long finished follow-ups are kept before the sweep deletes them. Default `'30 days'`. */
    retention?: Duration;
    /** How often the sweep of finished follow-ups runs, at most (on a wake-up; at least 1 minute). Default `'1 hour'`. */
    sweepEvery?: Duration;
    /** Documents each delete command of the sweep removes, at most (1 to 100,000). Default `1000`. */
    sweepBatchSize?: number;
    /** Retries of a send the channel refused (exponential backoff, about 2, 4, 8, 16, 32 s). Default 5. */
    retries?: number;
    /** How long one send may take before it counts as failed. Default `'10 seconds'`. */
    sendTimeout?: Duration;
    /**
     * Polling interval of the service's own Agenda (with `mongo`): how soon a follow-up scheduled by another
     * instance is noticed. With `inactivity`, the middleware's Agenda polls at its own `processEvery`. Default `'30 seconds'`.
     */
    processEvery?: Duration;
    /**
     * Whether this instance sends due follow-ups by itself (its Agenda job). `false` for an instance that only
     * schedules and reads (a web front end, the CLI); `runDue()` still sends on demand. Default `true`.
     */
    send?: boolean;
    /** Follow-ups sent at once per instance. Default 10. */
    concurrency?: number;
    /** Receives `InactivityFollowUpSent / Failed / Skipped`. */
    telemetryClient?: TelemetryClientLike;
    /**
     * Receives errors the service recovered from, when it stands alone (with `inactivity`, they go to the
     * middleware's `onError`). Default: a process warning.
     */
    onError?: (error: Error) => void;
    /** The clock, in epoch milliseconds. Default `Date.now`. */
    now?: () => number;
}

/** The defaults of {@link FollowUpOptions}. */
export const FOLLOW_UP_DEFAULTS = {
    /** {@link FollowUpOptions.collectionPrefix} */
    collectionPrefix: 'inactivity',
    /** {@link FollowUpOptions.defaultLocale} */
    defaultLocale: 'en',
    /** {@link FollowUpOptions.defaultTimeZone} */
    defaultTimeZone: 'UTC',
    /** {@link FollowUpOptions.quietHours} */
    quietHours: DEFAULT_QUIET_HOURS,
    /** {@link FollowUpOptions.followUpAfter} */
    followUpAfter: '24 hours',
    /** {@link FollowUpOptions.reengageAfter} */
    reengageAfter: '30 days',
    /** {@link FollowUpOptions.dedupeWindow} */
    dedupeWindow: '1 day',
    /** {@link FollowUpOptions.frequencyCap} */
    frequencyCap: 1,
    /** {@link FollowUpOptions.checkInAfter} */
    checkInAfter: '1 day',
    /** {@link FollowUpOptions.scoreHistory} */
    scoreHistory: 5,
    /** {@link FollowUpOptions.retention} */
    retention: '30 days',
    /** {@link FollowUpOptions.sweepEvery} */
    sweepEvery: '1 hour',
    /** {@link FollowUpOptions.sweepBatchSize} */
    sweepBatchSize: 1000,
    /** {@link FollowUpOptions.retries} */
    retries: 5,
    /** {@link FollowUpOptions.sendTimeout} */
    sendTimeout: '10 seconds',
    /** {@link FollowUpOptions.processEvery} */
    processEvery: '30 seconds',
    /** {@link FollowUpOptions.concurrency} */
    concurrency: 10,
} as const;

/** What every `schedule…` call accepts. */
export interface ScheduleCommon {
    /**
     * The conversation to write into: `TurnContext.getConversationReference(activity)` (botbuilder) or
     * `activity.getConversationReference()` (the Agents SDK). Required.
     */
    reference: FollowUpReference;
    /** The user; default `reference.user.id`. */
    userId?: string;
    /**
     * The `{{variables}}` of the template or of `text`. Checked when scheduling: a placeholder without a value is
     * refused (`count` for a plural template).
     */
    variables?: Record<string, string | number>;
    /** `variables` under a shorter name (both given: merged, `variables` winning a name given twice). */
    vars?: Record<string, string | number>;
    /**
     * A literal message to send instead of a template (not translated), with `{{placeholders}}` filled from
     * `variables` (or `vars`). Either this or `template`.
     */
    text?: string;
    /** Buttons, as locale keys; each is sent as an imBack with its text. */
    buttons?: string[];
    /** The user's locale; default the reference's `locale`. */
    locale?: string;
    /** The deduplication key; default built from type, user and event. */
    key?: string;
    /** The user's IANA time zone, when the bot knows it. */
    timeZone?: string;
}

/** A post-event follow-up: `eventAt` + `after`, optionally at a local time of day. */
export interface PostEventFollowUp extends ScheduleCommon {
    /** When the event happened (or will). Required. */
    eventAt: Date;
    /** The event's id (a booking), part of the default key. */
    eventId?: string;
    /** Delay after the event. Default the service's `followUpAfter`. */
    after?: Duration;
    /** Send at this local time of day (`'HH:mm'`) on or after `eventAt + after`. */
    localTime?: string;
    /**
     * The template (a locale key; `<key>.high|neutral|low` is chosen by the score when it exists). Either this or
     * `text`. An unknown key (in the user's language and the fallback) is refused when scheduling.
     */
    template?: string;
    /** A score the bot passes (0-1); otherwise the mean of the user's recorded scores (see `scoreHistory`). */
    score?: number;
}

/** A check-in after a concern. */
export interface CheckInFollowUp extends ScheduleCommon {
    /** When to send. Default now + the service's `checkInAfter`. */
    at?: Date;
    /** The template. Default `'followups:checkIn'` (chosen by the score) unless `text` is given. */
    template?: string;
    /** The score (0-1). */
    score?: number;
}

/** A follow-up at any time with any template. */
export interface CustomFollowUp extends ScheduleCommon {
    /** When to send. Required. */
    at: Date;
    /** The template (a locale key). Either this or `text`. */
    template?: string;
    /** The score (0-1), when the template has variants. */
    score?: number;
}

/**
 * A re-engagement from a known last activity (a user who went quiet before the plugin was installed, from the
 * bot's own records): due `after` the user's `lastActivityAt` (at once when that has passed), out of quiet hours.
 * Key: `reengagement:<user>`, the one the middleware arms and moves, so a user has one re-engagement whichever
 * armed it.
 */
export interface ReengagementFollowUp extends ScheduleCommon {
    /** The user's last activity the bot knows of. Required. */
    lastActivityAt: Date;
    /** The silence before the re-engagement. Default the service's `reengageAfter`. */
    after?: Duration;
    /** The template. Default `'followups:reengagement'` (`.firstTime` or `.pastCustomer`) unless `text` is given. */
    template?: string;
}

/** How one of a batch of re-engagements went: scheduled (or a duplicate), or refused with the reason. */
export type ReengagementResult =
    | ScheduleResult
    | {
          /** Why the request was refused (an `InactivityConfigError` naming the field). */
          error: Error;
      };

/** What scheduling returns. */
export interface ScheduleResult {
    /** The follow-up's id. */
    id: string;
    /** True when one with the same key (or within the tolerance window) existed: its id is returned, nothing new. */
    duplicate: boolean;
}

/** The sending instances as the database shows them: the wake-up job's document and the last follow-up sent. */
export interface FollowUpWorkers {
    /** When a wake-up run (any instance's) last finished, or null when none ever did. */
    lastWakeUpAt: Date | null;
    /** When the next wake-up is due, or null when no instance ever set one up. */
    nextWakeUpAt: Date | null;
    /** Whether an instance holds the wake-up's lock now: a run under way, or about to start. */
    wakingNow: boolean;
    /** When a follow-up was last sent (any instance), or null. */
    lastSentAt: Date | null;
    /**
     * Whether an instance woke within the last 20 minutes: while any instance sends, the wake-up runs at least every
     * 15 minutes, due follow-ups or not. False means no bot instance sends follow-ups now.
     */
    alive: boolean;
}

/** The follow-ups' health: {@link FollowUpService.health}, `followups health` of the CLI. */
export interface FollowUpHealth {
    /** `ok`, `degraded` (an overdue one waiting more than 5 minutes, or failures today) or `down` (the database does not answer). */
    status: 'ok' | 'degraded' | 'down';
    /**
     * Whether THIS process runs the wake-up job that sends due follow-ups (started, with `send` not false). A bot
     * answers true; the CLI, a front end with `send: false`, or a stopped service answer false even while the bot's
     * instances send: see `workers` for them.
     */
    running: boolean;
    /** What the database says of the instances that send follow-ups, whichever process they run in. */
    workers: FollowUpWorkers;
    /** Follow-ups waiting to be sent. */
    pending: number;
    /** Sent since midnight UTC. */
    executedToday: number;
    /** Failed since midnight UTC. */
    failed: number;
    /** Pending ones whose time has passed. */
    overdue: number;
    /** How late the oldest overdue one is, ms (0 when none). */
    oldestOverdueMs: number;
    /** 95th percentile of how late the last sent ones (up to 1,000) went out after their time, ms. */
    p95LatenessMs: number;
    /**
     * The last sweep of each kind that ran on this database, by any instance: `followUps` (finished follow-ups past
     * `retention`) and `inactivity` (the InactivityMiddleware's saved flows, runs and events, with the same
     * `collectionPrefix`): when, how long, and what it deleted per collection.
     */
    lastSweeps: SweepReport[];
}
