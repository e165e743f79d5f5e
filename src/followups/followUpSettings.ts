import { InactivityConfigError } from '../core/errors';
import { toMilliseconds } from '../core/policy/duration';
import { ChannelPolicy, DEFAULT_CHANNEL_POLICIES } from './channelPolicy';
import { FOLLOW_UP_DEFAULTS, FollowUpOptions } from './followUpOptions';
import { DEFAULT_SCORE_THRESHOLDS, ScoreThresholds } from './templateChoice';
import { isTimeZone, minutesOfDay, QuietHours } from './userTime';
import { MAX_SWEEP_BATCH } from '../mongo/batchDelete';

/** {@link FollowUpOptions} resolved once at construction: defaults applied, durations in ms. */
export interface FollowUpSettings {
    /** {@link FollowUpOptions.collectionPrefix} */
    prefix: string;
    /** {@link FollowUpOptions.botAppId} */
    botAppId: string;
    /** {@link FollowUpOptions.defaultTimeZone} */
    defaultTimeZone: string;
    /** {@link FollowUpOptions.quietHours}; null when off. */
    quietHours: QuietHours | null;
    /** {@link FollowUpOptions.followUpAfter}, ms. */
    followUpAfter: number;
    /** {@link FollowUpOptions.reengageAfter}, ms. */
    reengageAfter: number;
    /** {@link FollowUpOptions.dedupeWindow}, ms. */
    dedupeWindow: number;
    /** {@link FollowUpOptions.frequencyCap} */
    frequencyCap: number;
    /** {@link FollowUpOptions.checkInAfter}, ms. */
    checkInAfter: number;
    /** {@link FollowUpOptions.retention}, ms. */
    retention: number;
    /** {@link FollowUpOptions.sweepEvery}, ms. */
    sweepEvery: number;
    /** {@link FollowUpOptions.sweepBatchSize} */
    sweepBatchSize: number;
    /** {@link FollowUpOptions.retries} */
    retries: number;
    /** {@link FollowUpOptions.sendTimeout}, ms. */
    sendTimeout: number;
    /** {@link FollowUpOptions.processEvery}, ms (the service's own Agenda only). */
    processEvery: number;
    /** {@link FollowUpOptions.concurrency}, at least 1. */
    concurrency: number;
    /** {@link FollowUpOptions.scoreThresholds} over the defaults. */
    thresholds: ScoreThresholds;
    /** {@link FollowUpOptions.scoreHistory} */
    scoreHistory: number;
    /** {@link FollowUpOptions.channels} over the built-in policies. */
    channels: Record<string, ChannelPolicy>;
}

/**
 * Checks the options of a `FollowUpService` and resolves them.
 *
 * @param options The options as given.
 * @returns The settings.
 * @throws InactivityConfigError naming the option that cannot be used, its value and what is allowed.
 */
export function resolveFollowUpSettings(options: FollowUpOptions): FollowUpSettings {
    if (!options.mongo && !options.inactivity) {
        throw new InactivityConfigError(
            'FollowUpService needs `inactivity` (the InactivityMiddleware, to share its MongoDB connection and Agenda) or `mongo`: a MongoDB connection string, MongoClient or Db.'
        );
    }
    if (options.inactivity && typeof options.inactivity.sharedAgenda !== 'function') {
        throw new InactivityConfigError(
            'FollowUpService `inactivity` must be the InactivityMiddleware whose MongoDB connection and Agenda the follow-ups share.'
        );
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
    const sweepEvery = toMilliseconds(options.sweepEvery ?? d.sweepEvery, 'sweepEvery');
    if (sweepEvery < 60_000) {
        throw new InactivityConfigError(`sweepEvery must be at least 1 minute; got ${JSON.stringify(options.sweepEvery)}.`);
    }
    const sweepBatchSize = options.sweepBatchSize ?? d.sweepBatchSize;
    if (!Number.isInteger(sweepBatchSize) || sweepBatchSize < 1 || sweepBatchSize > MAX_SWEEP_BATCH) {
        throw new InactivityConfigError(`sweepBatchSize must be a whole number from 1 to ${MAX_SWEEP_BATCH}; got ${JSON.stringify(sweepBatchSize)}.`);
    }
    const thresholds = { ...DEFAULT_SCORE_THRESHOLDS, ...options.scoreThresholds };
    if (!(thresholds.high >= thresholds.neutral)) {
        throw new InactivityConfigError(`scoreThresholds.high (${thresholds.high}) must be at least scoreThresholds.neutral (${thresholds.neutral}).`);
    }
    const scoreHistory = options.scoreHistory ?? d.scoreHistory;
    if (!Number.isInteger(scoreHistory) || scoreHistory < 1) {
        throw new InactivityConfigError(`scoreHistory must be a whole number of scores, at least 1; got ${JSON.stringify(scoreHistory)}.`);
    }
    return {
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
        sweepEvery,
        sweepBatchSize,
        retries: options.retries ?? d.retries,
        sendTimeout: toMilliseconds(options.sendTimeout ?? d.sendTimeout, 'sendTimeout'),
        processEvery: toMilliseconds(options.processEvery ?? d.processEvery, 'processEvery'),
        concurrency: Math.max(1, options.concurrency ?? d.concurrency),
        thresholds,
        scoreHistory,
        channels: { ...DEFAULT_CHANNEL_POLICIES, ...options.channels },
    };
}
