/**
 * Thrown when options, a policy file or a locale folder given to the plugin are not valid.
 * The message names the field, the value found and what is allowed.
 */
export class InactivityConfigError extends Error {
    /**
     * @param message What is wrong and what is allowed instead.
     * @param options `cause`: the underlying error, if any.
     */
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'InactivityConfigError';
    }
}

/**
 * Thrown (or passed to `onError`) when the durable scheduler or its MongoDB cannot be reached or answers with
 * an error. The original driver error is kept as `cause`.
 */
export class InactivitySchedulerError extends Error {
    /**
     * @param message What the plugin was doing when it failed.
     * @param options `cause`: the underlying error, if any.
     */
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'InactivitySchedulerError';
    }
}

/**
 * A proactive message (reminder, goodbye, handoff, fallback) the channel did not accept. Reported through
 * `onError` for every failed attempt; thrown to the scheduler to ask for a retry with backoff.
 */
export class InactivityDeliveryError extends Error {
    /** The channel's HTTP status, when it answered; `undefined` for a timeout or a network error. */
    readonly status?: number;
    /** Which attempt failed (1-based). */
    readonly attempt: number;
    /** How long the channel asked to wait before the next attempt (a 429's `Retry-After`), in ms. */
    readonly retryAfterMs?: number;
    /** True when retrying cannot help (401, 403, 404: the bot was blocked or removed, the conversation is gone). */
    readonly permanent: boolean;

    /**
     * @param message What was being sent and what happened.
     * @param details The status, attempt, wait and whether the failure is permanent; `cause`: the channel's error.
     */
    constructor(message: string, details: { status?: number; attempt: number; retryAfterMs?: number; permanent: boolean; cause?: unknown }) {
        super(message, { cause: details.cause });
        this.name = 'InactivityDeliveryError';
        this.status = details.status;
        this.attempt = details.attempt;
        this.retryAfterMs = details.retryAfterMs;
        this.permanent = details.permanent;
    }
}
