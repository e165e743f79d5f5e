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

/** What an {@link AgendaScheduler} did since it was created (see {@link AgendaScheduler.stats}). */
export interface SchedulerStats {
    /** Timers run on this instance (calls of the due-timer handler). */
    runs: number;
    /**
     * Timers not run here because they waited in memory past half their lease and another instance (or this one,
     * on a later lock) had taken them meanwhile: each runs once, there. A sign the instance cannot keep up.
     */
    handedBack: number;
}

/** What one timer run needs of its scheduler. */
export interface TimerRunHost {
    /** The handler, the retry policy, the lease (ms) and how often a run touches its lock (ms). */
    readonly run: { onDue: DueTimerHandler; retry: TimerRetryPolicy; leaseMs: number; touchMs: number };
    /** Counted here. */
    readonly counts: SchedulerStats;
    /** Ids of timers running on this instance (their locks must outlive `stop()`'s release). */
    readonly running: Set<string>;
    /** True once `stop()` handed back the locks of the runs not begun: none may begin. */
    stopping(): boolean;
    /** Whether this process armed or cancelled the timer after it locked this copy. */
    movedSinceLock(id: string, lockedAt: number): boolean;
    /** The due time this copy had when it was locked (ms), if this process locked it. */
    dueAtLock(id: string, lockedAt: number): number | undefined;
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
 * newest arm wins. A copy moved since it was locked is not run. A copy that waited in memory past half its lease
 * (counted from its due time or its lock, whichever is later) claims its lock again first, and is not run when
 * another instance took it meanwhile. While it runs, the lock is touched every `touchMs`, so that other instances
 * take the timer over only from an instance that died; a re-arm due within a moment is waited for in place.
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
    const { onDue, retry, leaseMs, touchMs } = host.run;
    const leaseFrom = Math.max(lockedAt, host.dueAtLock(id, lockedAt) ?? lockedAt);
    if (Date.now() - leaseFrom > leaseMs / 2 && !(await touched(job))) {
        // It waited in memory (the queue could not keep up) and its lease ran out: another instance, or a later
        // lock of this one, has it now and runs it once.
        debug('timer %s waited %d ms for a free slot and was taken meanwhile', data.key, Date.now() - leaseFrom);
        host.counts.handedBack++;
        settleRun(attrs, 'void');
        return;
    }
    if (host.stopping()) {
        // Checked in the same tick as the run is counted as running: stop() handed this lock back (or will, as
        // it is not running), and another instance runs the timer.
        debug('timer %s not started: the scheduler is stopping', data.key);
        settleRun(attrs, 'void');
        return;
    }
    const keepAlive = new LockKeepAlive(job, touchMs);
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
            if (wait > HOLD_MAX_MS || round >= MAX_HELD_ROUNDS) {
                const touching = keepAlive.stop();
                if (touching) {
                    await touching;
                }
                if (attrs.name === LEGACY_TIMER_JOB_NAME) {
                    await host.replaceLegacy(attrs, data, next);
                    return;
                }
                attrs.nextRunAt = next;
                return;
            }
            // Due within a moment: handed back to Agenda it would cost a lock and a write; the job is still
            // locked here (and kept alive), so wait for it instead.
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
            firedAt = new Date();
        }
        const touching = keepAlive.stop();
        if (touching) {
            await touching;
        }
        await host.endRun(attrs);
    } finally {
        void keepAlive.stop();
        host.running.delete(id);
    }
}

/** Claims the job's lock again (Agenda's `touch()`, made conditional on this run's lock by `guardJobState`). */
async function touched(job: Job): Promise<boolean> {
    try {
        await job.touch();
        return true;
    } catch (err) {
        debug('lock of %s lost: %s', String(job.attrs._id), (err as Error).message);
        return false;
    }
}

/**
 * Touches a running job's lock every `touchMs` until stopped, one touch at a time; a touch that finds the lock
 * taken ends the keep-alive (the completion write, conditional on the lock, then writes nothing). The timers and
 * the follow-ups' wake-up keep their leases with it.
 */
export class LockKeepAlive {
    private readonly timer: NodeJS.Timeout;
    private touching?: Promise<boolean>;
    private stopped = false;

    /**
     * @param job The running job.
     * @param touchMs How often to touch its lock, ms.
     */
    constructor(
        private readonly job: Job,
        touchMs: number
    ) {
        this.timer = setInterval(() => this.touch(), touchMs);
        this.timer.unref();
    }

    /**
     * Stops touching. Returns a promise only while a touch is under way (the completion write must read the lock
     * it leaves); otherwise nothing, so that a run ends without an extra tick.
     */
    stop(): Promise<unknown> | undefined {
        this.stopped = true;
        clearInterval(this.timer);
        return this.touching;
    }

    private touch(): void {
        if (this.stopped || this.touching) {
            return;
        }
        this.touching = touched(this.job).then((ok) => {
            this.touching = undefined;
            if (!ok) {
                this.stopped = true;
                clearInterval(this.timer);
            }
            return ok;
        });
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
