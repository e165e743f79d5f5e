import { createHmac, randomBytes } from 'crypto';
import { Collection, Db, ObjectId } from 'mongodb';
import { InactivityConfigError } from '../core/errors';
import type { Duration } from '../core/policy/duration';
import type { FlowRunLog, FlowRunRecord } from '../core/records/flowRun';
import { ensureIndexes, hashedId, IndexSpec, namedCollection, recordOnce, retentionIndex, retentionMs } from './collection';
import { DEFAULT_SWEEP_BATCH, deleteInBatches } from './batchDelete';

/** A flow-run record as stored. */
export interface FlowRunDocument extends FlowRunRecord {
    /** Made from the conversation and the run: the first 12 bytes of SHA-256 over both, so an end recorded twice stores one record. */
    _id: ObjectId;
}

/** The default collection of {@link MongoFlowRunStore}: `<collectionPrefix>Runs` with the default prefix. */
export const DEFAULT_RUNS_COLLECTION = 'inactivityRuns';

/** How long flow-run records (and abandonment events) are kept by default: 90 days. */
export const DEFAULT_RECORD_RETENTION = '90 days';

/** The `_id` of the document holding the key of the user hashes: no run record can have it (see runId). */
const KEY_DOCUMENT_ID = new ObjectId('000000000000000000000001');

/** The indexes of the runs collection the report reads by, but for the retention's TTL index (its lifetime is an option). */
export const RUN_INDEXES: readonly IndexSpec[] = [
    { name: 'byFlow', key: { flowId: 1, endedAt: -1 } },
    { name: 'byOutcome', key: { flowId: 1, outcome: 1, durationMs: 1 } },
];

/** Options of {@link MongoFlowRunStore}. */
export interface MongoFlowRunStoreOptions {
    /** The collection holding the records. Default `'inactivityRuns'`. */
    collection?: string;
    /** How long records are kept (ms or a string such as `'90 days'`). Default `'90 days'`. */
    retention?: Duration;
    /**
     * The secret of the user hashes (HMAC-SHA256). Default: a random key made once and kept in the collection,
     * so hashes stay stable across restarts and instances.
     */
    userHashKey?: string;
    /** Store the raw user id instead of its keyed hash. Default `false`. */
    rawUserIds?: boolean;
}

/**
 * Flow-run records in MongoDB, one per run, written once when the run ends, and purged after `retention`.
 * The `Db` stays the caller's: the store never closes it.
 *
 * @example
 * ```ts
 * const runs = new MongoFlowRunStore(db, { retention: '30 days' });
 * await runs.init();
 * await runs.purge(Date.now());
 * ```
 */
export class MongoFlowRunStore implements FlowRunLog {
    /** The records collection, for the report, operators' tools and tests. */
    readonly collection: Collection<FlowRunDocument>;
    /** How long records are kept (ms). */
    readonly retentionMs: number;
    private readonly rawUserIds: boolean;
    private key?: Buffer;

    /**
     * @param db The database to keep records in.
     * @param options See {@link MongoFlowRunStoreOptions}.
     * @throws InactivityConfigError naming the option and the value.
     */
    constructor(db: Db, options: MongoFlowRunStoreOptions = {}) {
        this.collection = namedCollection<FlowRunDocument>(db, options.collection, {
            owner: 'MongoFlowRunStore',
            option: 'collection',
            fallback: DEFAULT_RUNS_COLLECTION,
        });
        this.retentionMs = retentionMs(options.retention ?? DEFAULT_RECORD_RETENTION, { owner: 'MongoFlowRunStore', option: 'retention' });
        if (options.userHashKey !== undefined && (typeof options.userHashKey !== 'string' || options.userHashKey.length < 16)) {
            // The key is a secret: its length is named, never its value.
            throw new InactivityConfigError(
                `MongoFlowRunStore: options.userHashKey must be a string of at least 16 characters, got ${typeof options.userHashKey === 'string' ? `${options.userHashKey.length} characters` : typeof options.userHashKey}.`
            );
        }
        this.key = options.userHashKey !== undefined ? Buffer.from(options.userHashKey, 'utf8') : undefined;
        this.rawUserIds = options.rawUserIds === true;
    }

    /**
     * Creates the indexes the report reads by and the TTL index of the retention (which servers without TTL,
     * such as the embedded one, keep but never apply: {@link MongoFlowRunStore.purge} does it there), and loads
     * or makes the key of the user hashes. Safe to call on every start.
     */
    async init(): Promise<void> {
        await ensureIndexes(this.collection, [...RUN_INDEXES, retentionIndex('endedAt', this.retentionMs)]);
        if (!this.key && !this.rawUserIds) {
            // $setOnInsert: the first instance to start makes the key; every other one reads that same key.
            const made = randomBytes(32).toString('base64');
            await this.collection.updateOne({ _id: KEY_DOCUMENT_ID }, { $setOnInsert: { userHashKey: made } as never }, { upsert: true });
            const doc = (await this.collection.findOne({ _id: KEY_DOCUMENT_ID })) as { userHashKey?: string } | null;
            this.key = Buffer.from(doc?.userHashKey ?? made, 'base64');
        }
    }

    /**
     * How a user is stored: the raw id when `rawUserIds` is on, otherwise a keyed hash of channel and user id.
     *
     * @param channelId The channel.
     * @param userId The user's id on it.
     * @returns What the record keeps, or `undefined` for an unknown user.
     */
    userOf(channelId: string, userId: string | undefined): string | undefined {
        if (!userId) {
            return undefined;
        }
        if (this.rawUserIds) {
            return userId;
        }
        // Without init() (a store used only to read) a per-process key still hides the id.
        this.key ??= randomBytes(32);
        return createHmac('sha256', this.key).update(`${channelId}\n${userId}`).digest('base64url').slice(0, 22);
    }

    /**
     * Records a finished run. Recording the same run of the same conversation again changes nothing: its `_id`
     * comes from both.
     *
     * @param conversationKey The conversation (`<channelId>/<conversationId>`).
     * @param record The record.
     */
    async record(conversationKey: string, record: FlowRunRecord): Promise<void> {
        // Two instances recording the same end at once: the first insert stands, the other counts as recorded.
        await recordOnce(this.collection, { _id: runRecordId(conversationKey, record.runId) }, record as Partial<FlowRunDocument>);
    }

    /**
     * Deletes the records that ended more than `retention` ago.
     *
     * @param now The clock (epoch ms).
     * @param batchSize Documents per delete command: each batch of ids is read, then deleted.
     * @param keepGoing Asked before each batch after the first: false stops there.
     * @returns How many were deleted.
     */
    purge(now: number, batchSize = DEFAULT_SWEEP_BATCH, keepGoing?: () => boolean): Promise<number> {
        return deleteInBatches(this.collection, { endedAt: { $lt: new Date(now - this.retentionMs) } }, batchSize, keepGoing);
    }
}

/**
 * The `_id` of a run's record: the first 12 bytes of SHA-256 over the conversation key and the run id, so that
 * every instance recording the same end makes the same id.
 *
 * @param conversationKey `<channelId>/<conversationId>`.
 * @param runId The run's id.
 * @returns The ObjectId.
 */
export function runRecordId(conversationKey: string, runId: string): ObjectId {
    const id = hashedId(`${conversationKey}\n${runId}`);
    if (!id.equals(KEY_DOCUMENT_ID)) {
        return id;
    }
    // 2^-96: never in practice, but the key document must stay the key document.
    const bytes = Buffer.from(id.id);
    bytes[0] ^= 0xff;
    return new ObjectId(bytes);
}
