import { Collection, Db } from 'mongodb';
import type { Duration } from '../core/policy/duration';
import { AbandonmentEvent, AbandonmentLog } from '../core/records/abandonmentLog';
import { ensureIndexes, IndexSpec, namedCollection, recordOnce, requireString, retentionIndex, retentionMs } from './collection';
import { DEFAULT_RECORD_RETENTION } from './flowRunStore';
import { DEFAULT_SWEEP_BATCH, deleteInBatches } from './batchDelete';

/** The default collection of {@link MongoAbandonmentLog}. */
export const DEFAULT_EVENTS_COLLECTION = 'inactivityEvents';

/**
 * The indexes of the events collection, but for the retention's TTL index (its lifetime is an option). The id
 * lives in its own field rather than in `_id` because the embedded CongoDB server keeps only ObjectIds as `_id`;
 * on a real MongoDB the unique index refuses a second copy of one event.
 */
export const EVENT_INDEXES: readonly IndexSpec[] = [
    { name: 'eventId', key: { eventId: 1 }, unique: true },
    { name: 'byStep', key: { flowId: 1, stepId: 1, at: -1 } },
    { name: 'byReason', key: { reason: 1, at: -1 } },
    // Most events have no snapshot (flows that cannot be resumed): sparse keeps them out of the index.
    { name: 'bySnapshot', key: { snapshotId: 1 }, sparse: true },
];

/** Indexes earlier versions made: `byTime` ({ at: -1 }) is served by the retention's TTL index on `at` now. */
const RETIRED_EVENT_INDEXES = ['byTime'];

/** Options of {@link MongoAbandonmentLog}. */
export interface MongoAbandonmentLogOptions {
    /** The collection holding abandonment events. Default `'inactivityEvents'`. */
    collection?: string;
    /**
     * How long events are kept (ms or a string such as `'90 days'`), as flow-run records are (the middleware
     * passes its `recordRetention`). Default `'90 days'`.
     */
    retention?: Duration;
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
 * An {@link AbandonmentLog} in a MongoDB collection: one event per abandonment, kept for `retention` (a TTL
 * index on `at` on a real MongoDB, and {@link MongoAbandonmentLog.purge} everywhere). The drop-off report
 * (`report()`) reads the flow-run records; the events are the raw log of each abandonment, for operators'
 * tools. The `Db` stays the caller's: the log never closes it.
 *
 * @example
 * ```ts
 * const log = new MongoAbandonmentLog(db, { retention: '30 days' });
 * await log.init();
 * const lastWeek = await log.collection.find({ at: { $gte: new Date(Date.now() - 7 * 86_400_000) } }).toArray();
 * ```
 */
export class MongoAbandonmentLog implements AbandonmentLog {
    /** The events collection, for operators' tools and tests. */
    readonly collection: Collection<AbandonmentDocument>;
    /** How long events are kept (ms). */
    readonly retentionMs: number;

    /**
     * @param db The database to keep events in.
     * @param options See {@link MongoAbandonmentLogOptions}.
     * @throws InactivityConfigError naming the option and the value.
     */
    constructor(db: Db, options: MongoAbandonmentLogOptions = {}) {
        this.collection = namedCollection<AbandonmentDocument>(db, options.collection, {
            owner: 'MongoAbandonmentLog',
            option: 'collection',
            fallback: DEFAULT_EVENTS_COLLECTION,
        });
        this.retentionMs = retentionMs(options.retention ?? DEFAULT_RECORD_RETENTION, { owner: 'MongoAbandonmentLog', option: 'retention' });
    }

    /**
     * Creates the indexes, with the retention's TTL index on `at` (which the embedded CongoDB server keeps but
     * never applies: the hourly sweep's {@link MongoAbandonmentLog.purge} does it there). Safe to call on every start.
     */
    async init(): Promise<void> {
        await ensureIndexes(this.collection, [...EVENT_INDEXES, retentionIndex('at', this.retentionMs)], RETIRED_EVENT_INDEXES);
    }

    /** Records an event once: a timer retried after a failed send records its flow's abandonment once. */
    async record(event: AbandonmentEvent): Promise<void> {
        requireString(event.id, { owner: 'MongoAbandonmentLog.record', option: 'id' });
        const { id, ...rest } = event;
        await recordOnce(this.collection, { eventId: id }, rest);
    }

    /**
     * Deletes the events older than `before` (the retention sweep; see `recordRetention`).
     *
     * @param before The cut-off.
     * @param batchSize Documents per delete command: each batch of ids is read, then deleted.
     * @param keepGoing Asked before each batch after the first: false stops there.
     * @returns How many were deleted.
     */
    purge(before: Date, batchSize = DEFAULT_SWEEP_BATCH, keepGoing?: () => boolean): Promise<number> {
        return deleteInBatches(this.collection, { at: { $lt: before } }, batchSize, keepGoing);
    }

    /** @inheritdoc */
    async markResumed(snapshotId: string, at: Date): Promise<void> {
        requireString(snapshotId, { owner: 'MongoAbandonmentLog.markResumed', option: 'snapshotId' });
        // The first resume time is the one that counts; a snapshot can be claimed only once anyway.
        await this.collection.updateMany({ snapshotId, resumed: { $ne: true } }, { $set: { resumed: true, resumedAt: at } });
    }
}
