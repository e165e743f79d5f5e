import createDebug from 'debug';
import { DEFAULT_TIMER_RETRY, DueTimer, DueTimerHandler, TimerData, TimerScheduler, retryDelay } from '../core/ports/timerScheduler';
import type { TimerRetryPolicy } from '../core/ports/timerScheduler';

const debug = createDebug('botbuilder-inactivity:scheduler');

/** The `type` of the warning {@link MemoryScheduler} emits when it starts; the plugin's other warnings share it. */
export const WARNING_TYPE = 'BotbuilderInactivityWarning';

/** The `code` of the warning {@link MemoryScheduler} emits when it starts. */
export const MEMORY_SCHEDULER_WARNING_CODE = 'BOTBUILDER_INACTIVITY_MEMORY_SCHEDULER';

/** The longest delay `setTimeout` takes (about 24.8 days); a later timer waits in steps of at most this. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Options of {@link MemoryScheduler}. */
export interface MemorySchedulerOptions {
    /**
     * Emit a process warning at `start()` saying that timers are not durable. Default `true`; turn it off in a
     * test suite that builds many bots.
     */
    warn?: boolean;
    /** How a handler that threw (a send the channel refused) is retried. Default {@link DEFAULT_TIMER_RETRY}, without jitter. */
    retry?: Partial<TimerRetryPolicy>;
}

/** A conversation's timer as an in-memory scheduler lists it. */
export interface ArmedTimer {
    /** The conversation: `<channelId>/<conversationId>`. */
    key: string;
    /** When it fires. */
    dueAt: Date;
}

/** One armed timer. */
interface Armed {
    data: TimerData;
    dueAt: Date;
    handle?: NodeJS.Timeout;
    /** 1-based attempt, above 1 for a retry. */
    attempt?: number;
}

/**
 * A {@link TimerScheduler} in process memory, for a first look at the plugin without MongoDB:
 *
 * ```js
 * new InactivityMiddleware({ adapter, conversationState, dialogState, dialog, scheduler: new MemoryScheduler() });
 * ```
 *
 * It is **not durable**: a restart (a deploy, a crash) forgets every timer, and with several bot instances each
 * one only knows the timers its own turns armed. It says so once, with a process warning, when it starts. For
 * production give the middleware `mongo` (or `agenda`) instead.
 *
 * Each armed conversation has one `setTimeout`, unref'd so that it never keeps the process alive; `stop()`
 * clears them all. Like the durable scheduler it fires a conversation's timer at most once at a time, and a
 * timer armed again while its handler runs keeps that newer time.
 *
 * Unit tests of a bot want a clock they control instead: see `TestScheduler` in `botbuilder-inactivity/testing`.
 *
 * @example
 * ```js
 * const { MemoryStorage, ConversationState } = require('botbuilder');
 * const { InactivityMiddleware, MemoryScheduler } = require('botbuilder-inactivity');
 *
 * const conversationState = new ConversationState(new MemoryStorage());
 * const inactivity = new InactivityMiddleware({
 *     adapter, conversationState, dialogState: conversationState.createProperty('DialogState'), dialog,
 *     scheduler: new MemoryScheduler(), // timers in memory: lost on restart
 * });
 * ```
 */
export class MemoryScheduler implements TimerScheduler {
    private readonly armed = new Map<string, Armed>();
    /** Keys whose handler is running now. */
    private readonly running = new Set<string>();
    /** Keys cancelled while their handler ran: the handler's next time must not bring them back. */
    private readonly cancelledWhileRunning = new Set<string>();
    /** Recurring tasks by name. */
    private readonly repeats = new Map<string, NodeJS.Timeout>();
    private onDue?: DueTimerHandler;
    private warned = false;

    /**
     * @param options See {@link MemorySchedulerOptions}.
     */
    constructor(private readonly options: MemorySchedulerOptions = {}) {}

    /** The timers armed now, soonest first: what a test or a status page may want to see. */
    get timers(): ArmedTimer[] {
        return [...this.armed.entries()].map(([key, a]) => ({ key, dueAt: a.dueAt })).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
    }

    /** @inheritdoc */
    async start(onDue: DueTimerHandler): Promise<void> {
        if (this.options.warn !== false && !this.warned) {
            this.warned = true;
            process.emitWarning(
                'botbuilder-inactivity runs on MemoryScheduler: its timers live in this process only and are lost on restart, and with several bot instances each knows only its own. Give the middleware `mongo` for durable timers.',
                { type: WARNING_TYPE, code: MEMORY_SCHEDULER_WARNING_CODE }
            );
        }
        this.onDue = onDue;
        // Timers armed before start() (or kept over a stop()) begin counting now.
        for (const key of this.armed.keys()) {
            this.schedule(key);
        }
        debug('memory scheduler started');
    }

    /** @inheritdoc */
    async arm(data: TimerData, dueAt: Date): Promise<void> {
        this.cancelledWhileRunning.delete(data.key);
        const previous = this.armed.get(data.key);
        if (previous?.handle) {
            clearTimeout(previous.handle);
        }
        this.armed.set(data.key, { data, dueAt: new Date(dueAt.getTime()) });
        this.schedule(data.key);
    }

    /** @inheritdoc */
    async cancel(key: string): Promise<void> {
        const armed = this.armed.get(key);
        if (armed?.handle) {
            clearTimeout(armed.handle);
        }
        this.armed.delete(key);
        if (this.running.has(key)) {
            this.cancelledWhileRunning.add(key);
        }
    }

    /**
     * Stops firing: clears every pending `setTimeout` and recurring task. Armed timers are kept (in memory) and
     * count again from a later `start()`; a handler already running finishes on its own.
     */
    async stop(): Promise<void> {
        this.onDue = undefined;
        for (const armed of this.armed.values()) {
            if (armed.handle) {
                clearTimeout(armed.handle);
                armed.handle = undefined;
            }
        }
        for (const handle of this.repeats.values()) {
            clearInterval(handle);
        }
        this.repeats.clear();
    }

    /** @inheritdoc */
    async repeat(name: string, intervalMs: number, task: () => Promise<void>): Promise<void> {
        const previous = this.repeats.get(name);
        if (previous) {
            clearInterval(previous);
        }
        const handle = setInterval(
            () => {
                task().catch((err: unknown) => debug('recurring task %s failed: %O', name, err));
            },
            Math.min(Math.max(1, intervalMs), MAX_TIMEOUT_MS)
        );
        handle.unref();
        this.repeats.set(name, handle);
    }

    /** Sets the `setTimeout` of an armed timer, when started and not already running it. */
    private schedule(key: string): void {
        const armed = this.armed.get(key);
        if (!armed || !this.onDue || this.running.has(key)) {
            // A timer armed while its handler runs is scheduled when that run ends.
            return;
        }
        if (armed.handle) {
            clearTimeout(armed.handle);
        }
        const wait = Math.max(0, armed.dueAt.getTime() - Date.now());
        armed.handle = setTimeout(
            () => {
                armed.handle = undefined;
                if (wait >= MAX_TIMEOUT_MS) {
                    this.schedule(key);
                } else {
                    void this.fire(key, armed);
                }
            },
            Math.min(wait, MAX_TIMEOUT_MS)
        );
        armed.handle.unref();
    }

    private async fire(key: string, armed: Armed): Promise<void> {
        const onDue = this.onDue;
        if (!onDue || this.armed.get(key) !== armed) {
            return;
        }
        this.armed.delete(key);
        this.running.add(key);
        let next: Date | undefined;
        const attempt = armed.attempt ?? 1;
        const retry = { ...DEFAULT_TIMER_RETRY, ...this.options.retry };
        let retryAt: Armed | undefined;
        try {
            const timer: DueTimer = { data: armed.data, firedAt: new Date(), attempt, lastAttempt: attempt > retry.retries };
            next = await onDue(timer);
        } catch (err) {
            // The handler asks for a retry (it reported the failure itself): the same timer again after a backoff.
            debug('timer %s failed (attempt %d): %O', key, attempt, err);
            if (attempt <= retry.retries) {
                const wait = retryDelay(retry, attempt, (err as { retryAfterMs?: number }).retryAfterMs);
                retryAt = { data: armed.data, dueAt: new Date(Date.now() + wait), attempt: attempt + 1 };
            }
        } finally {
            this.running.delete(key);
        }
        const cancelled = this.cancelledWhileRunning.delete(key);
        if (this.armed.has(key)) {
            // Armed again (by the user's newer message) while the handler ran: that time wins over the handler's.
            this.schedule(key);
        } else if (retryAt && !cancelled) {
            this.armed.set(key, retryAt);
            this.schedule(key);
        } else if (next && !cancelled) {
            // Kept even when stop() came meanwhile, so that a later start() fires it.
            this.armed.set(key, { data: armed.data, dueAt: next });
            this.schedule(key);
        }
    }
}
