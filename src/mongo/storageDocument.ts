import type { ObjectId } from 'mongodb';
import { hashedId } from './collection';

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
    return hashedId(key);
}

/**
 * One item of a bot's state storage: any JSON-able fields and an optional `eTag`. The same shape as botbuilder's
 * and the Microsoft 365 Agents SDK's `StoreItem`, declared here so that {@link MongoStorage} needs neither SDK.
 */
export interface StorageItem {
    /** The item's fields, as the bot's state put them. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDKs' own StoreItem uses `any`: state reads as the bot wrote it.
    [key: string]: any;
    /** The item's version: `'*'` or none overwrites; any other value must match the stored one. */
    eTag?: string;
}

/** Items by storage key: the same shape as the SDKs' `StoreItems`. */
export interface StorageItems {
    /** An item by its storage key. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as the SDKs' StoreItems.
    [key: string]: any;
}

/**
 * The state storage interface, structurally: botbuilder's `Storage` and the Microsoft 365 Agents SDK's `Storage`
 * have this shape, so one {@link MongoStorage} serves a bot on either SDK (a test checks it against botbuilder's).
 */
export interface BotStorage {
    /** Reads items by key; keys not stored are left out. */
    read(keys: string[]): Promise<StorageItems>;
    /** Writes items by key. */
    write(changes: StorageItems): Promise<void>;
    /** Deletes items by key. */
    delete(keys: string[]): Promise<void>;
}
