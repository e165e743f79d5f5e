import type { Agenda } from 'agenda' with { 'resolution-mode': 'import' };
import type { Collection } from 'mongodb';
import { timerId } from './timerDocument';

/** The lock lifetime of a recurring task on an Agenda of another backend (one instance runs it at a time). */
const REPEATED_LOCK_LIFETIME_MS = 60_000;

/** How often an instance checks whether a recurring task (`repeat()`) is due, at most. */
export const REPEAT_CHECK_MS = 60_000;

/** A recurring task run by one instance at a time (see {@link repeatWithLease}). */
export interface RepeatedTask {
    /** The task's name (its lease is keyed by it). */
    name: string;
    /** How often it runs, ms. */
    intervalMs: number;
    /** The task. */
    task: () => Promise<void>;
    /** Hears a run that failed. */
    onError: (err: unknown) => void;
}

/**
 * Runs a recurring task on one instance per interval with a lease document in the jobs collection instead of an
 * Agenda job: Agenda would poll it on every `processEvery`, doubling the idle commands for a task that runs once
 * an hour. The instance that moves the lease runs the task.
 *
 * @param jobs The jobs collection.
 * @param repeated The task and its interval.
 * @returns The check's interval timer (unref'd); clear it to stop.
 */
export async function repeatWithLease(jobs: Collection, repeated: RepeatedTask): Promise<NodeJS.Timeout> {
    const { name, intervalMs, task } = repeated;
    const _id = timerId(`repeat:${name}`);
    await jobs.updateOne({ _id }, { $setOnInsert: { name: 'bbi:repeat', task: name, nextRunAt: new Date(Date.now() + intervalMs) } }, { upsert: true });
    // The Agenda job earlier versions used for it, if any, would otherwise be polled by them forever.
    await jobs.deleteMany({ name, type: 'single' });
    const check = async () => {
        const now = Date.now();
        const won = await jobs.findOneAndUpdate(
            { _id, nextRunAt: { $lte: new Date(now) } },
            { $set: { nextRunAt: new Date(now + intervalMs), lastRunAt: new Date(now) } }
        );
        if (won) {
            await task();
        }
    };
    const timer = setInterval(() => void check().catch(repeated.onError), Math.min(intervalMs, REPEAT_CHECK_MS));
    timer.unref();
    return timer;
}

/**
 * Runs a recurring task on one instance at a time: with the jobs collection, under a lease ({@link repeatWithLease});
 * on another Agenda backend, as an Agenda `every` job.
 *
 * @param on The running Agenda, and its jobs collection when the backend is MongoDB.
 * @param repeated The task.
 * @returns The lease's check timer, to clear on stop; none for an Agenda job.
 */
export async function repeatOn(on: { agenda: Agenda; jobs?: Collection }, repeated: RepeatedTask): Promise<NodeJS.Timeout | undefined> {
    if (on.jobs) {
        return repeatWithLease(on.jobs, repeated);
    }
    on.agenda.define(repeated.name, async () => repeated.task(), { lockLifetime: REPEATED_LOCK_LIFETIME_MS });
    await on.agenda.every(repeated.intervalMs, repeated.name, undefined, { skipImmediate: true });
    return undefined;
}
