/**
 * Whether a storage error is an optimistic-concurrency conflict: MemoryStorage's and MongoStorage's message,
 * Cosmos DB's and Blob storage's 412, or an `ETagConflictError`.
 *
 * @param err What the storage threw.
 * @returns True for a conflict.
 */
export function isETagConflict(err: unknown): boolean {
    if (!err || typeof err !== 'object') {
        return false;
    }
    const e = err as { name?: string; message?: string; code?: unknown; statusCode?: unknown };
    return e.name === 'ETagConflictError' || e.code === 412 || e.statusCode === 412 || e.code === 'ConditionNotMet' || /etag conflict/i.test(e.message ?? '');
}
