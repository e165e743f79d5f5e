import { randomUUID } from 'crypto';
import createDebug from 'debug';
import { hostname } from 'os';
import type { Agenda, Job } from 'agenda' with { 'resolution-mode': 'import' };
import { Collection, Db, ObjectId } from 'mongodb';
import { isDuplicateKey } from '../mongo/collection';
import type { SharedAgenda } from './sharedAgenda';
import { InactivityDeliveryError, InactivitySchedulerError } from '../core/errors';
import {
    AgendaSchedulerOptions,
    DEFAULT_JOBS_COLLECTION,
    DEFAULT_PROCESS_EVERY_MS,
    TIMER_CONCURRENCY,
    TIMER_LEASE_MS,
    TIMER_LOCK_LIFETIME_MS,
    TIMER_TOUCH_MS,
    TIMER_LOCK_LIMIT,
    TIMER_STOP_TIMEOUT_MS,
} from './agendaSchedulerOptions';
import { ArmSequence, LockDueTimes } from './armSequence';
import { createAgenda } from './createAgenda';
import { checkQueueWhenDue } from './earlyTimeout';
import { JobAnnouncer } from './jobAnnouncer';
import { guardJobState, lockOf, settleRun } from './jobStateGuard';
import { ensureTimerIndexes, guardLockQueries, LockQueryState } from './lockQueries';
import { MongoHandle, MongoSource, openMongo } from '../mongo/mongoConnection';
import { repeatOn } from './repeatLease';
import { handOver } from './handOver';
import { LEGACY_TIMER_JOB_NAME, storedTimerData, TIMER_JOB_NAME, timerId } from './timerDocument';
import { runTimerJob, SchedulerStats, timerBackoff, TimerRunHost } from './timerRun';
import { DEFAULT_TIMER_RETRY, DueTimerHandler, TimerData, TimerScheduler } from '../core/ports/timerScheduler';
import { WriteBatcher } from './writeBatcher';

export { DEFAULT_TIMER_RETRY } from '../core/ports/timerScheduler';
export type { TimerRetryPolicy } from '../core/ports/timerScheduler';
export { LEGACY_TIMER_JOB_NAME, TIMER_JOB_NAME } from './timerDocument';
export type { SchedulerStats } from './timerRun';
export {
    DEFAULT_JOBS_COLLECTION,
    DEFAULT_PROCESS_EVERY_MS,
    TIMER_CONCURRENCY,
    TIMER_LEASE_MS,
    TIMER_LOCK_LIFETIME_MS,
    TIMER_LOCK_LIMIT,
    TIMER_TOUCH_MS,
} from './agendaSchedulerOptions';
export type { AgendaSchedulerOptions } from './agendaSchedulerOptions';

const debug = createDebug('botbuilder-inactivity:scheduler');

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
    private announcer = new JobAnnouncer(undefined, DEFAULT_PROCESS_EVERY_MS, '');
    private batcher?: WriteBatcher;
    private lockState?: LockQueryState;
    private legacy = false;
    /** Set by `stop()` once the timers held have had their time: no run starts after it. */
    private stopping = false;
    /** The `stop()` under way, if any. */
    private stopCall?: Promise<void>;
    private readonly repeats: NodeJS.Timeout[] = [];
    private readonly counts: SchedulerStats = { runs: 0, handedBack: 0 };
    /** The due time of each copy this process locked, until it runs (a lease counts from it). */
    private readonly dueAtLock = new LockDueTimes();
    /** Ids of timers running on this instance (their locks must outlive `stop()`'s release). */
    private readonly running = new Set<string>();
    /** A copy locked before this process armed or cancelled its timer again is not run. */
    private readonly arms = new ArmSequence();
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
                await agenda
                    .create(TIMER_JOB_NAME, { ...storedTimerData(data), k: data.key })
                    .unique({ 'data.k': data.key })
                    .schedule(dueAt)
                    .save();
                return;
            }
            const _id = timerId(data.key);
            this.arms.noteArmed(_id.toHexString());
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
            this.announcer.announce(TIMER_JOB_NAME, dueAt);
        } catch (err) {
            throw new InactivitySchedulerError(`Could not arm the timer for ${data.key}.`, { cause: err });
        }
    }

    /** @inheritdoc */
    async repeat(name: string, intervalMs: number, task: () => Promise<void>): Promise<void> {
        const agenda = await this.ready();
        const jobs = this.jobCollection;
        try {
            const onError = (err: unknown): void => this.warn(new InactivitySchedulerError(`The recurring task ${name} failed.`, { cause: err }));
            const timer = await repeatOn({ agenda, jobs }, { name, intervalMs, task, onError });
            if (timer) {
                this.repeats.push(timer);
            }
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
            this.arms.noteArmed(_id.toHexString());
            await jobs.deleteOne({ _id });
            if (this.legacy) {
                await jobs.deleteMany({ name: LEGACY_TIMER_JOB_NAME, 'data.key': key });
            }
        } catch (err) {
            throw new InactivitySchedulerError(`Could not cancel the timer for ${key}.`, { cause: err });
        }
    }

    /**
     * Stops the timers of this instance without leaving one late (a deploy's SIGTERM): it locks no more timers,
     * runs those it holds as they come due (all within one polling interval), hands back at once the locks of
     * any it could not start, and waits for the runs under way, at most `TIMER_STOP_TIMEOUT_MS` (30 s) in all.
     * `arm()` and `cancel()` keep working meanwhile. A scheduler given an `agenda` leaves it running.
     */
    stop(): Promise<void> {
        // A second stop() while the first hands over waits for it rather than handing over twice.
        this.stopCall ??= this.handOverAndClose().finally(() => {
            this.stopCall = undefined;
        });
        return this.stopCall;
    }

    private async handOverAndClose(): Promise<void> {
        // A start() still connecting would otherwise start processing after this stop() returned.
        await this.started?.catch(() => undefined);
        const agenda = this.agenda;
        const jobs = this.jobCollection;
        this.repeats.splice(0).forEach((t) => clearInterval(t));
        if (agenda && this.ownsAgenda) {
            await handOver({
                agenda,
                jobs,
                lockState: this.lockState,
                names: [TIMER_JOB_NAME, LEGACY_TIMER_JOB_NAME],
                owner: this.instanceName,
                running: this.running,
                refuseRuns: () => {
                    this.stopping = true;
                },
                deadline: Date.now() + TIMER_STOP_TIMEOUT_MS,
                warn: (err) => this.warn(new InactivitySchedulerError('Could not release the timers this instance had locked.', { cause: err })),
            });
        }
        this.agenda = undefined;
        this.jobCollection = undefined;
        this.started = undefined;
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
     * The running Agenda and its announcer, for the follow-ups to define their job on (one Agenda per bot).
     * Undefined before `start()`, after `stop()`, and with an `agenda` whose backend is not MongoDB.
     */
    get shared(): Required<Pick<SharedAgenda, 'agenda' | 'announcer'>> | undefined {
        return this.agenda && this.jobCollection ? { agenda: this.agenda, announcer: this.announcer } : undefined;
    }

    /**
     * The jobs collection, for operators' tools and tests. Undefined before `start()`, and with an `agenda` whose
     * backend is not MongoDB.
     */
    get jobs(): Collection | undefined {
        return this.jobCollection;
    }

    private async open(onDue: DueTimerHandler): Promise<void> {
        this.stopping = false;
        const agendaModule = await import('agenda');
        let agenda = this.options.agenda;
        if (!agenda) {
            this.mongo = await openMongo(this.options.mongo as MongoSource);
            try {
                this.jobCollection = this.mongo.db.collection(this.options.collection ?? DEFAULT_JOBS_COLLECTION);
                await ensureTimerIndexes(this.jobCollection);
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
                await ensureTimerIndexes(collection);
                this.jobCollection = collection;
            }
            this.listen(agenda);
            this.announcer = new JobAnnouncer(JobAnnouncer.channelOf(agenda), agenda.attrs.processEvery, this.instanceName);
            if (agenda.attrs.maxConcurrency < TIMER_CONCURRENCY) {
                debug('the given Agenda runs at most %d jobs at once (maxConcurrency); timers want %d', agenda.attrs.maxConcurrency, TIMER_CONCURRENCY);
            }
        }
        // Timers of 0.1.x (another job name and data shape) still fire; they are polled only while some exist.
        this.legacy = Boolean(await this.jobCollection?.findOne({ name: LEGACY_TIMER_JOB_NAME }, { projection: { _id: 1 } }));
        const names = this.legacy ? [TIMER_JOB_NAME, LEGACY_TIMER_JOB_NAME] : [TIMER_JOB_NAME];
        const retry = { ...DEFAULT_TIMER_RETRY, ...this.options.retry };
        const backoff = timerBackoff(agendaModule.exponential, retry);
        // A run's completion write must not undo an arm() made while it ran, and is all a timer writes per run.
        const batcher = this.jobCollection ? new WriteBatcher(this.jobCollection) : undefined;
        this.batcher = batcher;
        guardJobState(agenda, names, { rearmed: (name, at) => this.announcer.announce(name, at), write: batcher && ((op) => batcher.write(op)) });
        const lockGuard = { names, toJobId: agendaModule.toJobId, expiredEvery: TIMER_LEASE_MS / 2, leaseMs: TIMER_LEASE_MS, onLock: () => this.noteLocking() };
        this.lockState = guardLockQueries(agenda, lockGuard);
        this.lockState?.resume();
        this.lockOwner = agenda.attrs.name || null;
        const host = this.runHost({ onDue, retry, leaseMs: TIMER_LEASE_MS, touchMs: TIMER_TOUCH_MS });
        // removeOnComplete stays off: runDue() deletes a finished timer itself, only if it still holds it.
        const definition = {
            removeOnComplete: false,
            concurrency: TIMER_CONCURRENCY,
            lockLimit: TIMER_LOCK_LIMIT,
            lockLifetime: TIMER_LOCK_LIFETIME_MS,
            backoff,
        };
        for (const name of names) {
            agenda.define(name, (job: Job) => runTimerJob(host, job), definition);
        }
        if (this.ownsAgenda) {
            await agenda.start();
        }
        this.agenda = agenda;
        debug('started (own Agenda: %s, legacy timers: %s)', this.ownsAgenda, this.legacy);
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

    /** As a lock query is sent: records what it locks against the arms made so far, and checks Agenda ran it when due. */
    private noteLocking(): (id: string, lockedAt: Date, nextRunAt?: Date) => void {
        const locked = this.arms.noteLocking();
        return (id, lockedAt, nextRunAt) => {
            locked(id, lockedAt);
            this.dueAtLock.note(id, lockedAt, nextRunAt);
            checkQueueWhenDue(() => this.agenda, nextRunAt);
        };
    }

    /** What {@link runTimerJob} needs of this scheduler. */
    private runHost(run: TimerRunHost['run']): TimerRunHost {
        return {
            run,
            counts: this.counts,
            running: this.running,
            stopping: () => this.stopping,
            movedSinceLock: (id, lockedAt) => this.arms.movedSinceLock(id, lockedAt),
            dueAtLock: (id, lockedAt) => this.dueAtLock.take(id, lockedAt),
            endRun: (attrs) => this.endRun(attrs),
            replaceLegacy: (attrs, data, next) => this.replaceLegacy(attrs, data, next),
            warn: (err) => this.warn(err),
        };
    }

    /** After a run, locks more timers at once when more were due (see {@link JobAnnouncer.refill}). */
    private refill(name: string): void {
        this.announcer.refill(name, () => Boolean(this.lockState?.saturated(name)));
    }

    private async createAgenda(db: Db): Promise<Agenda> {
        const { agenda, channel } = await createAgenda({
            db,
            collection: this.options.collection ?? DEFAULT_JOBS_COLLECTION,
            name: this.instanceName,
            processEvery: this.options.processEvery ?? DEFAULT_PROCESS_EVERY_MS,
            maxConcurrency: TIMER_CONCURRENCY,
            onError: (err) => this.warn(new InactivitySchedulerError('The scheduler reported an error.', { cause: err })),
        });
        this.announcer = new JobAnnouncer(channel, agenda.attrs.processEvery, this.instanceName);
        this.listen(agenda);
        return agenda;
    }

    /** Listens to an Agenda's timer failures and completions, once per Agenda (a restart must not report twice). */
    private listen(agenda: Agenda): void {
        if (this.listeningTo === agenda) {
            return;
        }
        const failed = (err: Error): void => {
            debug('timer failed: %O', err);
            // A failed send was reported by the handler itself, for this attempt; Agenda retries it.
            if (!(err instanceof InactivityDeliveryError)) {
                this.warn(new InactivitySchedulerError('A timer handler failed.', { cause: err }));
            }
        };
        for (const name of [TIMER_JOB_NAME, LEGACY_TIMER_JOB_NAME]) {
            agenda.on(`fail:${name}`, failed);
            agenda.on(`complete:${name}`, () => this.refill(name));
        }
        this.listeningTo = agenda;
    }

    /** The running Agenda, waiting for a `start()` still connecting. */
    private async ready(): Promise<Agenda> {
        await this.started?.catch(() => undefined);
        if (!this.agenda) {
            throw new InactivitySchedulerError('The scheduler is not started: call start() on the middleware first.');
        }
        return this.agenda;
    }

    private warn(err: InactivitySchedulerError): void {
        try {
            this.options.onError?.(err);
        } catch (thrown) {
            debug('onError threw: %O', thrown);
        }
    }
}

/** A fixed `_id` no timer has, read by `ping()` (one `_id` lookup). */
const PING_ID = timerId('botbuilder-inactivity:ping');

/** Agenda hands ids over as hex strings; the collection stores ObjectIds. */
function timerObjectId(id: string): ObjectId {
    return new ObjectId(id);
}
