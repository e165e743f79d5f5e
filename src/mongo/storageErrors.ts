/**
 * Thrown by {@link MongoStorage.write} when an item carries an `eTag` (other than `'*'`) and the stored item
 * has changed since that eTag was read. The message starts like botbuilder's `MemoryStorage` one:
 * `Storage: error writing "<key>" due to eTag conflict.`
 *
 * Tell a conflict from a failure with `err instanceof ETagConflictError`, or, where two copies of this
 * package may be loaded, with `err.name === 'ETagConflictError'` or `err.code === 'ETAG_CONFLICT'`. The
 * usual answer to a conflict is to read the item again, reapply the change and write again.
 *
 * @example
 * ```ts
 * try {
 *     await storage.write({ [key]: { ...item, eTag } });
 * } catch (err) {
 *     if ((err as Error).name !== 'ETagConflictError') throw err;
 *     // someone else saved first: read again and retry
 * }
 * ```
 */
export class ETagConflictError extends Error {
    /** Always `'ETAG_CONFLICT'`, for code that checks error codes rather than classes. */
    readonly code = 'ETAG_CONFLICT';
    /** The storage key whose write was refused. */
    readonly key: string;
    /** The collection holding the item. */
    readonly collection: string;

    /**
     * @param key The storage key whose write was refused.
     * @param collection The collection holding the item.
     * @param options `cause`: the database's answer, if any.
     */
    constructor(key: string, collection: string, options?: { cause?: unknown }) {
        super(
            `Storage: error writing "${key}" due to eTag conflict. The item in collection "${collection}" changed since it was read: read it again and retry.`,
            options
        );
        this.name = 'ETagConflictError';
        this.key = key;
        this.collection = collection;
    }
}

/**
 * Thrown by {@link MongoStorage} when MongoDB cannot be reached, answers with an error, or holds a document
 * this version cannot read. The message names the operation, the keys and the collection; the driver's error
 * is kept as `cause`. A connection string's password never appears in it.
 */
export class MongoStorageError extends Error {
    /** The storage keys of the failed operation. */
    readonly keys: string[];
    /** The collection the operation used. */
    readonly collection: string;

    /**
     * @param message What failed, naming the keys and the collection.
     * @param keys The storage keys of the failed operation.
     * @param collection The collection the operation used.
     * @param options `cause`: the underlying error, if any.
     */
    constructor(message: string, keys: string[], collection: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'MongoStorageError';
        this.keys = keys;
        this.collection = collection;
    }
}
