import type { Agenda } from 'agenda' with { 'resolution-mode': 'import' };
import type { MongoSource } from '../mongo/mongoConnection';
import type { TimerRetryPolicy } from '../core/ports/timerScheduler';

/** The default collection for jobs when the plugin creates its own Agenda. */
export const DEFAULT_JOBS_COLLECTION = 'inactivityJobs';

/**
 * How long a running timer stays locked to its instance. A run takes a proactive turn (a few channel calls,
 * bounded by the middleware's timer deadline of at most 45 s), below this; an instance that dies mid-run hands
 * the timer to another within a minute instead of Agenda's default ten. Agenda also keeps a check timer of half
 * this per run, which is how long a process may linger after `stop()`.
 */
export const TIMER_LOCK_LIFETIME_MS = 60_000;

/**
 * How many timers one process runs at once. Agenda's own `maxConcurrency` (20 by default) caps every job's
 * concurrency: the Agenda the scheduler creates is given this as its `maxConcurrency`.
 */
export const TIMER_CONCURRENCY = 50;

/**
 * How many timers one process holds locked at once (running, or waiting in memory for their time or for a free
 * slot). Agenda's default (0, no limit) locks every due timer, one command each, before it runs any, and its
 * queue costs grow with the square of what it holds. When a run completes while more were due, the scheduler
 * locks more at once instead of waiting for the next poll.
 */
export const TIMER_LOCK_LIMIT = 4 * TIMER_CONCURRENCY;

/**
 * The default polling interval of an Agenda the plugin creates. Timers armed or re-armed on this instance do not
 * wait for a poll (Agenda's in-memory notification channel locks them at once when they are due before the next
 * one), so the poll only finds timers armed elsewhere ahead of time: one command per poll, 0.2 per second.
 */
export const DEFAULT_PROCESS_EVERY_MS = 5000;

/** The default bound of one run (the middleware passes its timer deadline). */
export const DEFAULT_RUN_DEADLINE_MS = 45_000;

/** Options of {@link AgendaScheduler}. */
export interface AgendaSchedulerOptions {
    /** Where jobs live: a connection string, a `MongoClient` or a `Db`. Either this or `agenda`. */
    mongo?: MongoSource;
    /**
     * A ready Agenda instance the bot already runs. The scheduler defines its job on it and never stops it:
     * after `stop()` the job stays defined, so stop that Agenda too to stop the timers. Its own `processEvery`,
     * `maxConcurrency` and notification channel apply: without a channel, a timer armed less than one poll
     * ahead fires up to `processEvery` late (Agenda's default of 5 s), and Agenda's default `maxConcurrency` of
     * 20 caps the timers' concurrency. On the MongoDB backend the scheduler adds its lock index to that Agenda's
     * collection.
     */
    agenda?: Agenda;
    /** Jobs collection when the scheduler creates Agenda. Default `'inactivityJobs'`. */
    collection?: string;
    /** Agenda's polling interval in ms when the scheduler creates Agenda. Default 5000. */
    processEvery?: number;
    /** Called with errors Agenda reports outside of any call (lost connection, failed job). */
    onError?: (err: Error) => void;
    /** How a handler that threw is retried. Default `DEFAULT_TIMER_RETRY`. */
    retry?: Partial<TimerRetryPolicy>;
    /**
     * The longest one run of the handler may take, in ms (the middleware's timer deadline). A timer whose lock is
     * too old for a run of this length to end inside it is not run but handed back to the queue, so that a timer
     * that waited in memory never runs past its lock (another instance would run it too). Default 45000.
     */
    runDeadline?: number;
}
