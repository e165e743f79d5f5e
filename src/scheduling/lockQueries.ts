import type { Agenda, JobParameters } from 'agenda' with { 'resolution-mode': 'import' };
import type { Collection, Document, IndexSpecification } from 'mongodb';

/** The index the timers' lock queries use: `{ name, lockedAt, nextRunAt }`. */
export const LOCK_INDEX: { key: IndexSpecification; name: string } = { key: { name: 1, lockedAt: 1, nextRunAt: 1 }, name: 'inactivityTimerLock' };

type GetNextJobToRun = (jobName: string, nextScanAt: Date, lockDeadline: Date, now?: Date, options?: { lastModifiedBy?: string }) => Promise<JobParameters | undefined>;

const GUARDED = Symbol.for('botbuilder-inactivity.lockQueries');

/** What {@link guardLockQueries} reports about the last lock attempts of a job name. */
export interface LockQueryState {
    /**
     * True when the last lock query of `name` found a job: Agenda then stopped locking because of its lock limit,
     * not because nothing else was due, so more jobs may be waiting.
     */
    saturated(name: string): boolean;
    /** Stops locking (every lock query finds nothing) and resolves once no lock query is in flight. */
    pause(): Promise<void>;
    /** Locks again after {@link LockQueryState.pause}. */
    resume(): void;
}

/**
 * Replaces Agenda's lock query for the timer jobs by two queries that each walk {@link LOCK_INDEX} from its first
 * matching key, whatever the number of timers:
 *
 * - the due query, on every poll: `{ name, lockedAt: null, nextRunAt <= nextScanAt }` sorted by `nextRunAt`;
 * - the expired-lock query (jobs of an instance that died mid-run), at most every `expiredEvery` ms and only
 *   when nothing is due: `{ name, lockedAt <= lockDeadline }` sorted by `lockedAt`.
 *
 * Agenda's own query ORs both conditions and sorts by `{ nextRunAt, priority }`, which no single index serves
 * for both branches: with many timers its idle poll examines every timer of the name. A poll that finds nothing
 * is one command, as before.
 *
 * @param agenda The Agenda running the timers (MongoDB backend).
 * @param names The timers' job names.
 * @param toJobId Agenda's `toJobId`, to hand Agenda the ids it expects.
 * @param expiredEvery How often to look for expired locks, ms.
 * @param onLock Called as each lock query is sent; what it returns is called with the job it locked, if any.
 * @returns What the queries saw, or undefined when the backend is not MongoDB.
 */
export function guardLockQueries(
    agenda: Agenda,
    names: readonly string[],
    toJobId: (id: string) => unknown,
    expiredEvery: number,
    onLock?: () => (id: string, lockedAt: Date) => void
): LockQueryState | undefined {
    const repository = agenda.db as unknown as { collection?: Collection<Document>; getNextJobToRun?: GetNextJobToRun; [GUARDED]?: { names: Set<string>; state: LockQueryState } };
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
    const expiredCheckedAt = new Map<string, number>();
    const original = repository.getNextJobToRun.bind(repository);
    let paused = false;
    let inFlight = 0;
    const idle: Array<() => void> = [];
    const lock = async (jobName: string, nextScanAt: Date, lockDeadline: Date, now?: Date, options?: { lastModifiedBy?: string }): Promise<JobParameters | undefined> => {
        const update = { $set: { lockedAt: now ?? new Date(), lastModifiedBy: options?.lastModifiedBy ?? null } };
        const locked = onLock?.();
        let doc = await collection.findOneAndUpdate({ name: jobName, lockedAt: null, nextRunAt: { $lte: nextScanAt }, disabled: { $ne: true } }, update, {
            sort: { nextRunAt: 1 },
            returnDocument: 'after',
        });
        if (!doc && Date.now() - (expiredCheckedAt.get(jobName) ?? 0) >= expiredEvery) {
            doc = await collection.findOneAndUpdate({ name: jobName, lockedAt: { $lte: lockDeadline }, disabled: { $ne: true } }, update, {
                sort: { lockedAt: 1 },
                returnDocument: 'after',
            });
            if (!doc) {
                expiredCheckedAt.set(jobName, Date.now());
            }
        }
        found.set(jobName, Boolean(doc));
        if (!doc) {
            return undefined;
        }
        locked?.(doc._id.toHexString(), doc.lockedAt);
        return toJobParameters(doc, toJobId);
    };
    repository.getNextJobToRun = async (jobName, nextScanAt, lockDeadline, now, options) => {
        if (!guarded.has(jobName)) {
            return original(jobName, nextScanAt, lockDeadline, now, options);
        }
        if (paused) {
            // Stopping: Agenda's queue filling goes on after drain(); a lock taken now would never be released.
            return undefined;
        }
        inFlight++;
        try {
            return await lock(jobName, nextScanAt, lockDeadline, now, options);
        } finally {
            if (--inFlight === 0) {
                idle.splice(0).forEach((resolve) => resolve());
            }
        }
    };
    const state: LockQueryState = {
        saturated: (name) => found.get(name) === true,
        pause: () => {
            paused = true;
            return inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
        },
        resume: () => {
            paused = false;
        },
    };
    repository[GUARDED] = { names: guarded, state };
    return state;
}

/** The job as Agenda's MongoDB repository hands it over (its `computeJobObj`, for the fields a timer has). */
function toJobParameters(doc: Document, toJobId: (id: string) => unknown): JobParameters {
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
