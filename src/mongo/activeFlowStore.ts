import type { Collection, Db } from 'mongodb';
import type { ActiveFlowStore, InstanceActiveFlows } from '../core/ports/activeFlowStore';
import { ensureIndexes, IndexSpec, namedCollection } from './collection';

/** The default collection of {@link MongoActiveFlowStore}. */
export const DEFAULT_ACTIVE_FLOWS_COLLECTION = 'inactivityActiveFlows';

/** One document per instance, found by its id; expired ones are purged by the hourly sweep. */
const ACTIVE_FLOW_INDEXES: readonly IndexSpec[] = [
    { name: 'instanceId', key: { instanceId: 1 }, unique: true },
    { name: 'expiresAt', key: { expiresAt: 1 } },
];

/**
 * The instances' publications of their flows in progress, in a MongoDB collection: one document per instance,
 * replaced at each publication (an instance never writes another's, so two publishing at once cannot lose one).
 * The id lives in its own field: the embedded CongoDB server keeps only ObjectIds as `_id`.
 */
export class MongoActiveFlowStore implements ActiveFlowStore {
    /** The collection, for tests. */
    readonly collection: Collection<InstanceActiveFlows>;

    /**
     * @param db The database.
     * @param options `collection`: default `'inactivityActiveFlows'`.
     */
    constructor(db: Db, options: { collection?: string } = {}) {
        this.collection = namedCollection<InstanceActiveFlows>(db, options.collection, {
            owner: 'MongoActiveFlowStore',
            option: 'collection',
            fallback: DEFAULT_ACTIVE_FLOWS_COLLECTION,
        });
    }

    /** Creates the indexes. Safe to call on every start. */
    async init(): Promise<void> {
        await ensureIndexes(this.collection, ACTIVE_FLOW_INDEXES);
    }

    /** @inheritdoc */
    async publish(flows: InstanceActiveFlows): Promise<void> {
        await this.collection.updateOne({ instanceId: flows.instanceId }, { $set: flows }, { upsert: true });
    }

    /** @inheritdoc */
    async read(now: number): Promise<InstanceActiveFlows[]> {
        return this.collection.find({ expiresAt: { $gt: now } }, { projection: { _id: 0 } }).toArray();
    }

    /**
     * Deletes the publications of instances whose flows have all expired (stopped or crashed instances).
     *
     * @param now The clock.
     * @returns How many were deleted.
     */
    async purge(now: number): Promise<number> {
        return (await this.collection.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
    }
}
