import assert from 'assert';
import { ABANDONMENT_EVENT_VERSION, AbandonmentEvent } from '../../src/core/records/abandonmentLog';
import { MongoAbandonmentLog } from '../../src/mongo/mongoAbandonmentLog';
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

    it('creates its indexes: the id, by step, by reason, by snapshot (sparse), and the retention on at', async function () {
        const indexes = await log.collection.listIndexes().toArray();
        const byKey = (key: Record<string, number>) => indexes.find((i) => JSON.stringify(i.key) === JSON.stringify(key));

        assert.ok(byKey({ flowId: 1, stepId: 1, at: -1 }), 'by step');
        assert.ok(byKey({ reason: 1, at: -1 }), 'by reason');
        assert.strictEqual(byKey({ at: 1 })?.name, 'retention', 'the TTL index serves the time range too');
        assert.strictEqual(byKey({ eventId: 1 })?.unique, true, 'unique id index');
        const bySnapshot = byKey({ snapshotId: 1 });
        assert.ok(bySnapshot, 'by snapshot');
        assert.strictEqual(bySnapshot.sparse, true, 'by snapshot is sparse');
    });

    it('creates a TTL index of the retention on at, as the runs have on endedAt, and re-creates it when the retention changes', async function () {
        // The embedded CongoDB server keeps TTL indexes but never expires anything: the hourly sweep's purge()
        // does it there (runRecords.test.ts checks that sweep).
        const ttl = async () => (await log.collection.listIndexes().toArray()).find((i) => i.name === 'retention');
        assert.deepStrictEqual((await ttl())?.key, { at: 1 });
        assert.strictEqual((await ttl())?.expireAfterSeconds, 90 * 86_400);
        await new MongoAbandonmentLog(db.db, { retention: '7 days' }).init();
        assert.strictEqual((await ttl())?.expireAfterSeconds, 7 * 86_400);
    });

    it("drops the byTime index of earlier versions, which the retention's index replaces", async function () {
        await log.collection.dropIndex('retention');
        await log.collection.createIndex({ at: -1 }, { name: 'byTime' });
        await Promise.all([log.init(), new MongoAbandonmentLog(db.db).init()]);
        const names = (await log.collection.listIndexes().toArray()).map((i) => i.name);
        assert.ok(!names.includes('byTime'), names.join());
        assert.ok(names.includes('retention'), names.join());
    });

    it('records an event once when the same id is recorded again, also at once', async function () {
        const e = event();
        await Promise.all([log.record(e), log.record({ ...e, reason: 'handoff' }), log.record(e)]);
        await log.record({ ...e, reason: 'invalidInput' });
        const docs = await log.collection.find({ eventId: e.id }).toArray();
        assert.strictEqual(docs.length, 1);
        assert.strictEqual(docs[0].reason, 'timeout', 'the first record stands');
    });
});
