import type { ConversationRef } from './activity';

/**
 * The version of the timers' stored data: 2 since the compact documents (`scheduling/timerDocument.ts`), whose
 * reader still reads version 1 (0.1.x).
 */
export const TIMER_DATA_VERSION = 2;

/**
 * What a durable timer carries: enough to reach the conversation again. Only serialisable data, never a
 * TurnContext.
 */
export interface TimerData {
    /** Schema version, {@link TIMER_DATA_VERSION}. */
    v: number;
    /** One timer per key: `<channelId>/<conversationId>`. */
    key: string;
    /**
     * The reference used to continue the conversation proactively. The middleware arms with the part
     * `continueConversationAsync` needs (see `timerReference`); timers stored by 0.1.x hand over the whole one.
     */
    reference: ConversationRef;
}

/** A timer that has come due. */
export interface DueTimer {
    /** The data it was armed with. */
    data: TimerData;
    /** When the scheduler started running it. */
    firedAt: Date;
    /** Which attempt this is (1-based): above 1 when earlier attempts threw and the scheduler retries. */
    attempt: number;
    /** True when the scheduler will not retry if this attempt throws. */
    lastAttempt: boolean;
}

/**
 * Called when a timer comes due. Returns when the same timer should fire next, or `undefined` to let it end.
 * Returning the next time from here (rather than arming again) keeps a re-arm to the single write the
 * scheduler makes when a run completes. Throwing asks the scheduler to run it again later with backoff (an
 * error's `retryAfterMs` is the least wait), unless this was the `lastAttempt`. An `arm()` made while the
 * handler runs wins over what it returns.
 */
export type DueTimerHandler = (timer: DueTimer) => Promise<Date | undefined>;

/**
 * The port between the plugin and a durable scheduler. {@link AgendaScheduler} is the MongoDB
 * implementation; tests may use an in-memory one.
 */
export interface TimerScheduler {
    /** Starts processing due timers; `onDue` is called for each, at most once at a time per key. */
    start(onDue: DueTimerHandler): Promise<void>;
    /** Creates the timer for `data.key` or moves it to `dueAt` (one timer per key). */
    arm(data: TimerData, dueAt: Date): Promise<void>;
    /** Removes the timer for `key`, if any. */
    cancel(key: string): Promise<void>;
    /** Stops processing, waits for running handlers, and closes what the scheduler opened. */
    stop(): Promise<void>;
    /** Checks that the scheduler's database answers (used to notice the end of an outage). Optional. */
    ping?(): Promise<void>;
    /**
     * Runs `task` every `intervalMs` on one bot instance at a time, for maintenance such as expiring saved
     * flows. Optional: without it the plugin does that work only at start-up.
     */
    repeat?(name: string, intervalMs: number, task: () => Promise<void>): Promise<void>;
}

/** How a timer whose handler threw (a send the channel refused) is retried, by the scheduler (AgendaScheduler: through Agenda's own backoff). */
export interface TimerRetryPolicy {
    /** Retries after the first attempt. */
    retries: number;
    /** The first retry's delay, ms; each next one is `factor` times longer. */
    delay: number;
    /** Growth per retry. */
    factor: number;
    /** The longest delay between two attempts, ms. */
    maxDelay: number;
    /** Randomness (0-1) so that timers failing together do not retry together. */
    jitter: number;
}

/**
 * Default retries: 5 after the first attempt, about 2, 4, 8, 16 and 32 s later (±20 %): six attempts over about
 * a minute. A 429's `Retry-After` lengthens a wait, never shortens it.
 */
export const DEFAULT_TIMER_RETRY: TimerRetryPolicy = { retries: 5, delay: 2000, factor: 2, maxDelay: 60_000, jitter: 0.2 };

/**
 * The wait before retry `attempt` (1-based) under `policy`, at least `retryAfterMs`: for schedulers that have no
 * backoff of their own (the in-memory ones). Without jitter, so tests can rely on it.
 *
 * @param policy The retry policy.
 * @param attempt The attempt that failed.
 * @param retryAfterMs The wait the channel asked for, if any.
 * @returns Milliseconds.
 */
export function retryDelay(policy: TimerRetryPolicy, attempt: number, retryAfterMs?: number): number {
    const delay = Math.min(policy.maxDelay, policy.delay * policy.factor ** Math.max(0, attempt - 1));
    return Math.max(delay, retryAfterMs ?? 0);
}
