import assert from 'assert';
import { Activity, TestAdapter, TurnContext } from 'botbuilder';
import { InactivityConfigError } from '../../src/core/errors';
import { ReengagementFollowUp } from '../../src/followups/followUpOptions';
import { freshDb } from '../support/mongo';
import { referenceOf, serviceOn } from './followUpRig';

const DAY = 86_400_000;

function message(user: string, text: string): TurnContext {
    const reference = referenceOf(user);
    const activity: Partial<Activity> = {
        type: 'message',
        text,
        channelId: reference.channelId,
        serviceUrl: reference.serviceUrl,
        conversation: reference.conversation,
        from: { id: user, name: 'User', role: 'user' },
        recipient: { id: 'bot', name: 'bot' },
        locale: 'en-US',
    };
    return new TurnContext(new TestAdapter(), activity);
}

describe('Re-engagement from a known last activity', () => {
    it('is due reengageAfter (or after) the last activity, at once when that has passed; the same user again is a duplicate, and the middleware moves that one record', async () => {
        const mongo = await freshDb();
        const { service, adapter } = serviceOn(mongo.db);
        try {
            await service.start();
            const now = Date.now();
            const recent = await service.scheduleReengagement({ reference: referenceOf('recent'), userId: 'recent', lastActivityAt: new Date(now - 10 * DAY) });
            assert.strictEqual((await service.get(recent.id))?.scheduledAt.getTime(), now - 10 * DAY + 30 * DAY);
            const week = await service.scheduleReengagement({ reference: referenceOf('week'), lastActivityAt: new Date(now - DAY), after: '7 days' });
            assert.strictEqual((await service.get(week.id))?.scheduledAt.getTime(), now + 6 * DAY);
            const gone = await service.scheduleReengagement({ reference: referenceOf('gone'), userId: 'gone', lastActivityAt: new Date(now - 90 * DAY) });
            const stored = await service.get(gone.id);
            assert.ok(stored && Math.abs(stored.scheduledAt.getTime() - now) < 5000, 'a silence already long enough is due now');
            assert.deepStrictEqual(
                [stored?.type, stored?.status, stored?.key, stored?.trigger.lastMessageAt],
                ['reengagement', 'pending', 'reengagement:gone', new Date(now - 90 * DAY)]
            );

            const again = await service.scheduleReengagement({ reference: referenceOf('gone'), userId: 'gone', lastActivityAt: new Date(now - 80 * DAY) });
            assert.deepStrictEqual(again, { id: gone.id, duplicate: true });
            // The user writes: the middleware moves the same record 30 days on.
            await service.middleware().onTurn(message('recent', 'hello again'), async () => undefined);
            assert.strictEqual((await service.list({ userId: 'recent' })).items.length, 1);
            assert.ok(((await service.get(recent.id))?.scheduledAt.getTime() ?? 0) >= now + 30 * DAY);

            assert.strictEqual(await service.runDue(), 1);
            assert.deepStrictEqual(
                adapter.sent.map((s) => [s.conversationId, s.activity.text]),
                [['conv-gone', "We haven't heard from you in a while. Anything I can help you with?"]]
            );

            await assert.rejects(
                service.scheduleReengagement({ reference: referenceOf('x'), lastActivityAt: new Date('nope') }),
                /needs lastActivityAt as a valid Date/
            );
            await assert.rejects(service.scheduleReengagement({ reference: {}, userId: 'x', lastActivityAt: new Date() }), InactivityConfigError);
            await assert.rejects(
                service.scheduleReengagement({ reference: referenceOf('x'), lastActivityAt: new Date(), template: 'followups:nope' }),
                /Unknown follow-up template/
            );
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it("a re-engagement the bot gave its own text and buttons becomes the plugin's own when the user's message moves it", async () => {
        const mongo = await freshDb();
        const { service } = serviceOn(mongo.db);
        try {
            await service.start();
            const { id } = await service.scheduleReengagement({
                reference: referenceOf('ana'),
                userId: 'ana',
                lastActivityAt: new Date(Date.now() - DAY),
                text: 'Hi {{name}}, we miss you',
                variables: { name: 'Ana' },
                buttons: ['followups:optIn.words'],
            });
            await service.middleware().onTurn(message('ana', 'hello again'), async () => undefined);
            const moved = await mongo.db.collection('inactivityFollowUps').findOne({ type: 'reengagement', userId: 'ana' });
            assert.strictEqual(moved?._id.toHexString(), id, 'the same record, moved');
            assert.deepStrictEqual(
                [moved?.template, moved?.variables, moved?.customText, moved?.buttons],
                ['followups:reengagement', {}, undefined, undefined]
            );
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('two instances importing the same 300 users at once: 300 records, each scheduled by one of them and a duplicate for the other', async () => {
        const mongo = await freshDb();
        const a = serviceOn(mongo.db);
        const b = serviceOn(mongo.db);
        try {
            await Promise.all([a.service.start(), b.service.start()]);
            const requests: ReengagementFollowUp[] = Array.from({ length: 300 }, (_, i) => ({
                reference: referenceOf(`r${i}`),
                lastActivityAt: new Date(Date.now() - (40 + (i % 20)) * DAY),
            }));
            // Each instance works through the list in batches, in an order of its own, so the batches overlap.
            const run = async (service: typeof a.service, order: ReengagementFollowUp[]) => {
                const results = [];
                for (let i = 0; i < order.length; i += 50) {
                    results.push(...(await service.scheduleReengagements(order.slice(i, i + 50))));
                }
                return results;
            };
            const [ra, rb] = await Promise.all([run(a.service, requests), run(b.service, [...requests].reverse())]);
            const scheduled = [...ra, ...rb].filter((r) => 'id' in r && !r.duplicate).length;
            const duplicates = [...ra, ...rb].filter((r) => 'id' in r && r.duplicate).length;
            assert.strictEqual(await mongo.db.collection('inactivityFollowUps').countDocuments({ type: 'reengagement' }), 300);
            assert.deepStrictEqual({ scheduled, duplicates }, { scheduled: 300, duplicates: 300 });
        } finally {
            await Promise.all([a.service.stop(), b.service.stop()]);
            await mongo.close();
        }
    });
});
