import assert from 'assert';
import type { Db } from 'mongodb';
import { report } from '../../src/report/report';
import { freshDb } from '../support/mongo';
import { mongoRigs } from '../support/mongoRig';
import { buttons, createRig, Rig, texts } from '../support/testBot';
import { seedRecord } from '../support/flowRunSeed';

const SEC = 1000;
const MIN = 60 * SEC;
const DONE = 'Done! Maria Silva (Group classes) is added. Contact: maria@example.com.';

const rigs = mongoRigs();
const runs = (db: Db) => db.collection('inactivityRuns');
const records = (db: Db) =>
    runs(db)
        .find({ runId: { $exists: true } })
        .sort({ endedAt: 1 })
        .toArray();

/** Says something `ms` after the last turn. */
async function sayAfter(rig: Rig, ms: number, text: string, value?: unknown) {
    rig.clock.now += ms;
    return rig.say(text, value);
}

/** Fires the conversation's timer until it sends something (a timer armed before the last message fires early and moves). */
async function fireUntilSent(rig: Rig): Promise<Awaited<ReturnType<Rig['fireAt']>>> {
    for (let i = 0; i < 4; i++) {
        const sent = await rig.fireAt();
        if (sent.length > 0) {
            return sent;
        }
    }
    throw new Error('the timer sent nothing');
}

describe('flow-run records written by the middleware (TestAdapter + MongoDB)', () => {
    afterEach(() => rigs.closeAll());

    it('a completed flow: one record with each step and the time spent on it, and nothing before it ends', async () => {
        const { rig, db, t0 } = await rigs.setup();
        await rig.say('add client');
        await sayAfter(rig, 10 * SEC, 'Maria Silva');
        await sayAfter(rig, 20 * SEC, 'Group classes');
        assert.strictEqual((await records(db)).length, 0, 'no record while the run goes on');
        assert.deepStrictEqual(texts(await sayAfter(rig, 30 * SEC, 'maria@example.com')), [DONE]);
        const [r, ...more] = await records(db);
        assert.deepStrictEqual(more, []);
        assert.strictEqual(r.flowId, 'addClient');
        assert.strictEqual(r.outcome, 'completed');
        assert.strictEqual(r.reason, undefined);
        assert.deepStrictEqual(r.steps, [
            { step: 'name', index: 0, ms: 10 * SEC },
            { step: 'type', index: 1, ms: 20 * SEC },
            { step: 'contact', index: 2, ms: 30 * SEC },
        ]);
        assert.strictEqual(r.startedAt.getTime(), t0);
        assert.strictEqual(r.durationMs, 60 * SEC);
        assert.strictEqual(r.endStep, 'contact');
        assert.deepStrictEqual([r.reminded, r.answeredAfterReminder, r.resumed, r.extensions], [false, false, false, 0]);
        assert.strictEqual(r.channelId, 'test');
        assert.ok(typeof r.user === 'string' && r.user.length > 10 && !JSON.stringify(r).includes('user1'), 'the user is a keyed hash, not the id');
        assert.ok(!JSON.stringify(r).includes('Maria'), 'no collected value');
    });

    it('abandoned after a reminder, resumed, then completed: two records the report tells apart', async () => {
        const { rig, db } = await rigs.setup();
        await rig.say('add client');
        await sayAfter(rig, 10 * SEC, 'Maria Silva');
        const [reminder] = await fireUntilSent(rig);
        assert.match(reminder.text ?? '', /^Still there\?/);
        await fireUntilSent(rig);
        const [abandoned] = await records(db);
        assert.strictEqual(abandoned.outcome, 'abandoned');
        assert.strictEqual(abandoned.reason, 'timeout');
        assert.strictEqual(abandoned.endStep, 'type');
        assert.deepStrictEqual(
            abandoned.steps.map((s: { step: string }) => s.step),
            ['name', 'type']
        );
        assert.deepStrictEqual([abandoned.reminded, abandoned.answeredAfterReminder], [true, false]);
        assert.strictEqual(abandoned.reminders.length, 1);
        const snapshot = await db.collection('inactivitySnapshots').findOne();
        assert.strictEqual(abandoned.snapshotId, snapshot?.snapshotId);
        assert.strictEqual(abandoned.durationMs, 10 * SEC + 15 * MIN, 'from the first step to the close');

        rig.clock.now += 60 * MIN;
        const offer = (await rig.say('add client'))[1];
        const resume = buttons(offer)[0];
        await sayAfter(rig, 5 * SEC, resume.title, resume.value);
        await sayAfter(rig, 20 * SEC, 'Group classes');
        assert.deepStrictEqual(texts(await sayAfter(rig, 30 * SEC, 'maria@example.com')), [DONE]);
        const all = await records(db);
        assert.strictEqual(all.length, 2, 'the run begun by "add client" and replaced by the resume is not a run of its own');
        const resumed = all[1];
        assert.strictEqual(resumed.outcome, 'completed');
        assert.strictEqual(resumed.resumed, true);
        assert.strictEqual(resumed.resumedFrom, snapshot?.snapshotId);
        assert.deepStrictEqual(resumed.steps, [
            { step: 'type', index: 1, ms: 20 * SEC, resumed: true },
            { step: 'contact', index: 2, ms: 30 * SEC },
        ]);

        const data = await report(db);
        const [flow] = data.flows;
        assert.deepStrictEqual(
            [flow.runs, flow.started, flow.completed, flow.abandoned, flow.reminded, flow.recoveredAfterReminder, flow.resumed, flow.completedAfterResume],
            [2, 1, 1, 1, 1, 0, 1, 1]
        );
        assert.deepStrictEqual(
            flow.funnel.map((s) => [s.step, s.reached]),
            [
                ['name', 1],
                ['type', 1],
                ['contact', 1],
            ]
        );
        assert.deepStrictEqual(flow.abandonedByStep, { type: 1 });
        assert.deepStrictEqual(flow.abandonedByReason, { timeout: 1 });
    });

    it('a user who answers the reminder and completes counts as recovered', async () => {
        const { rig, db } = await rigs.setup();
        await rig.say('add client');
        await sayAfter(rig, 10 * SEC, 'Maria Silva');
        await fireUntilSent(rig);
        await sayAfter(rig, 30 * SEC, 'Group classes');
        await sayAfter(rig, 30 * SEC, 'maria@example.com');
        const [r] = await records(db);
        assert.deepStrictEqual([r.outcome, r.reminded, r.answeredAfterReminder], ['completed', true, true]);
        assert.strictEqual(r.reminders[0].answered, true);
        const [flow] = (await report(db)).flows;
        assert.deepStrictEqual([flow.reminded, flow.answeredAfterReminder, flow.recoveredAfterReminder], [1, 1, 1]);
    });

    it('Start over ends the run as userCancelled and begins a new one; invalid answers end one as invalidInput', async () => {
        const { rig, db } = await rigs.setup({ maxInvalidAttempts: 2 });
        await rig.say('add client');
        await sayAfter(rig, 10 * SEC, 'Maria Silva');
        const [reminder] = await fireUntilSent(rig);
        const startOver = buttons(reminder).find((b) => /start over/i.test(b.title));
        assert.ok(startOver, 'the reminder offers Start over');
        await sayAfter(rig, 5 * SEC, startOver.title, startOver.value);
        await sayAfter(rig, 5 * SEC, 'Ana Lima');
        await sayAfter(rig, 5 * SEC, 'not a type');
        await sayAfter(rig, 5 * SEC, 'still not a type');
        const all = await records(db);
        assert.deepStrictEqual(
            all.map((r) => [r.outcome, r.reason, r.endStep]),
            [
                ['abandoned', 'userCancelled', 'type'],
                ['abandoned', 'invalidInput', 'type'],
            ]
        );
        assert.notStrictEqual(all[0].runId, all[1].runId);
        assert.deepStrictEqual(
            all[1].steps.map((s: { step: string }) => s.step),
            ['name', 'type']
        );
    });

    it('with rawUserIds the record keeps the user id', async () => {
        const { rig, db } = await rigs.setup({ rawUserIds: true });
        await rig.say('add client');
        await rig.say('Maria Silva');
        await rig.say('Group classes');
        await rig.say('maria@example.com');
        assert.strictEqual((await records(db))[0].user, 'user1');
    });

    it('start() purges run records and abandonment events past recordRetention, and keeps the rest', async () => {
        const mongo = await freshDb();
        try {
            // The rig's clock reads 2026-11-21: 2026-08-01 is past the default 90 days, 2026-11-01 is not.
            const old = new Date(Date.UTC(2026, 7, 1));
            const recent = new Date(Date.UTC(2026, 10, 1));
            await runs(mongo.db).insertMany([seedRecord({ endedAt: old }), seedRecord({ endedAt: recent })]);
            await mongo.db.collection('inactivityEvents').insertMany([
                { eventId: 'old', at: old },
                { eventId: 'recent', at: recent },
            ]);
            const rig = await createRig({ mongo: mongo.db });
            try {
                assert.deepStrictEqual(
                    (await records(mongo.db)).map((r) => r.endedAt.getTime()),
                    [recent.getTime()]
                );
                assert.deepStrictEqual(
                    (await mongo.db.collection('inactivityEvents').find().toArray()).map((e) => e.eventId),
                    ['recent']
                );
            } finally {
                await rig.inactivity.stop();
            }
            const shorter = await createRig({ mongo: mongo.db, recordRetention: '7 days' });
            await shorter.inactivity.stop();
            assert.deepStrictEqual(await records(mongo.db), [], 'a shorter retention purges more');
            assert.deepStrictEqual(shorter.errors, []);
            // On a real MongoDB the TTL indexes expire both between sweeps; both follow recordRetention.
            for (const name of ['inactivityRuns', 'inactivityEvents']) {
                const ttl = (await mongo.db.collection(name).listIndexes().toArray()).find((i) => i.name === 'retention');
                assert.strictEqual(ttl?.expireAfterSeconds, 7 * 86_400, name);
            }
        } finally {
            await mongo.close();
        }
    });
});
