import type { Collection, Db, Filter } from 'mongodb';
import { InactivityConfigError } from '../core/errors';
import { FlowSnapshot, SnapshotScope, SnapshotStore } from '../core/records/snapshotStore';
import { definedOnly, describe, ensureIndexes, IndexSpec, namedCollection, requireString as requireStringOf } from './collection';
import { DEFAULT_SWEEP_BATCH, deleteInBatches } from './batchDelete';

/** The default collection of {@link MongoSnapshotStore}. */
export const DEFAULT_SNAPSHOTS_COLLECTION = 'inactivitySnapshots';

/**
 * How long a snapshot is kept after its resume window closes before MongoDB's TTL monitor deletes it: 7 days.
 * Until then an operator can still see what happened to it (its dialog state is dropped at expiry).
 */
export const SNAPSHOT_PURGE_AFTER_EXPIRY_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The indexes of the snapshots collection. The id lives in its own field rather than in `_id` because the
 * embedded CongoDB server keeps only ObjectIds as `_id` (it converts whatever it is given and rejects a string that
 * is not 24 hex digits).
 */
export const SNAPSHOT_INDEXES: readonly IndexSpec[] = [
    { name: 'snapshotId', key: { snapshotId: 1 }, unique: true },
    { name: 'resumeLookup', key: { 'scope.channelId': 1, 'scope.userId': 1, 'scope.tenantId': 1, flowId: 1, status: 1, createdAt: -1 } },
    { name: 'expirySweep', key: { status: 1, expiresAt: 1 } },
    // A real MongoDB deletes the record a week after it stopped being resumable. `expire()` does not rely on
    // this: the TTL monitor runs only every minute, and the embedded CongoDB server never runs it.
    { name: 'purge', key: { purgeAt: 1 }, expireAfterSeconds: 0 },
];

/** Options of {@link MongoSnapshotStore}. */
export interface MongoSnapshotStoreOptions {
    /** The collection holding snapshots. Default `'inactivitySnapshots'`. */
    collection?: string;
}

/**
 * A snapshot as stored: {@link FlowSnapshot} with its id as `snapshotId` (unique index), plus `purgeAt` for the
 * TTL index. `_id` is a server-made ObjectId. `dialogStateJson` is absent once the snapshot has expired.
 */
export type SnapshotDocument = Omit<FlowSnapshot, 'id' | 'dialogStateJson'> & {
    /** The snapshot id ({@link FlowSnapshot.id}). */
    snapshotId: string;
    /** The dialog state as JSON; removed once resumed, discarded or expired. */
    dialogStateJson?: string;
    /** When a real MongoDB deletes the document (TTL index): `expiresAt` + 7 days. */
    purgeAt: Date;
};

/**
 * A {@link SnapshotStore} in a MongoDB collection. The `Db` stays the caller's: the store never closes it.
 *
 * Call {@link MongoSnapshotStore.init} once at start-up to create the indexes.
 *
 * @example
 * ```ts
 * const { db } = await openMongo(process.env.MONGODB_URI!);
 * const snapshots = new MongoSnapshotStore(db);
 * await snapshots.init();
 * const snapshot = await snapshots.findResumable({ channelId, userId, tenantId }, 'orderPizza', Date.now());
 * ```
 */
export class MongoSnapshotStore implements SnapshotStore {
    /** The snapshots collection, for operators' tools and tests. */
    readonly collection: Collection<SnapshotDocument>;

    /**
     * @param db The database to keep snapshots in.
     * @param options See {@link MongoSnapshotStoreOptions}.
     */
    constructor(db: Db, options: MongoSnapshotStoreOptions = {}) {
        this.collection = namedCollection<SnapshotDocument>(db, options.collection, {
            owner: 'MongoSnapshotStore',
            option: 'collection',
            fallback: DEFAULT_SNAPSHOTS_COLLECTION,
        });
    }

    /**
     * Creates the indexes: the id, the resume lookup, the expiry sweep and a TTL index on `purgeAt`. Safe to
     * call on every start.
     */
    async init(): Promise<void> {
        await ensureIndexes(this.collection, SNAPSHOT_INDEXES);
    }

    /** Saves a new snapshot; saving the same id again changes nothing (a retried close saves its flow once). */
    async save(snapshot: FlowSnapshot): Promise<void> {
        const { snapshotId, ...rest } = toDocument(snapshot);
        await this.collection.updateOne({ snapshotId }, { $setOnInsert: rest }, { upsert: true });
    }

    /** @inheritdoc */
    async findResumable(scope: SnapshotScope, flowId: string, now: number): Promise<FlowSnapshot | undefined> {
        requireString('flowId', flowId);
        const doc = await this.collection.findOne({ ...scopeFilter(scope), flowId, status: 'abandoned', expiresAt: { $gt: now } }, { sort: { createdAt: -1 } });
        return doc ? fromDocument(doc) : undefined;
    }

    /** @inheritdoc */
    async claim(id: string, scope: SnapshotScope, to: 'resumed' | 'discarded', now: number): Promise<FlowSnapshot | undefined> {
        // The id comes back from a button the user clicked: an object here would become a query operator.
        requireString('id', id);
        if (to !== 'resumed' && to !== 'discarded') {
            throw new InactivityConfigError(`MongoSnapshotStore.claim: 'to' must be 'resumed' or 'discarded', got ${describe(to)}.`);
        }
        const before = await this.collection.findOneAndUpdate(
            { snapshotId: id, status: 'abandoned', expiresAt: { $gt: now }, ...scopeFilter(scope) },
            // The caller gets the saved state from this answer; the stored copy of the user's data goes now.
            { $set: { status: to, updatedAt: now }, $unset: { dialogStateJson: '' } },
            { returnDocument: 'before' }
        );
        return before ? fromDocument(before) : undefined;
    }

    /** @inheritdoc */
    async release(snapshot: FlowSnapshot, from: 'resumed' | 'discarded'): Promise<boolean> {
        requireString('id', snapshot.id);
        if (from !== 'resumed' && from !== 'discarded') {
            throw new InactivityConfigError(`MongoSnapshotStore.release: 'from' must be 'resumed' or 'discarded', got ${describe(from)}.`);
        }
        const result = await this.collection.updateOne(
            { snapshotId: snapshot.id, status: from },
            { $set: { status: 'abandoned', updatedAt: snapshot.updatedAt, dialogStateJson: snapshot.dialogStateJson } }
        );
        return result.modifiedCount === 1;
    }

    /** @inheritdoc */
    async expire(now: number): Promise<number> {
        const result = await this.collection.updateMany(
            { status: 'abandoned', expiresAt: { $lte: now } },
            { $set: { status: 'expired', updatedAt: now }, $unset: { dialogStateJson: '' } }
        );
        return result.modifiedCount;
    }

    /**
     * Deletes the records a week past their resume window (`purgeAt`), in batches: what the TTL index does on a
     * real MongoDB, for servers that never apply it (the embedded one).
     *
     * @param now The clock (epoch ms).
     * @param batchSize Documents per delete command: each batch of ids is read, then deleted.
     * @param keepGoing Asked before each batch after the first: false stops there.
     * @returns How many were deleted.
     */
    purge(now: number, batchSize = DEFAULT_SWEEP_BATCH, keepGoing?: () => boolean): Promise<number> {
        return deleteInBatches(this.collection, { purgeAt: { $lte: new Date(now) } }, batchSize, keepGoing);
    }
}

/**
 * The filter that pins a snapshot to its owner. A scope without tenant matches only documents without one
 * (`null` matches an absent field), so a tenant's snapshot is never offered outside that tenant.
 */
function scopeFilter(scope: SnapshotScope): Filter<SnapshotDocument> {
    requireString('scope.channelId', scope.channelId);
    requireString('scope.userId', scope.userId);
    if (scope.tenantId !== undefined) {
        requireString('scope.tenantId', scope.tenantId);
    }
    if (scope.groupId !== undefined) {
        requireString('scope.groupId', scope.groupId);
    }
    return {
        'scope.channelId': scope.channelId,
        'scope.userId': scope.userId,
        'scope.tenantId': scope.tenantId ?? null,
        'scope.groupId': scope.groupId ?? null,
    };
}

function requireString(field: string, value: unknown): void {
    requireStringOf(value, { owner: 'MongoSnapshotStore', option: field });
}

function toDocument(s: FlowSnapshot): SnapshotDocument {
    requireString('id', s.id);
    // Undefined fields are left out rather than stored as null, so "no tenant" has a single representation.
    const { id, ...rest } = s;
    return {
        ...(definedOnly(rest) as Omit<FlowSnapshot, 'id'>),
        snapshotId: id,
        scope: definedOnly({ channelId: s.scope.channelId, userId: s.scope.userId, tenantId: s.scope.tenantId, groupId: s.scope.groupId }) as SnapshotScope,
        purgeAt: new Date(s.expiresAt + SNAPSHOT_PURGE_AFTER_EXPIRY_MS),
    };
}

function fromDocument(d: SnapshotDocument): FlowSnapshot {
    // null and absent both read as absent: documents written by other tools may hold nulls.
    const { snapshotId, purgeAt, _id, scope, dialogStateJson, ...rest } = d as SnapshotDocument & { _id?: unknown };
    return {
        ...(withoutNulls(rest) as Omit<FlowSnapshot, 'id' | 'scope' | 'dialogStateJson'>),
        id: snapshotId,
        scope: withoutNulls({ channelId: scope.channelId, userId: scope.userId, tenantId: scope.tenantId, groupId: scope.groupId }) as SnapshotScope,
        dialogStateJson: dialogStateJson ?? '',
    };
}

function withoutNulls<T extends object>(value: T): Partial<T> {
    return definedOnly(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v ?? undefined])) as T);
}
