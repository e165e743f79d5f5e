import { InactivitySchedulerError } from '../errors';
import { withTimeout } from './withTimeout';

/**
 * Waits for work on MongoDB at most `ms`, so that a slow or unreachable database never holds a user's turn.
 *
 * @param work The database call.
 * @param ms How long to wait.
 * @param what What the work does, for the error message ("arm the timer").
 * @returns The work's result.
 * @throws InactivitySchedulerError when the time is up; the work's own error when it fails in time.
 */
export function withinDatabaseTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    return withTimeout(work, ms, () => new InactivitySchedulerError(`Gave up waiting for MongoDB to ${what} after ${ms} ms; the turn went on without it.`));
}
