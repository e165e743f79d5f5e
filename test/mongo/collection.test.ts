import assert from 'assert';
import sinon from 'sinon';
import { InactivityConfigError } from '../../src/core/errors';
import { hashedId, isDuplicateKey, recordOnce } from '../../src/mongo/collection';
import { MongoFlowRunStore } from '../../src/mongo/flowRunStore';
import { FollowUpStore } from '../../src/mongo/followUpStore';
import { followUpId } from '../../src/mongo/followUpId';
import { FollowUpUsers } from '../../src/mongo/followUpUsers';
import { MongoAbandonmentLog } from '../../src/mongo/mongoAbandonmentLog';
import { MongoSnapshotStore } from '../../src/mongo/mongoSnapshotStore';
import { MongoStorage } from '../../src/mongo/mongoStorage';
import { storageId } from '../../src/mongo/storageDocument';
import { timerId } from '../../src/scheduling/timerDocument';
import { freshDb } from '../support/mongo';

type TestDb = Awaited<ReturnType<typeof freshDb>>;

describe('The stores share one collection helper', function () {
    let db: TestDb;
    beforeEach(async function () {
        db = await freshDb();
    });
    afterEach(async function () {
        await db.close();
    });

    it('derives the same ids as the versions before it: timers, storage items and follow-ups already stored stay found', function () {
        // Pinned values: these ids are in users' databases, so the derivation must never change.
        assert.strictEqual(hashedId('msteams/a:1').toHexString(), 'a5638389c328d8e8ebbd6a4e');
        assert.strictEqual(timerId('msteams/a:1').toHexString(), 'a5638389c328d8e8ebbd6a4e');
        assert.strictEqual(storageId('msteams/a:1').toHexString(), 'a5638389c328d8e8ebbd6a4e');
        assert.strictEqual(followUpId('msteams/a:1').toHexString(), '716fd0b13217d915ede221e6');
    });

    it('tells a duplicate key answer (MongoDB code 11000, CongoDB code 1 with the words) from other failures', function () {
        assert.strictEqual(isDuplicateKey({ code: 11000, message: 'E11000 duplicate key error collection: x' }), true);
        assert.strictEqual(isDuplicateKey({ code: 1, message: 'Duplicate key error: _id' }), true);
        assert.strictEqual(isDuplicateKey({ code: 112, message: 'WriteConflict' }), false);
        assert.strictEqual(isDuplicateKey(new Error('connection refused')), false);
        assert.strictEqual(isDuplicateKey(undefined), false);
    });

    it('writes a record once: the first call inserts, a repeat (or a duplicate key) counts as recorded', async function () {
        const collection = db.db.collection<{ _id: ReturnType<typeof hashedId>; n: number; gone?: string }>('once');
        const _id = hashedId('run-1');
        assert.strictEqual(await recordOnce(collection, { _id }, { n: 1, gone: undefined }), true);
        assert.strictEqual(await recordOnce(collection, { _id }, { n: 2 }), false);
        assert.deepStrictEqual(await collection.find().toArray(), [{ _id, n: 1 }]);
    });

    it('refuses a bad collection name in every store with one InactivityConfigError naming the option and the value', function () {
        const rule = "must be a MongoDB collection name (not empty, without '$' or NUL, not starting with 'system.')";
        const stores: Array<[string, (name: unknown) => unknown]> = [
            ['MongoStorage: options.collection', (name) => new MongoStorage({ mongo: db.db, collection: name as string })],
            ['MongoSnapshotStore: options.collection', (name) => new MongoSnapshotStore(db.db, { collection: name as string })],
            ['MongoAbandonmentLog: options.collection', (name) => new MongoAbandonmentLog(db.db, { collection: name as string })],
            ['MongoFlowRunStore: options.collection', (name) => new MongoFlowRunStore(db.db, { collection: name as string })],
            ['FollowUpService: options.collectionPrefix', (name) => new FollowUpStore(db.db, name as string)],
            ['FollowUpService: options.collectionPrefix', (name) => new FollowUpUsers(db.db, name as string)],
        ];
        for (const [where, make] of stores) {
            for (const [name, shown] of [
                ['', '""'],
                ['bot$state', '"bot$state"'],
                ['system.x', '"system.x"'],
                [42, '42'],
            ] as const) {
                assert.throws(
                    () => make(name),
                    (err: Error) => err instanceof InactivityConfigError && err.message === `${where} ${rule}, got ${shown}.`,
                    `${where} ${shown}`
                );
            }
        }
    });

    it('leaves existing indexes alone on a restart: no store drops and rebuilds an index it declared the same way', async function () {
        const inits = () => [
            new MongoSnapshotStore(db.db).init(),
            new MongoAbandonmentLog(db.db).init(),
            new MongoFlowRunStore(db.db).init(),
            new FollowUpStore(db.db, 'inactivityFollowUps').ensureIndexes(),
        ];
        await Promise.all(inits());
        const drop = sinon.spy(Object.getPrototypeOf(db.db.collection('x')), 'dropIndex');
        try {
            await Promise.all(inits());
            assert.deepStrictEqual(
                drop.getCalls().map((c) => c.args[0]),
                []
            );
        } finally {
            drop.restore();
        }
    });

    it('refuses a retention of 0 and a short hash key with InactivityConfigError naming the option', function () {
        assert.throws(
            () => new MongoFlowRunStore(db.db, { retention: 0 }),
            /^InactivityConfigError: MongoFlowRunStore: options\.retention must be more than 0, got 0\.$/
        );
        assert.throws(
            () => new MongoAbandonmentLog(db.db, { retention: 0 }),
            /^InactivityConfigError: MongoAbandonmentLog: options\.retention must be more than 0, got 0\.$/
        );
        assert.throws(() => new MongoAbandonmentLog(db.db, { retention: 'soon' }), InactivityConfigError);
        assert.throws(
            () => new MongoFlowRunStore(db.db, { userHashKey: 'short' }),
            /options\.userHashKey must be a string of at least 16 characters, got 5 characters\./
        );
    });
});
