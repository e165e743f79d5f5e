import { InactivityConfigError } from '../errors';
import type { TurnContextLike } from '../ports/activity';
import type { FlowEvent, FlowEventHandler } from './flowEvent';
import { InactivityHookError } from './hookError';
import { withTimeout } from '../util/withTimeout';

/**
 * The flow event hooks of one middleware. Every hook gets its own copy of the event; all run at once and are
 * awaited together at most `timeoutMs`. A hook that throws, rejects or is still running at the bound is
 * reported (once) and left behind: the turn or timer that raised the event goes on.
 */
export class FlowHooks {
    private readonly handlers: FlowEventHandler[] = [];

    /**
     * @param timeoutMs How long a hook is waited for.
     * @param report Where a failing hook is reported; never throws.
     */
    constructor(
        private readonly timeoutMs: number,
        private readonly warn: (err: unknown, context?: TurnContextLike) => void
    ) {}

    /** How many hooks are registered. */
    get size(): number {
        return this.handlers.length;
    }

    /**
     * Registers a hook.
     *
     * @param handler The hook.
     * @returns A function that removes it again.
     */
    add(handler: FlowEventHandler): () => void {
        if (typeof handler !== 'function') {
            throw new InactivityConfigError(`onFlowEvent needs a function (event) => void | Promise<void>; got ${handler === null ? 'null' : typeof handler}.`);
        }
        this.handlers.push(handler);
        return () => {
            const at = this.handlers.indexOf(handler);
            if (at >= 0) {
                this.handlers.splice(at, 1);
            }
        };
    }

    /**
     * Calls every hook with the event and waits for them, at most the bound. Never throws.
     *
     * @param event The event.
     * @param context The turn that raised it, passed on to `onError` with a failure.
     */
    async emit(event: FlowEvent, context?: TurnContextLike): Promise<void> {
        if (this.handlers.length === 0) {
            return;
        }
        await Promise.all([...this.handlers].map((handler) => this.run(handler, event, context)));
    }

    private async run(handler: FlowEventHandler, event: FlowEvent, context: TurnContextLike | undefined): Promise<void> {
        const copy: FlowEvent = { ...event, at: new Date(event.at.getTime()), reference: structuredClone(event.reference) };
        let timedOut = false;
        try {
            // The hook is called once the bound runs: a hook that blocks before its first await is bounded too.
            await withTimeout(
                Promise.resolve().then(() => invoke(handler, copy)),
                this.timeoutMs,
                () => {
                    timedOut = true;
                    return new Error(`did not finish within ${this.timeoutMs} ms`);
                }
            );
        } catch (err) {
            const what = timedOut ? `did not finish within ${this.timeoutMs} ms` : `failed: ${err instanceof Error ? err.message : String(err)}`;
            this.warn(
                new InactivityHookError(
                    `The onFlowEvent hook for '${event.type}' of flow '${event.flowId}' in conversation ${event.conversationId} ${what}; the plugin went on without it.`,
                    {
                        eventType: event.type,
                        timedOut,
                        cause: timedOut ? undefined : err,
                    }
                ),
                context
            );
        }
    }
}

/** Calls a hook, turning what it throws (or rejects with), even `undefined`, into a rejected promise. */
// A hook may throw anything; what it threw is passed on as it is (it becomes the report's cause), so `reason` is unknown.
async function invoke(handler: FlowEventHandler, event: FlowEvent): Promise<void> {
    let result: ReturnType<FlowEventHandler>;
    try {
        result = handler(event);
    } catch (err) {
        const reason: unknown = err ?? new Error('undefined was thrown');
        throw reason;
    }
    try {
        await result;
    } catch (err) {
        const reason: unknown = err ?? new Error('the hook rejected with undefined');
        throw reason;
    }
}
