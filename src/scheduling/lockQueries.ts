import type { Agenda, JobParameters } from 'agenda' with { 'resolution-mode': 'import' };
import type { Collection, Filter, IndexSpecification, ObjectId, WithId } from 'mongodb';
import { InactivitySchedulerError } from '../core/errors';
import { LEGACY_TIMER_JOB_NAME, TIMER_JOB_NAME } from './timerDocument';

/** How many due timers one batch locks at once while a burst lasts. */
export const LOCK_BATCH = 50;

/** A lock query within this of one that found a job is part of the same queue filling: a burst. */
const BURST_GAP_MS = 1000;

/** The index the timers' lock queries use: `{ name, lockedAt, nextRunAt }`. */
export const LOCK_INDEX: { key: IndexSpecification; name: string } = { key: { name: 1, lockedAt: 1, nextRunAt: 1 }, name: 'inactivityTimerLock' };

/** Agenda's lock query, as its MongoDB repository declares it (five parameters: its signature, not ours). */
type LockQueryArgs = [jobName: string, nextScanAt: Date, lockDeadline: Date, now?: Date, options?: { lastModifiedBy?: string }];
type GetNextJobToRun = (...args: LockQueryArgs) => Promise<JobParameters | undefined>;

const GUARDED = Symbol.for('botbuilder-inactivity.lockQueries');

/** A job as Agenda's MongoDB backend stores it: the fields read or written here. */
interface JobDocument {
    _id: ObjectId;
    name: string;
    priority?: number;
    nextRunAt?: Date | null;
    type?: JobParameters['type'];
    data?: unknown;
    lockedAt?: Date | null;
    lastFinishedAt?: Date | null;
    failedAt?: Date | null;
    failCount?: number | null;
    failReason?: string | null;
    lastRunAt?: Date | null;
    disabled?: boolean | null;
    lastModifiedBy?: string | null;
}

type JobRecord = WithId<JobDocument>;

/** What {@link guardLockQueries} reports about the last lock attempts of a job name. */
export interface LockQueryState {
    /**
     * True when the last lock query of `name` found a job: Agenda then stopped locking because of its lock limit,
     * not because nothing else was due, so more jobs may be waiting.
     */
    saturated(name: string): boolean;
    /**
     * Stops locking ahead: from now on only timers already due are locked (a stopping instance still runs its own
     * hand-backs and what falls due while it runs the timers it holds), until {@link LockQueryState.pause} or
     * {@link LockQueryState.resume}.
     */
    lockDueOnly(): void;
    /** Stops locking (every lock query finds nothing) and resolves once no lock query is in flight. */
    pause(): Promise<void>;
    /** Locks again after {@link LockQueryState.pause}. */
    resume(): void;
    /**
     * Has the next lock query of `name` look for an expired lease first, whenever it last looked: for a job whose
     * expiry is watched by other means than the polls (the follow-ups' wake-up).
     */
    lookForExpired(name: string): void;
}

/** What {@link guardLockQueries} guards, and how. */
export interface LockGuardOptions {
    /** The timers' job names. */
    names: readonly string[];
    /** Agenda's `toJobId`, to hand Agenda the ids it expects. */
    toJobId: (id: string) => unknown;
    /** How often to look for expired locks, ms. */
    expiredEvery: number;
    /** How long a lock keeps other instances off a timer that is neither due nor touched, ms (TIMER_LEASE_MS). */
    leaseMs: number;
    /** Called as each lock query is sent; what it returns is called with the job it locked, if any. */
    onLock?: () => (id: string, lockedAt: Date, nextRunAt?: Date) => void;
}

/**
 * Replaces Agenda's lock query for the timer jobs by two queries that each walk {@link LOCK_INDEX} from its first
 * matching key, whatever the number of timers:
 *
 * - the due query, on every poll: `{ name, lockedAt: null, nextRunAt <= nextScanAt }` sorted by `nextRunAt`;
 * - the expired-lock query (timers of an instance that died, or that another instance held too long unrun), every
 *   `expiredEvery` ms whether or not timers are due, and again at once while it finds one:
 *   `{ name, lockedAt <= now - leaseMs, nextRunAt <= now - leaseMs }` sorted by `lockedAt`. A lock protects a
 *   timer for `leaseMs` from its due time or from its last touch, whichever is later: a run touches its lock
 *   (see runTimerJob), and a timer locked ahead of its due time is not taken from an instance that is alive.
 *   Agenda's own deadline (its lock lifetime, a minute) is not used.
 *
 * Agenda's own query ORs both conditions and sorts by `{ nextRunAt, priority }`, which no single index serves
 * for both branches: with many timers its idle poll examines every timer of the name. A poll that finds nothing
 * is one command, as before.
 *
 * Agenda locks one job per command and asks again until it holds its lock limit. When the previous query of a
 * queue filling found a job (a burst), the next one locks up to {@link LOCK_BATCH} due timers with three commands
 * (their ids, one `updateMany` that locks those still free, and a read of the ones this lock took) and hands them
 * to Agenda one by one: a burst costs three commands per fifty timers instead of one per timer. Each batch has a
 * lock time of its own (strictly increasing in this process), so a batch reads back only what it locked.
 *
 * @param agenda The Agenda running the timers (MongoDB backend).
 * @param guard The timers' job names (`names`); Agenda's `toJobId`, to hand Agenda the ids it expects; how often to
 *   look for expired locks (`expiredEvery`, ms); and `onLock`, called as each lock query is sent, whose result is
 *   called with the job it locked, if any (its id, lock time and due time).
 * @returns What the queries saw, or undefined when the backend is not MongoDB.
 */
export function guardLockQueries(agenda: Agenda, guard: LockGuardOptions): LockQueryState | undefined {
    const { names, toJobId, expiredEvery, leaseMs, onLock } = guard;
    const repository = agenda.db as unknown as {
        collection?: Collection<JobDocument>;
        getNextJobToRun?: GetNextJobToRun;
        [GUARDED]?: { names: Set<string>; state: LockQueryState };
    };
    const collection = repository.collection;
    const existing = repository[GUARDED];
    if (existing) {
        names.forEach((name) => existing.names.add(name));
        return existing.state;
    }
    if (typeof repository.getNextJobToRun !== 'function' || typeof collection?.findOneAndUpdate !== 'function') {
        return undefined;
    }
    const guarded = new Set(names);
    const found = new Map<string, boolean>();
    const foundAt = new Map<string, number>();
    const expiredCheckedAt = new Map<string, number>();
    const expiredFound = new Map<string, boolean>();
    const buffers = new Map<string, JobRecord[]>();
    let lastLockTime = 0;
    const nextLockTime = (now?: Date): Date => {
        lastLockTime = Math.max((now ?? new Date()).getTime(), lastLockTime + 1);
        return new Date(lastLockTime);
    };
    const original = repository.getNextJobToRun.bind(repository);
    let paused = false;
    let dueOnly = false;
    let inFlight = 0;
    const idle: Array<() => void> = [];
    const lock = async (...[jobName, nextScanAt, , now, options]: LockQueryArgs): Promise<JobParameters | undefined> => {
        const buffered = buffers.get(jobName)?.shift();
        if (buffered) {
            found.set(jobName, true);
            foundAt.set(jobName, Date.now());
            return toJobParameters(buffered, toJobId);
        }
        const lastModifiedBy = options?.lastModifiedBy ?? null;
        const onLocked = onLock?.();
        // Every doc handed here was just locked by this call, so its lockedAt is the time it set.
        const locked = onLocked && ((d: JobRecord) => onLocked(d._id.toHexString(), d.lockedAt as Date, d.nextRunAt ?? undefined));
        if (expiredFound.get(jobName) || Date.now() - (expiredCheckedAt.get(jobName) ?? 0) >= expiredEvery) {
            // Expired leases first, busy or not: a timer of an instance that died waits no longer than a poll.
            const deadline = new Date(Date.now() - leaseMs);
            const expired = await collection.findOneAndUpdate(
                { name: jobName, lockedAt: { $lte: deadline }, nextRunAt: { $lte: deadline }, disabled: { $ne: true } },
                { $set: { lockedAt: nextLockTime(now), lastModifiedBy } },
                { sort: { lockedAt: 1 }, returnDocument: 'after' }
            );
            expiredFound.set(jobName, Boolean(expired));
            if (expired) {
                locked?.(expired);
                return toJobParameters(expired, toJobId);
            }
            expiredCheckedAt.set(jobName, Date.now());
        }
        let doc: JobRecord | null;
        const dueBy = dueOnly ? new Date() : nextScanAt;
        const due: Filter<JobDocument> = { name: jobName, lockedAt: null, nextRunAt: { $lte: dueBy }, disabled: { $ne: true } };
        if (found.get(jobName) && Date.now() - (foundAt.get(jobName) ?? 0) < BURST_GAP_MS) {
            const batch = await lockBatch(jobName, due, lastModifiedBy, nextLockTime(now));
            batch.forEach((d) => locked?.(d));
            doc = batch.shift() ?? null;
            if (batch.length > 0) {
                buffers.set(jobName, batch);
            }
        } else {
            doc = await collection.findOneAndUpdate(
                due,
                { $set: { lockedAt: nextLockTime(now), lastModifiedBy } },
                { sort: { nextRunAt: 1 }, returnDocument: 'after' }
            );
            if (doc) {
                locked?.(doc);
            }
        }
        found.set(jobName, Boolean(doc));
        foundAt.set(jobName, Date.now());
        return doc ? toJobParameters(doc, toJobId) : undefined;
    };
    /** Locks up to LOCK_BATCH due timers; returns those this call locked, soonest first. */
    const lockBatch = async (jobName: string, due: Filter<JobDocument>, lastModifiedBy: string | null, lockedAt: Date): Promise<JobRecord[]> => {
        const ids = (await collection.find(due, { projection: { _id: 1 }, sort: { nextRunAt: 1 }, limit: LOCK_BATCH }).toArray()).map((d) => d._id);
        if (ids.length <= 1) {
            const one =
                ids.length === 1
                    ? await collection.findOneAndUpdate({ ...due, _id: ids[0] }, { $set: { lockedAt, lastModifiedBy } }, { returnDocument: 'after' })
                    : null;
            return one ? [one] : [];
        }
        await collection.updateMany({ ...due, _id: { $in: ids } }, { $set: { lockedAt, lastModifiedBy } });
        return collection.find({ _id: { $in: ids }, lockedAt, lastModifiedBy }, { sort: { nextRunAt: 1 } }).toArray();
    };
    repository.getNextJobToRun = async (...args) => {
        const [jobName] = args;
        if (!guarded.has(jobName)) {
            return original(...args);
        }
        if (paused) {
            // Stopping: Agenda's queue filling goes on after drain(); a lock taken now would never be released.
            return undefined;
        }
        inFlight++;
        try {
            return await lock(...args);
        } finally {
            if (--inFlight === 0) {
                idle.splice(0).forEach((resolve) => resolve());
            }
        }
    };
    const state: LockQueryState = {
        saturated: (name) => found.get(name) === true || (buffers.get(name)?.length ?? 0) > 0,
        lockDueOnly: () => {
            dueOnly = true;
        },
        pause: () => {
            paused = true;
            // Timers locked but not handed to Agenda: stop() releases every lock of this instance not running.
            buffers.clear();
            return inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
        },
        resume: () => {
            paused = false;
            dueOnly = false;
        },
        lookForExpired: (name) => {
            expiredFound.set(name, true);
        },
    };
    repository[GUARDED] = { names: guarded, state };
    return state;
}

/** The job as Agenda's MongoDB repository hands it over (its `computeJobObj`, for the fields a timer has). */
function toJobParameters(doc: JobRecord, toJobId: (id: string) => unknown): JobParameters {
    return {
        _id: toJobId(doc._id.toHexString()),
        name: doc.name,
        priority: doc.priority ?? 0,
        nextRunAt: doc.nextRunAt ?? null,
        type: doc.type ?? 'normal',
        data: doc.data,
        lockedAt: doc.lockedAt ?? undefined,
        lastFinishedAt: doc.lastFinishedAt ?? undefined,
        failedAt: doc.failedAt ?? undefined,
        failCount: doc.failCount ?? undefined,
        failReason: doc.failReason ?? undefined,
        lastRunAt: doc.lastRunAt ?? undefined,
        disabled: doc.disabled ?? undefined,
        lastModifiedBy: doc.lastModifiedBy ?? undefined,
    } as JobParameters;
}

/**
 * Creates the index the timers' lock queries walk (a no-op when it exists).
 *
 * @param collection The jobs collection.
 * @throws InactivitySchedulerError naming the collection when the index cannot be created.
 */
export async function ensureTimerIndexes(collection: Collection): Promise<void> {
    try {
        await collection.createIndex(LOCK_INDEX.key, { name: LOCK_INDEX.name });
    } catch (err) {
        throw new InactivitySchedulerError(`Could not create the timer index on ${collection.collectionName}.`, { cause: err });
    }
}

/**
 * Hands back the locks an instance holds on timers it has not begun to run, so that another instance can take them
 * at once instead of after the lock's lifetime.
 *
 * @param jobs The jobs collection.
 * @param held Whose locks (Agenda's `lastModifiedBy`), and the timers still running, whose locks stay.
 */
export async function releaseLocks(jobs: Collection, held: { owner: string; keep: ObjectId[] }): Promise<void> {
    await jobs.updateMany(
        { name: { $in: [TIMER_JOB_NAME, LEGACY_TIMER_JOB_NAME] }, lastModifiedBy: held.owner, lockedAt: { $ne: null }, _id: { $nin: held.keep } },
        { $unset: { lockedAt: '', lastModifiedBy: '' } }
    );
}
