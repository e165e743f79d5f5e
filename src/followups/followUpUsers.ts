import { Collection, Db, ObjectId } from 'mongodb';
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
}

/** The per-user side of the follow-ups. */
export class FollowUpUsers {
    /** The collection. */
    readonly collection: Collection<FollowUpUserDocument>;

    /**
     * @param db The database.
     * @param name `<prefix>FollowUpUsers`.
     */
    constructor(db: Db, name: string) {
        this.collection = db.collection<FollowUpUserDocument>(name);
    }

    /** @returns The user's document, if any. */
    get(userId: string): Promise<FollowUpUserDocument | null> {
        return this.collection.findOne({ _id: userIdOf(userId) });
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
