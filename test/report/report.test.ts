import assert from 'assert';
import { MongoFlowRunStore, runRecordId } from '../../src/mongo/flowRunStore';
import { report } from '../../src/report/report';
import { runRecord } from '../../src/core/records/runTracking';
import { freshDb } from '../support/mongo';
import { DAY1, EXPECTED, SINCE, seededRecords, seedRecord, UNTIL } from '../support/flowRunSeed';
import type { FlowRunRecord } from '../../src/core/records/flowRun';
import { newcombeInterval } from '../../src/report/newcombe';

type TestDb = Awaited<ReturnType<typeof freshDb>>;
const DAY = 86_400_000;

describe('report: the drop-off report from flow-run records', function () {
    let db: TestDb;
    let store: MongoFlowRunStore;

    beforeEach(async function () {
        db = await freshDb();
        store = new MongoFlowRunStore(db.db);
        await store.init();
        for (const r of seededRecords()) {
            await store.record(`seed/${r.runId}`, r);
        }
    });
    afterEach(async function () {
        await db.close();
    });

    it('counts every number of the seeded dataset per flow', async function () {
        const data = await report(db.db, { since: SINCE, until: UNTIL });
        assert.deepStrictEqual(
            data.flows.map((f) => f.flowId),
            ['booking', 'signup']
        );
        for (const flow of data.flows) {
            const expected = EXPECTED[flow.flowId as keyof typeof EXPECTED];
            for (const [key, value] of Object.entries(expected)) {
                if (key === 'funnel') {
                    assert.deepStrictEqual(
                        flow.funnel.map((s) => ({ step: s.step, reached: s.reached })),
                        value,
                        `${flow.flowId}.funnel`
                    );
                } else {
                    assert.deepStrictEqual(flow[key as keyof typeof flow], value, `${flow.flowId}.${key}`);
                }
            }
        }
        const booking = data.flows[0];
        assert.strictEqual(booking.completionRate, 5 / 9);
        assert.deepStrictEqual(
            booking.funnel.map((s) => s.meanMs),
            [10_000, 20_000, 30_000]
        );
        assert.deepStrictEqual(
            booking.abandonedByStepAndReason.map((c) => `${c.step}/${c.reason}=${c.count}`),
            ['name/invalidInput=1', 'date/timeout=2', 'confirm/timeout=1', 'confirm/handoff=1', 'confirm/paymentFailed=1']
        );
    });

    it('filters by flow and by period (runs that ended before `since` or at `until` are left out)', async function () {
        const onlySignup = await report(db.db, { since: SINCE, until: UNTIL, flowId: 'signup' });
        assert.deepStrictEqual(
            onlySignup.flows.map((f) => [f.flowId, f.runs]),
            [['signup', 3]]
        );
        const all = await report(db.db, { until: UNTIL });
        assert.deepStrictEqual(
            all.flows.map((f) => [f.flowId, f.runs]),
            [
                ['booking', 12],
                ['signup', 4],
            ]
        );
        const day1Only = await report(db.db, { since: SINCE, until: new Date(DAY1.getTime() + 3_600_000) });
        assert.deepStrictEqual(
            day1Only.flows.map((f) => [f.flowId, f.runs]),
            [
                ['booking', 5],
                ['signup', 2],
            ]
        );
        const none = await report(db.db, { since: UNTIL });
        assert.deepStrictEqual(none.flows, []);
    });

    it('counts fatigue skips per step, and compares held-out and reminded runs of the experiment only, per flow and per step', async function () {
        const at = new Date(DAY1.getTime() - 5000);
        const run = (over: Partial<FlowRunRecord>): FlowRunRecord => ({ ...seedRecord({ flowId: 'exp' }), ...over });
        const records = [
            // Held out, back after the silence at the name; held out, not back from the date.
            run({ heldOut: true, skippedReminders: [{ at, reason: 'holdout', step: 'name', index: 0, answered: true }] }),
            run({ heldOut: true, skippedReminders: [{ at, reason: 'holdout', step: 'date', index: 1, answered: false }] }),
            // Reminded at the name (answered) and at the date (not): one run, back, counted at both steps.
            run({
                heldOut: false,
                reminded: true,
                reminders: [
                    { at, step: 'name', index: 0, answered: true },
                    { at, step: 'date', index: 1, answered: false },
                ],
            }),
            // In the experiment, never quiet past the reminder time: in neither group.
            run({ heldOut: false }),
            // Reminded with no holdout configured: not in the experiment.
            run({ reminded: true, reminders: [{ at, step: 'name', answered: true }] }),
            // Paused by fatigue twice, once in a record that does not say the step.
            run({
                heldOut: false,
                skippedReminders: [
                    { at, reason: 'fatigue', step: 'name', index: 0 },
                    { at, reason: 'fatigue' },
                ],
            }),
        ];
        for (const r of records) {
            await store.record(`seed/${r.runId}`, r);
        }
        const [flow] = (await report(db.db, { since: SINCE, until: UNTIL, flowId: 'exp' })).flows;
        assert.strictEqual(flow.skippedForFatigue, 2);
        assert.deepStrictEqual(flow.experiment.holdout, { runs: 2, recovered: 1 });
        assert.deepStrictEqual(flow.experiment.reminded, { runs: 1, recovered: 1 });
        assert.strictEqual(flow.experiment.lift, 0.5);
        assert.deepStrictEqual(
            flow.experiment.ci95?.map((v) => Math.round(v * 10_000) / 10_000),
            newcombeInterval({ x: 1, n: 1 }, { x: 1, n: 2 })?.map((v) => Math.round(v * 10_000) / 10_000)
        );
        assert.deepStrictEqual(
            flow.steps.map((st) => [st.step, st.index, st.skippedForFatigue, st.experiment.holdout, st.experiment.reminded]),
            [
                ['name', 0, 1, { runs: 1, recovered: 1 }, { runs: 1, recovered: 1 }],
                ['date', 1, 0, { runs: 1, recovered: 0 }, { runs: 1, recovered: 0 }],
                ['(none)', undefined, 1, { runs: 0, recovered: 0 }, { runs: 0, recovered: 0 }],
            ]
        );
        assert.deepStrictEqual(flow.steps[1].experiment.lift, 0);
        assert.deepStrictEqual([flow.steps[2].experiment.lift, flow.steps[2].experiment.ci95], [null, null], 'no group there: nothing to tell');
        const booking = (await report(db.db, { since: SINCE, until: UNTIL, flowId: 'booking' })).flows[0];
        assert.deepStrictEqual([booking.skippedForFatigue, booking.steps, booking.experiment.lift], [0, [], null], 'records with neither: nothing counted');
    });

    it('refuses a period that is not a date', async function () {
        await assert.rejects(report(db.db, { since: new Date('nope') }), /'since' must be a valid Date/);
    });

    it('keeps one record when the same run end is recorded twice, also at once', async function () {
        const flow = {
            id: 'booking',
            startedAt: DAY1.getTime(),
            reminded: false,
            runId: 'run-x',
            steps: [{ step: 'name', index: 0, at: DAY1.getTime() }],
            reminders: [],
        };
        const reference = { channelId: 'test', conversation: { id: 'c1' } as never, user: { id: 'u1', name: 'u' } };
        const a = runRecord(
            { flow, reference, end: { outcome: 'abandoned', reason: 'timeout' } },
            { now: DAY1.getTime() + 5000, userOf: (c, u) => store.userOf(c, u) }
        );
        const b = runRecord(
            { flow, reference, end: { outcome: 'abandoned', reason: 'timeout' } },
            { now: DAY1.getTime() + 9000, userOf: (c, u) => store.userOf(c, u) }
        );
        await Promise.all([store.record('test/c1', a), store.record('test/c1', b), store.record('test/c1', a)]);
        await store.record('test/c1', b);
        const stored = await store.collection.find({ runId: 'run-x' }).toArray();
        assert.strictEqual(stored.length, 1);
        assert.ok(stored[0]._id.equals(runRecordId('test/c1', 'run-x')), 'the id comes from the conversation and the run');
        assert.strictEqual(stored[0].durationMs, 5000, 'the first end recorded stands');
        assert.notStrictEqual(stored[0].user, 'u1', 'the user is a keyed hash by default');
        assert.strictEqual(stored[0].user, store.userOf('test', 'u1'));
    });

    it('collides 40 runs, each ended by 4 instances at once: 40 records, one per run', async function () {
        const reference = (i: number) => ({ channelId: 'test', conversation: { id: `race-${i}` } as never, user: { id: `u${i}`, name: 'u' } });
        const ends = Array.from({ length: 40 }, (_, i) => {
            const flow = {
                id: 'race',
                startedAt: DAY1.getTime(),
                reminded: false,
                runId: `race-run-${i}`,
                steps: [{ step: 'name', index: 0, at: DAY1.getTime() }],
                reminders: [],
            };
            return [0, 1, 2, 3].map((k) =>
                runRecord(
                    { flow, reference: reference(i), end: { outcome: 'abandoned', reason: 'timeout' } },
                    { now: DAY1.getTime() + 1000 * (k + 1), userOf: (c, u) => store.userOf(c, u) }
                )
            );
        });
        await Promise.all(ends.flat().map((r) => store.record(`seed/${r.runId}`, r)));
        const stored = await store.collection.find({ flowId: 'race' }).toArray();
        assert.strictEqual(stored.length, 40);
        assert.strictEqual(new Set(stored.map((r) => r.runId)).size, 40);
        const data = await report(db.db, { flowId: 'race', since: SINCE, until: UNTIL });
        assert.strictEqual(data.flows[0].runs, 40);
    });

    it('purges records past the retention and keeps the rest (and the hash key)', async function () {
        const short = new MongoFlowRunStore(db.db, { retention: '30 days' });
        await short.init();
        const before = await short.collection.countDocuments({ endedAt: { $exists: true } });
        // 30 days after SINCE: only the two records that ended on 2026-10-01 are older than 30 days.
        const deleted = await short.purge(SINCE.getTime() + 30 * DAY);
        assert.strictEqual(deleted, 2);
        assert.strictEqual(await short.collection.countDocuments({ endedAt: { $exists: true } }), before - 2);
        assert.strictEqual(await short.collection.countDocuments({ endedAt: { $exists: false } }), 1, 'the key document stays');
        assert.strictEqual(await short.purge(SINCE.getTime() + 30 * DAY), 0);
    });

    it('creates a TTL index of the retention on endedAt, and re-creates it when the retention changes', async function () {
        const ttl = async () => (await store.collection.listIndexes().toArray()).find((i) => i.name === 'retention');
        assert.deepStrictEqual((await ttl())?.key, { endedAt: 1 });
        assert.strictEqual((await ttl())?.expireAfterSeconds, 90 * 86_400);
        await new MongoFlowRunStore(db.db, { retention: '7 days' }).init();
        assert.strictEqual((await ttl())?.expireAfterSeconds, 7 * 86_400);
    });

    it('keeps the hash key stable across stores on one database, and stores raw ids only when asked', async function () {
        const other = new MongoFlowRunStore(db.db);
        await other.init();
        assert.strictEqual(other.userOf('test', 'u1'), store.userOf('test', 'u1'));
        assert.notStrictEqual(store.userOf('test', 'u1'), store.userOf('test', 'u2'));
        assert.strictEqual(new MongoFlowRunStore(db.db, { rawUserIds: true }).userOf('test', 'u1'), 'u1');
        const keyed = new MongoFlowRunStore(db.db, { userHashKey: 'a-secret-of-16-chars' });
        assert.notStrictEqual(keyed.userOf('test', 'u1'), store.userOf('test', 'u1'));
    });
});
