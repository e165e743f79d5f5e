import assert from 'assert';
import { freshDb } from '../support/mongo';
import { meanScore, scoreBand } from '../../src/followups/templateChoice';
import { referenceOf, serviceOn } from './followUpRig';

const TEXTS = {
    high: 'Glad it went well! How did it go with Ana?',
    neutral: 'How did it go with Ana?',
    low: "Last time wasn't great. How did it go with Ana? Tell me if something needs fixing.",
};

describe("Follow-ups: the template is chosen by the mean of the user's last scores", () => {
    it('puts 0.4 and 0.7 exactly in the upper band, also when the mean of a history lands a hair off in floating point', () => {
        assert.strictEqual(scoreBand(0.4), 'neutral');
        assert.strictEqual(scoreBand(0.7), 'high');
        assert.strictEqual(scoreBand(0.39999), 'low');
        assert.strictEqual(scoreBand(0.69999), 'neutral');
        // (0.7 + 0.7 + 0.7) / 3 is 0.6999999999999998 and (0.1 + 0.7) / 2 is 0.39999999999999997 in floating point.
        assert.strictEqual(meanScore([0.7, 0.7, 0.7]), 0.7);
        assert.strictEqual(scoreBand(meanScore([0.7, 0.7, 0.7]) as number), 'high');
        assert.strictEqual(meanScore([0.1, 0.7]), 0.4);
        assert.strictEqual(scoreBand(meanScore([0.1, 0.7]) as number), 'neutral');
        // Only the last `history` count; none gives none.
        assert.strictEqual(meanScore([0, 0, 1, 1, 1, 1, 1], 5), 1);
        assert.strictEqual(meanScore([0.2, 0.9], 1), 0.9);
        assert.strictEqual(meanScore([]), undefined);
    });

    it('keeps the last scoreHistory (default 5) scores in the database, and a follow-up without a score of its own is chosen by their mean', async () => {
        const mongo = await freshDb();
        const first = serviceOn(mongo.db);
        const history: Record<string, number[]> = {
            edgeHigh: [0.7, 0.7, 0.7], // mean 0.7: high
            edgeNeutral: [0.1, 0.7], // mean 0.4: neutral
            // Six scores: the first (0.0) falls out; the mean of the last five is 0.6 (neutral), the latest alone (0.3) is low.
            longer: [0, 0.9, 0.9, 0.5, 0.4, 0.3],
            // The latest alone (0.9) is high; the mean 0.3 is low.
            recovering: [0.1, 0.1, 0.1, 0.3, 0.9],
        };
        try {
            await first.service.start();
            for (const [user, scores] of Object.entries(history)) {
                for (const score of scores) {
                    await first.service.recordScore(user, score);
                }
            }
        } finally {
            await first.service.stop();
        }
        const stored = await mongo.db.collection('inactivityFollowUpUsers').findOne({ userId: 'longer' });
        assert.deepStrictEqual(stored?.scores, [0.9, 0.9, 0.5, 0.4, 0.3]);

        // Another instance reads the stored history.
        const second = serviceOn(mongo.db);
        try {
            await second.service.start();
            for (const user of Object.keys(history)) {
                await second.service.scheduleCustom({
                    reference: referenceOf(user),
                    at: new Date(Date.now() - 1000),
                    template: 'followups:postEvent',
                    variables: { name: 'Ana' },
                });
            }
            await second.service.runDue();
            const sent = Object.fromEntries(second.adapter.sent.map((s) => [s.conversationId.slice('conv-'.length), s.activity.text]));
            assert.deepStrictEqual(sent, { edgeHigh: TEXTS.high, edgeNeutral: TEXTS.neutral, longer: TEXTS.neutral, recovering: TEXTS.low });
        } finally {
            await second.service.stop();
            await mongo.close();
        }
    });

    it('scoreHistory: 1 chooses by the latest score alone; a score passed when scheduling wins over the history', async () => {
        const mongo = await freshDb();
        const { service, adapter } = serviceOn(mongo.db, { scoreHistory: 1 });
        try {
            await service.start();
            for (const score of [0.1, 0.1, 0.4]) {
                await service.recordScore('latest', score);
            }
            await service.recordScore('given', 0.1);
            const at = new Date(Date.now() - 1000);
            await service.scheduleCustom({ reference: referenceOf('latest'), at, template: 'followups:postEvent', variables: { name: 'Ana' } });
            await service.scheduleCustom({ reference: referenceOf('given'), at, template: 'followups:postEvent', variables: { name: 'Ana' }, score: 0.7 });
            await service.runDue();
            const sent = Object.fromEntries(adapter.sent.map((s) => [s.conversationId.slice('conv-'.length), s.activity.text]));
            assert.deepStrictEqual(sent, { latest: TEXTS.neutral, given: TEXTS.high });
            assert.deepStrictEqual((await mongo.db.collection('inactivityFollowUpUsers').findOne({ userId: 'latest' }))?.scores, [0.4]);
            assert.throws(() => serviceOn(mongo.db, { scoreHistory: 0 }), /scoreHistory must be a whole number of scores, at least 1; got 0/);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });
});
