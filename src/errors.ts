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
