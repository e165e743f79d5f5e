import { randomUUID } from 'crypto';
import createDebug from 'debug';
import { hostname } from 'os';
import type { Agenda, BackoffStrategy, Job } from 'agenda' with { 'resolution-mode': 'import' };
import type { Collection, Db } from 'mongodb';
import { InactivityDeliveryError, InactivitySchedulerError } from '../errors';
import { guardJobState, markEnded, wasMovedSinceLoaded } from './jobStateGuard';
import { MongoHandle, MongoSource, openMongo } from '../mongoConnection';
import { DueTimerHandler, TimerData, TimerScheduler } from './timerScheduler';

const debug = createDebug('botbuilder-inactivity:scheduler');

/** The Agenda job name of the per-conversation inactivity timer. */
export const TIMER_JOB_NAME = 'botbuilder-inactivity:timer';

/** The default collection for jobs when the plugin creates its own Agenda. */
export const DEFAULT_JOBS_COLLECTION = 'inactivityJobs';

/**
 * How long a running timer stays locked to its instance. A run takes a proactive turn (one channel call, or a
 * re-arm held for under one polling interval), far below this; an instance that dies mid-run hands the timer
 * to another within a minute instead of Agenda's default ten. Agenda also keeps a check timer of half this
 * per run, which is how long a process may linger after `stop()`.
 */
export const TIMER_LOCK_LIFETIME_MS = 60_000;

/** How many timers one process runs at once. */
export const TIMER_CONCURRENCY = 50;

/** How many times a run may wait in place for a re-arm due within one polling interval before handing it back to Agenda. */
const MAX_HELD_ROUNDS = 3;

/** The default polling interval of an Agenda the plugin creates: keeps a timer within ~0.5 s of its due time. */
export const DEFAULT_PROCESS_EVERY_MS = 500;

/** How a timer whose handler threw (a send the channel refused) is retried, through Agenda's own backoff. */
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

/** Options of {@link AgendaScheduler}. */
export interface AgendaSchedulerOptions {
    /** Where jobs live: a connection string, a `MongoClient` or a `Db`. Either this or `agenda`. */
    mongo?: MongoSource;
    /**
     * A ready Agenda instance the bot already runs. The scheduler defines its job on it and never stops it:
     * after `stop()` the job stays defined, so stop that Agenda too to stop the timers. Its own `processEvery`
     * applies (Agenda's default of 5 s makes short timers up to 5 s late). On the MongoDB backend the scheduler
     * adds its unique index to that Agenda's collection.
     */
    agenda?: Agenda;
    /** Jobs collection when the scheduler creates Agenda. Default `'inactivityJobs'`. */
    collection?: string;
    /** Agenda's polling interval in ms when the scheduler creates Agenda. Default 500. */
    processEvery?: number;
    /** Called with errors Agenda reports outside of any call (lost connection, failed job). */
    onError?: (err: Error) => void;
    /** How a handler that threw is retried. Default {@link DEFAULT_TIMER_RETRY}. */
    retry?: Partial<TimerRetryPolicy>;
}

/**
 * What the job stores: the timer's data plus the due time `arm()` asked for. Agenda's own writes while it runs a
 * job never touch `data`, so `dueAt` tells the handler whether the job was armed again since it was loaded.
 */
type StoredTimerData = TimerData & { dueAt?: Date };

/**
 * A {@link TimerScheduler} on Agenda 6 and MongoDB: one job per conversation, stored durably, locked so that
 * with several bot instances on one database each timer fires exactly once.
 *
 * A unique index on `{ name, data.key }` stops two instances from inserting twin jobs for one conversation.
 *
 * Agenda loads a job up to one polling interval before it is due and waits for it in memory. A timer moved or
 * cancelled in that window is checked against the database when the wait ends, so it neither fires at its
 * old time nor loses its new one.
 */
export class AgendaScheduler implements TimerScheduler {
    private agenda?: Agenda;
    private mongo?: MongoHandle;
    private ownsAgenda = false;
    private jobCollection?: Collection;
    private listeningTo?: Agenda;
    private started?: Promise<void>;
    /** Agenda records this as `lastModifiedBy` on the jobs it locks, so `stop()` can hand back only its own locks. */
    private readonly instanceName = `botbuilder-inactivity@${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

    /**
     * @param options Where to keep jobs; see {@link AgendaSchedulerOptions}.
     */
    constructor(private readonly options: AgendaSchedulerOptions) {
        if (!options.mongo && !options.agenda) {
            throw new InactivitySchedulerError('AgendaScheduler needs either a `mongo` source or an `agenda` instance.');
        }
    }

    /** @inheritdoc */
    start(onDue: DueTimerHandler): Promise<void> {
        this.started ??= this.open(onDue).catch((err) => {
            this.started = undefined;
            throw err;
        });
        return this.started;
    }

    /** @inheritdoc */
    async arm(data: TimerData, dueAt: Date): Promise<void> {
        const agenda = await this.ready();
        const stored: StoredTimerData = { ...data, dueAt };
        const save = () => agenda.create(TIMER_JOB_NAME, stored).unique({ 'data.key': data.key }).schedule(dueAt).save();
        try {
            await save().catch((err: unknown) => {
                if (!isDuplicateKey(err)) {
                    throw err;
                }
                // Another instance inserted the same conversation's job between our find and insert: the unique
                // index refused the twin, and the upsert now finds that job and moves it.
                return save();
            });
        } catch (err) {
            throw new InactivitySchedulerError(`Could not arm the timer for ${data.key}.`, { cause: err });
        }
    }

    /** @inheritdoc */
    async repeat(name: string, intervalMs: number, task: () => Promise<void>): Promise<void> {
        const agenda = await this.ready();
        try {
            agenda.define(name, async () => task(), { lockLifetime: TIMER_LOCK_LIFETIME_MS });
            // every() saves one job per name, so several instances share a single schedule.
            await agenda.every(intervalMs, name, undefined, { skipImmediate: true });
        } catch (err) {
            throw new InactivitySchedulerError(`Could not schedule the recurring job ${name}.`, { cause: err });
        }
    }

    /** @inheritdoc */
    async cancel(key: string): Promise<void> {
        const agenda = await this.ready();
        try {
            await agenda.cancel({ name: TIMER_JOB_NAME, data: { key } });
        } catch (err) {
            throw new InactivitySchedulerError(`Could not cancel the timer for ${key}.`, { cause: err });
        }
    }

    /** @inheritdoc */
    async stop(): Promise<void> {
        // A start() still connecting would otherwise start processing after this stop() returned.
        await this.started?.catch(() => undefined);
        const agenda = this.agenda;
        const jobs = this.jobCollection;
        this.agenda = undefined;
        this.jobCollection = undefined;
        this.started = undefined;
        if (agenda && this.ownsAgenda) {
            await agenda.drain({ timeout: 30_000, closeConnection: false });
            // drain() waits for running handlers but keeps the locks on jobs loaded for their due time, which
            // would keep every other instance off them for Agenda's 10-minute lock lifetime. A running job has
            // a null nextRunAt, so this never frees one still running after the drain timeout.
            await jobs
                ?.updateMany(
                    { name: TIMER_JOB_NAME, lastModifiedBy: this.instanceName, lockedAt: { $ne: null }, nextRunAt: { $ne: null } },
                    { $unset: { lockedAt: true } }
                )
                .catch((err: unknown) => this.report(new InactivitySchedulerError('Could not release the timers this instance had locked.', { cause: err })));
        }
        await this.mongo?.close();
        this.mongo = undefined;
    }

    /** @inheritdoc */
    async ping(): Promise<void> {
        const agenda = await this.ready();
        const collection = this.jobCollection ?? (agenda.db as { collection?: Collection }).collection;
        await collection?.findOne({ name: TIMER_JOB_NAME }, { projection: { _id: 1 } });
    }

    /**
     * The jobs collection, for operators' tools and tests. Undefined before `start()`, and with an `agenda` whose
     * backend is not MongoDB.
     */
    get jobs(): Collection | undefined {
        return this.jobCollection;
    }

    private async open(onDue: DueTimerHandler): Promise<void> {
        let agenda = this.options.agenda;
        if (!agenda) {
            this.mongo = await openMongo(this.options.mongo as MongoSource);
            try {
                this.jobCollection = this.mongo.db.collection(this.options.collection ?? DEFAULT_JOBS_COLLECTION);
                await ensureTimerIndex(this.jobCollection);
                agenda = await this.createAgenda(this.mongo.db);
            } catch (err) {
                this.jobCollection = undefined;
                await this.mongo.close();
                this.mongo = undefined;
                throw err;
            }
            this.ownsAgenda = true;
        } else {
            await agenda.ready;
            // The MongoDB backend's repository exposes its collection; other backends keep no such index.
            const collection = (agenda.db as { collection?: Collection }).collection;
            if (typeof collection?.createIndex === 'function') {
                await ensureTimerIndex(collection);
                this.jobCollection = collection;
            }
            if (this.listeningTo !== agenda) {
                // Once per Agenda: a start() after stop() must not report each failure twice.
                agenda.on(`fail:${TIMER_JOB_NAME}`, (err: Error) => this.timerFailed(err));
                this.listeningTo = agenda;
            }
        }
        const definedOn = agenda;
        const retry = { ...DEFAULT_TIMER_RETRY, ...this.options.retry };
        const { exponential } = await import('agenda');
        const backoff = withRetryAfter(exponential({ delay: retry.delay, factor: retry.factor, maxDelay: retry.maxDelay, maxRetries: retry.retries, jitter: retry.jitter }));
        // A run's completion write must not undo an arm() made while it ran.
        guardJobState(agenda, TIMER_JOB_NAME);
        // removeOnComplete stays off: runDue() deletes a finished timer itself.
        // A run mostly waits on the channel's HTTP call; Agenda's default of 5 at a time per process would queue
        // reminders that come due together.
        agenda.define(TIMER_JOB_NAME, (job: Job<StoredTimerData>) => this.runDue(definedOn, job, onDue, retry), {
            removeOnComplete: false,
            concurrency: TIMER_CONCURRENCY,
            lockLifetime: TIMER_LOCK_LIFETIME_MS,
            backoff,
        });
        if (this.ownsAgenda) {
            await agenda.start();
        }
        this.agenda = agenda;
        debug('started (own Agenda: %s)', this.ownsAgenda);
    }

    /**
     * Runs one due job. Agenda has already written `nextRunAt: null` for this run; whatever `job.attrs.nextRunAt`
     * holds when this returns is written when the run completes, unless an `arm()` moved the timer meanwhile
     * (see {@link guardJobState}): the newest arm always wins.
     */
    private async runDue(agenda: Agenda, job: Job<StoredTimerData>, onDue: DueTimerHandler, retry: TimerRetryPolicy): Promise<void> {
        const { dueAt, ...data } = job.attrs.data;
        if (wasMovedSinceLoaded(job.attrs)) {
            // arm() moved the timer after Agenda loaded it for its old time: its new time stays, nothing fires.
            debug('timer %s was moved before it ran', data.key);
            return;
        }
        const attempt = (job.attrs.failCount ?? 0) + 1;
        let firedAt = job.attrs.lastRunAt ?? new Date();
        let next: Date | undefined;
        for (let round = 0; ; round++) {
            // A throw goes to Agenda, which records the failure and schedules the retry with its backoff.
            next = await onDue({ data, firedAt, attempt, lastAttempt: attempt > retry.retries });
            if (!next) {
                break;
            }
            const wait = next.getTime() - Date.now();
            if (wait > agenda.attrs.processEvery || round >= MAX_HELD_ROUNDS) {
                job.attrs.nextRunAt = next;
                return;
            }
            // Due within one polling interval: handed back to Agenda it would fire up to that interval late
            // (the next poll finds it overdue). The job is still locked here, so wait for it instead.
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
            firedAt = new Date();
        }
        // The timer ends. Deleting it only if no arm() moved it is one atomic write. Agenda's removeOnComplete
        // would delete it by id after the run, taking an arm() made meanwhile with it, and its drain() misses a job
        // still deleting, so stop() would wait out the whole drain timeout. When an arm() moved it, the guarded
        // completion write keeps the arm's time.
        const removed = await agenda.cancel({ id: job.attrs._id, ...(dueAt === undefined ? {} : { data: { dueAt } }) });
        if (removed > 0) {
            markEnded(job.attrs);
        }
    }

    private async createAgenda(db: Db): Promise<Agenda> {
        const collection = this.options.collection ?? DEFAULT_JOBS_COLLECTION;
        const { Agenda } = await import('agenda');
        const { MongoBackend } = await import('@agendajs/mongo-backend');
        const agenda = new Agenda({
            name: this.instanceName,
            backend: new MongoBackend({ mongo: db, collection }),
            processEvery: this.options.processEvery ?? DEFAULT_PROCESS_EVERY_MS,
            removeOnComplete: false,
            // Agenda's own cap (20 by default) would silently cap the timers' concurrency below.
            maxConcurrency: TIMER_CONCURRENCY,
        });
        agenda.on('error', (err: Error) => {
            debug('agenda error: %O', err);
            if (isCancelledWhileLoaded(err)) {
                // The job was cancelled after Agenda loaded it for its due time: cancel() did its job.
                return;
            }
            this.report(new InactivitySchedulerError('The scheduler reported an error.', { cause: err }));
        });
        agenda.on(`fail:${TIMER_JOB_NAME}`, (err: Error) => this.timerFailed(err));
        await agenda.ready;
        return agenda;
    }

    /** The running Agenda, waiting for a `start()` still connecting. */
    private async ready(): Promise<Agenda> {
        await this.started?.catch(() => undefined);
        if (!this.agenda) {
            throw new InactivitySchedulerError('The scheduler is not started: call start() on the middleware first.');
        }
        return this.agenda;
    }

    private timerFailed(err: Error): void {
        debug('timer failed: %O', err);
        if (err instanceof InactivityDeliveryError) {
            // The handler reported this attempt itself; Agenda retries it.
            return;
        }
        this.report(new InactivitySchedulerError('A timer handler failed.', { cause: err }));
    }

    private report(err: InactivitySchedulerError): void {
        try {
            this.options.onError?.(err);
        } catch (thrown) {
            debug('onError threw: %O', thrown);
        }
    }
}

/** Creates the index that refuses a second job for one conversation (a no-op when it exists). */
async function ensureTimerIndex(collection: Collection): Promise<void> {
    try {
        await collection.createIndex(
            { name: 1, 'data.key': 1 },
            { name: 'inactivityTimerKey', unique: true, partialFilterExpression: { name: TIMER_JOB_NAME } }
        );
    } catch (err) {
        throw new InactivitySchedulerError(`Could not create the unique timer index on ${collection.collectionName}.`, { cause: err });
    }
}

function isDuplicateKey(err: unknown): boolean {
    return typeof err === 'object' && err !== null && (err as { code?: number }).code === 11000;
}

/** Agenda's error when a job it loaded was deleted before its run could start. */
function isCancelledWhileLoaded(err: Error): boolean {
    return /cannot be updated in the database, maybe it does not exist anymore/.test(err.message);
}

/** Agenda's backoff, waiting at least as long as the channel asked (a 429's `Retry-After`, on the error). */
function withRetryAfter(strategy: BackoffStrategy): BackoffStrategy {
    return (context) => {
        const delay = strategy(context);
        const asked = (context.error as { retryAfterMs?: unknown }).retryAfterMs;
        return delay === null ? null : typeof asked === 'number' ? Math.max(delay, asked) : delay;
    };
}
