import assert from 'assert';
import { InactivityConfigError } from '../../src/core/errors';
import { FlowSnapshot, SNAPSHOT_VERSION, SnapshotScope } from '../../src/core/records/snapshotStore';
import { MongoSnapshotStore, SNAPSHOT_PURGE_AFTER_EXPIRY_MS } from '../../src/mongo/mongoSnapshotStore';
import { freshDb, isRealMongo } from '../support/mongo';

type TestDb = Awaited<ReturnType<typeof freshDb>>;

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const HOUR = 60 * 60 * 1000;
const ALICE: SnapshotScope = { channelId: 'msteams', userId: 'alice', tenantId: 'contoso' };

let seq = 0;
function snapshot(overrides: Partial<FlowSnapshot> = {}): FlowSnapshot {
    seq += 1;
    return {
        id: `snap-${seq}`,
        v: SNAPSHOT_VERSION,
        scope: ALICE,
        flowId: 'orderPizza',
        conversationId: 'conv-1',
        dialogStateJson: JSON.stringify({ dialogStack: [{ id: 'orderPizza', state: { stepIndex: 1 } }] }),
        stepIndex: 1,
        stepName: 'size',
        reason: 'timeout',
        status: 'abandoned',
        createdAt: NOW - HOUR,
        expiresAt: NOW + 24 * HOUR,
        updatedAt: NOW - HOUR,
        ...overrides,
    };
}

describe('MongoSnapshotStore', function () {
    let db: TestDb;
    let store: MongoSnapshotStore;

    beforeEach(async function () {
        db = await freshDb();
        store = new MongoSnapshotStore(db.db);
        await store.init();
    });

    afterEach(async function () {
        await db.close();
    });

    it('uses the inactivitySnapshots collection unless told otherwise', function () {
        assert.strictEqual(store.collection.collectionName, 'inactivitySnapshots');
        assert.strictEqual(new MongoSnapshotStore(db.db, { collection: 'other' }).collection.collectionName, 'other');
    });

    it('finds the newest abandoned snapshot of that user and flow, exactly as saved', async function () {
        const older = snapshot({ createdAt: NOW - 3 * HOUR });
        const newest = snapshot({ createdAt: NOW - HOUR, conversationId: 'conv-2' });
        const middle = snapshot({ createdAt: NOW - 2 * HOUR });
        // Newer still, but not Alice's flow, or no longer abandoned: never the answer.
        const otherFlow = snapshot({ flowId: 'bookTable', createdAt: NOW - 60_000 });
        const otherUser = snapshot({ scope: { ...ALICE, userId: 'bob' }, createdAt: NOW - 60_000 });
        const alreadyResumed = snapshot({ status: 'resumed', createdAt: NOW - 60_000 });
        for (const s of [older, newest, middle, otherFlow, otherUser, alreadyResumed]) {
            await store.save(s);
        }

        const found = await store.findResumable(ALICE, 'orderPizza', NOW);

        assert.deepStrictEqual(found, newest);
    });

    it("keeps the flow's first start, and still reads snapshots saved without it", async function () {
        const withStart = snapshot({ flowStartedAt: NOW - 2 * HOUR });
        await store.save(withStart);
        assert.deepStrictEqual(await store.findResumable(ALICE, 'orderPizza', NOW), withStart);
        assert.strictEqual((await store.claim(withStart.id, ALICE, 'resumed', NOW))?.flowStartedAt, NOW - 2 * HOUR);
        const legacy = snapshot();
        await store.save(legacy);
        const found = await store.findResumable(ALICE, 'orderPizza', NOW);
        assert.deepStrictEqual(found, legacy);
        assert.ok(found && !('flowStartedAt' in found));
    });

    it('stores the id as snapshotId and a purgeAt Date a week after expiry for the TTL index', async function () {
        const s = snapshot();
        await store.save(s);

        const doc = await store.collection.findOne({ snapshotId: s.id });

        assert.ok(doc);
        assert.ok(doc.purgeAt instanceof Date, 'purgeAt is a BSON date, as a TTL index needs');
        assert.strictEqual(doc.purgeAt.getTime(), s.expiresAt + SNAPSHOT_PURGE_AFTER_EXPIRY_MS);
        assert.strictEqual(typeof doc.createdAt, 'number');
        assert.strictEqual(typeof doc.expiresAt, 'number');
        assert.ok(!('id' in doc), 'the id is stored only as snapshotId');
    });

    it('does not offer a snapshot whose resume window has closed', async function () {
        await store.save(snapshot({ expiresAt: NOW }));
        await store.save(snapshot({ expiresAt: NOW - 1 }));

        assert.strictEqual(await store.findResumable(ALICE, 'orderPizza', NOW), undefined);
        assert.ok(await store.findResumable(ALICE, 'orderPizza', NOW - 1), 'still resumable a moment before expiry');
    });

    describe('scoping', function () {
        it('offers a snapshot only to the same user on the same channel and tenant', async function () {
            const s = snapshot();
            await store.save(s);

            assert.strictEqual((await store.findResumable(ALICE, 'orderPizza', NOW))?.id, s.id);
            assert.strictEqual(await store.findResumable({ ...ALICE, userId: 'bob' }, 'orderPizza', NOW), undefined, 'another user');
            assert.strictEqual(await store.findResumable({ ...ALICE, channelId: 'webchat' }, 'orderPizza', NOW), undefined, 'another channel');
            assert.strictEqual(await store.findResumable({ ...ALICE, tenantId: 'fabrikam' }, 'orderPizza', NOW), undefined, 'another tenant');
            assert.strictEqual(
                await store.findResumable({ channelId: ALICE.channelId, userId: ALICE.userId }, 'orderPizza', NOW),
                undefined,
                'a snapshot with a tenant, looked up without one'
            );
        });

        it('offers a tenant-less snapshot only to a tenant-less lookup', async function () {
            const scope: SnapshotScope = { channelId: 'webchat', userId: 'carol' };
            const s = snapshot({ scope });
            await store.save(s);

            const found = await store.findResumable(scope, 'orderPizza', NOW);
            assert.strictEqual(found?.id, s.id);
            assert.ok(!('tenantId' in found.scope), 'no tenant comes back as no tenant, not null');
            const doc = await store.collection.findOne({ snapshotId: s.id });
            assert.ok(doc && !('tenantId' in doc.scope), 'an absent tenant is not stored as null');
            assert.strictEqual(await store.findResumable({ ...scope, tenantId: 'contoso' }, 'orderPizza', NOW), undefined);
        });
    });

    describe('claim', function () {
        it('succeeds once and returns undefined on every replay', async function () {
            const s = snapshot();
            await store.save(s);

            const first = await store.claim(s.id, ALICE, 'resumed', NOW);
            const second = await store.claim(s.id, ALICE, 'resumed', NOW + 1);
            const third = await store.claim(s.id, ALICE, 'discarded', NOW + 2);

            assert.deepStrictEqual(first, s, 'the snapshot as it was before the claim');
            assert.strictEqual(second, undefined);
            assert.strictEqual(third, undefined);
            const doc = await store.collection.findOne({ snapshotId: s.id });
            assert.strictEqual(doc?.status, 'resumed');
            assert.strictEqual(doc?.updatedAt, NOW);
            assert.strictEqual(await store.findResumable(ALICE, 'orderPizza', NOW), undefined, 'a claimed snapshot is not offered again');
        });

        it('lets exactly one of several concurrent clicks win', async function () {
            const s = snapshot();
            await store.save(s);

            const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claim(s.id, ALICE, i % 2 ? 'resumed' : 'discarded', NOW)));

            assert.strictEqual(results.filter((r) => r !== undefined).length, 1);
        });

        it('refuses another user, channel or tenant and leaves the snapshot abandoned', async function () {
            const s = snapshot();
            await store.save(s);

            const intruders: SnapshotScope[] = [
                { ...ALICE, userId: 'mallory' },
                { ...ALICE, channelId: 'webchat' },
                { ...ALICE, tenantId: 'fabrikam' },
                { channelId: ALICE.channelId, userId: ALICE.userId },
            ];
            for (const scope of intruders) {
                assert.strictEqual(await store.claim(s.id, scope, 'discarded', NOW), undefined, JSON.stringify(scope));
            }

            const doc = await store.collection.findOne({ snapshotId: s.id });
            assert.strictEqual(doc?.status, 'abandoned');
            assert.strictEqual(doc?.updatedAt, s.updatedAt);
            assert.strictEqual((await store.claim(s.id, ALICE, 'resumed', NOW))?.id, s.id, 'the owner still can');
        });

        it('refuses a snapshot whose resume window has closed', async function () {
            const s = snapshot({ expiresAt: NOW });
            await store.save(s);

            assert.strictEqual(await store.claim(s.id, ALICE, 'resumed', NOW), undefined);
            assert.strictEqual(await store.claim(s.id, ALICE, 'resumed', NOW + HOUR), undefined);
            assert.strictEqual((await store.collection.findOne({ snapshotId: s.id }))?.status, 'abandoned');
        });

        it('rejects an id that is not a string instead of running it as a query operator', async function () {
            const s = snapshot();
            await store.save(s);

            await assert.rejects(store.claim({ $ne: null } as unknown as string, ALICE, 'resumed', NOW), InactivityConfigError);
            await assert.rejects(
                store.claim(s.id, { ...ALICE, userId: { $exists: true } as unknown as string }, 'resumed', NOW),
                /MongoSnapshotStore: 'scope.userId' must be a string, got an object\./
            );
            assert.strictEqual((await store.collection.findOne({ snapshotId: s.id }))?.status, 'abandoned');
        });
    });

    describe('release', function () {
        it('puts a late claim back: abandoned again, with its dialog state, and claimable once more', async function () {
            const s = snapshot();
            await store.save(s);
            const claimed = await store.claim(s.id, ALICE, 'resumed', NOW);
            assert.ok(claimed);
            assert.strictEqual(await store.release(claimed, 'resumed'), true);
            assert.deepStrictEqual(await store.findResumable(ALICE, 'orderPizza', NOW), s);
            assert.strictEqual(await store.release(claimed, 'resumed'), false, 'a second release changes nothing');
            assert.ok(await store.claim(s.id, ALICE, 'discarded', NOW + 1));
        });

        it('leaves a snapshot alone whose status is not the one the claim gave', async function () {
            const s = snapshot();
            await store.save(s);
            const claimed = await store.claim(s.id, ALICE, 'discarded', NOW);
            assert.ok(claimed);
            assert.strictEqual(await store.release(claimed, 'resumed'), false);
            assert.strictEqual((await store.collection.findOne({ snapshotId: s.id }))?.status, 'discarded');
        });
    });

    describe('expire', function () {
        it('marks past-window snapshots expired, drops their dialog state, and stops offering them', async function () {
            const late = snapshot({ expiresAt: NOW - 1 });
            const exactlyDue = snapshot({ expiresAt: NOW, flowId: 'bookTable' });
            const live = snapshot({ expiresAt: NOW + 1, flowId: 'survey' });
            const resumed = snapshot({ expiresAt: NOW - 1, status: 'resumed', flowId: 'other' });
            for (const s of [late, exactlyDue, live, resumed]) {
                await store.save(s);
            }
            assert.ok(await store.findResumable(ALICE, 'orderPizza', NOW - 10), 'resumable before expiry');

            const count = await store.expire(NOW);

            assert.strictEqual(count, 2);
            for (const s of [late, exactlyDue]) {
                const doc = await store.collection.findOne({ snapshotId: s.id });
                assert.strictEqual(doc?.status, 'expired');
                assert.strictEqual(doc?.updatedAt, NOW);
                assert.ok(!('dialogStateJson' in doc), "the user's data is gone");
            }
            // Even with a clock that goes back, an expired snapshot is never offered nor claimable.
            assert.strictEqual(await store.findResumable(ALICE, 'orderPizza', NOW - 10), undefined);
            assert.strictEqual(await store.claim(late.id, ALICE, 'resumed', NOW - 10), undefined);
            assert.deepStrictEqual(await store.findResumable(ALICE, 'survey', NOW), live);
            assert.strictEqual((await store.collection.findOne({ snapshotId: resumed.id }))?.dialogStateJson, resumed.dialogStateJson);
            assert.strictEqual(await store.expire(NOW), 0, 'a second sweep finds nothing');
        });
    });

    it('creates the resume, expiry and TTL indexes', async function () {
        const indexes = await store.collection.listIndexes().toArray();
        const byKey = (key: Record<string, number>) => indexes.find((i) => JSON.stringify(i.key) === JSON.stringify(key));

        assert.ok(byKey({ 'scope.channelId': 1, 'scope.userId': 1, 'scope.tenantId': 1, flowId: 1, status: 1, createdAt: -1 }), 'resume lookup index');
        assert.ok(byKey({ status: 1, expiresAt: 1 }), 'expiry sweep index');
        assert.strictEqual(byKey({ snapshotId: 1 })?.unique, true, 'unique id index');
        const ttl = byKey({ purgeAt: 1 });
        assert.ok(ttl, 'purge index');
        assert.strictEqual(ttl.expireAfterSeconds, 0, 'purge index is a TTL index');

        await store.init();
        assert.strictEqual((await store.collection.listIndexes().toArray()).length, indexes.length, 'init() is idempotent');
    });

    it('refuses a second snapshot with the same id (real MongoDB only: CongoDB does not enforce unique indexes)', async function () {
        if (!isRealMongo()) {
            this.skip();
        }
        const s = snapshot();
        await store.save(s);

        await assert.rejects(store.save({ ...s, scope: { ...ALICE, userId: 'mallory' } }), /duplicate key/i);
        assert.strictEqual(await store.collection.countDocuments({ snapshotId: s.id }), 1);
    });

    it('round-trips dialog state whose keys hold dots and dollar signs unchanged', async function () {
        const state = {
            dialogStack: [
                {
                    id: 'orderPizza',
                    state: {
                        options: { 'a.b': 1 },
                        values: { 'user.email': 'a@b.c', $where: 'sleep(1000)', 'price.$gt': { $gt: '' }, '': 'empty', 'ü.€': '✓' },
                        stepIndex: 2,
                    },
                },
            ],
            '$meta.version': 'v1.2',
        };
        const s = snapshot({ dialogStateJson: JSON.stringify(state) });
        await store.save(s);

        const found = await store.findResumable(ALICE, 'orderPizza', NOW);
        const claimed = await store.claim(s.id, ALICE, 'resumed', NOW);

        assert.strictEqual(found?.dialogStateJson, s.dialogStateJson);
        assert.strictEqual(claimed?.dialogStateJson, s.dialogStateJson);
        assert.deepStrictEqual(JSON.parse(claimed.dialogStateJson), state);
    });
});
