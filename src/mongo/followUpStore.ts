import { Collection, Db, Filter, ObjectId } from 'mongodb';
import { FollowUpDocument, FollowUpStatus, FollowUpType, SkipReason } from '../followups/followUpRecord';
import { checkCollectionName, ensureIndexes, IndexSpec, isDuplicateKey } from './collection';
import { followUpId } from './followUpId';
import { DEFAULT_SWEEP_BATCH, deleteInBatches } from './batchDelete';

/** An index of `<prefix>FollowUps`: the shape every store declares its indexes in. */
export type FollowUpIndex = IndexSpec;

/** The indexes of `<prefix>FollowUps`, one per query the service makes (a test checks they exist). */
export const FOLLOW_UP_INDEXES: readonly FollowUpIndex[] = [
    /** Claiming due ones and the next wake-up: pending by scheduledAt. */
    { name: 'status_scheduledAt', key: { status: 1, scheduledAt: 1 } },
    /** `list({ userId })`, newest first, and the tolerance window's lookup of a user's post-event follow-ups. */
    { name: 'userId_scheduledAt', key: { userId: 1, scheduledAt: -1 } },
    /** `list({ conversationId })`. */
    { name: 'conversationId_scheduledAt', key: { conversationId: 1, scheduledAt: -1 } },
    /** The retention sweep and `executedToday`. */
    { name: 'finishedAt', key: { finishedAt: 1 } },
    /** The deduplication key, unique on servers that enforce it (the `_id`, derived from it, enforces it everywhere). */
    { name: 'key_unique', key: { key: 1 }, unique: true },
];

/** A filter of `list()`. */
export interface FollowUpQuery {
    /** Only this user's. */
    userId?: string;
    /** Only this conversation's. */
    conversationId?: string;
    /** Only in this status. */
    status?: FollowUpStatus;
    /** Only of this type. */
    type?: FollowUpType;
    /** Only scheduled at or after this time. */
    from?: Date;
    /** Only scheduled before this time. */
    to?: Date;
    /** At most this many (default 50, at most 1000). */
    limit?: number;
    /** The `nextCursor` of the previous page. */
    cursor?: string;
}

/** One page of `list()`. */
export interface FollowUpPage<T> {
    /** The follow-ups, latest scheduled first. */
    items: T[];
    /** Pass as `cursor` for the next page; absent on the last page. */
    nextCursor?: string;
}

/** The database side of the follow-ups: every read and write, each one command. */
export class FollowUpStore {
    /** The follow-ups collection. */
    readonly collection: Collection<FollowUpDocument>;

    /**
     * @param db The database.
     * @param name The collection's name (`<prefix>FollowUps`).
     * @throws InactivityConfigError when the name is not a collection name (the prefix is the user's option).
     */
    constructor(db: Db, name: string) {
        this.collection = db.collection<FollowUpDocument>(checkCollectionName(name, { owner: 'FollowUpService', option: 'collectionPrefix' }));
    }

    /** Creates the indexes (no-ops when they exist). */
    async ensureIndexes(): Promise<void> {
        await ensureIndexes(this.collection, FOLLOW_UP_INDEXES);
    }

    /**
     * Inserts a follow-up unless one with its key exists.
     *
     * @param doc The new document (its `_id` derived from its key).
     * @returns Its id, and `duplicate: true` when the key was taken (the existing one's id).
     */
    async insert(doc: FollowUpDocument): Promise<{ id: string; duplicate: boolean }> {
        try {
            await this.collection.insertOne(doc);
            return { id: doc._id.toHexString(), duplicate: false };
        } catch (err) {
            if (!isDuplicateKey(err)) {
                throw err;
            }
            // Same key, same _id: the existing record answers.
            return { id: followUpId(doc.key).toHexString(), duplicate: true };
        }
    }

    /**
     * Inserts follow-ups in one command (unordered), each unless one with its key exists (or comes earlier in `docs`): what
     * {@link FollowUpStore.insert} does for one, for an import.
     *
     * @param docs The new documents (each `_id` derived from its key).
     * @returns For each, its id and `duplicate: true` when the key was taken.
     */
    async insertMany(docs: FollowUpDocument[]): Promise<Array<{ id: string; duplicate: boolean }>> {
        if (!docs.length) {
            return [];
        }
        // No read of the keys first: the insert's duplicate-key errors say the same on every server, and a $in read
        // of 1,000 keys costs the embedded server a scan per key (10,000 lines took 64 s, and 154 s again, with it;
        // 2.3 s and 1.5 s without).
        const taken = new Set<string>();
        const fresh: Array<{ doc: FollowUpDocument; at: number }> = [];
        const results = docs.map((doc, at) => {
            const id = doc._id.toHexString();
            if (taken.has(id)) {
                return { id, duplicate: true };
            }
            taken.add(id);
            fresh.push({ doc, at });
            return { id, duplicate: false };
        });
        if (fresh.length) {
            try {
                await this.collection.insertMany(
                    fresh.map((f) => f.doc),
                    { ordered: false }
                );
            } catch (err) {
                // A key that exists (or came earlier in this batch) fails on its _id: those are the duplicates.
                const writeErrors = (err as { writeErrors?: Array<{ index: number; code?: number }> | { index: number; code?: number } }).writeErrors;
                const failed = writeErrors === undefined ? [] : Array.isArray(writeErrors) ? writeErrors : [writeErrors];
                if (!failed.length || failed.some((e) => e.code !== 11000)) {
                    throw err;
                }
                for (const e of failed) {
                    results[fresh[e.index].at].duplicate = true;
                }
            }
        }
        return results;
    }

    /**
     * A pending follow-up of `userId` and `type` scheduled within `window` ms of `at`, for the tolerance window.
     *
     * @returns Its id, if any.
     */
    async findNear(userId: string, type: FollowUpType, at: Date, windowMs: number): Promise<string | undefined> {
        const doc = await this.collection.findOne(
            {
                userId,
                type,
                status: { $in: ['pending', 'sending', 'executed'] },
                scheduledAt: { $gte: new Date(at.getTime() - windowMs), $lte: new Date(at.getTime() + windowMs) },
            },
            { projection: { _id: 1 } }
        );
        return doc?._id.toHexString();
    }

    /** @returns The follow-up with this id, if any. */
    async get(id: string): Promise<FollowUpDocument | null> {
        const _id = parseId(id);
        return _id ? this.collection.findOne({ _id }) : null;
    }

    /** One page of follow-ups, latest scheduled first. */
    async list(query: FollowUpQuery): Promise<FollowUpPage<FollowUpDocument>> {
        const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 50)), 1000);
        const filter: Filter<FollowUpDocument> = {};
        if (query.userId !== undefined) filter.userId = query.userId;
        if (query.conversationId !== undefined) filter.conversationId = query.conversationId;
        if (query.status !== undefined) filter.status = query.status;
        if (query.type !== undefined) filter.type = query.type;
        const range: { $gte?: Date; $lt?: Date } = {};
        if (query.from) range.$gte = query.from;
        if (query.to) range.$lt = query.to;
        const after = query.cursor ? decodeCursor(query.cursor) : undefined;
        const conditions: Filter<FollowUpDocument>[] = [filter];
        if (range.$gte || range.$lt) conditions.push({ scheduledAt: range });
        if (after) {
            conditions.push({ $or: [{ scheduledAt: { $lt: after.at } }, { scheduledAt: after.at, _id: { $lt: after.id } }] });
        }
        const docs = await this.collection
            .find(conditions.length === 1 ? filter : { $and: conditions })
            .sort({ scheduledAt: -1, _id: -1 })
            .limit(limit + 1)
            .toArray();
        const items = docs.slice(0, limit);
        const last = items[items.length - 1];
        return { items, ...(docs.length > limit && last ? { nextCursor: encodeCursor(last.scheduledAt, last._id) } : {}) };
    }

    /**
     * Cancels a pending follow-up.
     *
     * @returns True when it was pending and is now cancelled.
     */
    async cancel(id: string, now: Date): Promise<boolean> {
        const _id = parseId(id);
        if (!_id) return false;
        const result = await this.collection.updateOne(
            { _id, status: 'pending' },
            { $set: { status: 'cancelled', cancelledAt: now, finishedAt: now }, $push: { history: { event: 'cancelled', at: now } } }
        );
        return result.modifiedCount === 1;
    }

    /**
     * Cancels every pending follow-up of a user (an opt-out).
     *
     * @returns How many were cancelled.
     */
    async cancelUser(userId: string, now: Date, reason: string): Promise<number> {
        const result = await this.collection.updateMany(
            { userId, status: 'pending' },
            {
                $set: { status: 'cancelled', cancelledAt: now, finishedAt: now, lastError: reason },
                $push: { history: { event: 'cancelled', at: now, error: reason } },
            }
        );
        return result.modifiedCount;
    }

    /**
     * Moves a follow-up that is not being sent to `at`, pending again, attempts reset, history kept.
     *
     * @returns True when it was found and moved.
     */
    async reschedule(id: string, at: Date, now: Date): Promise<boolean> {
        const _id = parseId(id);
        if (!_id) return false;
        const result = await this.collection.updateOne(
            { _id, status: { $ne: 'sending' } },
            {
                $set: { status: 'pending', scheduledAt: at, attempts: 0 },
                $unset: { lastError: '', skipReason: '', executedAt: '', cancelledAt: '', finishedAt: '', text: '', sendStartedAt: '' },
                $push: { history: { event: 'rescheduled', at: now, scheduledAt: at } },
            }
        );
        return result.modifiedCount === 1;
    }

    /**
     * Claims one due follow-up for this instance: pending and due becomes sending with a lease, attempts + 1. A
     * lease that ran out (its instance died) is claimed again; the document then still carries `sendStartedAt` when
     * that instance had begun to send it. Atomic: two instances never claim the same.
     *
     * @returns The claimed document, if any was due.
     */
    async claimDue(now: Date, leaseMs: number): Promise<FollowUpDocument | null> {
        return this.collection.findOneAndUpdate(
            {
                $or: [
                    { status: 'pending', scheduledAt: { $lte: now } },
                    { status: 'sending', leaseUntil: { $lt: now } },
                ],
            },
            { $set: { status: 'sending', leaseUntil: new Date(now.getTime() + leaseMs) }, $inc: { attempts: 1 } },
            { sort: { scheduledAt: 1 }, returnDocument: 'after' }
        );
    }

    /**
     * Extends the leases of the claims this instance holds (one command for all of them).
     *
     * @param held The claimed follow-ups (each as claimed: a claim taken over since is not extended).
     * @param until The new end of their leases.
     */
    async renewLeases(held: ReadonlyArray<Pick<FollowUpDocument, '_id' | 'attempts'>>, until: Date): Promise<void> {
        if (!held.length) {
            return;
        }
        await this.collection.updateMany({ status: 'sending', $or: held.map(({ _id, attempts }) => ({ _id, attempts })) }, { $set: { leaseUntil: until } });
    }

    /**
     * Records that a claim's send begins (at most once: a takeover after this does not send it again), and extends its
     * lease.
     *
     * @returns False when the claim no longer holds it (taken over after its lease ran out): it must not be sent.
     */
    async markSendStarted(doc: FollowUpDocument, now: Date, leaseUntil: Date): Promise<boolean> {
        const result = await this.collection.updateOne(
            { _id: doc._id, status: 'sending', attempts: doc.attempts, sendStartedAt: { $exists: false } },
            { $set: { sendStartedAt: now, leaseUntil } }
        );
        return result.modifiedCount === 1;
    }

    /** Ends a claimed follow-up: sent. Only while this claim still holds it. */
    async markExecuted(doc: FollowUpDocument, text: string, now: Date): Promise<void> {
        await this.collection.updateOne(
            { _id: doc._id, status: 'sending', attempts: doc.attempts },
            {
                $set: { status: 'executed', text, executedAt: now, finishedAt: now },
                $unset: { leaseUntil: '', lastError: '' },
                $push: { history: { event: 'executed', at: now } },
            }
        );
    }

    /** Ends a claimed follow-up: skipped for `reason`. */
    async markSkipped(doc: FollowUpDocument, reason: SkipReason, now: Date): Promise<void> {
        await this.collection.updateOne(
            { _id: doc._id, status: 'sending', attempts: doc.attempts },
            {
                $set: { status: 'skipped', skipReason: reason, finishedAt: now },
                $unset: { leaseUntil: '' },
                $push: { history: { event: 'skipped', at: now, error: reason } },
            }
        );
    }

    /** Ends a claimed follow-up: failed after its last attempt. */
    async markFailed(doc: FollowUpDocument, error: string, now: Date): Promise<void> {
        await this.collection.updateOne(
            { _id: doc._id, status: 'sending', attempts: doc.attempts },
            {
                $set: { status: 'failed', lastError: error, finishedAt: now },
                $unset: { leaseUntil: '' },
                $push: { history: { event: 'failed', at: now, error } },
            }
        );
    }

    /**
     * Hands a claimed follow-up back, pending at `at` (a retry, or a send deferred by quiet hours).
     *
     * @param doc The claimed follow-up.
     * @param release When it is due again, when this happens, the history event, the error (for a retry), and
     *   whether the attempt counts (a deferral gives it back). Default: it counts.
     */
    async release(doc: FollowUpDocument, release: { at: Date; now: Date; event: string; error?: string; keepAttempt?: boolean }): Promise<void> {
        const { at, now, event, error, keepAttempt = true } = release;
        await this.collection.updateOne(
            { _id: doc._id, status: 'sending', attempts: doc.attempts },
            {
                $set: { status: 'pending', scheduledAt: at, ...(error !== undefined ? { lastError: error } : {}) },
                $unset: { leaseUntil: '', sendStartedAt: '' },
                ...(keepAttempt ? {} : { $inc: { attempts: -1 } }),
                $push: { history: { event, at: now, scheduledAt: at, ...(error !== undefined ? { error } : {}) } },
            }
        );
    }

    /** @returns The earliest time a follow-up becomes claimable (pending due time or a lease's end), if any. */
    async nextDue(): Promise<Date | undefined> {
        const [pending] = await this.collection
            .find({ status: 'pending' }, { projection: { scheduledAt: 1 } })
            .sort({ scheduledAt: 1 })
            .limit(1)
            .toArray();
        const [leased] = await this.collection
            .find({ status: 'sending' }, { projection: { leaseUntil: 1 } })
            .sort({ leaseUntil: 1 })
            .limit(1)
            .toArray();
        const times = [pending?.scheduledAt, leased?.leaseUntil].filter((d): d is Date => d instanceof Date).map((d) => d.getTime());
        return times.length ? new Date(Math.min(...times)) : undefined;
    }

    /**
     * Deletes finished follow-ups older than `before`, in batches.
     *
     * @param before The cut-off.
     * @param batchSize Documents per delete command: each batch of ids is read, then deleted.
     * @returns How many.
     */
    purge(before: Date, batchSize = DEFAULT_SWEEP_BATCH): Promise<number> {
        return deleteInBatches(this.collection, { finishedAt: { $lt: before } }, batchSize);
    }
}

/**
 * Reads a follow-up id.
 *
 * @returns The ObjectId, or undefined when `id` is not 24 hex digits.
 */
export function parseId(id: string): ObjectId | undefined {
    return /^[0-9a-f]{24}$/i.test(id) ? new ObjectId(id) : undefined;
}

function encodeCursor(at: Date, id: ObjectId): string {
    return Buffer.from(`${at.getTime()}:${id.toHexString()}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: ObjectId } | undefined {
    const [ms, hex] = Buffer.from(cursor, 'base64url').toString().split(':');
    const id = hex ? parseId(hex) : undefined;
    return id && /^\d+$/.test(ms ?? '') ? { at: new Date(Number(ms)), id } : undefined;
}
