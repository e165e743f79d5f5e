import type { ObjectId } from 'mongodb';
import { hashedId } from './collection';

/**
 * The `_id` of the follow-up with deduplication key `key` ({@link hashedId} of `followup:<key>`). Making the key
 * the `_id` makes a second insert of the same key fail on every server, the `_id` index being unique everywhere
 * (an embedded test server may not enforce other unique indexes).
 *
 * @param key The deduplication key.
 * @returns An ObjectId that depends only on the key.
 */
export function followUpId(key: string): ObjectId {
    return hashedId(`followup:${key}`);
}
