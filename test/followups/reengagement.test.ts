import assert from 'assert';
import sinon from 'sinon';
import { Activity, TestAdapter, TurnContext } from 'botbuilder';
import { freshDb, isRealMongo } from '../support/mongo';
import { referenceOf, serviceOn } from './followUpRig';

function message(userId: string, text: string, channelId = 'msteams'): TurnContext {
    const reference = referenceOf(userId, channelId);
    const activity: Partial<Activity> = {
        type: 'message',
        text,
        channelId,
        serviceUrl: reference.serviceUrl,
        conversation: reference.conversation,
        from: { id: userId, name: 'User', role: 'user' },
        recipient: { id: 'bot', name: 'bot' },
        locale: 'en-US',
        localTimezone: 'Europe/Lisbon',
    };
    return new TurnContext(new TestAdapter(), activity);
}

describe('Re-engagement from the middleware', () => {
    it('arms a re-engagement from the first message, moves it at most once per interval, and writes nothing on the next turns', async () => {
        const mongo = await freshDb({ monitorCommands: true });
        const { service } = serviceOn(mongo.db, { reengageAfter: '30 days' });
        const writes: string[] = [];
        mongo.client.on('commandStarted', (e) => {
            if (['insert', 'update', 'delete', 'findAndModify'].includes(e.commandName)) writes.push(e.commandName);
        });
        try {
            await service.start();
            const middleware = service.middleware();
            let replied = 0;
            await middleware.onTurn(message('re1', 'hi'), async () => {
                replied++;
            });
            const armed = (await service.list({ userId: 're1', type: 'reengagement' })).items;
            assert.strictEqual(armed.length, 1);
            assert.strictEqual(armed[0].timeZone, 'Europe/Lisbon', "from the activity's localTimezone");
            assert.ok(Math.abs(armed[0].scheduledAt.getTime() - (Date.now() + 30 * 86400_000)) < 14 * 3600_000, 'about 30 days ahead (out of quiet hours)');
            const firstTurnWrites = writes.length;
            for (let i = 0; i < 20; i++) {
                await middleware.onTurn(message('re1', `message ${i}`), async () => {
                    replied++;
                });
            }
            assert.strictEqual(replied, 21, 'every turn went on');
            assert.strictEqual(writes.length, firstTurnWrites, `no write on the next 20 turns (${firstTurnWrites} on the first)`);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it("on a channel with a window (WhatsApp) records the user's last message hourly, not only daily", async () => {
        const mongo = await freshDb();
        const { service } = serviceOn(mongo.db);
        const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
        try {
            await service.start();
            const middleware = service.middleware();
            const lastMessageAt = async () =>
                ((await mongo.db.collection('inactivityFollowUpUsers').findOne({ userId: 'wa' }))?.lastMessageAt as Date).getTime();
            const t0 = Date.now();
            await middleware.onTurn(message('wa', 'hi', 'whatsapp'), async () => undefined);
            assert.strictEqual(await lastMessageAt(), t0);
            clock.tick(30 * 60_000);
            await middleware.onTurn(message('wa', 'still here', 'whatsapp'), async () => undefined);
            assert.strictEqual(await lastMessageAt(), t0, 'no write within the hour');
            clock.tick(31 * 60_000);
            await middleware.onTurn(message('wa', 'and now', 'whatsapp'), async () => undefined);
            assert.strictEqual(await lastMessageAt(), t0 + 61 * 60_000, 'recorded again after an hour');
            // On a channel without a window the once-a-day write stands.
            await middleware.onTurn(message('teams', 'hi'), async () => undefined);
            clock.tick(2 * 3600_000);
            await middleware.onTurn(message('teams', 'again'), async () => undefined);
            const teams = await mongo.db.collection('inactivityFollowUpUsers').findOne({ userId: 'teams' });
            assert.strictEqual((teams?.lastMessageAt as Date).getTime(), t0 + 61 * 60_000);
        } finally {
            clock.restore();
            await service.stop();
            await mongo.close();
        }
    });

    it('chooses the first-time or the past-customer template', async () => {
        const mongo = await freshDb();
        let clock = Date.now();
        const { service, adapter } = serviceOn(mongo.db, { reengageAfter: 1000, now: () => clock });
        try {
            await service.start();
            await service.armReengagement(referenceOf('new'));
            await service.schedulePostEvent({
                reference: referenceOf('customer'),
                eventAt: new Date(clock - 86400_000 * 5),
                template: 'followups:postEvent',
                variables: { name: 'Ana' },
            });
            clock += 86400_000;
            await service.runDue();
            await service.armReengagement(referenceOf('customer'));
            clock += 86400_000;
            await service.runDue();
            const texts = Object.fromEntries(adapter.sent.map((s) => [s.conversationId, s.activity.text]));
            assert.strictEqual(texts['conv-new'], "We haven't heard from you in a while. Anything I can help you with?");
            assert.strictEqual(texts['conv-customer'], 'We miss you! Ready to book your next session?');
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('a user is a past customer once a post-event follow-up was sent, not when one was scheduled and cancelled', async () => {
        const mongo = await freshDb();
        let clock = Date.now();
        const { service, adapter } = serviceOn(mongo.db, { reengageAfter: 1000, now: () => clock });
        const users = mongo.db.collection('inactivityFollowUpUsers');
        try {
            await service.start();
            const eventAt = new Date(clock - 86400_000 * 5);
            const cancelled = await service.schedulePostEvent({
                reference: referenceOf('cancelled'),
                eventAt,
                template: 'followups:postEvent',
                variables: { name: 'Ana' },
            });
            const sent = await service.schedulePostEvent({
                reference: referenceOf('sent'),
                eventAt,
                template: 'followups:postEvent',
                variables: { name: 'Rui' },
            });
            assert.strictEqual((await users.findOne({ userId: 'sent' }))?.customer, undefined, 'scheduled is not yet a customer');
            assert.strictEqual(await service.cancel(cancelled.id), true);
            await service.runDue();
            assert.strictEqual((await service.get(sent.id))?.status, 'executed');
            assert.strictEqual((await users.findOne({ userId: 'sent' }))?.customer, true);
            assert.notStrictEqual((await users.findOne({ userId: 'cancelled' }))?.customer, true);
            adapter.sent.length = 0;
            await service.armReengagement(referenceOf('cancelled'));
            await service.armReengagement(referenceOf('sent'));
            clock += 86400_000;
            await service.runDue();
            const texts = Object.fromEntries(adapter.sent.map((s) => [s.conversationId, s.activity.text]));
            assert.strictEqual(texts['conv-cancelled'], "We haven't heard from you in a while. Anything I can help you with?");
            assert.strictEqual(texts['conv-sent'], 'We miss you! Ready to book your next session?');
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('a re-engagement due while the user writes: 0 sent after the message that moved it (200 collisions)', async function () {
        this.timeout(60_000);
        const mongo = await freshDb();
        let clock = Date.now();
        const { service, adapter } = serviceOn(mongo.db, { reengageAfter: 60_000, now: () => clock });
        try {
            await service.start();
            const middleware = service.middleware();
            const trials = 200;
            let sendsAfterMove = 0;
            let moved = 0;
            let sent = 0;
            for (let batch = 0; batch < trials; batch += 20) {
                const users = Array.from({ length: 20 }, (_, k) => `race${batch + k}`);
                for (const u of users) {
                    await service.armReengagement(referenceOf(u));
                }
                clock += 120_000; // this batch's re-engagements are due (and earlier batches' moved ones again)
                await Promise.all([
                    ...users.map((u) => middleware.onTurn(message(u, 'still here'), async () => undefined)),
                    service.runDue(),
                    service.runDue(),
                ]);
                for (const u of users) {
                    const [record] = (await service.list({ userId: u, type: 'reengagement' })).items;
                    const sends = adapter.sent.filter((s) => s.conversationId === `conv-${u}`).length;
                    // The history tells the order: the arm, then the message's move (when it won), then any send.
                    const events = record.history.map((h) => h.event);
                    const messageMoved = events.filter((e) => e === 'moved').length === 2;
                    const executedAfterMove = events.slice(events.lastIndexOf('moved') + 1).filter((e) => e === 'executed').length;
                    assert.strictEqual(sends, events.filter((e) => e === 'executed').length, 'every send recorded');
                    if (messageMoved) {
                        moved++;
                        sendsAfterMove += executedAfterMove;
                        assert.strictEqual(record.status, 'pending');
                        assert.ok(record.scheduledAt.getTime() > clock, 'moved into the future');
                    } else {
                        assert.strictEqual(record.status, 'executed');
                        assert.strictEqual(sends, 1);
                        sent++;
                    }
                }
            }
            console.log(
                `      re-engagement race (${isRealMongo() ? 'MongoDB' : 'embedded server'}): ${moved} moved by the message (sent or not before it), ${sent} sent while the message came, ${sendsAfterMove} sent after a move`
            );
            assert.strictEqual(sendsAfterMove, 0);
            assert.strictEqual(moved + sent, trials);
            assert.ok(moved > 0, 'the message won some collisions');
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('a message scored low by scoreSentiment schedules one check-in for the next day, chosen by that score', async () => {
        const mongo = await freshDb();
        const { service, adapter } = serviceOn(mongo.db, { scoreSentiment: (text) => (/terrible|awful/.test(text) ? 0.1 : 0.8), checkInAfter: 1000 });
        try {
            await service.start();
            const middleware = service.middleware();
            await middleware.onTurn(message('sad', 'this is fine'), async () => undefined);
            assert.strictEqual((await service.list({ userId: 'sad', type: 'checkIn' })).items.length, 0, 'no check-in after a good message');
            await middleware.onTurn(message('sad', 'terrible service'), async () => undefined);
            await middleware.onTurn(message('sad', 'awful, really'), async () => undefined);
            const checkIns = (await service.list({ userId: 'sad', type: 'checkIn' })).items;
            assert.strictEqual(checkIns.length, 1, 'one per user and day');
            assert.strictEqual(checkIns[0].score, 0.1);
            await new Promise((r) => setTimeout(r, 1100));
            await service.runDue();
            assert.deepStrictEqual(
                adapter.sent.map((s) => s.activity.text),
                ["I'm sorry our last conversation didn't go well. Is there anything I can do to help?"]
            );
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('stop words opt out in the user language and start words opt back in', async () => {
        const mongo = await freshDb();
        const { service } = serviceOn(mongo.db);
        try {
            await service.start();
            const middleware = service.middleware();
            await middleware.onTurn(message('s1', 'hola'), async () => undefined);
            const stop = message('s1', 'Parar');
            stop.activity.locale = 'es-ES';
            const sent: string[] = [];
            stop.onSendActivities(async (_c, activities, next) => {
                sent.push(...activities.map((a) => a.text ?? ''));
                return next();
            });
            let botRan = false;
            await middleware.onTurn(stop, async () => {
                botRan = true;
            });
            assert.strictEqual(botRan, false, 'the stop word is answered by the middleware');
            assert.match(sent[0], /no te enviaré más mensajes/);
            assert.deepStrictEqual(
                (await service.list({ userId: 's1' })).items.map((f) => f.status),
                ['cancelled']
            );
            await middleware.onTurn(message('s1', 'start'), async () => undefined);
            const user = await mongo.db.collection('inactivityFollowUpUsers').findOne({ userId: 's1' });
            assert.strictEqual(user?.optedOutAt, undefined);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });
});
