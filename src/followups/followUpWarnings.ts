import createDebug from 'debug';

const debug = createDebug('botbuilder-inactivity:followups');

/** Hears an error the follow-ups recovered from. */
export type Warn = (err: unknown) => void;

/**
 * The error path of a `FollowUpService` that stands alone: `onError` when given, else a process warning (code
 * `BBI_FOLLOWUPS`), never the adapter's `onTurnError`. A service sharing the InactivityMiddleware's Agenda reports
 * through the middleware's path instead, so a bot has one reporter.
 *
 * @param onError The service's `onError` option, if any.
 * @returns The reporter.
 */
export function standaloneWarn(onError: ((error: Error) => void) | undefined): Warn {
    return (err) => {
        const error = err instanceof Error ? err : new Error(String(err));
        debug('error: %O', error);
        try {
            if (onError) {
                onError(error);
            } else {
                process.emitWarning(error.message, { type: 'BotbuilderInactivityWarning', code: 'BBI_FOLLOWUPS' });
            }
        } catch {
            // onError threw: nothing more to do.
        }
    };
}
