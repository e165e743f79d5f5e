import type { Agenda } from 'agenda' with { 'resolution-mode': 'import' };
import { Collection, Document, ObjectId } from 'mongodb';

/** Job attributes Agenda passes to its repository's `saveJobState`. */
interface JobAttrs {
    _id?: unknown;
    name: string;
    data?: { dueAt?: Date | string };
    lockedAt?: Date | null;
    nextRunAt?: Date | null;
    lastRunAt?: Date | null;
    progress?: number | null;
    failReason?: string | null;
    failCount?: number | null;
    failedAt?: Date | null;
    lastFinishedAt?: Date | null;
}

type SaveJobState = (job: JobAttrs, options?: { lastModifiedBy?: string }) => Promise<void>;

/** Runs whose timer an `arm()` moved after Agenda loaded them, and runs that deleted their own timer. */
const moved = new WeakSet<object>();
const ended = new WeakSet<object>();
const GUARDED = Symbol.for('botbuilder-inactivity.jobStateGuard');

/**
 * Makes Agenda's state writes for `jobName` conditional on the timer's `data.dueAt`, which only `arm()` changes.
 *
 * Agenda writes a job's state twice per run (before: `nextRunAt: null`; after: the next run time, the failure
 * count) with a plain update by id. An `arm()` landing in between (the user wrote while a reminder was being
 * sent) would be overwritten, and the next reminder would come at the old time. Guarded, a write whose
 * `data.dueAt` no longer matches keeps the arm's `nextRunAt` and failure count and only releases the lock: one
 * command in the usual case, like Agenda's own, and two when an arm moved the timer. Only the MongoDB backend
 * (`@agendajs/mongo-backend`, whose repository exposes its `collection`) is guarded; others are left as they are.
 *
 * @param agenda The Agenda running the timers.
 * @param jobName The timers' job name.
 * @returns True when guarded (or already guarded).
 */
export function guardJobState(agenda: Agenda, jobName: string): boolean {
    const repository = agenda.db as unknown as { collection?: Collection<Document>; saveJobState?: SaveJobState; [GUARDED]?: true };
    const collection = repository.collection;
    if (repository[GUARDED]) {
        return true;
    }
    if (typeof repository.saveJobState !== 'function' || typeof collection?.updateOne !== 'function') {
        return false;
    }
    const original = repository.saveJobState.bind(repository);
    repository.saveJobState = async (job, options) => {
        if (job.name !== jobName || job.data?.dueAt === undefined || job._id === undefined) {
            return original(job, options);
        }
        if (ended.has(job)) {
            // runDue() deleted the timer: there is nothing left to write.
            return;
        }
        // The same fields, in the same form, as MongoJobRepository.saveJobState of @agendajs/mongo-backend 4.0.3.
        const $set: Document = {
            lockedAt: job.lockedAt ? new Date(job.lockedAt) : null,
            nextRunAt: job.nextRunAt ? new Date(job.nextRunAt) : null,
            lastRunAt: job.lastRunAt ? new Date(job.lastRunAt) : null,
            progress: job.progress ?? null,
            failReason: job.failReason ?? null,
            failCount: job.failCount ?? null,
            failedAt: job.failedAt ? new Date(job.failedAt) : null,
            lastFinishedAt: job.lastFinishedAt ? new Date(job.lastFinishedAt) : null,
            lastModifiedBy: options?.lastModifiedBy ?? null,
        };
        // Agenda keeps ids as strings; the backend stores ObjectIds.
        const id = new ObjectId(String(job._id));
        const same = await collection.updateOne({ _id: id, name: job.name, 'data.dueAt': new Date(job.data.dueAt) } as Document, { $set });
        if (same.matchedCount === 1) {
            return;
        }
        moved.add(job);
        const { nextRunAt: _next, failReason: _reason, failCount: _count, failedAt: _failed, ...rest } = $set;
        const other = await collection.updateOne({ _id: id, name: job.name } as Document, { $set: rest });
        if (other.matchedCount !== 1) {
            // Agenda's own wording: the scheduler treats it as "cancelled while loaded".
            throw new Error(`job ${String(id)} (name: ${job.name}) cannot be updated in the database, maybe it does not exist anymore?`);
        }
    };
    repository[GUARDED] = true;
    return true;
}

/**
 * Whether an `arm()` moved this run's timer after Agenda loaded it (seen by the guarded write made before the run).
 *
 * @param attrs The run's `job.attrs`.
 * @returns True when the run must not fire.
 */
export function wasMovedSinceLoaded(attrs: object): boolean {
    return moved.has(attrs);
}

/**
 * Records that a run deleted its own timer, so its completion write is skipped.
 *
 * @param attrs The run's `job.attrs`.
 */
export function markEnded(attrs: object): void {
    ended.add(attrs);
}
