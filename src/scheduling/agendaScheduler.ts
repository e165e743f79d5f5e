import { randomUUID } from 'crypto';
import createDebug from 'debug';
import { hostname } from 'os';
import type { Agenda, BackoffStrategy, Job, NotificationChannel } from 'agenda' with { 'resolution-mode': 'import' };
import { Collection, Db, ObjectId } from 'mongodb';
import { InactivityDeliveryError, InactivitySchedulerError } from '../core/errors';
import { guardJobState, lockOf, settleRun } from './jobStateGuard';
import { guardLockQueries, LOCK_INDEX, LockQueryState } from './lockQueries';
import { MongoHandle, MongoSource, openMongo } from '../mongo/mongoConnection';
import { LEGACY_TIMER_JOB_NAME, readTimerData, storedTimerData, TIMER_JOB_NAME, timerId } from './timerDocument';
import { DEFAULT_TIMER_RETRY, DueTimerHandler, TimerData, TimerRetryPolicy, TimerScheduler } from '../core/ports/timerScheduler';
import { WriteBatcher } from './writeBatcher';

export { DEFAULT_TIMER_RETRY } from '../core/ports/timerScheduler';
export type { TimerRetryPolicy } from '../core/ports/timerScheduler';
export { LEGACY_TIMER_JOB_NAME, TIMER_JOB_NAME } from './timerDocument';

const debug = createDebug('botbuilder-inactivity:scheduler');

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

/** A run whose handler asks to fire again within this waits in place (still locked) rather than going back to the queue. */
const HOLD_MAX_MS = 1000;

/** How many times a run may wait in place for a re-arm before handing it back to Agenda. */
const MAX_HELD_ROUNDS = 3;

/** Room kept between the end of a run and the expiry of its lock (clock differences between instances). */
const LOCK_MARGIN_MS = 5000;

/** The default bound of one run (the middleware passes its timer deadline). */
const DEFAULT_RUN_DEADLINE_MS = 45_000;

/** How often an instance checks whether a recurring task (`repeat()`) is due, at most. */
const REPEAT_CHECK_MS = 60_000;


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
    /** How a handler that threw is retried. Default {@link DEFAULT_TIMER_RETRY}. */
    retry?: Partial<TimerRetryPolicy>;
    /**
     * The longest one run of the handler may take, in ms (the middleware's timer deadline). A timer whose lock is
     * too old for a run of this length to end inside it is not run but handed back to the queue, so that a timer
     * that waited in memory never runs past its lock (another instance would run it too). Default 45000.
     */
    runDeadline?: number;
}

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

/**
 * A {@link TimerScheduler} on Agenda 6 and MongoDB: one job per conversation, stored durably, locked so that
 * with several bot instances on one database each timer runs on one instance at a time.
 *
 * A timer is one small document whose `_id` is derived from the conversation's key (a hash of it): arming is
 * a single upsert by `_id`, and the `_id` index keeps one timer per conversation on any MongoDB. Agenda loads a
 * timer up to one polling interval before it is due and waits for it in memory; an `arm()` or `cancel()` made
 * meanwhile takes the timer from that run, so it neither fires at its old time with
 * effect nor loses its new one.
 */
export class AgendaScheduler implements TimerScheduler {
    private agenda?: Agenda;
    private mongo?: MongoHandle;
    private ownsAgenda = false;
    private jobCollection?: Collection;
    private listeningTo?: Agenda;
    private started?: Promise<void>;
    private channel?: NotificationChannel;
    private batcher?: WriteBatcher;
    private lockState?: LockQueryState;
    private legacy = false;
    private processEvery = DEFAULT_PROCESS_EVERY_MS;
    private refilling = false;
    private refillAgain = false;
    private readonly repeats: NodeJS.Timeout[] = [];
    private readonly counts = { runs: 0, handedBack: 0 };
    /** Ids of timers running on this instance (their locks must outlive `stop()`'s release). */
    private readonly running = new Set<string>();
    /**
     * Arms and cancels made by this process, numbered: the number of the last one per timer (by `_id`), and the
     * number current when each copy was locked (by `_id` and lock time). A copy locked before this process armed
     * or cancelled its timer again is not run.
     */
    private sequence = 0;
    private readonly armedSeq = new Map<string, number>();
    private readonly lockedSeq = new Map<string, number>();
    /** The `lastModifiedBy` Agenda writes with its locks (its name). */
    private lockOwner: string | null = null;
    /** Agenda records this as `lastModifiedBy` on the jobs it locks, so `stop()` can hand back only its own locks. */
    private readonly instanceName = `bbi@${hostname().slice(0, 24)}:${process.pid}:${randomUUID().slice(0, 4)}`;

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
        const jobs = this.jobCollection;
        try {
            if (!jobs) {
                // Another backend: Agenda's own upsert on the key, stored in the data.
                await agenda.create(TIMER_JOB_NAME, { ...storedTimerData(data), k: data.key }).unique({ 'data.k': data.key }).schedule(dueAt).save();
                return;
            }
            const _id = timerId(data.key);
            this.noteArmed(_id.toHexString());
            // One upsert by _id. Clearing the lock takes the timer from a run that has it (waiting in memory or
            // under way): that run's completion then writes nothing, and the new time stands.
            const write = () =>
                jobs.updateOne(
                    { _id },
                    {
                        $set: { name: TIMER_JOB_NAME, data: storedTimerData(data), nextRunAt: dueAt },
                        $unset: { lockedAt: '', lastModifiedBy: '', failCount: '', failReason: '', failedAt: '' },
                    },
                    { upsert: true }
                );
            await write().catch((err: unknown) => {
                if (!isDuplicateKey(err)) {
                    throw err;
                }
                // Two instances upserted the same new timer at once: the other inserted it; this one now updates it.
                return write();
            });
            this.notify(TIMER_JOB_NAME, dueAt);
        } catch (err) {
            throw new InactivitySchedulerError(`Could not arm the timer for ${data.key}.`, { cause: err });
        }
    }

    /** @inheritdoc */
    async repeat(name: string, intervalMs: number, task: () => Promise<void>): Promise<void> {
        const agenda = await this.ready();
        const jobs = this.jobCollection;
        try {
            if (!jobs) {
                agenda.define(name, async () => task(), { lockLifetime: TIMER_LOCK_LIFETIME_MS });
                await agenda.every(intervalMs, name, undefined, { skipImmediate: true });
                return;
            }
            // A lease document instead of an Agenda job: Agenda would poll it on every processEvery, doubling the
            // idle commands for a task that runs once an hour. The instance that moves the lease runs the task.
            const _id = timerId(`repeat:${name}`);
            await jobs.updateOne({ _id }, { $setOnInsert: { name: 'bbi:repeat', task: name, nextRunAt: new Date(Date.now() + intervalMs) } }, { upsert: true });
            // The Agenda job earlier versions used for it, if any, would otherwise be polled by them forever.
            await jobs.deleteMany({ name, type: 'single' });
            const check = async () => {
                const now = Date.now();
                const won = await jobs.findOneAndUpdate({ _id, nextRunAt: { $lte: new Date(now) } }, { $set: { nextRunAt: new Date(now + intervalMs), lastRunAt: new Date(now) } });
                if (won) {
                    await task();
                }
            };
            const timer = setInterval(() => void check().catch((err: unknown) => this.report(new InactivitySchedulerError(`The recurring task ${name} failed.`, { cause: err }))), Math.min(intervalMs, REPEAT_CHECK_MS));
            timer.unref();
            this.repeats.push(timer);
        } catch (err) {
            throw new InactivitySchedulerError(`Could not schedule the recurring job ${name}.`, { cause: err });
        }
    }

    /** @inheritdoc */
    async cancel(key: string): Promise<void> {
        const agenda = await this.ready();
        const jobs = this.jobCollection;
        try {
            if (!jobs) {
                await agenda.cancel({ name: TIMER_JOB_NAME, data: { k: key } });
                return;
            }
            const _id = timerId(key);
            // A copy this process already locked must not fire either.
            this.noteArmed(_id.toHexString());
            await jobs.deleteOne({ _id });
            if (this.legacy) {
                await jobs.deleteMany({ name: LEGACY_TIMER_JOB_NAME, 'data.key': key });
            }
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
        this.repeats.splice(0).forEach((t) => clearInterval(t));
        const lockState = this.lockState;
        if (agenda && this.ownsAgenda) {
            await agenda.drain({ timeout: 30_000, closeConnection: false });
            // Agenda's queue filling outlives drain(): no lock may be taken after the release below.
            await lockState?.pause();
            // drain() waits for running handlers but keeps the locks of timers waiting in memory, which would keep
            // every other instance off them for the lock's lifetime. A run still going after the drain timeout
            // keeps its lock.
            const running = [...this.running];
            await jobs
                ?.updateMany(
                    { name: { $in: [TIMER_JOB_NAME, LEGACY_TIMER_JOB_NAME] }, lastModifiedBy: this.instanceName, lockedAt: { $ne: null }, _id: { $nin: running.map((id) => timerObjectId(id)) } },
                    { $unset: { lockedAt: '', lastModifiedBy: '' } }
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
        await collection?.findOne({ _id: PING_ID }, { projection: { _id: 1 } });
    }

    /**
     * What this instance did since it was created: timers run (handler calls), and timers handed back unrun
     * because they waited in memory too long for their lock to cover a run (a sign the instance cannot keep up).
     */
    get stats(): SchedulerStats {
        return { ...this.counts };
    }

    /**
     * The jobs collection, for operators' tools and tests. Undefined before `start()`, and with an `agenda` whose
     * backend is not MongoDB.
     */
    get jobs(): Collection | undefined {
        return this.jobCollection;
    }

    private async open(onDue: DueTimerHandler): Promise<void> {
        const agendaModule = await import('agenda');
        let agenda = this.options.agenda;
        if (!agenda) {
            this.mongo = await openMongo(this.options.mongo as MongoSource);
            try {
                this.jobCollection = this.mongo.db.collection(this.options.collection ?? DEFAULT_JOBS_COLLECTION);
                await ensureTimerIndexes(this.jobCollection);
                agenda = await this.createAgenda(this.mongo.db, jobNotificationsOnly(new agendaModule.InMemoryNotificationChannel()));
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
                await ensureTimerIndexes(collection);
                this.jobCollection = collection;
            }
            if (this.listeningTo !== agenda) {
                // Once per Agenda: a start() after stop() must not report each failure twice.
                agenda.on(`fail:${TIMER_JOB_NAME}`, (err: Error) => this.timerFailed(err));
                agenda.on(`fail:${LEGACY_TIMER_JOB_NAME}`, (err: Error) => this.timerFailed(err));
                agenda.on(`complete:${TIMER_JOB_NAME}`, () => this.refill(TIMER_JOB_NAME));
                this.listeningTo = agenda;
            }
            this.channel = agenda.hasNotificationChannel() ? (agenda as unknown as { notificationChannel?: NotificationChannel }).notificationChannel : undefined;
            if (agenda.attrs.maxConcurrency < TIMER_CONCURRENCY) {
                debug('the given Agenda runs at most %d jobs at once (maxConcurrency); timers are meant to run %d', agenda.attrs.maxConcurrency, TIMER_CONCURRENCY);
            }
        }
        this.processEvery = agenda.attrs.processEvery;
        // Timers of 0.1.x (another job name and data shape) still fire; they are polled only while some exist.
        this.legacy = Boolean(await this.jobCollection?.findOne({ name: LEGACY_TIMER_JOB_NAME }, { projection: { _id: 1 } }));
        const names = this.legacy ? [TIMER_JOB_NAME, LEGACY_TIMER_JOB_NAME] : [TIMER_JOB_NAME];
        const retry = { ...DEFAULT_TIMER_RETRY, ...this.options.retry };
        const backoff = withRetryAfter(agendaModule.exponential({ delay: retry.delay, factor: retry.factor, maxDelay: retry.maxDelay, maxRetries: retry.retries, jitter: retry.jitter }));
        // A run's completion write must not undo an arm() made while it ran, and is all a timer writes per run.
        const batcher = this.jobCollection ? new WriteBatcher(this.jobCollection) : undefined;
        this.batcher = batcher;
        guardJobState(agenda, names, { rearmed: (name, at) => this.notify(name, at), write: batcher && ((op) => batcher.write(op)) });
        this.lockState = guardLockQueries(agenda, names, agendaModule.toJobId as (id: string) => unknown, TIMER_LOCK_LIFETIME_MS / 2, () => this.noteLocking());
        this.lockState?.resume();
        this.lockOwner = agenda.attrs.name || null;
        for (const name of names) {
            // removeOnComplete stays off: runDue() deletes a finished timer itself, only if it still holds it.
            agenda.define(name, (job: Job) => this.runDue(job, onDue, retry), {
                removeOnComplete: false,
                concurrency: TIMER_CONCURRENCY,
                lockLimit: TIMER_LOCK_LIMIT,
                lockLifetime: TIMER_LOCK_LIFETIME_MS,
                backoff,
            });
        }
        if (this.ownsAgenda) {
            await agenda.start();
        }
        this.agenda = agenda;
        debug('started (own Agenda: %s, legacy timers: %s)', this.ownsAgenda, this.legacy);
    }

    /**
     * Runs one due job. Whatever `job.attrs.nextRunAt` holds when this returns is written when the run completes,
     * unless an `arm()` or `cancel()` took the timer meanwhile (see {@link guardJobState}): the newest arm wins.
     */
    private async runDue(job: Job, onDue: DueTimerHandler, retry: TimerRetryPolicy): Promise<void> {
        const attrs = job.attrs;
        const id = String(attrs._id);
        const lockedAt = lockOf(attrs)?.getTime() ?? Date.now();
        const data = readTimerData(attrs.data);
        if (!data) {
            this.report(new InactivitySchedulerError(`A timer job (${id}) holds data this version cannot read; it was deleted.`));
            await this.endRun(attrs);
            return;
        }
        const lockSeq = this.lockedSeq.get(`${id}:${lockedAt}`);
        this.lockedSeq.delete(`${id}:${lockedAt}`);
        if (lockSeq !== undefined && (this.armedSeq.get(id) ?? 0) > lockSeq) {
            // This process armed the timer again after it locked this copy: the new time stands, nothing fires.
            // Released only if the lock is still this copy's (the arm was in fact written before the lock).
            debug('timer %s was moved before it ran', data.key);
            settleRun(attrs, 'handBack');
            return;
        }
        const deadline = this.options.runDeadline ?? DEFAULT_RUN_DEADLINE_MS;
        const fitsInLock = (extraMs: number) => Date.now() + extraMs + deadline + LOCK_MARGIN_MS <= lockedAt + TIMER_LOCK_LIFETIME_MS;
        if (!fitsInLock(0)) {
            // It waited in memory too long (the queue could not keep up): run past its lock, it could run twice.
            // Handed back, it is locked afresh and sent late, never twice.
            debug('timer %s waited %d ms for a free slot: handed back', data.key, Date.now() - lockedAt);
            this.counts.handedBack++;
            settleRun(attrs, 'handBack');
            return;
        }
        const attempt = (attrs.failCount ?? 0) + 1;
        let firedAt = new Date();
        this.running.add(id);
        try {
            for (let round = 0; ; round++) {
                // A throw goes to Agenda, which records the failure and schedules the retry with its backoff.
                this.counts.runs++;
                const next = await onDue({ data, firedAt, attempt, lastAttempt: attempt > retry.retries });
                if (!next) {
                    break;
                }
                const wait = next.getTime() - Date.now();
                if (wait > HOLD_MAX_MS || round >= MAX_HELD_ROUNDS || !fitsInLock(Math.max(0, wait))) {
                    if (attrs.name === LEGACY_TIMER_JOB_NAME) {
                        await this.replaceLegacy(attrs, data, next);
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
            await this.endRun(attrs);
        } finally {
            this.running.delete(id);
        }
    }

    /** The timer ends: deleted only while this run still holds it (an arm() made meanwhile keeps it). */
    private async endRun(attrs: Job['attrs']): Promise<void> {
        const jobs = this.jobCollection;
        const lockedAt = lockOf(attrs);
        if (!jobs || !lockedAt) {
            // Another backend (not guarded): Agenda's own delete, by id.
            await this.agenda?.cancel({ id: attrs._id });
            settleRun(attrs, 'ended');
            return;
        }
        const filter = { _id: timerObjectId(String(attrs._id)), lockedAt, lastModifiedBy: this.lockOwner };
        await (this.batcher ? this.batcher.write({ deleteOne: { filter } }) : jobs.deleteOne(filter));
        // Deleted, or taken by an arm() or a cancel(): either way the completion write has nothing to do.
        settleRun(attrs, 'ended');
    }

    /** A 0.1.x timer that fires again becomes a version 2 timer. */
    private async replaceLegacy(attrs: Job['attrs'], data: TimerData, next: Date): Promise<void> {
        await this.arm({ ...data }, next);
        await this.endRun(attrs);
        if (this.legacy && !(await this.jobCollection?.findOne({ name: LEGACY_TIMER_JOB_NAME }, { projection: { _id: 1 } }))) {
            // The last one: stop polling that name.
            this.legacy = false;
            if (this.agenda) {
                delete this.agenda.definitions[LEGACY_TIMER_JOB_NAME];
            }
        }
    }

    private noteArmed(id: string): void {
        if (this.armedSeq.size >= 50_000) {
            // Only arms newer than a lock held in memory matter; at most TIMER_LOCK_LIMIT copies are held.
            this.armedSeq.clear();
            this.lockedSeq.clear();
        }
        this.armedSeq.set(id, ++this.sequence);
    }

    /** As a lock query is sent: the arms made so far are older than whatever it locks. */
    private noteLocking(): (id: string, lockedAt: Date, nextRunAt?: Date) => void {
        const seq = this.sequence;
        return (id, lockedAt, nextRunAt) => {
            if (this.lockedSeq.size >= 10_000) {
                this.lockedSeq.clear();
            }
            this.lockedSeq.set(`${id}:${new Date(lockedAt).getTime()}`, seq);
            const wait = nextRunAt ? new Date(nextRunAt).getTime() - Date.now() : 0;
            if (wait > 0) {
                // Agenda 6.2.6 waits for a timer locked ahead with one setTimeout per job. A setTimeout may fire a
                // millisecond before Date.now() reaches the due time; Agenda then finds the job "in the future",
                // does not set a second timeout, and the timer waits for the next poll (up to processEvery late).
                // A look at Agenda's queue just after the due time runs it then (no database command).
                setTimeout(() => this.processQueue(), wait + QUEUE_CHECK_SLACK_MS).unref();
            }
        };
    }

    /** Has Agenda's job processor look at its in-memory queue (what it does after each run and notification). */
    private processQueue(): void {
        const processor = (this.agenda as unknown as { jobProcessor?: { isRunning?: boolean; jobProcessing?: () => Promise<void> } } | undefined)?.jobProcessor;
        if (processor?.isRunning && typeof processor.jobProcessing === 'function') {
            processor.jobProcessing().catch((err: unknown) => debug('queue check failed: %O', err));
        }
    }

    /** Tells this instance's Agenda about a timer due before its next poll, so it is locked now, not late. */
    private notify(name: string, nextRunAt: Date): void {
        const channel = this.channel;
        if (!channel || nextRunAt.getTime() - Date.now() > this.processEvery || channel.state !== 'connected') {
            return;
        }
        channel.publish({ jobId: '' as never, jobName: name, nextRunAt, priority: 0, timestamp: new Date(), source: this.instanceName }).catch((err: unknown) => debug('notification failed: %O', err));
    }

    /**
     * After a run, locks more timers at once when the last lock query stopped on the lock limit (more were due):
     * a burst is worked through at the pace of the runs, not of the polls.
     */
    private refill(name: string): void {
        if (!this.channel || !this.lockState?.saturated(name)) {
            return;
        }
        if (this.refilling) {
            this.refillAgain = true;
            return;
        }
        this.refilling = true;
        this.refillAgain = false;
        this.channel
            .publish({ jobId: '' as never, jobName: name, nextRunAt: new Date(), priority: 0, timestamp: new Date(), source: this.instanceName })
            .catch((err: unknown) => debug('refill failed: %O', err))
            .finally(() => {
                this.refilling = false;
                if (this.refillAgain) {
                    this.refill(name);
                }
            });
    }

    private async createAgenda(db: Db, channel: NotificationChannel): Promise<Agenda> {
        const collection = this.options.collection ?? DEFAULT_JOBS_COLLECTION;
        const { Agenda } = await import('agenda');
        const { MongoBackend } = await import('@agendajs/mongo-backend');
        this.channel = channel;
        const agenda = new Agenda({
            name: this.instanceName,
            // Agenda's own index ({ name, nextRunAt, priority, lockedAt, disabled }) serves none of the timers'
            // queries (see LOCK_INDEX): not created.
            backend: new MongoBackend({ mongo: db, collection, ensureIndex: false }),
            processEvery: this.options.processEvery ?? DEFAULT_PROCESS_EVERY_MS,
            notificationChannel: channel,
            removeOnComplete: false,
            // Agenda's own cap (20 by default) would silently cap the timers' concurrency below.
            maxConcurrency: TIMER_CONCURRENCY,
        });
        agenda.on('error', (err: Error) => {
            debug('agenda error: %O', err);
            this.report(new InactivitySchedulerError('The scheduler reported an error.', { cause: err }));
        });
        agenda.on(`fail:${TIMER_JOB_NAME}`, (err: Error) => this.timerFailed(err));
        agenda.on(`fail:${LEGACY_TIMER_JOB_NAME}`, (err: Error) => this.timerFailed(err));
        agenda.on(`complete:${TIMER_JOB_NAME}`, () => this.refill(TIMER_JOB_NAME));
        agenda.on(`complete:${LEGACY_TIMER_JOB_NAME}`, () => this.refill(LEGACY_TIMER_JOB_NAME));
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

/**
 * The channel without Agenda's job state notifications (start, success, complete, ... of every run), which carry
 * events to other processes: in memory they reach only this process, which ignores its own, at a cost per run.
 */
function jobNotificationsOnly(channel: NotificationChannel): NotificationChannel {
    Object.assign(channel, { publishState: undefined, subscribeState: undefined });
    return channel;
}

/** A fixed `_id` no timer has, read by `ping()` (one `_id` lookup). */
const PING_ID = timerId('botbuilder-inactivity:ping');

/** How long after a locked timer's due time this instance checks that Agenda ran it (see `noteLocking`). */
const QUEUE_CHECK_SLACK_MS = 5;

/** Creates the index the timers' lock queries walk (a no-op when it exists). */
async function ensureTimerIndexes(collection: Collection): Promise<void> {
    try {
        await collection.createIndex(LOCK_INDEX.key, { name: LOCK_INDEX.name });
    } catch (err) {
        throw new InactivitySchedulerError(`Could not create the timer index on ${collection.collectionName}.`, { cause: err });
    }
}

/** Agenda hands ids over as hex strings; the collection stores ObjectIds. */
function timerObjectId(id: string): ObjectId {
    return new ObjectId(id);
}

function isDuplicateKey(err: unknown): boolean {
    return typeof err === 'object' && err !== null && (err as { code?: number }).code === 11000;
}

/** Agenda's backoff, waiting at least as long as the channel asked (a 429's `Retry-After`, on the error). */
function withRetryAfter(strategy: BackoffStrategy): BackoffStrategy {
    return (context) => {
        const delay = strategy(context);
        const asked = (context.error as { retryAfterMs?: unknown }).retryAfterMs;
        return delay === null ? null : typeof asked === 'number' ? Math.max(delay, asked) : delay;
    };
}
