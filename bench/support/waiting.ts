import type { ChildProcess } from 'child_process';
import { sleep } from './stats';

/**
 * Resolves when a child process has exited (at once if it already has).
 *
 * @param child The process.
 */
export function exited(child: ChildProcess): Promise<void> {
    return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Waits until `check` holds, looking every 50 ms.
 *
 * @param check The condition.
 * @param timeoutMs How long to wait at most.
 * @param what What is waited for, for the error.
 * @throws When the time is up.
 */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
        if (Date.now() > deadline) {
            throw new Error(`Timed out waiting for ${what}`);
        }
        await sleep(50);
    }
}
