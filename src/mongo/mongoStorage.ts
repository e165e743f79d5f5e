import { randomUUID } from 'crypto';
import { Collection, Db, Filter, MongoClient } from 'mongodb';
import { InactivityConfigError } from '../core/errors';
import { checkCollectionName, describe, isDuplicateKey } from './collection';
import { MongoHandle, MongoSource, openMongo, redactUri } from './mongoConnection';
import { BotStorage, STATE_DOCUMENT_VERSION, StateDocument, StorageItem, StorageItems, storageId } from './storageDocument';
import { ETagConflictError, MongoStorageError } from './storageErrors';

/** The default collection of {@link MongoStorage}: `'botState'`. */
export const DEFAULT_STATE_COLLECTION = 'botState';

/** Options of {@link MongoStorage}. */
export interface MongoStorageOptions {
    /**
     * Where the state lives, in the same forms as the middleware's `mongo` option: a connection string (the
     * storage opens and closes its own client), a `MongoClient` (its default database is used) or a `Db`.
     * Give the middleware and the storage the same client to share one connection pool. Required.
     */
    mongo: MongoSource;
    /** The collection holding the items. Default `'botState'`. */
    collection?: string;
}

const OPTION_NAMES = ['mongo', 'collection'];

/** An item checked and serialised, ready to be written. */
interface PreparedWrite {
    key: string;
    /** The eTag the stored item must still have; `undefined` overwrites (no eTag, `''` or `'*'`). */
    eTag: string | undefined;
    itemJson: string;
}

/**
 * A bot state `Storage` on MongoDB, for a bot's conversation and user state, on botbuilder or the Microsoft 365
 * Agents SDK (both `Storage` interfaces have the shape of {@link BotStorage}), with the same optimistic
 * concurrency as botbuilder's `MemoryStorage` and `CosmosDbPartitionedStorage`:
 *
 * - `read` returns each item with its `eTag`, and omits keys that are not stored;
 * - `write` of an item carrying an `eTag` (other than `'*'`) succeeds only if the stored item still has that
 *   eTag, else it throws {@link ETagConflictError}; no eTag or `'*'` overwrites; an item that is not stored yet
 *   is created whatever its eTag; every successful write gives the item a new random eTag. The check and the
 *   write are one atomic database command, so of two writers holding the same eTag exactly one wins;
 * - `delete` of a key that is not stored does nothing.
 *
 * Items round-trip through JSON exactly as with `MemoryStorage` (a `Date` comes back as its ISO string). It
 * connects on first use; {@link MongoStorage.close} closes only a client it opened from a connection string.
 * Botbuilder's `BotState.saveChanges` always writes with eTag `'*'` (last writer wins): eTags only protect
 * code that reads and writes the storage itself.
 *
 * @example
 * ```ts
 * import { ConversationState, UserState } from 'botbuilder';
 * import { MongoClient } from 'mongodb';
 * import { InactivityMiddleware, MongoStorage } from 'botbuilder-inactivity';
 *
 * const client = new MongoClient(process.env.MONGODB_URI!);        // one connection pool for the bot
 * const storage = new MongoStorage({ mongo: client });             // collection 'botState'
 * const conversationState = new ConversationState(storage);
 * const userState = new UserState(storage);
 * const inactivity = new InactivityMiddleware({ adapter, conversationState, dialogState, mongo: client });
 * // on shutdown: await inactivity.stop(); await client.close();
 * ```
 */
export class MongoStorage implements BotStorage {
    /** The name of the collection holding the items. */
    readonly collectionName: string;
    private readonly source: MongoSource;
    private opening: Promise<MongoHandle> | undefined;

    /**
     * @param options See {@link MongoStorageOptions}.
     * @throws InactivityConfigError naming the option, the value and what is allowed.
     */
    constructor(options: MongoStorageOptions) {
        if (!options || typeof options !== 'object') {
            throw new InactivityConfigError(`MongoStorage needs an options object such as { mongo: process.env.MONGODB_URI }, got ${describe(options)}.`);
        }
        for (const name of Object.keys(options)) {
            if (!OPTION_NAMES.includes(name)) {
                throw new InactivityConfigError(`MongoStorage: unknown option '${name}'. Allowed: ${OPTION_NAMES.join(', ')}.`);
            }
        }
        const { mongo } = options;
        if (!(mongo instanceof MongoClient || mongo instanceof Db || (typeof mongo === 'string' && /^mongodb(\+srv)?:\/\//.test(mongo)))) {
            throw new InactivityConfigError(
                `MongoStorage: options.mongo must be a MongoDB connection string (mongodb:// or mongodb+srv://), a MongoClient or a Db, got ${typeof mongo === 'string' ? JSON.stringify(redactUri(mongo)) : describe(mongo)}.`
            );
        }
        this.source = mongo;
        this.collectionName = checkCollectionName(options.collection === undefined ? DEFAULT_STATE_COLLECTION : options.collection, {
            owner: 'MongoStorage',
            option: 'collection',
        });
    }

    /**
     * Reads items.
     *
     * @param keys The storage keys to read; `[]` reads nothing (and does not connect).
     * @returns The stored items by key, each with its `eTag`; keys that are not stored are left out.
     * @throws MongoStorageError naming the keys and the collection when MongoDB fails or a document cannot be read.
     * @throws InactivityConfigError when `keys` is not an array of strings.
     */
    async read(keys: string[]): Promise<StorageItems> {
        checkKeys('read', keys);
        const wanted = [...new Set(keys)];
        if (wanted.length === 0) {
            return {};
        }
        let docs: StateDocument[];
        try {
            const collection = await this.collection();
            docs = await collection.find({ _id: { $in: wanted.map(storageId) } }).toArray();
        } catch (err) {
            throw this.failure('read', wanted, err);
        }
        const items: StorageItems = {};
        const asked = new Set(wanted);
        for (const doc of docs) {
            // A document whose key differs is another key with a colliding id: the requested key is not stored.
            if (asked.has(doc.key)) {
                items[doc.key] = this.toItem(doc);
            }
        }
        return items;
    }

    /**
     * Writes items, each with one atomic command. Every item is checked and serialised before anything is
     * written; then a conflict or failure on one key does not stop the others (as with `MemoryStorage`), and
     * the first error, in the order of `changes`, is thrown once all have finished.
     *
     * @param changes The items by storage key; `{}` writes nothing (and does not connect).
     * @throws ETagConflictError when an item's eTag no longer matches the stored item's.
     * @throws MongoStorageError naming the key and the collection when MongoDB fails or an item is not JSON.
     * @throws InactivityConfigError when `changes` or an item is not an object, or an eTag is not a string.
     */
    async write(changes: StorageItems): Promise<void> {
        if (!changes || typeof changes !== 'object' || Array.isArray(changes)) {
            throw new InactivityConfigError(`MongoStorage.write: changes must be an object of items by storage key, got ${describe(changes)}.`);
        }
        const writes = Object.entries(changes).map(([key, item]) => this.prepare(key, item));
        if (writes.length === 0) {
            return;
        }
        let collection: Collection<StateDocument>;
        try {
            collection = await this.collection();
        } catch (err) {
            throw this.failure(
                'write',
                writes.map((w) => w.key),
                err
            );
        }
        const results = await Promise.allSettled(writes.map((w) => this.writeOne(collection, w)));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) {
            throw failed.reason;
        }
    }

    /**
     * Deletes items, in one command.
     *
     * @param keys The storage keys to delete; keys that are not stored are fine; `[]` deletes nothing.
     * @throws MongoStorageError naming the keys and the collection when MongoDB fails.
     * @throws InactivityConfigError when `keys` is not an array of strings.
     */
    async delete(keys: string[]): Promise<void> {
        checkKeys('delete', keys);
        const doomed = [...new Set(keys)];
        if (doomed.length === 0) {
            return;
        }
        try {
            const collection = await this.collection();
            await collection.deleteMany({ $or: doomed.map((key) => ({ _id: storageId(key), key })) });
        } catch (err) {
            throw this.failure('delete', doomed, err);
        }
    }

    /**
     * Closes the client the storage opened from a connection string; a given `MongoClient` or `Db` is left
     * open (it is the caller's). Safe to call more than once; a later read or write connects again.
     */
    async close(): Promise<void> {
        const opening = this.opening;
        this.opening = undefined;
        if (!opening) {
            return;
        }
        let handle: MongoHandle;
        try {
            handle = await opening;
        } catch {
            return;
        }
        await handle.close();
    }

    /** The collection, connecting on first use; concurrent first calls share one connection attempt. */
    private async collection(): Promise<Collection<StateDocument>> {
        if (!this.opening) {
            const opening = openMongo(this.source);
            this.opening = opening;
            // A failed attempt is forgotten, so the next call tries again instead of repeating the old error.
            opening.catch(() => {
                if (this.opening === opening) {
                    this.opening = undefined;
                }
            });
        }
        const { db } = await this.opening;
        return db.collection<StateDocument>(this.collectionName);
    }

    private prepare(key: string, item: unknown): PreparedWrite {
        if (item === null || typeof item !== 'object' || Array.isArray(item)) {
            throw new InactivityConfigError(`MongoStorage.write: the item for "${key}" must be an object, got ${describe(item)}.`);
        }
        const { eTag, ...rest } = item as StorageItem;
        if (eTag !== undefined && eTag !== null && typeof eTag !== 'string') {
            throw new InactivityConfigError(`MongoStorage.write: the eTag of "${key}" must be a string ('*' or none to overwrite), got ${describe(eTag)}.`);
        }
        let itemJson: string;
        try {
            itemJson = JSON.stringify(rest);
        } catch (err) {
            throw new MongoStorageError(
                `MongoStorage could not write "${key}" to collection "${this.collectionName}": the item cannot be turned into JSON (${(err as Error).message}).`,
                [key],
                this.collectionName,
                { cause: err }
            );
        }
        // As MemoryStorage: an empty eTag, like none or '*', overwrites.
        return { key, eTag: eTag && eTag !== '*' ? eTag : undefined, itemJson };
    }

    /**
     * Writes one item with one `updateOne` upsert. The filter holds the key's `_id` (unique everywhere) and,
     * for a conditional write, the expected eTag: when it matches, the item is replaced; when nothing is stored,
     * the upsert creates it; when a different eTag is stored, the upsert's insert collides with the existing
     * `_id`, and that duplicate key answer is the conflict. No read comes before the write.
     */
    private async writeOne(collection: Collection<StateDocument>, write: PreparedWrite): Promise<void> {
        const { key, eTag, itemJson } = write;
        const filter: Filter<StateDocument> = eTag === undefined ? { _id: storageId(key), key } : { _id: storageId(key), key, eTag };
        const update = { $set: { v: STATE_DOCUMENT_VERSION, eTag: randomUUID(), itemJson, updatedAt: new Date() } };
        for (let attempt = 1; ; attempt++) {
            try {
                await collection.updateOne(filter, update, { upsert: true });
                return;
            } catch (err) {
                if (!isDuplicateKey(err)) {
                    throw this.failure('write', [key], err);
                }
                if (eTag !== undefined) {
                    throw new ETagConflictError(key, this.collectionName, { cause: err });
                }
                // An overwrite lost a race to create the item: it exists now, so the same command updates it.
                // A second duplicate means another key's document holds this id (a hash collision).
                if (attempt === 2) {
                    throw this.failure('write', [key], err);
                }
            }
        }
    }

    private toItem(doc: StateDocument): StorageItem {
        if (doc.v !== STATE_DOCUMENT_VERSION) {
            throw new MongoStorageError(
                `MongoStorage could not read "${doc.key}" from collection "${this.collectionName}": its document has schema version ${describe(doc.v)}, this version of botbuilder-inactivity reads version ${STATE_DOCUMENT_VERSION}.`,
                [doc.key],
                this.collectionName
            );
        }
        try {
            return { ...(JSON.parse(doc.itemJson) as StorageItem), eTag: doc.eTag };
        } catch (err) {
            throw this.failure('read', [doc.key], err);
        }
    }

    private failure(action: 'read' | 'write' | 'delete', keys: string[], err: unknown): MongoStorageError {
        const where = action === 'write' ? 'to' : action === 'read' ? 'from' : 'in';
        const names = keys.map((k) => `"${k}"`).join(', ');
        return new MongoStorageError(
            `MongoStorage could not ${action} ${names} ${where} collection "${this.collectionName}": ${err instanceof Error ? err.message : String(err)}`,
            keys,
            this.collectionName,
            { cause: err }
        );
    }
}

function checkKeys(method: 'read' | 'delete', keys: unknown): asserts keys is string[] {
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) {
        throw new InactivityConfigError(`MongoStorage.${method}: keys must be an array of strings, got ${describe(keys)}.`);
    }
}
