import createDebug from 'debug';
import type { BackoffStrategy, Job, exponential } from 'agenda' with { 'resolution-mode': 'import' };
import { InactivitySchedulerError } from '../core/errors';
import type { DueTimerHandler, TimerData, TimerRetryPolicy } from '../core/ports/timerScheduler';
import { lockOf, settleRun } from './jobStateGuard';
import { LEGACY_TIMER_JOB_NAME, readTimerData } from './timerDocument';

const debug = createDebug('botbuilder-inactivity:scheduler');

/** A run whose handler asks to fire again within this waits in place (still locked) rather than going back to the queue. */
const HOLD_MAX_MS = 1000;

/** How many times a run may wait in place for a re-arm before handing it back to Agenda. */
const MAX_HELD_ROUNDS = 3;

/** Room kept between the end of a run and the expiry of its lock (clock differences between instances). */
const LOCK_MARGIN_MS = 5000;

/** What an {@link AgendaScheduler} did since it was created (see {@link AgendaScheduler.stats}). */
export interface SchedulerStats {
    /** Timers run on this instance (calls of the due-timer handler). */
    runs: number;
    /**
     * Timers handed back unrun because they waited in memory too long for their lock to cover a run (another
     * instance, or this one on its next poll, runs them): a sign the instance cannot keep up.
     */
    handedBack: number;
}

/** What one timer run needs of its scheduler. */
export interface TimerRunHost {
    /** The handler, the retry policy, the bound of one run and the lock lifetime (ms). */
    readonly run: { onDue: DueTimerHandler; retry: TimerRetryPolicy; deadlineMs: number; lockLifetimeMs: number };
    /** Counted here. */
    readonly counts: SchedulerStats;
    /** Ids of timers running on this instance (their locks must outlive `stop()`'s release). */
    readonly running: Set<string>;
    /** Whether this process armed or cancelled the timer after it locked this copy. */
    movedSinceLock(id: string, lockedAt: number): boolean;
    /** Ends the timer: deleted only while this run still holds it. */
    endRun(attrs: Job['attrs']): Promise<void>;
    /** A 0.1.x timer that fires again becomes a version 2 timer. */
    replaceLegacy(attrs: Job['attrs'], data: TimerData, next: Date): Promise<void>;
    /** Hears what the run recovered from. */
    warn(err: InactivitySchedulerError): void;
}

/**
 * Runs one due timer job: the handler, then whatever `job.attrs.nextRunAt` holds when this returns is written
 * when the run completes, unless an `arm()` or `cancel()` took the timer meanwhile (see `guardJobState`): the
 * newest arm wins. A copy moved since it was locked, or whose lock no longer covers a whole run, is handed back
 * unrun; a re-arm due within a moment is waited for in place, still locked.
 *
 * @param host The scheduler's state and callbacks.
 * @param job The job Agenda runs.
 */
export async function runTimerJob(host: TimerRunHost, job: Job): Promise<void> {
    const attrs = job.attrs;
    const id = String(attrs._id);
    const lockedAt = lockOf(attrs)?.getTime() ?? Date.now();
    const data = readTimerData(attrs.data);
    if (!data) {
        host.warn(new InactivitySchedulerError(`A timer job (${id}) holds data this version cannot read; it was deleted.`));
        await host.endRun(attrs);
        return;
    }
    if (host.movedSinceLock(id, lockedAt)) {
        // This process armed the timer again after it locked this copy: the new time stands, nothing fires.
        // Released only if the lock is still this copy's (the arm was in fact written before the lock).
        debug('timer %s was moved before it ran', data.key);
        settleRun(attrs, 'handBack');
        return;
    }
    const { onDue, retry, deadlineMs, lockLifetimeMs } = host.run;
    const fitsInLock = (extraMs: number) => Date.now() + extraMs + deadlineMs + LOCK_MARGIN_MS <= lockedAt + lockLifetimeMs;
    if (!fitsInLock(0)) {
        // It waited in memory too long (the queue could not keep up): run past its lock, it could run twice.
        // Handed back, it is locked afresh and sent late, never twice.
        debug('timer %s waited %d ms for a free slot: handed back', data.key, Date.now() - lockedAt);
        host.counts.handedBack++;
        settleRun(attrs, 'handBack');
        return;
    }
    const attempt = (attrs.failCount ?? 0) + 1;
    let firedAt = new Date();
    host.running.add(id);
    try {
        for (let round = 0; ; round++) {
            // A throw goes to Agenda, which records the failure and schedules the retry with its backoff.
            host.counts.runs++;
            const next = await onDue({ data, firedAt, attempt, lastAttempt: attempt > retry.retries });
            if (!next) {
                break;
            }
            const wait = next.getTime() - Date.now();
            if (wait > HOLD_MAX_MS || round >= MAX_HELD_ROUNDS || !fitsInLock(Math.max(0, wait))) {
                if (attrs.name === LEGACY_TIMER_JOB_NAME) {
                    await host.replaceLegacy(attrs, data, next);
                    return;
                }
                attrs.nextRunAt = next;
                return;
            }
            // Due within a moment: handed back to Agenda it would cost a lock and a write; the job is still
            // locked here, so wait for it instead.
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
            firedAt = new Date();
        }
        await host.endRun(attrs);
    } finally {
        host.running.delete(id);
    }
}

/**
 * The timers' retry backoff for Agenda: exponential by `retry`, waiting at least as long as the channel asked (a
 * 429's `Retry-After`, carried on the error as `retryAfterMs`).
 *
 * @param exponentialBackoff Agenda's `exponential` (Agenda is ESM, loaded by the caller).
 * @param retry The retry policy.
 * @returns The strategy to define the timer jobs with.
 */
export function timerBackoff(exponentialBackoff: typeof exponential, retry: TimerRetryPolicy): BackoffStrategy {
    const strategy = exponentialBackoff({
        delay: retry.delay,
        factor: retry.factor,
        maxDelay: retry.maxDelay,
        maxRetries: retry.retries,
        jitter: retry.jitter,
    });
    return (context) => {
        const delay = strategy(context);
        const asked = (context.error as { retryAfterMs?: unknown }).retryAfterMs;
        return delay === null ? null : typeof asked === 'number' ? Math.max(delay, asked) : delay;
    };
}
