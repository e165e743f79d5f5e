/** HTTP statuses after which retrying a proactive message cannot help. */
const PERMANENT_STATUSES = new Set([400, 401, 403, 404, 410]);

/** The longest `Retry-After` honoured; a channel asking for longer is retried after this. */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/** What a failed proactive send tells about the next attempt. */
export interface SendFailure {
    /** The channel's HTTP status, when it answered. */
    status?: number;
    /** The wait the channel asked for (a 429's `Retry-After`), in ms, capped at {@link MAX_RETRY_AFTER_MS}. */
    retryAfterMs?: number;
    /**
     * True for 400, 401, 403, 404 and 410 (a malformed message, the bot blocked, removed or unauthorised, the
     * conversation gone): the message is not sent again.
     */
    permanent: boolean;
}

/**
 * What a send error may carry, from the connector's RestError (`statusCode`, `response`), fetch-style errors
 * (`status`, `headers`) and channel bodies (Telegram's `parameters.retry_after`). Every field is unknown until read.
 */
interface SendErrorLike {
    statusCode?: unknown;
    status?: unknown;
    headers?: unknown;
    retry_after?: unknown;
    parameters?: { retry_after?: unknown };
    response?: SendErrorLike & { parsedBody?: { retry_after?: unknown }; body?: { retry_after?: unknown } };
}

/**
 * Reads the status and `Retry-After` of an error thrown by a channel call. Bot Framework's connector throws a
 * `RestError` with `statusCode` and `response.headers`; other adapters use `status` / `response.status`, and
 * Telegram-style APIs put `retry_after` (seconds) in the body. A timeout or a network error has no status and
 * is retried: the message may or may not have arrived.
 *
 * @param err What the send threw.
 * @returns The failure's status, the wait asked for and whether it is permanent.
 */
export function classifySendFailure(err: unknown): SendFailure {
    const e = (err ?? {}) as SendErrorLike;
    const response = e.response ?? {};
    const rawStatus = e.statusCode ?? e.status ?? response.status ?? response.statusCode;
    const status = typeof rawStatus === 'number' && rawStatus >= 100 && rawStatus < 600 ? rawStatus : undefined;
    const header = readHeader(response.headers, 'retry-after') ?? readHeader(e.headers, 'retry-after');
    const bodySeconds = response.parsedBody?.retry_after ?? response.body?.retry_after ?? e.retry_after ?? e.parameters?.retry_after;
    const retryAfterMs = parseRetryAfter(header) ?? (typeof bodySeconds === 'number' ? bodySeconds * 1000 : undefined);
    return {
        status,
        ...(retryAfterMs !== undefined ? { retryAfterMs: Math.min(Math.max(0, Math.round(retryAfterMs)), MAX_RETRY_AFTER_MS) } : {}),
        permanent: status !== undefined && PERMANENT_STATUSES.has(status),
    };
}

function readHeader(headers: unknown, name: string): string | undefined {
    if (!headers || typeof headers !== 'object') {
        return undefined;
    }
    const h = headers as { get?: (n: string) => unknown } & Record<string, unknown>;
    const value = typeof h.get === 'function' ? h.get(name) : (h[name] ?? h[name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())]);
    return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** `Retry-After` is either seconds or an HTTP date. */
function parseRetryAfter(value: string | undefined): number | undefined {
    if (value === undefined || value.trim() === '') {
        return undefined;
    }
    const seconds = Number(value);
    if (Number.isFinite(seconds)) {
        return seconds * 1000;
    }
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : at - Date.now();
}
