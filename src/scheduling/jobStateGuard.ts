import type { Agenda } from 'agenda' with { 'resolution-mode': 'import' };
import { AnyBulkWriteOperation, Collection, Document, ObjectId } from 'mongodb';

/** Job attributes Agenda passes to its repository's `saveJobState`. */
interface JobAttrs {
    /** Agenda's `JobId`: the ObjectId's hex string (the backend stores the ObjectId). */
    _id?: string;
    name: string;
    lockedAt?: Date | null;
    nextRunAt?: Date | null;
    failReason?: string | null;
    failCount?: number | null;
    failedAt?: Date | null;
}

type SaveJobState = (job: JobAttrs, options?: { lastModifiedBy?: string }) => Promise<void>;

/** What a run decided about its own completion write, set by the scheduler before Agenda makes that write. */
type Outcome = 'ended' | 'void' | 'handBack';

const outcomes = new WeakMap<object, Outcome>();
/** The lock each run holds, keyed by its `job.attrs` (Agenda clears `lockedAt` before the completion write). */
const locks = new WeakMap<object, Date>();
const GUARDED = Symbol.for('botbuilder-inactivity.jobStateGuard');

/** Hooks of {@link guardJobState}. */
export interface JobStateGuardHooks {
    /** Called after a completion write that may have moved a timer to `nextRunAt` (a re-arm or a retry). */
    rearmed?(name: string, nextRunAt: Date): void;
    /** Sends a completion write (default: at once, one command each; the scheduler batches them). */
    write?: (op: AnyBulkWriteOperation<Document>) => Promise<void>;
}

/**
 * Makes Agenda's state writes for the timer jobs conditional on the run's own lock, and as small as a timer needs.
 *
 * Agenda writes a job's state twice per run with a plain update by id: before the handler (`lastRunAt`,
 * `nextRunAt: null`) and after it (the next run time, the failure count). Guarded:
 *
 * - the write before the run is skipped: the lock taken by the poll already keeps other instances off the job,
 *   and the scheduler checks the lock's age itself before running (one database command less per firing);
 * - the write after the run applies only while the job still carries **this run's lock** (`lockedAt` and
 *   `lastModifiedBy` as locked). `arm()` clears the lock when it moves a timer, and `cancel()` deletes it, so an
 *   arm made while a run was under way (the user wrote while a reminder was being sent) always wins over the
 *   run's result, and a run whose lock expired and was taken by another instance never overwrites that
 *   instance's lock. It sets `nextRunAt` and the failure fields and removes the lock; it writes none of
 *   Agenda's bookkeeping (`lastRunAt`, `lastFinishedAt`, `progress`, nulls), so a timer at rest stays small.
 *   A run that ends without a next time deletes its timer (one-off jobs would otherwise pile up).
 *
 * Only the MongoDB backend (`@agendajs/mongo-backend`, whose repository exposes its `collection`) is guarded.
 *
 * @param agenda The Agenda running the timers.
 * @param names The timers' job names.
 * @param hooks Called after writes the scheduler reacts to.
 * @returns True when guarded (or already guarded).
 */
export function guardJobState(agenda: Agenda, names: readonly string[], hooks: JobStateGuardHooks = {}): boolean {
    const repository = agenda.db as unknown as { collection?: Collection<Document>; saveJobState?: SaveJobState; [GUARDED]?: Set<string> };
    const collection = repository.collection;
    if (repository[GUARDED]) {
        names.forEach((name) => repository[GUARDED]?.add(name));
        return true;
    }
    if (typeof repository.saveJobState !== 'function' || typeof collection?.updateOne !== 'function') {
        return false;
    }
    const guarded = new Set(names);
    const original = repository.saveJobState.bind(repository);
    const write = hooks.write ?? ((op: AnyBulkWriteOperation<Document>) => collection.bulkWrite([op]).then(() => undefined));
    repository.saveJobState = async (job, options) => {
        if (!guarded.has(job.name) || job._id === undefined) {
            return original(job, options);
        }
        if (job.lockedAt) {
            const held = locks.get(job);
            const lockedAt = new Date(job.lockedAt);
            if (held && held.getTime() !== lockedAt.getTime()) {
                // `job.touch()`: extend this run's own lock, nothing else.
                const touched = await collection.updateOne(
                    { _id: new ObjectId(String(job._id)), lockedAt: held, lastModifiedBy: options?.lastModifiedBy ?? null },
                    { $set: { lockedAt } }
                );
                if (touched.matchedCount !== 1) {
                    throw new Error(`job ${String(job._id)} (name: ${job.name}) is no longer locked by this run`);
                }
            }
            // Before the run (Agenda's `run()`): remember the lock, write nothing.
            locks.set(job, lockedAt);
            return;
        }
        const outcome = outcomes.get(job);
        const lockedAt = locks.get(job);
        if (outcome === 'ended' || outcome === 'void' || !lockedAt) {
            // Deleted by the run itself, or moved / cancelled meanwhile: nothing of this run is left to write.
            return;
        }
        // Agenda keeps ids as strings; the backend stores ObjectIds.
        const mine: Document = { _id: new ObjectId(String(job._id)), lockedAt, lastModifiedBy: options?.lastModifiedBy ?? null };
        if (outcome === 'handBack') {
            // Not run: the job goes back to the queue as it was, due now, for a fresh lock.
            await write({ updateOne: { filter: mine, update: { $unset: { lockedAt: '', lastModifiedBy: '' } } } });
            // Due now (or overdue): the scheduler has it locked again at once rather than at the next poll.
            hooks.rearmed?.(job.name, new Date());
            return;
        }
        if (!job.nextRunAt) {
            await write({ deleteOne: { filter: mine } });
            return;
        }
        const nextRunAt = new Date(job.nextRunAt);
        const failed = (job.failCount ?? 0) > 0;
        const $unset: Document = { lockedAt: '', lastModifiedBy: '' };
        const $set: Document = { nextRunAt };
        if (failed) {
            Object.assign($set, { failCount: job.failCount, failReason: job.failReason ?? null, failedAt: job.failedAt ? new Date(job.failedAt) : null });
        } else {
            Object.assign($unset, { failCount: '', failReason: '', failedAt: '' });
        }
        await write({ updateOne: { filter: mine, update: { $set, $unset } } });
        hooks.rearmed?.(job.name, nextRunAt);
    };
    repository[GUARDED] = guarded;
    return true;
}

/**
 * The lock a run holds, as Agenda loaded it.
 *
 * @param attrs The run's `job.attrs`.
 * @returns Its `lockedAt`, or undefined outside a guarded run.
 */
export function lockOf(attrs: object): Date | undefined {
    return locks.get(attrs);
}

/**
 * Records what a run decided about its completion write: `ended` (it deleted its timer), `void` (an arm or a
 * cancel took the timer from it: write nothing), `handBack` (not run: release the lock, keep the due time).
 *
 * @param attrs The run's `job.attrs`.
 * @param outcome What to write when the run completes.
 */
export function settleRun(attrs: object, outcome: Outcome): void {
    outcomes.set(attrs, outcome);
}
