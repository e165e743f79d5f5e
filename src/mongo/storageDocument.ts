import { createHash } from 'crypto';
import { ObjectId } from 'mongodb';

/** The schema version written in every {@link StateDocument}; documents of another version are refused. */
export const STATE_DOCUMENT_VERSION = 1;

/**
 * One storage item as {@link MongoStorage} keeps it.
 *
 * - `_id` is derived from the key (the first 12 bytes of its SHA-256), not made by the server. MongoDB's one
 *   always-unique index is then the key index: two writers creating the same key at once cannot make two
 *   documents, neither on a real MongoDB nor on the embedded CongoDB server in memory (which enforces `_id` but
 *   no other unique index, and refuses string `_id` values; its file-backed mode reads and rewrites a whole
 *   file per command, so concurrent writes there can be lost whatever the document shape). A fixed-size id
 *   also keeps Teams conversation keys of thousands of characters out of every index. The ObjectId's
 *   "timestamp" part is meaningless here.
 * - `key` is the full storage key. Writes and deletes match it too, and reads check it, so two keys whose ids
 *   collide (odds below 1 in 10^13 with 100 million keys) fail loudly instead of reading or overwriting each
 *   other.
 * - `itemJson` is the item without its eTag, as JSON. A JSON string rather than a BSON document because it
 *   gives back exactly what botbuilder's `MemoryStorage` gives (it also round-trips through JSON: a Date
 *   becomes its ISO string, `undefined` disappears), and keys with `.` or `$` anywhere, which BSON updates and
 *   queries treat specially, need no escaping scheme of our own.
 */
export interface StateDocument {
    /** Derived from the key: the first 12 bytes of its SHA-256, so one key can only ever make one document. */
    _id: ObjectId;
    /** The storage key. */
    key: string;
    /** Schema version, {@link STATE_DOCUMENT_VERSION}. */
    v: number;
    /** A new random value on every successful write. */
    eTag: string;
    /** The item, without `eTag`, as JSON. */
    itemJson: string;
    /** When the item was last written, for operators (no index, no expiry). */
    updatedAt: Date;
}

/**
 * The `_id` of a storage key's document.
 *
 * @param key A storage key.
 * @returns The first 12 bytes of the key's SHA-256, as an ObjectId.
 */
export function storageId(key: string): ObjectId {
    return new ObjectId(createHash('sha256').update(key, 'utf8').digest().subarray(0, 12));
}
