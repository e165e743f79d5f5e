import { createHash } from 'crypto';
import { Collection, Db, Document, Filter, IndexDescription, IndexDescriptionInfo, ObjectId } from 'mongodb';
import { InactivityConfigError } from '../core/errors';
import { toMilliseconds } from '../core/policy/duration';
import { definedOnly } from '../core/util/definedOnly';

// What every MongoDB store of the plugin shares: the collection-name rule, documents without `undefined`
// fields, indexes declared as data, ids derived from keys, the duplicate-key check, and the "insert once" write.
// Each store keeps only what is its own.

/** One index of a store, declared as data: each store lists its indexes in a constant, and its `init()` makes them. */
export interface IndexSpec {
    /** Its name, as `listIndexes` shows it. */
    name: string;
    /** Its fields: 1 ascending, -1 descending. */
    key: Record<string, 1 | -1>;
    /** Unique, on servers that enforce it (a real MongoDB; the embedded CongoDB server enforces only `_id`). */
    unique?: boolean;
    /** Leaves out documents without the field. */
    sparse?: boolean;
    /**
     * A TTL index: a real MongoDB deletes a document this many seconds after the date in its (single) field. The
     * embedded CongoDB server keeps the index but never expires anything: the stores' own purge does it there.
     */
    expireAfterSeconds?: number;
}

/** Whose option (or argument) a value is, for the error message. */
export interface OptionName {
    /** The class or function whose option it is, e.g. `'MongoStorage'`. */
    owner: string;
    /** The option's name, e.g. `'collection'`. */
    option: string;
}

/**
 * Checks a collection name: not empty, without `$` or NUL, not starting with `system.` (MongoDB's rule).
 *
 * @param value The name given.
 * @param source The owner and option, named in the error.
 * @returns The name.
 * @throws InactivityConfigError naming the option, the value and what is allowed.
 */
export function checkCollectionName(value: unknown, source: OptionName): string {
    if (typeof value !== 'string' || value.length === 0 || value.includes('$') || value.includes('\0') || value.startsWith('system.')) {
        throw new InactivityConfigError(
            `${source.owner}: options.${source.option} must be a MongoDB collection name (not empty, without '$' or NUL, not starting with 'system.'), got ${describe(value)}.`
        );
    }
    return value;
}

/**
 * The collection named by an option, checked with {@link checkCollectionName}.
 *
 * @param db The database.
 * @param name The option's value (`undefined` takes `fallback`).
 * @param source The owner, the option and the default name.
 * @returns The collection.
 */
export function namedCollection<T extends Document>(db: Db, name: unknown, source: OptionName & { fallback: string }): Collection<T> {
    return db.collection<T>(checkCollectionName(name === undefined ? source.fallback : name, source));
}

/**
 * Checks that a value used in a query is a string, so that an object from outside (a button's payload, a
 * caller's mistake) can never become a query operator.
 *
 * @param value The value.
 * @param source The owner and the argument's name, named in the error.
 * @throws InactivityConfigError naming the argument and the type found.
 */
export function requireString(value: unknown, source: OptionName): asserts value is string {
    if (typeof value !== 'string') {
        throw new InactivityConfigError(`${source.owner}: '${source.option}' must be a string, got ${describe(value)}.`);
    }
}

export { definedOnly };

/**
 * Reads a retention: a duration (ms or a string such as `'90 days'`) longer than 0.
 *
 * @param value The option's value.
 * @param source The owner and option, named in the error.
 * @returns Milliseconds.
 * @throws InactivityConfigError naming the option and the value.
 */
export function retentionMs(value: unknown, source: OptionName): number {
    // The middleware's option of that name is the one users set; its message names it.
    const ms = toMilliseconds(value, 'recordRetention');
    if (!(ms > 0)) {
        throw new InactivityConfigError(`${source.owner}: options.${source.option} must be more than 0, got ${describe(value)}.`);
    }
    return ms;
}

/**
 * The TTL index of a retention: a real MongoDB deletes each document `retention` after the date in `field`.
 * The embedded CongoDB server does not expire TTL indexes: the hourly sweep (the stores' `purge`) does it there.
 *
 * @param field The date field.
 * @param retention The retention in ms.
 * @returns The index, named `'retention'`.
 */
export function retentionIndex(field: string, retention: number): IndexSpec {
    return { name: 'retention', key: { [field]: 1 }, expireAfterSeconds: Math.ceil(retention / 1000) };
}

/**
 * Creates a store's indexes. Safe on every start: an index that exists as declared is left alone; one that
 * exists under the same name with other options (a TTL whose retention changed) is dropped and made again,
 * because a real MongoDB refuses new options under an existing name; indexes named in `retired` are dropped.
 *
 * @param collection The collection.
 * @param indexes The store's indexes.
 * @param retired Names of indexes earlier versions made and this one no longer needs.
 */
export async function ensureIndexes<T extends Document>(
    collection: Collection<T>,
    indexes: readonly IndexSpec[],
    retired: readonly string[] = []
): Promise<void> {
    // A collection that does not exist yet has no indexes (and a real MongoDB answers NamespaceNotFound).
    const existing = (await collection
        .listIndexes()
        .toArray()
        .catch(() => [])) as IndexDescriptionInfo[];
    for (const name of retired) {
        if (existing.some((i) => i.name === name)) {
            await dropIndex(collection, name);
        }
    }
    for (const index of indexes) {
        const found = existing.find((i) => i.name === index.name);
        if (found && !sameIndex(found, index)) {
            await dropIndex(collection, index.name);
        }
        await collection.createIndex(index.key, indexOptions(index));
    }
}

/** Drops an index; one already gone (another instance starting at the same time dropped it) is fine. */
async function dropIndex<T extends Document>(collection: Collection<T>, name: string): Promise<void> {
    try {
        await collection.dropIndex(name);
    } catch (err) {
        const e = err as { code?: unknown; message?: unknown };
        if (!(e?.code === 27 || (typeof e?.message === 'string' && /index not found/i.test(e.message)))) {
            throw err;
        }
    }
}

function indexOptions(index: IndexSpec): Omit<IndexDescription, 'key'> {
    return definedOnly({
        name: index.name,
        unique: index.unique === true ? true : undefined,
        sparse: index.sparse === true ? true : undefined,
        expireAfterSeconds: index.expireAfterSeconds,
    });
}

function sameIndex(found: Document, index: IndexSpec): boolean {
    return (
        JSON.stringify(found.key) === JSON.stringify(index.key) &&
        (found.unique === true) === (index.unique === true) &&
        (found.sparse === true) === (index.sparse === true) &&
        (found.expireAfterSeconds ?? undefined) === index.expireAfterSeconds
    );
}

/**
 * An `_id` derived from a key: the first 12 bytes of the SHA-256 of its UTF-8 text, as an ObjectId (whose
 * "timestamp" part is then meaningless). The `_id` index is the one unique index every server enforces (the
 * embedded CongoDB server enforces no other, and refuses string `_id` values), so one key can only ever make one
 * document, and a long key stays out of every index. Timers, follow-ups, their users, storage items and run
 * records all take their `_id` from here.
 *
 * @param key The key, already namespaced by the caller where two kinds of document share a collection.
 * @returns The ObjectId.
 */
export function hashedId(key: string): ObjectId {
    return new ObjectId(createHash('sha256').update(key, 'utf8').digest().subarray(0, 12));
}

/**
 * True for a duplicate key answer: code 11000 from MongoDB; the embedded CongoDB server answers code 1 with
 * "Duplicate key error" in the message.
 *
 * @param err What a write threw.
 * @returns Whether it is a duplicate key error.
 */
export function isDuplicateKey(err: unknown): boolean {
    const e = err as { code?: unknown; message?: unknown } | null | undefined;
    return e?.code === 11000 || (typeof e?.message === 'string' && /duplicate key/i.test(e.message));
}

/**
 * Writes a document once under a deterministic id: an upsert with `$setOnInsert`, so recording the same thing
 * again (a retried timer, two instances ending the same run) changes nothing, and undefined fields are left
 * out. A duplicate key answer means another writer inserted it first, which is the goal: it counts as recorded.
 *
 * @param collection The collection.
 * @param filter The deterministic id, e.g. `{ _id }` or `{ eventId }`.
 * @param doc The document's other fields.
 * @returns True when this call inserted it.
 */
export async function recordOnce<T extends Document>(collection: Collection<T>, filter: Filter<T>, doc: Partial<T>): Promise<boolean> {
    try {
        const result = await collection.updateOne(filter, { $setOnInsert: definedOnly(doc) as Partial<T> }, { upsert: true });
        return result.upsertedCount === 1;
    } catch (err) {
        if (!isDuplicateKey(err)) {
            throw err;
        }
        return false;
    }
}

/**
 * A value as an error message shows it: strings quoted, objects by their class.
 *
 * @param value Anything.
 * @returns A short description.
 */
export function describe(value: unknown): string {
    if (typeof value === 'string') {
        return JSON.stringify(value);
    }
    if (value === null || typeof value !== 'object') {
        return String(value);
    }
    if (Array.isArray(value)) {
        return 'an array';
    }
    const name = value.constructor?.name;
    if (name === 'MongoClient' || name === 'Db') {
        // Had it been this driver's, the caller would have accepted it: it comes from another copy of the driver.
        return `a ${name} from another copy of the 'mongodb' package (give the bot and botbuilder-inactivity one mongodb version)`;
    }
    return name && name !== 'Object' ? `a ${name}` : 'an object';
}
