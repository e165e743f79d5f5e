/**
 * Waits for `work` at most `ms`: the one timeout race of the plugin (a database call in a user's turn, a send
 * in a timer's turn, a whole timer turn, flow event hooks). The work itself is not cancelled; if it fails after
 * the time is up, that failure is swallowed (the timeout was reported instead).
 *
 * @param work What to wait for.
 * @param ms How long.
 * @param onTimeout Makes the error to reject with when the time is up.
 * @returns The work's result.
 * @throws The error `onTimeout` made, or the work's own error when it fails in time.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms);
    });
    work.catch(() => undefined);
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The error of a call that took too long: `code` is `'ETIMEDOUT'`, as a socket's.
 *
 * @param message What gave up.
 * @returns The error.
 */
export function timeoutError(message: string): Error {
    return Object.assign(new Error(message), { code: 'ETIMEDOUT' });
}
