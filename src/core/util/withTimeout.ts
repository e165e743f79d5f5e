/**
 * Waits for `work` at most `ms`. The work itself is not cancelled: a rejection that comes after the time is up is
 * swallowed (the timeout was the answer), and the timer is cleared as soon as either side settles.
 *
 * @example
 * ```ts
 * await withTimeout(store.write(doc), 2000, () => new Error('the write took longer than 2 s'));
 * ```
 * @param work The promise to wait for.
 * @param ms How long to wait, in milliseconds.
 * @param onTimeout Builds the error the returned promise rejects with when the time is up.
 * @returns The work's result.
 * @throws The error `onTimeout` built when the time is up; the work's own error when it fails in time.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
    });
    work.catch(() => undefined);
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
