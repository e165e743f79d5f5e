import { Collection, Db, ObjectId } from 'mongodb';
import { checkCollectionName, isDuplicateKey } from './collection';
import { followUpId } from './followUpId';

/** What the service remembers of a user, in `<prefix>FollowUpUsers` (one small document per user). */
export interface FollowUpUserDocument {
    /** Derived from the user id. */
    _id: ObjectId;
    /** The user's id. */
    userId: string;
    /** Set when the user opted out (stop words); no follow-up is scheduled or sent until they opt in. */
    optedOutAt?: Date;
    /** Set when a send answered 403 (bot blocked or removed); cleared when the user writes again. */
    blockedAt?: Date;
    /** The user's last message, as recorded (at most once a day, and hourly on channels with a window). */
    lastMessageAt?: Date;
    /** The user's IANA time zone, from the activity's `localTimezone`. */
    timeZone?: string;
    /** True once the user had a post-event follow-up: re-engagement then uses the past-customer template. */
    customer?: boolean;
    /** The latest score (0-1) the bot recorded (an answer to a follow-up). */
    score?: number;
    /** The latest recorded scores, oldest first (at most `scoreHistory`): their mean chooses the template. */
    scores?: number[];
    /** The local day (`YYYY-MM-DD`) `capCount` counts sends of. */
    capDay?: string;
    /** Sends reserved on `capDay`, for the frequency cap. */
    capCount?: number;
}

/** The per-user side of the follow-ups. */
export class FollowUpUsers {
    /** The collection. */
    readonly collection: Collection<FollowUpUserDocument>;

    /**
     * @param db The database.
     * @param name `<prefix>FollowUpUsers`.
     * @throws InactivityConfigError when the name is not a collection name (the prefix is the user's option).
     */
    constructor(db: Db, name: string) {
        this.collection = db.collection<FollowUpUserDocument>(checkCollectionName(name, { owner: 'FollowUpService', option: 'collectionPrefix' }));
    }

    /** @returns The user's document, if any. */
    get(userId: string): Promise<FollowUpUserDocument | null> {
        return this.collection.findOne({ _id: userIdOf(userId) });
    }

    /** @returns The documents of these users that exist, by user id (one command, for an import). */
    async getMany(userIds: readonly string[]): Promise<Map<string, FollowUpUserDocument>> {
        const docs = userIds.length ? await this.collection.find({ _id: { $in: [...new Set(userIds)].map(userIdOf) } }).toArray() : [];
        return new Map(docs.map((d) => [d.userId, d]));
    }

    /**
     * Reserves one send for the user on their local `day` if fewer than `cap` were: atomic, so two instances (or
     * two workers) sending to one user at once never exceed the cap.
     *
     * @returns True when reserved.
     */
    async reserveSend(userId: string, day: string, cap: number): Promise<boolean> {
        const _id = userIdOf(userId);
        const same = await this.collection.updateOne({ _id, capDay: day, capCount: { $lt: cap } }, { $inc: { capCount: 1 } });
        if (same.modifiedCount === 1) {
            return true;
        }
        try {
            const fresh = await this.collection.updateOne({ _id, capDay: { $ne: day } }, { $set: { userId, capDay: day, capCount: 1 } }, { upsert: true });
            return fresh.modifiedCount + fresh.upsertedCount === 1;
        } catch (err) {
            if (isDuplicateKey(err)) {
                // The user exists with this day already counted up to the cap.
                return false;
            }
            throw err;
        }
    }

    /**
     * Records a score: the latest in `score`, and appended to `scores`, which keeps the last `keep`.
     *
     * @param userId The user.
     * @param score The score (0-1).
     * @param keep How many scores to keep.
     */
    async addScore(userId: string, score: number, keep: number): Promise<void> {
        await this.collection.updateOne(
            { _id: userIdOf(userId) },
            { $set: { userId, score }, $push: { scores: { $each: [score], $slice: -keep } } },
            { upsert: true }
        );
    }

    /** Gives back a reservation whose send did not happen. */
    async releaseSend(userId: string, day: string): Promise<void> {
        await this.collection.updateOne({ _id: userIdOf(userId), capDay: day, capCount: { $gt: 0 } }, { $inc: { capCount: -1 } });
    }

    /** Sets fields of a user (created when new), and unsets others. */
    async update(userId: string, set: Partial<Omit<FollowUpUserDocument, '_id' | 'userId'>>, unset: Array<keyof FollowUpUserDocument> = []): Promise<void> {
        await this.collection.updateOne(
            { _id: userIdOf(userId) },
            { $set: { userId, ...set }, ...(unset.length ? { $unset: Object.fromEntries(unset.map((k) => [k, ''])) } : {}) },
            { upsert: true }
        );
    }
}

function userIdOf(userId: string): ObjectId {
    return followUpId(`user:${userId}`);
}
