import assert from 'assert';
import { freshDb, isRealMongo } from '../support/mongo';
import { referenceOf, RecordingAdapter, serviceOn } from './followUpRig';

describe('FollowUpService: two instances on one database (races)', () => {
    it('the same key scheduled 200 times by two instances at once: 1 record, 1 send', async function () {
        this.timeout(60_000);
        const mongo = await freshDb();
        const adapter = new RecordingAdapter();
        const a = serviceOn(mongo.db, { adapter: adapter }).service;
        const b = serviceOn(mongo.db, { adapter: adapter }).service;
        try {
            await Promise.all([a.start(), b.start()]);
            const at = new Date(Date.now() - 1000);
            const results = await Promise.all(
                Array.from({ length: 200 }, (_, i) =>
                    (i % 2 ? a : b).scheduleCustom({ reference: referenceOf('race'), at, template: 'followups:checkIn', key: 'same-key' })
                )
            );
            assert.strictEqual(new Set(results.map((r) => r.id)).size, 1);
            assert.strictEqual(results.filter((r) => !r.duplicate).length, 1, 'exactly one insert won');
            assert.strictEqual(await mongo.db.collection('inactivityFollowUps').countDocuments(), 1);
            const claimed = await Promise.all([a.runDue(), b.runDue(), a.runDue(), b.runDue()]);
            assert.strictEqual(
                claimed.reduce((s, n) => s + n, 0),
                1
            );
            assert.strictEqual(adapter.sent.length, 1);
            console.log(`      duplicate race (${isRealMongo() ? 'MongoDB' : 'embedded server'}): 200 schedules -> 1 record, ${adapter.sent.length} send`);
        } finally {
            await Promise.all([a.stop(), b.stop()]);
            await mongo.close();
        }
    });

    it('100 due follow-ups claimed by two instances at once: each sent exactly once', async function () {
        this.timeout(60_000);
        const mongo = await freshDb();
        const adapter = new RecordingAdapter();
        const a = serviceOn(mongo.db, { adapter: adapter }).service;
        const b = serviceOn(mongo.db, { adapter: adapter }).service;
        try {
            await Promise.all([a.start(), b.start()]);
            for (let i = 0; i < 100; i++) {
                await a.scheduleCustom({ reference: referenceOf(`user${i}`), at: new Date(Date.now() - 1000), template: 'followups:checkIn' });
            }
            const [na, nb] = await Promise.all([a.runDue(), b.runDue()]);
            assert.strictEqual(na + nb, 100);
            assert.strictEqual(adapter.sent.length, 100);
            assert.strictEqual(new Set(adapter.sent.map((s) => s.conversationId)).size, 100);
        } finally {
            await Promise.all([a.stop(), b.stop()]);
            await mongo.close();
        }
    });
});
