import assert from 'assert';
import { freshDb } from '../support/mongo';
import { DEFAULT_TIMER_RETRY } from '../../src/core/ports/timerScheduler';
import { FOLLOW_UP_INDEXES } from '../../src/mongo/followUpStore';
import { referenceOf, serviceOn } from './followUpRig';

describe('FollowUpService: schedule, list, get, cancel, reschedule, health', () => {
    it('schedules a post-event follow-up at eventAt + 24 hours, and the same key again returns the same id with duplicate: true', async () => {
        const mongo = await freshDb();
        const { service } = serviceOn(mongo.db);
        try {
            await service.start();
            const eventAt = new Date('2030-03-10T12:00:00Z');
            const first = await service.schedulePostEvent({
                reference: referenceOf('u1'),
                eventAt,
                eventId: 'b1',
                template: 'followups:postEvent',
                variables: { name: 'Maria' },
            });
            const again = await service.schedulePostEvent({
                reference: referenceOf('u1'),
                eventAt,
                eventId: 'b1',
                template: 'followups:postEvent',
                variables: { name: 'Maria' },
            });
            assert.deepStrictEqual(again, { id: first.id, duplicate: true });
            assert.strictEqual(first.duplicate, false);
            const got = await service.get(first.id);
            assert.strictEqual(got?.status, 'pending');
            assert.strictEqual(got?.scheduledAt.toISOString(), '2030-03-11T12:00:00.000Z');
            assert.strictEqual(await mongo.db.collection('inactivityFollowUps').countDocuments(), 1);
            // Another booking of the same user within a day is the same follow-up (tolerance window).
            const near = await service.schedulePostEvent({
                reference: referenceOf('u1'),
                eventAt: new Date(eventAt.getTime() + 3600_000),
                eventId: 'b2',
                template: 'followups:postEvent',
                variables: { name: 'Maria' },
            });
            assert.deepStrictEqual(near, { id: first.id, duplicate: true });
            const far = await service.schedulePostEvent({
                reference: referenceOf('u1'),
                eventAt: new Date(eventAt.getTime() + 3 * 86400_000),
                eventId: 'b3',
                template: 'followups:postEvent',
                variables: { name: 'Maria' },
            });
            assert.strictEqual(far.duplicate, false);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('lists by user, conversation, status and type, newest first, a page at a time', async () => {
        const mongo = await freshDb();
        const { service } = serviceOn(mongo.db);
        try {
            await service.start();
            const base = Date.parse('2030-01-01T00:00:00Z');
            for (let i = 0; i < 7; i++) {
                await service.scheduleCustom({
                    reference: referenceOf(i % 2 ? 'odd' : 'even'),
                    at: new Date(base + i * 3600_000),
                    template: 'followups:checkIn',
                    key: `k${i}`,
                });
            }
            const page1 = await service.list({ userId: 'even', limit: 3 });
            assert.deepStrictEqual(
                page1.items.map((f) => f.key),
                ['k6', 'k4', 'k2']
            );
            const page2 = await service.list({ userId: 'even', limit: 3, cursor: page1.nextCursor });
            assert.deepStrictEqual(
                page2.items.map((f) => f.key),
                ['k0']
            );
            assert.strictEqual(page2.nextCursor, undefined);
            assert.strictEqual((await service.list({ conversationId: 'conv-odd' })).items.length, 3);
            assert.strictEqual((await service.list({ type: 'postEvent' })).items.length, 0);
            assert.strictEqual((await service.list({ from: new Date(base + 2 * 3600_000), to: new Date(base + 4 * 3600_000) })).items.length, 2);
            const cancelledId = page1.items[0].id;
            assert.strictEqual(await service.cancel(cancelledId), true);
            assert.strictEqual(await service.cancel(cancelledId), false, 'already cancelled');
            assert.strictEqual(await service.cancel('0123456789abcdef01234567'), false, 'not found');
            assert.strictEqual(await service.cancel('not an id'), false);
            assert.deepStrictEqual(
                (await service.list({ status: 'cancelled' })).items.map((f) => f.key),
                ['k6']
            );
            const names = (await mongo.db.collection('inactivityFollowUps').listIndexes().toArray()).map((i) => i.name);
            for (const index of FOLLOW_UP_INDEXES) {
                assert.ok(names.includes(index.name), `index ${index.name}`);
            }
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('sends a due follow-up once through the adapter, in the user language, with its buttons; reschedule keeps its history and resets attempts', async () => {
        const mongo = await freshDb();
        const { service, adapter } = serviceOn(mongo.db);
        try {
            await service.start();
            const { id } = await service.scheduleCustom({
                reference: referenceOf('ana', 'msteams', 'pt-BR'),
                at: new Date(Date.now() - 1000),
                template: 'followups:postEvent',
                score: 0.9,
                variables: { name: 'Maria' },
                buttons: ['followups:optIn.words'],
            });
            assert.strictEqual(await service.runDue(), 1);
            assert.strictEqual(await service.runDue(), 0, 'nothing left to claim');
            assert.strictEqual(adapter.sent.length, 1);
            assert.strictEqual(adapter.sent[0].activity.text, 'Que bom que foi bem! Como foi com Maria?');
            assert.strictEqual(adapter.sent[0].activity.suggestedActions?.actions.length, 1);
            const sent = await service.get(id);
            assert.strictEqual(sent?.status, 'executed');
            assert.strictEqual(sent?.text, 'Que bom que foi bem! Como foi com Maria?');
            assert.strictEqual(sent?.attempts, 1);
            assert.strictEqual(await service.cancel(id), false, 'already sent');
            const later = new Date(Date.now() + 3600_000);
            assert.strictEqual(await service.reschedule(id, later), true);
            const moved = await service.get(id);
            assert.strictEqual(moved?.status, 'pending');
            assert.strictEqual(moved?.attempts, 0);
            assert.deepStrictEqual(
                moved?.history.map((h) => h.event),
                ['scheduled', 'executed', 'rescheduled']
            );
            const health = await service.health();
            assert.deepStrictEqual(
                Object.keys(health).sort(),
                ['executedToday', 'failed', 'lastSweeps', 'oldestOverdueMs', 'overdue', 'p95LatenessMs', 'pending', 'running', 'status', 'workers'].sort()
            );
            assert.strictEqual(health.pending, 1);
            assert.strictEqual(health.running, false, 'this instance only sends on runDue()');
            assert.strictEqual(health.workers.alive, false, 'no instance runs the wake-up job');
            assert.strictEqual(health.workers.lastWakeUpAt, null);
            assert.strictEqual(health.status, 'ok');
            assert.strictEqual(health.overdue, 0);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('retries a refused send with backoff and marks it failed after the last attempt; a 403 skips it and suppresses the user until they write', async () => {
        const mongo = await freshDb();
        let clock = Date.now();
        const { service, adapter } = serviceOn(mongo.db, { retries: 2, now: () => clock });
        try {
            await service.start();
            adapter.fail = () => ({ statusCode: 503 });
            const { id } = await service.scheduleCustom({ reference: referenceOf('r'), at: new Date(clock - 1), template: 'followups:checkIn' });
            await service.runDue();
            let doc = await service.get(id);
            assert.strictEqual(doc?.status, 'pending');
            // The first retry waits DEFAULT_TIMER_RETRY.delay, within its jitter (the inactivity timers' backoff).
            const first = DEFAULT_TIMER_RETRY.delay;
            const waited = doc.scheduledAt.getTime() - clock;
            assert.ok(
                waited >= first * (1 - DEFAULT_TIMER_RETRY.jitter) - 1 && waited <= first * (1 + DEFAULT_TIMER_RETRY.jitter) + 1,
                `the retry waits about ${first} ms; waited ${waited} ms`
            );
            for (let i = 0; i < 2; i++) {
                clock += 120_000;
                await service.runDue();
            }
            doc = await service.get(id);
            assert.strictEqual(doc?.status, 'failed');
            assert.strictEqual(doc?.attempts, 3);
            assert.match(doc?.lastError ?? '', /503/);

            adapter.fail = () => ({ statusCode: 403 });
            const blocked = await service.scheduleCustom({ reference: referenceOf('b'), at: new Date(clock - 1), template: 'followups:checkIn', key: 'b1' });
            const second = await service.scheduleCustom({ reference: referenceOf('b'), at: new Date(clock + 1000), template: 'followups:checkIn', key: 'b2' });
            await service.runDue();
            assert.strictEqual((await service.get(blocked.id))?.skipReason, 'blocked');
            adapter.fail = undefined;
            clock += 2000;
            await service.runDue();
            assert.strictEqual((await service.get(second.id))?.skipReason, 'blocked', 'suppressed after a 403');
            await service.noteUserMessage('b', new Date(clock));
            const third = await service.scheduleCustom({ reference: referenceOf('b'), at: new Date(clock - 1), template: 'followups:checkIn', key: 'b3' });
            await service.runDue();
            assert.strictEqual((await service.get(third.id))?.status, 'executed', 'sent again once the user wrote');
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('sends by itself when due: one Agenda job wakes at the earliest pending follow-up', async () => {
        const mongo = await freshDb();
        const { service, adapter } = serviceOn(mongo.db, { send: true, processEvery: 60_000 });
        try {
            await service.start();
            const started = Date.now();
            await service.scheduleCustom({ reference: referenceOf('w'), at: new Date(started + 1500), template: 'followups:checkIn' });
            await service.scheduleCustom({ reference: referenceOf('w2'), at: new Date(started + 600_000), template: 'followups:checkIn' });
            while (adapter.sent.length === 0 && Date.now() - started < 8000) {
                await new Promise((r) => setTimeout(r, 100));
            }
            assert.strictEqual(adapter.sent.length, 1, 'the due one was sent without waiting for a poll');
            assert.ok(Date.now() - started >= 1400, 'not before its time');
            const health = await service.health();
            assert.strictEqual(health.running, true);
            assert.strictEqual(health.executedToday, 1);
            assert.strictEqual(health.pending, 1);
            const jobs = await mongo.db.collection('inactivityFollowUpJobs').find().toArray();
            assert.strictEqual(jobs.length, 1, 'one wake-up job');
            await new Promise((r) => setTimeout(r, 300));
            const wake = await mongo.db.collection('inactivityFollowUpJobs').findOne();
            assert.ok(
                Math.abs((wake?.nextRunAt as Date).getTime() - (started + 600_000)) < 2000,
                `sleeps until the next one is due: ${String(wake?.nextRunAt)}`
            );
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('purges finished follow-ups after the retention period', async () => {
        const mongo = await freshDb();
        let clock = Date.now();
        const { service } = serviceOn(mongo.db, { retention: '30 days', now: () => clock });
        try {
            await service.start();
            const a = await service.scheduleCustom({ reference: referenceOf('p'), at: new Date(clock + 1000), template: 'followups:checkIn', key: 'p1' });
            await service.scheduleCustom({ reference: referenceOf('p'), at: new Date(clock + 1000), template: 'followups:checkIn', key: 'p2' });
            await service.cancel(a.id);
            clock += 29 * 86400_000;
            assert.strictEqual(await service.purge(), 0);
            clock += 2 * 86400_000;
            assert.strictEqual(await service.purge(), 1);
            assert.strictEqual((await service.list({})).items.length, 1, 'the pending one stays');
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('refuses bad options and requests with errors naming the field', () => {
        assert.throws(() => serviceOn({} as never, { defaultTimeZone: 'Mars/Base' }), /defaultTimeZone must be an IANA time zone/);
        assert.throws(() => serviceOn({} as never, { quietHours: { start: '25:00', end: '08:00' } }), /quietHours.start must be a time of day/);
        assert.throws(() => serviceOn({} as never, { frequencyCap: -1 }), /frequencyCap must be a whole number/);
    });
});
