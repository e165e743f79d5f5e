/** The Agents SDK's `StorageETagConflict` error code (its storages throw an `Error` carrying it as `code`). */
const AGENTS_ETAG_CONFLICT = -120700;

/**
 * Whether a storage error is an optimistic-concurrency conflict: MemoryStorage's and MongoStorage's message,
 * Cosmos DB's and Blob storage's 412, an `ETagConflictError`, or the Microsoft 365 Agents SDK's code -120700.
 *
 * @param err What the storage threw.
 * @returns True for a conflict.
 */
export function isETagConflict(err: unknown): boolean {
    if (!err || typeof err !== 'object') {
        return false;
    }
    const e = err as { name?: string; message?: string; code?: unknown; statusCode?: unknown };
    return (
        e.name === 'ETagConflictError' ||
        e.code === AGENTS_ETAG_CONFLICT ||
        e.code === 412 ||
        e.statusCode === 412 ||
        e.code === 'ConditionNotMet' ||
        /etag conflict/i.test(e.message ?? '')
    );
}
