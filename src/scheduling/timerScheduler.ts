import type { ConversationReference } from 'botbuilder';

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
    reference: Partial<ConversationReference>;
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
