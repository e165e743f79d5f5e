import { createHash } from 'crypto';
import { ObjectId } from 'mongodb';

/**
 * The `_id` of the follow-up with deduplication key `key`: the first 12 bytes of its SHA-256. Making the key the
 * `_id` makes a second insert of the same key fail on every server, the `_id` index being unique everywhere
 * (an embedded test server may not enforce other unique indexes).
 *
 * @param key The deduplication key.
 * @returns An ObjectId that depends only on the key.
 */
export function followUpId(key: string): ObjectId {
    return new ObjectId(createHash('sha256').update(`followup:${key}`).digest().subarray(0, 12));
}

/**
 * True for MongoDB's duplicate key error (code 11000; the embedded server answers an upsert's with code 1 and the
 * same words).
 *
 * @param err What a write threw.
 * @returns Whether it is a duplicate key error.
 */
export function isDuplicateKey(err: unknown): boolean {
    if (typeof err !== 'object' || err === null) {
        return false;
    }
    const e = err as { code?: number; message?: string };
    return e.code === 11000 || (e.code === 1 && /duplicate key/i.test(e.message ?? ''));
}
