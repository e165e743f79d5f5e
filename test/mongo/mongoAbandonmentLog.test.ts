import assert from 'assert';
import { ABANDONMENT_EVENT_VERSION, AbandonmentEvent } from '../../src/core/records/abandonmentLog';
import { dropOffCounts, MongoAbandonmentLog } from '../../src/mongo/mongoAbandonmentLog';
import { freshDb } from '../support/mongo';

type TestDb = Awaited<ReturnType<typeof freshDb>>;

const T0 = new Date(Date.UTC(2026, 10, 20, 12, 0, 0));
const MINUTE = 60_000;

let seq = 0;
function event(overrides: Partial<AbandonmentEvent> = {}): AbandonmentEvent {
    seq += 1;
    return {
        id: `evt-${seq}`,
        v: ABANDONMENT_EVENT_VERSION,
        at: T0,
        reason: 'timeout',
        flowId: 'orderPizza',
        stepId: 'size',
        stepIndex: 1,
        fieldsCollected: ['name'],
        reminderSent: true,
        timeSpentMs: 90_000,
        idleMs: 60_000,
        channelId: 'msteams',
        conversationId: `conv-${seq}`,
        resumed: false,
        ...overrides,
    };
}

describe('MongoAbandonmentLog', function () {
    let db: TestDb;
    let log: MongoAbandonmentLog;

    beforeEach(async function () {
        db = await freshDb();
        log = new MongoAbandonmentLog(db.db);
        await log.init();
    });

    afterEach(async function () {
        await db.close();
    });

    it('uses the inactivityEvents collection unless told otherwise', function () {
        assert.strictEqual(log.collection.collectionName, 'inactivityEvents');
        assert.strictEqual(new MongoAbandonmentLog(db.db, { collection: 'other' }).collection.collectionName, 'other');
    });

    it('records an event under its id as eventId, leaving absent fields out', async function () {
        const e = event({ snapshotId: undefined, stepId: undefined });
        await log.record(e);

        const doc = await log.collection.findOne({ eventId: e.id }, { projection: { _id: 0 } });

        const { id, snapshotId, stepId, ...rest } = e;
        assert.deepStrictEqual(doc, { eventId: id, ...rest });
        assert.ok(doc && doc.at instanceof Date, 'at is stored as a date');
        assert.strictEqual(snapshotId, undefined);
        assert.strictEqual(stepId, undefined);
    });

    it('marks only the events of that snapshot resumed, keeping the first resume time', async function () {
        const mine = event({ snapshotId: 'snap-a' });
        const other = event({ snapshotId: 'snap-b' });
        const none = event();
        for (const e of [mine, other, none]) {
            await log.record(e);
        }
        const resumedAt = new Date(T0.getTime() + 5 * MINUTE);

        await log.markResumed('snap-a', resumedAt);
        await log.markResumed('snap-a', new Date(T0.getTime() + 9 * MINUTE));

        const a = await log.collection.findOne({ eventId: mine.id });
        assert.strictEqual(a?.resumed, true);
        assert.strictEqual(a?.resumedAt?.getTime(), resumedAt.getTime());
        for (const e of [other, none]) {
            const doc = await log.collection.findOne({ eventId: e.id });
            assert.strictEqual(doc?.resumed, false, e.id);
            assert.ok(doc && !('resumedAt' in doc), e.id);
        }
    });

    it('counts drop-offs by flow, step and reason, most frequent first, with resumes', async function () {
        const events = [
            event({ flowId: 'orderPizza', stepId: 'size', reason: 'timeout', snapshotId: 's1' }),
            event({ flowId: 'orderPizza', stepId: 'size', reason: 'timeout', snapshotId: 's2' }),
            event({ flowId: 'orderPizza', stepId: 'size', reason: 'timeout' }),
            event({ flowId: 'orderPizza', stepId: 'size', reason: 'invalidInput', snapshotId: 's3' }),
            event({ flowId: 'orderPizza', stepId: 'address', reason: 'timeout' }),
            event({ flowId: 'orderPizza', stepId: 'address', reason: 'timeout' }),
            event({ flowId: 'bookTable', stepId: undefined, reason: 'handoff' }),
            event({ flowId: 'bookTable', stepId: '2', reason: 'timeout', at: new Date(T0.getTime() - 60 * MINUTE) }),
        ];
        for (const e of events) {
            await log.record(e);
        }
        await log.markResumed('s1', T0);
        await log.markResumed('s3', T0);

        const all = await dropOffCounts(log);

        assert.deepStrictEqual(all, [
            { flowId: 'orderPizza', stepId: 'size', reason: 'timeout', count: 3, resumed: 1 },
            { flowId: 'orderPizza', stepId: 'address', reason: 'timeout', count: 2, resumed: 0 },
            { flowId: 'bookTable', reason: 'handoff', count: 1, resumed: 0 },
            { flowId: 'bookTable', stepId: '2', reason: 'timeout', count: 1, resumed: 0 },
            { flowId: 'orderPizza', stepId: 'size', reason: 'invalidInput', count: 1, resumed: 1 },
        ]);
        assert.deepStrictEqual(await dropOffCounts(db.db), all, 'a Db reads the default collection');
        assert.deepStrictEqual(await dropOffCounts(log, { flowId: 'bookTable' }), [
            { flowId: 'bookTable', reason: 'handoff', count: 1, resumed: 0 },
            { flowId: 'bookTable', stepId: '2', reason: 'timeout', count: 1, resumed: 0 },
        ]);
        assert.deepStrictEqual(await dropOffCounts(log, { flowId: 'bookTable', since: T0 }), [
            { flowId: 'bookTable', reason: 'handoff', count: 1, resumed: 0 },
        ]);
        assert.deepStrictEqual(await dropOffCounts(db.db, { collection: 'empty' }), []);
    });

    it('creates the indexes the drop-off report reads by', async function () {
        const indexes = await log.collection.listIndexes().toArray();
        const byKey = (key: Record<string, number>) => indexes.find((i) => JSON.stringify(i.key) === JSON.stringify(key));

        assert.ok(byKey({ flowId: 1, stepId: 1, at: -1 }), 'by step');
        assert.ok(byKey({ reason: 1, at: -1 }), 'by reason');
        assert.ok(byKey({ at: -1 }), 'by time');
        assert.strictEqual(byKey({ eventId: 1 })?.unique, true, 'unique id index');
        const bySnapshot = byKey({ snapshotId: 1 });
        assert.ok(bySnapshot, 'by snapshot');
        assert.strictEqual(bySnapshot.sparse, true, 'by snapshot is sparse');
    });
});
