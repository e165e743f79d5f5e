import type { TurnContextLike } from '../ports/activity';
import { InactivityDeliveryError } from '../errors';
import type { DueTimer } from '../ports/timerScheduler';
import type { Plugin } from '../plugin';
import { TelemetryEvents, track } from '../telemetry';
import type { DeliveryClaim } from '../turn/inactivityState';
import { classifySendFailure } from './sendFailure';

/** After the last retry of a timer that could not even read its state, it tries again this much later. */
export const UNDECIDED_RETRY_MS = 10 * 60_000;

/** Conversations whose missing state was reported, so each is reported once (bounded). */
const MAX_REPORTED_MISSING = 10_000;

/** A failure to report and, maybe, retry. */
export interface Failure {
    /** What could not be done ("send the reminder"). */
    what: string;
    /** What was thrown. */
    err: unknown;
    /** The claim being delivered. */
    claim?: DeliveryClaim;
    /** Nothing was decided (the state could not be read, or the turn not run). */
    undecided?: boolean;
}

/**
 * Reports a failure of a timer's turn (onError and `InactivitySendFailed`) and says what happens next.
 *
 * @param turn The plugin, the timer and the turn, if it began.
 * @param f What failed.
 * @returns The error, for the scheduler to retry (or not).
 */
export function failure(turn: { plugin: Plugin; timer: DueTimer; context?: TurnContextLike }, f: Failure): InactivityDeliveryError {
    const { plugin, timer, context } = turn;
    const { what, err, claim, undecided = false } = f;
    const classified = classifySendFailure(err);
    const conversationId = timer.data.reference.conversation?.id ?? '';
    const status =
        classified.status !== undefined
            ? `status ${classified.status}`
            : (err as { code?: string })?.code === 'ETIMEDOUT'
              ? 'no answer in time'
              : ((err as Error)?.message ?? String(err));
    const next = undecided
        ? timer.lastAttempt
            ? `it will be tried again in ${UNDECIDED_RETRY_MS / 60_000} minutes`
            : 'it will be retried'
        : classified.permanent
          ? 'not retried: the flow is closed and recorded as undeliverable'
          : timer.lastAttempt
            ? 'that was the last attempt: the flow is closed and recorded as undeliverable'
            : 'it will be retried';
    const error = new InactivityDeliveryError(`Could not ${what} in conversation ${conversationId} (attempt ${timer.attempt}, ${status}); ${next}.`, {
        status: classified.status,
        attempt: timer.attempt,
        retryAfterMs: classified.retryAfterMs,
        permanent: classified.permanent,
        cause: err,
    });
    plugin.warn(error, context);
    track(
        { client: plugin.telemetry, onError: (e) => plugin.warn(e, context) },
        {
            name: TelemetryEvents.sendFailed,
            properties: {
                conversationId,
                dialogId: claim?.abandonment?.flowId,
                stage: claim?.stage,
                action: claim?.action ?? what,
                status: classified.status,
                permanent: classified.permanent,
                lastAttempt: timer.lastAttempt,
            },
            metrics: { attempt: timer.attempt },
        }
    );
    return error;
}

/**
 * Reports once per conversation a timer that found no state: the bot's storage is not shared or not kept.
 *
 * @param plugin The plugin.
 * @param key The timer's key.
 * @param reported The keys reported so far.
 */
export function reportMissingState(plugin: Plugin, key: string, reported: Set<string>): void {
    if (reported.has(key)) {
        return;
    }
    if (reported.size >= MAX_REPORTED_MISSING) {
        reported.clear();
    }
    reported.add(key);
    plugin.warn(
        new Error(
            `A timer for conversation ${key} fired but the conversation's state is empty, so nothing was sent. Likely causes: the bot keeps conversation state in a storage that is not persistent or not shared by all its instances (MemoryStorage loses it on restart: use MongoStorage or another shared Storage), or another bot uses the same database and collectionPrefix (give each bot its own prefix).`
        )
    );
}
