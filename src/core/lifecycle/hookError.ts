import type { FlowEventType } from './flowEvent';

/**
 * A flow event hook threw, rejected, or ran past `flowEventTimeout`. Reported through `onError` (by default a
 * process warning); the turn or the timer that raised the event went on without it.
 */
export class InactivityHookError extends Error {
    /** The event the hook was called for. */
    readonly eventType: FlowEventType;
    /** True when the hook was still running at the bound (it is not cancelled: it goes on in the background). */
    readonly timedOut: boolean;

    /**
     * @param message What happened.
     * @param details The event type, whether the hook timed out, and `cause`: what the hook threw.
     */
    constructor(message: string, details: { eventType: FlowEventType; timedOut: boolean; cause?: unknown }) {
        super(message, { cause: details.cause });
        this.name = 'InactivityHookError';
        this.eventType = details.eventType;
        this.timedOut = details.timedOut;
    }
}
