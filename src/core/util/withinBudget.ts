import { InactivitySchedulerError } from '../errors';

/**
 * Waits for work on MongoDB at most `ms`, so that a slow or unreachable database never holds a user's turn.
 * The work itself is not cancelled; if it fails later, that failure is swallowed (the timeout was reported).
 *
 * @param work The database call.
 * @param ms How long to wait.
 * @param what What the work does, for the error message ("arm the timer").
 * @returns The work's result.
 * @throws InactivitySchedulerError when the time is up; the work's own error when it fails in time.
 */
export function withinBudget<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new InactivitySchedulerError(`Gave up waiting for MongoDB to ${what} after ${ms} ms; the turn went on without it.`)), ms);
    });
    work.catch(() => undefined);
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
