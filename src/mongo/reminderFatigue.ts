import type { Collection, Db, ObjectId } from 'mongodb';
import type { ReminderFatigueStore } from '../core/records/reminderFatigue';
import { checkCollectionName, hashedId } from './collection';

/** One user's reminder fatigue, in `<prefix>ReminderFatigue`. */
export interface ReminderFatigueDocument {
    /** Derived from the user's key. */
    _id: ObjectId;
    /** The user's key (the flow-run records' hash, or the raw id with `rawUserIds`). */
    user: string;
    /** Reminders in a row the user let pass since the last answer or pause. */
    ignored: number;
    /** Reminders to the user are paused until then. */
    pausedUntil?: Date;
    /** The last change. */
    updatedAt: Date;
}

/**
 * {@link ReminderFatigueStore} on MongoDB: one small document per user who let a reminder pass. Every change is
 * one atomic update, so two instances closing two flows of one user at once count both.
 */
export class MongoReminderFatigue implements ReminderFatigueStore {
    /** The collection. */
    readonly collection: Collection<ReminderFatigueDocument>;

    /**
     * @param db The database.
     * @param name `<prefix>ReminderFatigue`.
     * @throws InactivityConfigError when the name is not a collection name (the prefix is the user's option).
     */
    constructor(db: Db, name: string) {
        this.collection = db.collection<ReminderFatigueDocument>(checkCollectionName(name, { owner: 'InactivityMiddleware', option: 'collectionPrefix' }));
    }

    /** @inheritdoc */
    async pausedUntil(user: string, now: number): Promise<number | undefined> {
        const doc = await this.collection.findOne({ _id: idOf(user) }, { projection: { pausedUntil: 1 } });
        const until = doc?.pausedUntil?.getTime();
        return until !== undefined && until > now ? until : undefined;
    }

    /** @inheritdoc */
    async noteIgnored(user: string, rule: { now: number; max: number; cooldownMs: number }): Promise<boolean> {
        const _id = idOf(user);
        const updatedAt = new Date(rule.now);
        const doc = await this.collection.findOneAndUpdate(
            { _id },
            { $inc: { ignored: 1 }, $set: { user, updatedAt } },
            { upsert: true, returnDocument: 'after' }
        );
        if (!doc || doc.ignored < rule.max) {
            return false;
        }
        // Only the update that reached the limit starts the pause (a concurrent one finds the count reset).
        const paused = await this.collection.updateOne(
            { _id, ignored: { $gte: rule.max } },
            { $set: { ignored: 0, pausedUntil: new Date(rule.now + rule.cooldownMs), updatedAt } }
        );
        return paused.modifiedCount === 1;
    }

    /** @inheritdoc */
    async reset(user: string, now: number): Promise<void> {
        await this.collection.updateOne({ _id: idOf(user), ignored: { $gt: 0 } }, { $set: { ignored: 0, updatedAt: new Date(now) } });
    }
}

function idOf(user: string): ObjectId {
    return hashedId(`fatigue:${user}`);
}
