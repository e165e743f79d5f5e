import type { Agenda } from 'agenda' with { 'resolution-mode': 'import' };
import type { MongoSource } from '../mongo/mongoConnection';
import type { TimerRetryPolicy } from '../core/ports/timerScheduler';

/** The default collection for jobs when the plugin creates its own Agenda. */
export const DEFAULT_JOBS_COLLECTION = 'inactivityJobs';

/**
 * The lock lifetime Agenda is given for the timer jobs: what its own bookkeeping uses (a copy waiting in memory
 * longer than this is dropped; a check timer of half this runs beside each run, which is how long a process may
 * linger after `stop()`). Other instances take a timer over much sooner: see {@link TIMER_LEASE_MS}.
 */
export const TIMER_LOCK_LIFETIME_MS = 60_000;

/**
 * How long a timer's lock keeps other instances off it once it is neither due nor kept alive: a run touches its
 * lock every {@link TIMER_TOUCH_MS}, and a timer locked ahead of its due time counts from its due time. When the
 * instance holding it dies (kill -9, a crash, a lost machine), another instance takes the timer over on its first
 * poll after this: within `TIMER_LEASE_MS + processEvery` of the due time or of the last touch (3 + 5 s with the
 * defaults). Clocks of the instances are assumed within a second of each other (NTP).
 */
export const TIMER_LEASE_MS = 3000;

/** How often a running timer touches its lock (see {@link TIMER_LEASE_MS}). */
export const TIMER_TOUCH_MS = 1000;

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

/**
 * The longest `stop()` of a scheduler that created its Agenda takes, ms: the timers it holds locked run when due,
 * then the runs under way are waited for; a run still going after this keeps its lock (and its lease).
 */
export const TIMER_STOP_TIMEOUT_MS = 30_000;

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
     * The longest one run of the handler may take, in ms (the middleware's timer deadline). Accepted for
     * compatibility and no longer needed: a run keeps its lock alive while it runs (a lease of `TIMER_LEASE_MS`),
     * and a timer that waited in memory claims its lock again before it runs. Default 45000.
     */
    runDeadline?: number;
}
