import assert from 'assert';
import { MongoClient } from 'mongodb';
import { MongoReminderFatigue } from '../../src/mongo/reminderFatigue';
import { freshDb } from '../support/mongo';

const ROUNDS = 100;
const DAY = 86_400_000;

describe('MongoReminderFatigue', function () {
    this.timeout(60_000);

    it(`two instances counting the reminder that reaches the limit for one user at once, ${ROUNDS} times: one pause each time, the count restarts`, async () => {
        const mongo = await freshDb();
        const second = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 5000 });
        await second.connect();
        try {
            const a = new MongoReminderFatigue(mongo.db, 'inactivityReminderFatigue');
            const b = new MongoReminderFatigue(second.db(mongo.db.databaseName), 'inactivityReminderFatigue');
            const outcomes = { onePause: 0, other: 0 };
            for (let round = 0; round < ROUNDS; round++) {
                const user = `user-${round}`;
                const now = 1_000_000 + round;
                const rule = { now, max: 3, cooldownMs: 7 * DAY };
                // Two reminders already let pass; two flows of the user close at once on two instances.
                await a.noteIgnored(user, rule);
                await b.noteIgnored(user, rule);
                const began = await Promise.all([a.noteIgnored(user, rule), b.noteIgnored(user, rule)]);
                const doc = await mongo.db.collection('inactivityReminderFatigue').findOne({ user });
                if (began.filter(Boolean).length === 1 && doc?.ignored === 0) outcomes.onePause++;
                else outcomes.other++;
                assert.strictEqual(await a.pausedUntil(user, now), now + 7 * DAY, `round ${round}: paused`);
                assert.strictEqual(await b.pausedUntil(user, now + 7 * DAY), undefined, `round ${round}: the pause ends after the cooldown`);
            }
            console.log(`      two instances at the limit, ${ROUNDS} rounds: ${JSON.stringify(outcomes)}`);
            assert.deepStrictEqual(outcomes, { onePause: ROUNDS, other: 0 });
        } finally {
            await second.close();
            await mongo.close();
        }
    });

    it('reset() starts the count again and leaves a pause in place; a user never counted has no document', async () => {
        const mongo = await freshDb();
        try {
            const store = new MongoReminderFatigue(mongo.db, 'inactivityReminderFatigue');
            const rule = { now: 5000, max: 2, cooldownMs: DAY };
            await store.reset('nobody', 5000);
            assert.strictEqual(await mongo.db.collection('inactivityReminderFatigue').countDocuments(), 0);
            assert.strictEqual(await store.noteIgnored('u', rule), false);
            await store.reset('u', 6000);
            assert.strictEqual(await store.noteIgnored('u', rule), false, 'the count started again');
            assert.strictEqual(await store.noteIgnored('u', rule), true);
            await store.reset('u', 7000);
            assert.strictEqual(await store.pausedUntil('u', 7000), 5000 + DAY, 'a reset does not lift the pause');
        } finally {
            await mongo.close();
        }
    });
});
