import type { TurnContext } from 'botbuilder';
import createDebug from 'debug';
import type { FlowEvent, FlowEventHandler } from './flowEvent';
import { InactivityHookError } from './hookError';

const debug = createDebug('botbuilder-inactivity:hooks');

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
        private readonly report: (err: unknown, context?: TurnContext) => void
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
            throw new TypeError(`onFlowEvent needs a function (event) => void | Promise<void>; got ${handler === null ? 'null' : typeof handler}.`);
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
    async emit(event: FlowEvent, context?: TurnContext): Promise<void> {
        if (this.handlers.length === 0) {
            return;
        }
        await Promise.all([...this.handlers].map((handler) => this.run(handler, event, context)));
    }

    private run(handler: FlowEventHandler, event: FlowEvent, context: TurnContext | undefined): Promise<void> {
        const copy: FlowEvent = { ...event, at: new Date(event.at.getTime()), reference: structuredClone(event.reference) };
        let settled = false;
        let timer: NodeJS.Timeout | undefined;
        return new Promise<void>((resolve) => {
            const done = (err?: unknown, timedOut = false) => {
                if (settled) {
                    return;
                }
                settled = true;
                clearTimeout(timer);
                if (timedOut || err !== undefined) {
                    const what = timedOut ? `did not finish within ${this.timeoutMs} ms` : `failed: ${err instanceof Error ? err.message : String(err)}`;
                    this.report(
                        new InactivityHookError(`The onFlowEvent hook for '${event.type}' of flow '${event.flowId}' in conversation ${event.conversationId} ${what}; the plugin went on without it.`, {
                            eventType: event.type,
                            timedOut,
                            cause: err,
                        }),
                        context
                    );
                }
                resolve();
            };
            timer = setTimeout(() => done(undefined, true), this.timeoutMs);
            let result: void | Promise<void>;
            try {
                result = handler(copy);
            } catch (err) {
                done(err ?? new Error('undefined was thrown'));
                return;
            }
            Promise.resolve(result).then(
                () => done(),
                (err: unknown) => {
                    if (settled) {
                        // Failing after the bound: already reported as timed out.
                        debug('hook for %s failed after its bound: %O', event.type, err);
                    }
                    done(err ?? new Error('the hook rejected with undefined'));
                }
            );
        });
    }
}
