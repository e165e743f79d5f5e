import { Duration, toMilliseconds } from '../core/policy/duration';
import type { ArmedTimer } from '../scheduling/memoryScheduler';
import { DEFAULT_TIMER_RETRY, retryDelay } from '../core/ports/timerScheduler';
import type { DueTimer, DueTimerHandler, TimerData, TimerScheduler } from '../core/ports/timerScheduler';

/** Options of {@link TestScheduler}. */
export interface TestSchedulerOptions {
    /** Where the clock starts (a `Date` or epoch milliseconds). Default: the real time when the scheduler is built. */
    startAt?: Date | number;
}

/** A timer or a recurring task waiting in a {@link TestScheduler}. */
interface Waiting {
    kind: 'timer' | 'repeat';
    key: string;
    dueAt: number;
    /** Arming order, to fire timers due at the same instant in the order they were armed. */
    seq: number;
    data?: TimerData;
    /** 1-based attempt, above 1 for a retry after the handler threw. */
    attempt?: number;
    intervalMs?: number;
    task?: () => Promise<void>;
}

/** Handlers run per `advance()` at most this many times: a timer that re-arms itself for "now" forever is a bug. */
const MAX_FIRES_PER_ADVANCE = 10_000;

/**
 * An in-memory scheduler with a clock the test controls, for unit-testing a bot's inactivity behaviour on
 * botbuilder's `TestAdapter`. Give it to the middleware both as `scheduler` and, through {@link TestScheduler.now},
 * as its clock; nothing fires until the test calls {@link TestScheduler.advance}:
 *
 * ```js
 * const scheduler = new TestScheduler();
 * const inactivity = new InactivityMiddleware({ adapter, conversationState, dialogState, dialog, scheduler, now: scheduler.now });
 * await inactivity.start();
 * await adapter.send('hi').assertReply('What is your name?');
 * await scheduler.advance('5 minutes');              // the reminder is sent now
 * await adapter.assertReply((a) => assert.match(a.text, /Still there/));
 * ```
 *
 * Timers fire in due-time order with the clock set to each one's due time, including timers that a handler
 * armed again within the advanced span (the reminder arming the close, for example). It never warns: it is for
 * tests only.
 */
export class TestScheduler implements TimerScheduler {
    /**
     * The test clock, in epoch milliseconds: pass it to the middleware as its `now` option. A bound function, so
     * `now: scheduler.now` works as is.
     */
    readonly now: () => number;
    private clock: number;
    private readonly waiting = new Map<string, Waiting>();
    private seq = 0;
    private onDue?: DueTimerHandler;
    /** The key whose handler runs now, and whether it was armed or cancelled meanwhile. */
    private current?: { key: string; touched: boolean };

    /**
     * @param options See {@link TestSchedulerOptions}.
     */
    constructor(options: TestSchedulerOptions = {}) {
        const start = options.startAt ?? Date.now();
        this.clock = start instanceof Date ? start.getTime() : start;
        this.now = () => this.clock;
    }

    /** The conversation timers armed now, soonest first: `key` is `<channelId>/<conversationId>`. */
    get timers(): ArmedTimer[] {
        return this.sorted()
            .filter((w) => w.kind === 'timer')
            .map((w) => ({ key: w.key, dueAt: new Date(w.dueAt) }));
    }

    /**
     * Moves the clock forward by `duration` and runs every timer due by then, in due-time order, each with the
     * clock set to its due time; timers armed again by a handler within the span run too. Resolves once every
     * handler (and the proactive turn it runs) has finished.
     *
     * @param duration Milliseconds, or a string such as `'5 minutes'` or `'1 hour'`.
     * @returns How many timers (and recurring tasks) ran.
     * @throws Error when the scheduler was not started (call the middleware's `start()`), or when handlers keep
     * re-arming for the same instant.
     */
    async advance(duration: Duration): Promise<number> {
        const target = this.clock + toMilliseconds(duration, 'duration');
        let fired = 0;
        for (;;) {
            const next = this.sorted()[0];
            if (!next || next.dueAt > target) {
                break;
            }
            if (!this.onDue) {
                throw new Error('TestScheduler: a timer is due but the scheduler is not started. Call `await inactivity.start()` first.');
            }
            if (++fired > MAX_FIRES_PER_ADVANCE) {
                throw new Error(`TestScheduler: more than ${MAX_FIRES_PER_ADVANCE} timers ran in one advance(); a handler keeps re-arming for the same time.`);
            }
            this.clock = Math.max(this.clock, next.dueAt);
            await this.run(next);
        }
        this.clock = Math.max(this.clock, target);
        return fired;
    }

    /** @inheritdoc */
    async start(onDue: DueTimerHandler): Promise<void> {
        this.onDue = onDue;
    }

    /** @inheritdoc */
    async arm(data: TimerData, dueAt: Date): Promise<void> {
        this.touch(data.key);
        this.waiting.set(timerId(data.key), { kind: 'timer', key: data.key, dueAt: dueAt.getTime(), seq: ++this.seq, data });
    }

    /** @inheritdoc */
    async cancel(key: string): Promise<void> {
        this.touch(key);
        this.waiting.delete(timerId(key));
    }

    /** Stops firing; armed timers are kept, and run again once the middleware is started again. */
    async stop(): Promise<void> {
        this.onDue = undefined;
    }

    /** @inheritdoc */
    async repeat(name: string, intervalMs: number, task: () => Promise<void>): Promise<void> {
        const every = Math.max(1, intervalMs);
        this.waiting.set(`repeat:${name}`, { kind: 'repeat', key: name, dueAt: this.clock + every, seq: ++this.seq, intervalMs: every, task });
    }

    private async run(item: Waiting): Promise<void> {
        const id = item.kind === 'timer' ? timerId(item.key) : `repeat:${item.key}`;
        if (item.kind === 'repeat') {
            item.dueAt += item.intervalMs as number;
            await (item.task as () => Promise<void>)();
            return;
        }
        this.waiting.delete(id);
        this.current = { key: item.key, touched: false };
        let next: Date | undefined;
        const attempt = item.attempt ?? 1;
        let retryIn: number | undefined;
        try {
            const timer: DueTimer = {
                data: item.data as TimerData,
                firedAt: new Date(this.clock),
                attempt,
                lastAttempt: attempt > DEFAULT_TIMER_RETRY.retries,
            };
            next = await (this.onDue as DueTimerHandler)(timer);
        } catch (err) {
            // The handler asks for a retry, as Agenda's backoff would give it (without jitter).
            if (attempt <= DEFAULT_TIMER_RETRY.retries) {
                retryIn = retryDelay(DEFAULT_TIMER_RETRY, attempt, (err as { retryAfterMs?: number }).retryAfterMs);
            }
        } finally {
            const touched = this.current.touched;
            this.current = undefined;
            // An arm() or cancel() made while the handler ran (a user message) wins over the handler's result.
            if (!touched && retryIn !== undefined) {
                this.waiting.set(id, { ...item, dueAt: this.clock + retryIn, attempt: attempt + 1, seq: ++this.seq });
            } else if (next && !touched) {
                this.waiting.set(id, { ...item, dueAt: next.getTime(), attempt: undefined, seq: ++this.seq });
            }
        }
    }

    private touch(key: string): void {
        if (this.current?.key === key) {
            this.current.touched = true;
        }
    }

    private sorted(): Waiting[] {
        return [...this.waiting.values()].sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
    }
}

function timerId(key: string): string {
    return `timer:${key}`;
}
