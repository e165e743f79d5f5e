import { Collection, Db, Document, Filter } from 'mongodb';
import { AbandonmentEvent, AbandonmentLog, AbandonReason } from '../core/records/abandonmentLog';

/** The default collection of {@link MongoAbandonmentLog}. */
export const DEFAULT_EVENTS_COLLECTION = 'inactivityEvents';

/** Options of {@link MongoAbandonmentLog}. */
export interface MongoAbandonmentLogOptions {
    /** The collection holding abandonment events. Default `'inactivityEvents'`. */
    collection?: string;
}

/**
 * An abandonment event as stored: {@link AbandonmentEvent} with its id as `eventId` (unique index); `_id` is a
 * server-made ObjectId; absent fields are left out.
 */
export type AbandonmentDocument = Omit<AbandonmentEvent, 'id'> & {
    /** The event id ({@link AbandonmentEvent.id}). */
    eventId: string;
};

/**
 * An {@link AbandonmentLog} in a MongoDB collection, indexed for the drop-off report
 * ({@link dropOffCounts}). The `Db` stays the caller's: the log never closes it.
 *
 * @example
 * ```ts
 * const log = new MongoAbandonmentLog(db);
 * await log.init();
 * const rows = await dropOffCounts(log, { since: new Date(Date.now() - 7 * 86_400_000) });
 * ```
 */
export class MongoAbandonmentLog implements AbandonmentLog {
    /** The events collection, for reports, operators' tools and tests. */
    readonly collection: Collection<AbandonmentDocument>;

    /**
     * @param db The database to keep events in.
     * @param options See {@link MongoAbandonmentLogOptions}.
     */
    constructor(db: Db, options: MongoAbandonmentLogOptions = {}) {
        this.collection = db.collection<AbandonmentDocument>(collectionName(options));
    }

    /** Creates the indexes the drop-off report reads by. Safe to call on every start. */
    async init(): Promise<void> {
        // The id lives in its own field rather than in `_id` because the embedded CongoDB server keeps only
        // ObjectIds as `_id`. On a real MongoDB the unique index refuses a second copy of one event.
        await this.collection.createIndex({ eventId: 1 }, { name: 'eventId', unique: true });
        await this.collection.createIndex({ flowId: 1, stepId: 1, at: -1 }, { name: 'byStep' });
        await this.collection.createIndex({ reason: 1, at: -1 }, { name: 'byReason' });
        // Most events have no snapshot (flows that cannot be resumed): sparse keeps them out of the index.
        await this.collection.createIndex({ snapshotId: 1 }, { name: 'bySnapshot', sparse: true });
        await this.collection.createIndex({ at: -1 }, { name: 'byTime' });
    }

    /** Records an event; recording the same id again changes nothing. */
    async record(event: AbandonmentEvent): Promise<void> {
        if (typeof event.id !== 'string') {
            throw new TypeError(`MongoAbandonmentLog.record: 'id' must be a string, got ${typeof event.id}.`);
        }
        const { id, ...rest } = event;
        const doc: Record<string, unknown> = {};
        // Undefined fields are left out rather than stored as null: the sparse snapshotId index relies on it.
        for (const [key, value] of Object.entries(rest)) {
            if (value !== undefined) {
                doc[key] = value;
            }
        }
        // An upsert on the id: a timer retried after a failed send records its flow's abandonment once, also on
        // servers that do not enforce the unique index.
        await this.collection.updateOne({ eventId: id }, { $setOnInsert: doc as Partial<AbandonmentDocument> }, { upsert: true });
    }

    /**
     * Deletes the events older than `before` (the retention sweep; see `recordRetention`).
     *
     * @param before The cut-off.
     * @returns How many were deleted.
     */
    async purge(before: Date): Promise<number> {
        return (await this.collection.deleteMany({ at: { $lt: before } })).deletedCount;
    }

    /** @inheritdoc */
    async markResumed(snapshotId: string, at: Date): Promise<void> {
        if (typeof snapshotId !== 'string') {
            throw new TypeError(`MongoAbandonmentLog.markResumed: 'snapshotId' must be a string, got ${typeof snapshotId}.`);
        }
        // The first resume time is the one that counts; a snapshot can be claimed only once anyway.
        await this.collection.updateMany({ snapshotId, resumed: { $ne: true } }, { $set: { resumed: true, resumedAt: at } });
    }
}

/** One row of {@link dropOffCounts}. */
export interface DropOffCount {
    /** The flow's dialog id. */
    flowId: string;
    /** The step, when the events named one. */
    stepId?: string;
    /** Why the users left. */
    reason: AbandonReason;
    /** How many abandonments. */
    count: number;
    /** How many of them were later resumed. */
    resumed: number;
}

/** Filters of {@link dropOffCounts}. */
export interface DropOffQuery {
    /** Only events at or after this time. Default: all. */
    since?: Date;
    /** Only this flow. Default: all flows. */
    flowId?: string;
    /** The events collection, when `source` is a `Db`. Default `'inactivityEvents'`. */
    collection?: string;
}

/**
 * Where users drop off: abandonments grouped by flow, step and reason, most frequent first (ties by flow,
 * step, reason), with how many were resumed.
 *
 * @param source The log, or the database holding its collection.
 * @param query Optional filters.
 * @returns One row per flow, step and reason.
 */
export async function dropOffCounts(source: Db | MongoAbandonmentLog, query: DropOffQuery = {}): Promise<DropOffCount[]> {
    const collection: Collection<AbandonmentDocument> =
        source instanceof MongoAbandonmentLog ? source.collection : source.collection<AbandonmentDocument>(collectionName(query));
    const match: Filter<AbandonmentDocument> = {};
    if (query.since !== undefined) {
        match.at = { $gte: query.since };
    }
    if (query.flowId !== undefined) {
        match.flowId = query.flowId;
    }
    const rows = await collection
        .aggregate<{ _id: { flowId: string; stepId?: string | null; reason: AbandonReason }; count: number; resumed: number }>([
            { $match: match },
            {
                $group: {
                    _id: { flowId: '$flowId', stepId: '$stepId', reason: '$reason' },
                    count: { $sum: 1 },
                    resumed: { $sum: { $cond: [{ $eq: ['$resumed', true] }, 1, 0] } },
                },
            },
            { $sort: { count: -1, '_id.flowId': 1, '_id.stepId': 1, '_id.reason': 1 } },
        ] satisfies Document[])
        .toArray();
    return rows.map(({ _id, count, resumed }) => {
        const row: DropOffCount = { flowId: _id.flowId, reason: _id.reason, count, resumed };
        if (_id.stepId != null) {
            row.stepId = _id.stepId;
        }
        return row;
    });
}

function collectionName(options: { collection?: string }): string {
    const name = options.collection ?? DEFAULT_EVENTS_COLLECTION;
    if (typeof name !== 'string' || name.length === 0) {
        throw new TypeError(`MongoAbandonmentLog: 'collection' must be a non-empty string, got ${JSON.stringify(name)}.`);
    }
    return name;
}
