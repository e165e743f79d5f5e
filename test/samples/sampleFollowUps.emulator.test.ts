import assert from 'assert';
import type { Activity } from 'botbuilder';
import { readSampleConfig } from '../../samples/sampleConfig';
import { startAgentsSample } from '../../samples/agents/agentsSampleServer';
import { startSample } from '../../samples/sampleServer';
import { EmulatorClient, EmulatorConversation } from '../support/emulator';
import { freshDb } from '../support/mongo';

const isText = (re: RegExp) => (a: Partial<Activity>) => a.type === 'message' && re.test(a.text ?? '');

/** Both samples: `npm start` (botbuilder, a dialog) and `npm run start:agents` (the Agents SDK, marked steps). */
const SAMPLES = [
    { name: 'Sample bot', start: startSample },
    { name: 'Agents SDK sample', start: startAgentsSample },
];

for (const target of SAMPLES)
    describe(`${target.name} follow-ups over HTTP, as the Emulator talks to it`, function () {
        this.timeout(60_000);
        let sample: Awaited<ReturnType<(typeof target)['start']>>;
        let emulator: EmulatorClient;
        let close: () => Promise<void>;
        let mongo: Awaited<ReturnType<typeof freshDb>>;

        before(async () => {
            mongo = await freshDb();
            sample = await target.start(
                readSampleConfig({
                    PORT: '0',
                    MONGODB_URI: mongo.uri,
                    INACTIVITY_FOLLOWUP_AFTER: '2000',
                    INACTIVITY_REENGAGE_AFTER: '4000',
                    INACTIVITY_QUIET_HOURS: 'off',
                    INACTIVITY_REMINDER_AFTER: '1 minute',
                })
            );
            emulator = new EmulatorClient(sample.messagesUrl);
            await emulator.start();
            close = async () => {
                await emulator.stop();
                await sample.stop();
                await mongo.close();
            };
        });
        after(() => close());

        it('after "add client" completes, asks "How did the first session with Maria Silva go?" with Great / Not great; the answer is recorded as the score', async () => {
            const c = emulator.conversation();
            await c.say('add client');
            await c.waitFor(isText(/^What's the client's name\?/));
            await c.say('Maria Silva');
            await c.waitFor(isText(/^What kind of client/));
            await c.say('Personal training');
            await c.waitFor(isText(/^How can we reach/));
            // say() returns an index into the received activities; the times are taken here.
            const doneTime = Date.now();
            const doneAt = await c.say('maria@example.com');
            await c.waitFor(isText(/^Done!/), { from: doneAt });
            const followUp = await c.waitFor(isText(/first session with Maria Silva/), { from: doneAt, timeoutMs: 10_000 });
            assert.strictEqual(followUp.activity.text, 'How did the first session with Maria Silva go?');
            assert.ok(followUp.at - doneTime >= 1900, `sent after INACTIVITY_FOLLOWUP_AFTER: ${followUp.at - doneTime} ms`);
            const buttons = EmulatorConversation.buttons(followUp.activity);
            assert.deepStrictEqual(
                buttons.map((b) => b.title),
                ['Great', 'Not great']
            );
            const answeredTime = Date.now();
            const answeredAt = await c.say('Not great');
            await c.waitFor(isText(/^Thanks for telling me/), { from: answeredAt });
            const page = await sample.followUps!.list({ userId: c.userId, type: 'postEvent' });
            assert.strictEqual(page.items[0].status, 'executed');
            const user = await mongo.db.collection('inactivityFollowUpUsers').findOne({ userId: c.userId });
            assert.strictEqual(user?.score, 0.2, 'Not great feeds the next check-in');
            // "I'll check in again soon": the check-in it announces is scheduled, a day later (the service's checkInAfter).
            const checkIns = await sample.followUps!.list({ userId: c.userId, type: 'checkIn' });
            assert.deepStrictEqual(
                checkIns.items.map((f) => f.status),
                ['pending']
            );
            const inMs = checkIns.items[0].scheduledAt.getTime() - answeredTime;
            assert.ok(inMs > 23 * 3_600_000 && inMs <= 24 * 3_600_000 + 60_000, `checked in a day later: ${inMs} ms`);
            const health = (await (await fetch(`http://127.0.0.1:${sample.port}/api/followups/health`)).json()) as Record<string, unknown>;
            assert.deepStrictEqual(
                Object.keys(health).sort(),
                ['executedToday', 'failed', 'lastSweeps', 'oldestOverdueMs', 'overdue', 'p95LatenessMs', 'pending', 'running', 'status', 'workers'].sort()
            );
            assert.strictEqual(health.running, true);
            assert.ok((health.executedToday as number) >= 1);
            // The same view of the senders as the CLI's (read from the database): the bot woke and sent just now.
            const workers = health.workers as { alive: boolean; lastWakeUpAt: string; lastSentAt: string };
            assert.strictEqual(workers.alive, true);
            assert.ok(Date.now() - Date.parse(workers.lastSentAt) < 60_000, JSON.stringify(workers));
            assert.ok(Date.now() - Date.parse(workers.lastWakeUpAt) < 60_000, JSON.stringify(workers));
        });

        it('re-engages a user silent for INACTIVITY_REENGAGE_AFTER, once', async () => {
            const c = emulator.conversation();
            const saidTime = Date.now();
            const saidAt = await c.say('hello');
            await c.waitFor(isText(/add client/), { from: saidAt });
            const reengaged = await c.waitFor(isText(/haven't heard from you/), { from: saidAt, timeoutMs: 12_000 });
            assert.ok(reengaged.at - saidTime >= 3900, `after the silence: ${reengaged.at - saidTime} ms`);
            await new Promise((r) => setTimeout(r, 1500));
            assert.strictEqual(c.received.filter((r) => isText(/haven't heard from you/)(r.activity)).length, 1);
        });

        it('stop words opt the user out: their pending follow-ups are cancelled', async () => {
            const c = emulator.conversation();
            await c.say('hello');
            const stopAt = await c.say('stop');
            await c.waitFor(isText(/won't send you follow-up messages/), { from: stopAt });
            const page = await sample.followUps!.list({ userId: c.userId });
            assert.deepStrictEqual(
                page.items.map((f) => f.status),
                ['cancelled']
            );
        });
    });

describe('Sample bot with INACTIVITY_FOLLOWUPS=off', () => {
    it('schedules nothing and answers 404 on /api/followups/health', async () => {
        const mongo = await freshDb();
        const sample = await startSample(readSampleConfig({ PORT: '0', MONGODB_URI: mongo.uri, INACTIVITY_FOLLOWUPS: 'off' }));
        try {
            assert.strictEqual(sample.followUps, undefined);
            const res = await fetch(`http://127.0.0.1:${sample.port}/api/followups/health`);
            assert.strictEqual(res.status, 404);
            assert.deepStrictEqual(await mongo.db.listCollections({ name: 'inactivityFollowUps' }).toArray(), []);
        } finally {
            await sample.stop();
            await mongo.close();
        }
    });
});
