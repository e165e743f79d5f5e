import assert from 'assert';
import type { BotTelemetryClient } from 'botbuilder';
import { freshDb } from '../support/mongo';
import { referenceOf, serviceOn } from './followUpRig';

describe('Follow-ups: quiet hours, time zones, frequency cap, channel window, opt-out', () => {
    it('schedules in the user time zone (resolver, then stored, then default) out of quiet hours, and defers a send that falls inside them', async () => {
        const mongo = await freshDb();
        let clock = Date.parse('2030-01-15T12:00:00Z');
        const { service, adapter } = serviceOn(mongo.db, {
            quietHours: { start: '21:00', end: '08:00' },
            timeZone: (u) => (u === 'tokyo' ? 'Asia/Tokyo' : undefined),
            now: () => clock,
        });
        try {
            await service.start();
            // 12:00 UTC + 24 h is 21:00 in Tokyo: quiet, so 08:00 Tokyo the next day (23:00 UTC).
            const tokyo = await service.schedulePostEvent({
                reference: referenceOf('tokyo'),
                eventAt: new Date(clock),
                template: 'followups:postEvent',
                variables: { name: 'Ken' },
            });
            assert.strictEqual((await service.get(tokyo.id))?.scheduledAt.toISOString(), '2030-01-16T23:00:00.000Z');
            assert.strictEqual((await service.get(tokyo.id))?.timeZone, 'Asia/Tokyo');
            await service.noteUserMessage('lisbon', new Date(clock), 'Europe/Lisbon');
            const lisbon = await service.scheduleCustom({
                reference: referenceOf('lisbon'),
                at: new Date('2030-01-15T23:00:00Z'),
                template: 'followups:checkIn',
            });
            assert.strictEqual((await service.get(lisbon.id))?.scheduledAt.toISOString(), '2030-01-16T08:00:00.000Z');
            // Rescheduled into quiet hours (an operator's choice): the send is deferred when it comes due.
            await service.reschedule(lisbon.id, new Date('2030-01-15T22:00:00Z'));
            clock = Date.parse('2030-01-15T22:00:01Z');
            await service.runDue();
            const deferred = await service.get(lisbon.id);
            assert.strictEqual(deferred?.status, 'pending');
            assert.strictEqual(deferred?.scheduledAt.toISOString(), '2030-01-16T08:00:00.000Z');
            assert.strictEqual(deferred?.attempts, 0, 'a deferral is not an attempt');
            assert.strictEqual(adapter.sent.length, 0);
            clock = Date.parse('2030-01-16T08:00:00Z');
            await service.runDue();
            assert.strictEqual(adapter.sent.length, 1);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('caps sends at 1 per user per local day: the second due one is skipped with reason capped (telemetry InactivityFollowUpSkipped)', async () => {
        const mongo = await freshDb();
        const events: string[] = [];
        const telemetryClient = {
            trackEvent: (e: { name: string; properties?: Record<string, string> }) => events.push(`${e.name}:${e.properties?.reason ?? ''}`),
        } as unknown as BotTelemetryClient;
        const { service, adapter } = serviceOn(mongo.db, { frequencyCap: 1, telemetryClient });
        try {
            await service.start();
            const at = new Date(Date.now() - 1000);
            const one = await service.scheduleCustom({ reference: referenceOf('capped'), at, template: 'followups:checkIn', key: 'one' });
            const two = await service.scheduleCustom({
                reference: referenceOf('capped'),
                at: new Date(at.getTime() + 1),
                template: 'followups:checkIn',
                key: 'two',
            });
            await service.runDue();
            assert.strictEqual(adapter.sent.length, 1);
            // Claimed by two workers at once: the cap's reservation decides which one goes.
            const both = [await service.get(one.id), await service.get(two.id)];
            assert.deepStrictEqual(both.map((f) => f?.status).sort(), ['executed', 'skipped']);
            assert.strictEqual(both.find((f) => f?.status === 'skipped')?.skipReason, 'capped');
            assert.deepStrictEqual(events.sort(), ['InactivityFollowUpSent:', 'InactivityFollowUpSkipped:capped']);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('WhatsApp-style 24-hour window: outside it, skipped with reason outsideWindow, or sent through the template callback', async () => {
        const mongo = await freshDb();
        const { service, adapter } = serviceOn(mongo.db);
        const withCallback = serviceOn(mongo.db, {
            adapter: adapter,
            outsideWindow: async (followUp, context) => {
                await context.sendActivity(`[approved template] ${followUp.type}`);
                return true;
            },
        }).service;
        try {
            await service.start();
            await withCallback.start();
            const due = new Date(Date.now() - 1000);
            await service.noteUserMessage('recent', new Date(Date.now() - 3600_000));
            await service.noteUserMessage('old', new Date(Date.now() - 30 * 3600_000));
            const recent = await service.scheduleCustom({ reference: referenceOf('recent', 'whatsapp'), at: due, template: 'followups:checkIn' });
            const old = await service.scheduleCustom({ reference: referenceOf('old', 'whatsapp'), at: due, template: 'followups:checkIn' });
            await service.runDue();
            const sentRecent = await service.get(recent.id);
            assert.strictEqual(sentRecent?.status, 'executed', sentRecent?.lastError);
            const skipped = await service.get(old.id);
            assert.deepStrictEqual([skipped?.status, skipped?.skipReason], ['skipped', 'outsideWindow']);
            const old2 = await withCallback.scheduleCustom({ reference: referenceOf('old', 'whatsapp'), at: due, template: 'followups:checkIn', key: 'old2' });
            await withCallback.runDue();
            assert.strictEqual((await withCallback.get(old2.id))?.status, 'executed');
            assert.deepStrictEqual(
                adapter.sent.map((s) => s.activity.text ?? s.activity),
                ['Just checking in: how are things going?', '[approved template] custom']
            );
        } finally {
            await service.stop();
            await withCallback.stop();
            await mongo.close();
        }
    });

    it('opt-out cancels pending follow-ups and new ones are skipped until opt-in', async () => {
        const mongo = await freshDb();
        const { service } = serviceOn(mongo.db);
        try {
            await service.start();
            const a = await service.scheduleCustom({
                reference: referenceOf('o'),
                at: new Date(Date.now() + 3600_000),
                template: 'followups:checkIn',
                key: 'a',
            });
            assert.strictEqual(await service.optOut('o'), 1);
            assert.strictEqual((await service.get(a.id))?.status, 'cancelled');
            const b = await service.scheduleCustom({
                reference: referenceOf('o'),
                at: new Date(Date.now() + 3600_000),
                template: 'followups:checkIn',
                key: 'b',
            });
            assert.deepStrictEqual([(await service.get(b.id))?.status, (await service.get(b.id))?.skipReason], ['skipped', 'optedOut']);
            await service.optIn('o');
            const c = await service.scheduleCustom({
                reference: referenceOf('o'),
                at: new Date(Date.now() + 3600_000),
                template: 'followups:checkIn',
                key: 'c',
            });
            assert.strictEqual((await service.get(c.id))?.status, 'pending');
        } finally {
            await service.stop();
            await mongo.close();
        }
    });
});
