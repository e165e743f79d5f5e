import createDebug from 'debug';
import type { Agenda } from 'agenda' with { 'resolution-mode': 'import' };

const debug = createDebug('botbuilder-inactivity:scheduler');

/** How long after a locked timer's due time this instance checks that Agenda ran it. */
export const QUEUE_CHECK_SLACK_MS = 5;

/**
 * Agenda 6.2.6 waits for a job locked ahead with one setTimeout per job. A setTimeout may fire a millisecond
 * before `Date.now()` reaches the due time; Agenda then finds the job "in the future", sets no second timeout, and
 * the job waits for the next poll (up to `processEvery` late). A look at Agenda's queue just after the due time
 * runs it then (no database command).
 *
 * @param agenda The Agenda holding the job (read when the check runs: undefined once stopped).
 * @param nextRunAt When the locked job is due.
 */
export function checkQueueWhenDue(agenda: () => Agenda | undefined, nextRunAt: Date | undefined): void {
    const wait = nextRunAt ? new Date(nextRunAt).getTime() - Date.now() : 0;
    if (wait > 0) {
        setTimeout(() => processQueue(agenda()), wait + QUEUE_CHECK_SLACK_MS).unref();
    }
}

/** Has Agenda's job processor look at its in-memory queue (what it does after each run and notification). */
function processQueue(agenda: Agenda | undefined): void {
    const processor = (agenda as unknown as { jobProcessor?: { isRunning?: boolean; jobProcessing?: () => Promise<void> } } | undefined)?.jobProcessor;
    if (processor?.isRunning && typeof processor.jobProcessing === 'function') {
        processor.jobProcessing().catch((err: unknown) => debug('queue check failed: %O', err));
    }
}
