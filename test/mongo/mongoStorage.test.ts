import assert from 'assert';
import { ConversationState, MemoryStorage, Storage, StoreItem, TestAdapter, UserState } from 'botbuilder';
import { DialogSet, DialogState, DialogTurnStatus, TextPrompt, WaterfallDialog } from 'botbuilder-dialogs';
import { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient, ObjectId } from 'mongodb';
import sinon from 'sinon';
import { freePort } from '../../samples/embeddedMongo';
import { ETagConflictError, InactivityConfigError, MongoStorage, MongoStorageError, STATE_DOCUMENT_VERSION } from '../../src';
import { StateDocument, storageId } from '../../src/mongo/storageDocument';
import { freshDb } from '../support/mongo';

type TestDb = Awaited<ReturnType<typeof freshDb>>;

const KEY = 'msteams/conversations/19:abc@thread.tacv2/';
/** A Teams-like conversation key of more than 2,000 characters. */
const LONG_KEY = `msteams/conversations/19:${'a1b2c3d4'.repeat(320)}@thread.tacv2;messageid=1732100000000/`;

function withoutETag(item: StoreItem | undefined): StoreItem | undefined {
    if (!item) {
        return item;
    }
    const { eTag: _eTag, ...rest } = item;
    return rest;
}

/** Resolves to the error a promise rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
    return promise.then(
        () => assert.fail('expected a rejection'),
        (err: Error) => err
    );
}

describe('MongoStorage', function () {
    let db: TestDb;
    let storage: MongoStorage;

    beforeEach(async function () {
        db = await freshDb();
        storage = new MongoStorage({ mongo: db.db });
    });

    afterEach(async function () {
        sinon.restore();
        await storage.close();
        await db.close();
    });

    describe('options', function () {
        it("keeps items in the 'botState' collection unless told otherwise", async function () {
            const other = new MongoStorage({ mongo: db.db, collection: 'userProfiles' });

            await storage.write({ a: { n: 1 } });
            await other.write({ a: { n: 2 } });

            assert.strictEqual(storage.collectionName, 'botState');
            assert.strictEqual(await db.db.collection('botState').countDocuments({ key: 'a' }), 1);
            assert.strictEqual(await db.db.collection('userProfiles').countDocuments({ key: 'a' }), 1);
            assert.strictEqual((await storage.read(['a'])).a.n, 1, 'two collections, two separate items');
        });

        it('refuses options it cannot use, naming the option, the value and what is allowed', function () {
            const mongoMessage = (got: string) =>
                `MongoStorage: options.mongo must be a MongoDB connection string (mongodb:// or mongodb+srv://), a MongoClient or a Db, got ${got}.`;
            const collectionMessage = (got: string) =>
                `MongoStorage: options.collection must be a MongoDB collection name (not empty, without '$' or NUL, not starting with 'system.'), got ${got}.`;
            const cases: Array<[unknown, string]> = [
                [undefined, 'MongoStorage needs an options object such as { mongo: process.env.MONGODB_URI }, got undefined.'],
                [{}, mongoMessage('undefined')],
                [{ mongo: '' }, mongoMessage('""')],
                [{ mongo: 'localhost:27017' }, mongoMessage('"localhost:27017"')],
                [{ mongo: 'postgres://bot:s3cr3t@db.example.com/bots' }, mongoMessage('"postgres://bot:***@db.example.com/bots"')],
                [{ mongo: { db: () => undefined } }, mongoMessage('an object')],
                [{ mongo: db.db, collection: '' }, collectionMessage('""')],
                [{ mongo: db.db, collection: 'bot$state' }, collectionMessage('"bot$state"')],
                [{ mongo: db.db, collection: 'system.state' }, collectionMessage('"system.state"')],
                [{ mongo: db.db, collection: 42 }, collectionMessage('42')],
                [{ mongo: db.db, collection: null }, collectionMessage('null')],
                [{ mongo: db.db, colection: 'state' }, "MongoStorage: unknown option 'colection'. Allowed: mongo, collection."],
            ];
            for (const [options, message] of cases) {
                assert.throws(
                    () => new MongoStorage(options as never),
                    (err: Error) => {
                        assert.ok(err instanceof InactivityConfigError, `${message}: got ${err.name}`);
                        assert.strictEqual(err.message, message);
                        return true;
                    }
                );
            }
        });

        it('accepts a connection string, a MongoClient or a Db', function () {
            assert.doesNotThrow(() => new MongoStorage({ mongo: db.uri }));
            assert.doesNotThrow(() => new MongoStorage({ mongo: 'mongodb+srv://cluster0.example.net/bots' }));
            assert.doesNotThrow(() => new MongoStorage({ mongo: db.client }));
            assert.doesNotThrow(() => new MongoStorage({ mongo: db.db, collection: 'state' }));
        });
    });

    describe('round-trips what a bot stores, as MemoryStorage gives it back', function () {
        const when = new Date(Date.UTC(2026, 10, 20, 12, 0, 0, 123));
        const cases: Array<{ name: string; key?: string; item: StoreItem; expected?: StoreItem }> = [
            {
                name: 'property names with "." and "$", as first character too, at every level',
                item: {
                    'a.b': 1,
                    $where: 'sleep(1000)',
                    $: 'dollar',
                    '.leading': 'dot',
                    values: { 'user.email': 'a@b.c', 'price.$gt': { $gt: '' }, $set: { 'x.y': [{ $in: [1] }] } },
                    '': 'empty name',
                },
            },
            { name: 'nested arrays', item: { matrix: [[1, [2, [3, []]]], [{ a: [null, [true, 'x']] }]], empty: [] } },
            {
                name: 'Dates, as the ISO strings JSON makes of them',
                item: { when, history: [{ at: new Date(0) }] },
                expected: { when: '2026-11-20T12:00:00.123Z', history: [{ at: '1970-01-01T00:00:00.000Z' }] },
            },
            { name: 'empty objects and null', item: { empty: {}, nothing: null, deep: { deeper: {} }, list: [null, {}] } },
            { name: 'an empty item', item: {} },
            {
                name: 'unicode',
                item: { ключ: 'значение', emoji: '😀👍🏽', cjk: '漢字', rtl: 'עברית', combining: 'e\u0301', nul: 'a\u0000b', 'ü.€': '✓' },
            },
            {
                name: 'numbers and booleans',
                item: { int: 42, negative: -1.5, maxSafe: Number.MAX_SAFE_INTEGER, tiny: 5e-324, zero: 0, yes: true, no: false },
            },
            {
                name: 'undefined, functions, NaN and Infinity as JSON has them',
                item: { gone: undefined, fn: () => 1, nan: NaN, inf: Infinity, list: [undefined, 1], kept: 'yes' },
                expected: { nan: null, inf: null, list: [null, 1], kept: 'yes' },
            },
            { name: 'an eTag property below the top level', item: { nested: { eTag: 'inner' }, list: [{ eTag: '*' }] } },
            {
                name: 'dialog state',
                item: {
                    DialogState: {
                        dialogStack: [
                            { id: 'addClient', state: { options: {}, values: { name: 'Maria Silva', 'contact.email': 'm@x.io' }, stepIndex: 2 } },
                            { id: 'contactPrompt', state: { options: { prompt: { text: 'Email?' } }, state: { attemptCount: 1 } } },
                        ],
                    },
                },
            },
            { name: 'a large item (500 kB)', item: { transcript: 'ä'.repeat(250_000) } },
            { name: 'a storage key with "." and "$", "$" first', key: '$webchat/conversations/a.b$c/$.', item: { n: 1 } },
            { name: `a storage key of ${LONG_KEY.length} characters`, key: LONG_KEY, item: { n: 2 } },
            { name: 'a unicode storage key', key: 'webchat/conversations/会話-ü😀/', item: { n: 3 } },
            { name: 'the empty storage key', key: '', item: { n: 4 } },
        ];

        for (const { name, key = KEY, item, expected = item } of cases) {
            it(name, async function () {
                const memory = new MemoryStorage();
                await storage.write({ [key]: item });
                await memory.write({ [key]: item });

                const got = await storage.read([key]);
                const fromMemory = await memory.read([key]);

                assert.deepStrictEqual(Object.keys(got), [key]);
                assert.strictEqual(typeof got[key].eTag, 'string');
                assert.deepStrictEqual(withoutETag(got[key]), expected);
                assert.deepStrictEqual(withoutETag(got[key]), withoutETag(fromMemory[key]), 'the same as MemoryStorage gives back');
            });
        }

        it('reads several keys at once and leaves out the ones not stored', async function () {
            await storage.write({ [KEY]: { n: 1 }, [LONG_KEY]: { n: 2 } });

            const got = await storage.read([KEY, 'webchat/conversations/missing/', LONG_KEY, KEY]);

            assert.deepStrictEqual(Object.keys(got).sort(), [KEY, LONG_KEY].sort());
            assert.strictEqual(got[KEY].n, 1);
            assert.strictEqual(got[LONG_KEY].n, 2);
            assert.deepStrictEqual(await storage.read(['webchat/conversations/missing/']), {});
        });

        it('keeps one versioned document per key: the key, the item as JSON without its eTag, the eTag apart', async function () {
            await storage.write({ [LONG_KEY]: { 'a.b': { $c: 1 }, eTag: '*' } });

            const docs = await db.db.collection<StateDocument>('botState').find({}).toArray();

            assert.strictEqual(docs.length, 1);
            const doc = docs[0];
            assert.deepStrictEqual(Object.keys(doc).sort(), ['_id', 'eTag', 'itemJson', 'key', 'updatedAt', 'v']);
            assert.ok(doc._id instanceof ObjectId);
            assert.ok(doc._id.equals(storageId(LONG_KEY)), '_id is derived from the key');
            assert.strictEqual(doc.key, LONG_KEY);
            assert.strictEqual(doc.v, STATE_DOCUMENT_VERSION);
            assert.strictEqual(doc.itemJson, '{"a.b":{"$c":1}}');
            assert.strictEqual((await storage.read([LONG_KEY]))[LONG_KEY].eTag, doc.eTag);
            assert.ok(doc.updatedAt instanceof Date);
        });

        it('refuses to read a document of another schema version, naming the key and the collection', async function () {
            await db.db.collection('botState').insertOne({ _id: storageId(KEY), key: KEY, v: 2, eTag: 'x', itemJson: '{}', updatedAt: new Date() });

            const err = await rejection(storage.read([KEY]));

            assert.ok(err instanceof MongoStorageError);
            assert.strictEqual(
                err.message,
                `MongoStorage could not read "${KEY}" from collection "botState": its document has schema version 2, this version of botbuilder-inactivity reads version 1.`
            );
        });
    });

    describe('eTags, as MemoryStorage has them', function () {
        it('refuses a write whose eTag is no longer the stored one, with a conflict error callers can recognise', async function () {
            for (const s of [storage, new MemoryStorage()] as Storage[]) {
                await s.write({ [KEY]: { step: 1 } });
                const read = (await s.read([KEY]))[KEY];
                await s.write({ [KEY]: { ...read, step: 2 } });

                const err = await rejection(s.write({ [KEY]: { ...read, step: 3 } }));

                assert.ok(err.message.startsWith(`Storage: error writing "${KEY}" due to eTag conflict.`), err.message);
                assert.strictEqual((await s.read([KEY]))[KEY].step, 2, 'the refused write changed nothing');
                if (s === storage) {
                    assert.ok(err instanceof ETagConflictError);
                    assert.strictEqual(err.name, 'ETagConflictError');
                    assert.strictEqual(err.code, 'ETAG_CONFLICT');
                    assert.strictEqual(err.key, KEY);
                    assert.strictEqual(err.collection, 'botState');
                    assert.match(err.message, /collection "botState"/);
                }
            }
        });

        it("overwrites whatever is stored when the eTag is '*', empty or absent", async function () {
            await storage.write({ [KEY]: { n: 0 } });
            const stale = (await storage.read([KEY]))[KEY].eTag;
            await storage.write({ [KEY]: { n: 1 } });

            await storage.write({ [KEY]: { n: 2, eTag: '*' } });
            assert.strictEqual((await storage.read([KEY]))[KEY].n, 2);
            await storage.write({ [KEY]: { n: 3, eTag: '' } });
            assert.strictEqual((await storage.read([KEY]))[KEY].n, 3);
            await storage.write({ [KEY]: { n: 4 } });
            assert.strictEqual((await storage.read([KEY]))[KEY].n, 4);
            await assert.rejects(storage.write({ [KEY]: { n: 5, eTag: stale } }), ETagConflictError, 'a real eTag is still checked');
            assert.strictEqual(await db.db.collection('botState').countDocuments({}), 1);
        });

        it('creates an item that is not stored, whatever eTag it carries', async function () {
            for (const s of [storage, new MemoryStorage()] as Storage[]) {
                await s.write({ [KEY]: { n: 1, eTag: 'an-eTag-from-elsewhere' } });
                const created = (await s.read([KEY]))[KEY];
                assert.strictEqual(created.n, 1);
                assert.notStrictEqual(created.eTag, 'an-eTag-from-elsewhere');

                // Deleted since it was read: a write with the old eTag creates it again.
                await s.delete([KEY]);
                await s.write({ [KEY]: { ...created, n: 2 } });
                assert.strictEqual((await s.read([KEY]))[KEY].n, 2);
            }
        });

        it('gives every successful write a new random eTag, and a refused one none', async function () {
            const seen = new Set<string>();
            let item = { n: 0 } as StoreItem;
            for (let n = 1; n <= 20; n++) {
                await storage.write({ [KEY]: { ...item, n } });
                item = (await storage.read([KEY]))[KEY];
                assert.ok(typeof item.eTag === 'string' && item.eTag.length >= 16, `eTag ${item.eTag}`);
                seen.add(item.eTag);
            }
            const other = new MongoStorage({ mongo: db.db, collection: 'otherState' });
            await other.write({ [KEY]: { n: 1 } });

            assert.strictEqual(seen.size, 20);
            assert.ok(!seen.has((await other.read([KEY]))[KEY].eTag), 'not a counter that another store repeats');
            await assert.rejects(storage.write({ [KEY]: { n: 99, eTag: 'stale' } }), ETagConflictError);
            assert.strictEqual((await storage.read([KEY]))[KEY].eTag, item.eTag);
        });

        it("does not change the caller's item", async function () {
            const item = { n: 1, eTag: '*', nested: { a: 1 } };
            await storage.write({ [KEY]: item });

            assert.deepStrictEqual(item, { n: 1, eTag: '*', nested: { a: 1 } });
        });

        it('writes the other items of a write when one conflicts, then throws the conflict', async function () {
            for (const s of [storage, new MemoryStorage()] as Storage[]) {
                await s.write({ a: { n: 1 }, b: { n: 1 } });
                const read = await s.read(['a']);
                await s.write({ a: { n: 2 } });

                const err = await rejection(s.write({ a: { ...read.a, n: 3 }, b: { n: 3 }, c: { n: 3 } }));

                assert.match(err.message, /^Storage: error writing "a" due to eTag conflict\./);
                const after = await s.read(['a', 'b', 'c']);
                assert.deepStrictEqual([after.a.n, after.b.n, after.c.n], [2, 3, 3]);
            }
        });

        it('lets exactly one of two concurrent writes holding the same eTag win, in each of 250 pairs', async function () {
            this.timeout(60_000);
            const monitored = await freshDb({ monitorCommands: true });
            try {
                const racing = new MongoStorage({ mongo: monitored.db });
                const PAIRS = 250;
                const keys = Array.from({ length: PAIRS }, (_, i) => `race/conversations/${i}/`);
                await racing.write(Object.fromEntries(keys.map((k) => [k, { writer: 'none' }])));
                const read = await racing.read(keys);
                // Which pairs really were in flight together: both commands sent before either was answered.
                const inFlight = new Map<number, string>();
                const pending = new Map<string, number>();
                const overlapped = new Set<string>();
                monitored.client.on('commandStarted', (e: CommandStartedEvent) => {
                    if (e.commandName === 'update') {
                        const key = e.command.updates[0].q.key as string;
                        inFlight.set(e.requestId, key);
                        pending.set(key, (pending.get(key) ?? 0) + 1);
                        if (pending.get(key) === 2) {
                            overlapped.add(key);
                        }
                    }
                });
                const done = (e: CommandSucceededEvent | CommandFailedEvent) => {
                    const key = inFlight.get(e.requestId);
                    if (key !== undefined) {
                        pending.set(key, (pending.get(key) ?? 1) - 1);
                    }
                };
                monitored.client.on('commandSucceeded', done);
                monitored.client.on('commandFailed', done);

                const outcomes = await Promise.all(
                    keys.map((k) => Promise.allSettled(['A', 'B'].map((writer) => racing.write({ [k]: { ...read[k], writer } }))))
                );

                const oneWinner = outcomes.filter((pair) => pair.filter((o) => o.status === 'fulfilled').length === 1).length;
                const failures = outcomes.flat().filter((o): o is PromiseRejectedResult => o.status === 'rejected');
                const conflicts = failures.filter((f) => f.reason instanceof ETagConflictError).length;
                assert.deepStrictEqual(
                    { oneWinner, conflicts, otherErrors: failures.length - conflicts },
                    { oneWinner: PAIRS, conflicts: PAIRS, otherErrors: 0 },
                    `of ${PAIRS} pairs, ${overlapped.size} were in flight together`
                );
                assert.ok(overlapped.size >= PAIRS / 2, `only ${overlapped.size} of ${PAIRS} pairs were in flight together: the test raced too little`);
                const after = await racing.read(keys);
                keys.forEach((k, i) => {
                    const winner = outcomes[i][0].status === 'fulfilled' ? 'A' : 'B';
                    assert.strictEqual(after[k].writer, winner, `${k}: the stored item is the winner's`);
                });
                assert.strictEqual(await monitored.db.collection('botState').countDocuments({}), PAIRS);
            } finally {
                await monitored.close();
            }
        });
    });

    describe('concurrent first writes of one key', function () {
        it('leave one document when 40 overwrites create it at once, all of them succeeding', async function () {
            const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => storage.write({ [LONG_KEY]: { writer: i } })));

            assert.deepStrictEqual(
                results.filter((r) => r.status === 'rejected'),
                []
            );
            assert.strictEqual(await db.db.collection('botState').countDocuments({}), 1);
            const stored = (await storage.read([LONG_KEY]))[LONG_KEY];
            assert.ok(Number.isInteger(stored.writer) && stored.writer >= 0 && stored.writer < 40);
        });

        it('leave one document when 40 writes carrying the same eTag create it at once, exactly one succeeding', async function () {
            const results = await Promise.allSettled(
                Array.from({ length: 40 }, (_, i) => storage.write({ [LONG_KEY]: { writer: i, eTag: 'read-before-a-delete' } }))
            );

            const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
            assert.strictEqual(winners.length, 1);
            assert.ok(results.every((r) => r.status === 'fulfilled' || r.reason instanceof ETagConflictError));
            assert.strictEqual(await db.db.collection('botState').countDocuments({}), 1);
            assert.strictEqual((await storage.read([LONG_KEY]))[LONG_KEY].writer, winners[0]);
        });
    });

    describe('delete', function () {
        it('removes the given items, long and "$" keys included, and is fine with keys not stored', async function () {
            await storage.write({ [KEY]: { n: 1 }, [LONG_KEY]: { n: 2 }, '$x.y': { n: 3 }, kept: { n: 4 } });

            await storage.delete([KEY, LONG_KEY, '$x.y', 'never/stored/']);
            await storage.delete([KEY]);

            assert.deepStrictEqual(Object.keys(await storage.read([KEY, LONG_KEY, '$x.y', 'kept'])), ['kept']);
            assert.strictEqual(await db.db.collection('botState').countDocuments({}), 1);
        });
    });

    describe('connection', function () {
        it('does nothing, not even connect, for read([]), write({}) and delete([])', async function () {
            const port = await freePort(); // nobody listens: any command would fail
            const client = new MongoClient(`mongodb://127.0.0.1:${port}/bots`, { serverSelectionTimeoutMS: 200 });
            const connect = sinon.spy(MongoClient.prototype, 'connect');
            const idle = new MongoStorage({ mongo: client });
            try {
                assert.deepStrictEqual(await idle.read([]), {});
                await idle.write({});
                await idle.delete([]);
                assert.strictEqual(connect.callCount, 0);
            } finally {
                await client.close();
            }
        });

        it('connects from a connection string on first use, once for concurrent first calls, and close() closes that client', async function () {
            const connect = sinon.spy(MongoClient.prototype, 'connect');
            const close = sinon.spy(MongoClient.prototype, 'close');
            const owned = new MongoStorage({ mongo: db.uri });
            assert.strictEqual(connect.callCount, 0, 'nothing happens at construction');

            await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? owned.read([KEY]) : owned.write({ [`k${i}`]: { i } }))));
            assert.strictEqual(connect.callCount, 1);
            assert.strictEqual(await db.db.collection('botState').countDocuments({}), 5);

            await owned.close();
            assert.strictEqual(close.callCount, 1);
            assert.strictEqual(close.firstCall.thisValue, connect.firstCall.thisValue, 'the client it opened');
            await owned.close();
            assert.strictEqual(close.callCount, 1, 'a second close() does nothing');

            // A later call connects again rather than failing on a closed client.
            assert.strictEqual((await owned.read(['k0'])).k0.i, 0);
            assert.strictEqual(connect.callCount, 2);
            await owned.close();
        });

        it('leaves a given MongoClient or Db open on close()', async function () {
            const close = sinon.spy(MongoClient.prototype, 'close');
            const viaClient = new MongoStorage({ mongo: db.client });
            const viaDb = new MongoStorage({ mongo: db.db });
            await viaClient.write({ a: { n: 1 } });
            await viaDb.write({ b: { n: 2 } });

            await viaClient.close();
            await viaDb.close();

            assert.strictEqual(close.callCount, 0);
            // The client's default database is the test's database.
            assert.strictEqual(await db.db.collection('botState').countDocuments({}), 2, 'the Db is still usable');
            assert.deepStrictEqual((await db.client.db().command({ ping: 1 })).ok, 1, 'the client is still connected');
            assert.strictEqual((await viaDb.read(['b'])).b.n, 2, 'and so is the storage');
        });

        it('fails within the server selection timeout when MongoDB is unreachable, naming the operation, key and collection', async function () {
            const port = await freePort();
            const clients: MongoClient[] = [];
            // A fresh client each time: after a failed first connect, the driver fails a client's later calls at
            // once ("Topology is closed").
            const unreachable = () => {
                clients.push(new MongoClient(`mongodb://127.0.0.1:${port}/bots`, { serverSelectionTimeoutMS: 300 }));
                return new MongoStorage({ mongo: clients[clients.length - 1], collection: 'conversationState' });
            };
            try {
                const attempts: Array<[string, () => Promise<unknown>]> = [
                    ['read', () => unreachable().read([KEY])],
                    ['write', () => unreachable().write({ [KEY]: { n: 1 } })],
                    ['delete', () => unreachable().delete([KEY])],
                ];
                for (const [action, attempt] of attempts) {
                    const began = Date.now();
                    const err = await rejection(attempt());
                    const took = Date.now() - began;

                    assert.ok(err instanceof MongoStorageError, `${action}: got ${err.name}: ${err.message}`);
                    assert.strictEqual(err.name, 'MongoStorageError');
                    assert.ok(err.message.startsWith(`MongoStorage could not ${action} "${KEY}" `), err.message);
                    assert.match(err.message, /collection "conversationState"/);
                    assert.deepStrictEqual(err.keys, [KEY]);
                    assert.strictEqual(err.collection, 'conversationState');
                    assert.strictEqual((err.cause as Error).name, 'MongoServerSelectionError');
                    assert.ok(took >= 250 && took < 2300, `${action} took ${took} ms with a 300 ms server selection timeout`);
                }
            } finally {
                await Promise.all(clients.map((c) => c.close()));
            }
        });

        it('never shows the password of a connection string it cannot use', async function () {
            // The driver's own message quotes the whole malformed string, password included.
            const broken = new MongoStorage({ mongo: 'mongodb://bot:s3cr3t-pw@/bots' });

            const err = await rejection(broken.read([KEY]));

            assert.ok(err instanceof MongoStorageError);
            assert.ok(err.message.startsWith(`MongoStorage could not read "${KEY}" from collection "botState": Could not connect to MongoDB`), err.message);
            const chain: string[] = [];
            for (let e: unknown = err; e instanceof Error; e = e.cause) {
                chain.push(e.message, e.stack ?? '');
            }
            assert.ok(chain.length >= 4, 'the cause chain is kept');
            assert.doesNotMatch(chain.join('\n'), /s3cr3t/);
        });
    });

    describe('misuse', function () {
        it('refuses keys that are not strings and items that are not objects, before writing anything', async function () {
            await assert.rejects(storage.read([{ $ne: null }] as unknown as string[]), /MongoStorage\.read: keys must be an array of strings, got an array\./);
            await assert.rejects(storage.read(KEY as unknown as string[]), /MongoStorage\.read: keys must be an array of strings, got ".*"\./);
            await assert.rejects(storage.delete(undefined as unknown as string[]), InactivityConfigError);
            await assert.rejects(storage.write({ a: { n: 1 }, b: null }), /MongoStorage\.write: the item for "b" must be an object, got null\./);
            await assert.rejects(storage.write({ a: { n: 1, eTag: 7 } }), /the eTag of "a" must be a string \('\*' or none to overwrite\), got 7\./);
            const circular: StoreItem = { n: 1 };
            circular.self = circular;
            await assert.rejects(storage.write({ a: { n: 1 }, c: circular }), (err: Error) => {
                assert.ok(err instanceof MongoStorageError);
                assert.match(err.message, /^MongoStorage could not write "c" to collection "botState": the item cannot be turned into JSON/);
                return true;
            });
            assert.strictEqual(await db.db.collection('botState').countDocuments({}), 0, 'no item of a refused write was stored');
        });
    });

    describe('under ConversationState and UserState', function () {
        /** A bot whose add-client flow asks a name, then an email, in one process "instance" over `storage`. */
        function bot(storageOfThisInstance: Storage): TestAdapter {
            const conversationState = new ConversationState(storageOfThisInstance);
            const userState = new UserState(storageOfThisInstance);
            const dialogState = conversationState.createProperty<DialogState>('DialogState');
            const clientsAdded = userState.createProperty<number>('clientsAdded');
            const dialogs = new DialogSet(dialogState).add(new TextPrompt('text')).add(
                new WaterfallDialog('addClient', [
                    async (step) => step.prompt('text', "What is the client's name?"),
                    async (step) => {
                        (step.values as { name?: string }).name = step.result;
                        return step.prompt('text', `What is ${step.result}'s email?`);
                    },
                    async (step) => {
                        const count = (await clientsAdded.get(step.context, 0)) + 1;
                        await clientsAdded.set(step.context, count);
                        await step.context.sendActivity(`Saved ${(step.values as { name?: string }).name} <${step.result}>, your client number ${count}.`);
                        return step.endDialog();
                    },
                ])
            );
            return new TestAdapter(async (context) => {
                const dc = await dialogs.createContext(context);
                if ((await dc.continueDialog()).status === DialogTurnStatus.empty) {
                    await dc.beginDialog('addClient');
                }
                await conversationState.saveChanges(context);
                await userState.saveChanges(context);
            });
        }

        it('keeps the dialog and the user state across a restart', async function () {
            await bot(storage)
                .send('add client')
                .assertReply("What is the client's name?")
                .send('Maria Silva')
                .assertReply("What is Maria Silva's email?")
                .startTest();
            await storage.close();

            // A restart: new storage, state objects and adapter on the same collection.
            const restarted = new MongoStorage({ mongo: db.db });
            await bot(restarted)
                .send('maria@example.com')
                .assertReply('Saved Maria Silva <maria@example.com>, your client number 1.')
                .send('add client')
                .assertReply("What is the client's name?")
                .startTest();

            const keys = ['test/conversations/Convo1/', 'test/users/user1/'];
            const stored = await restarted.read(keys);
            assert.deepStrictEqual(Object.keys(stored).sort(), keys);
            assert.strictEqual(stored['test/users/user1/'].clientsAdded, 1);
            assert.strictEqual(stored['test/conversations/Convo1/'].DialogState.dialogStack[0].id, 'addClient');
            assert.strictEqual(await db.db.collection('botState').countDocuments({}), 2);
        });

        it('(with MemoryStorage, the same restart loses the flow)', async function () {
            await bot(new MemoryStorage()).send('add client').assertReply("What is the client's name?").send('Maria Silva').startTest();

            await bot(new MemoryStorage()).send('maria@example.com').assertReply("What is the client's name?").startTest();
        });
    });
});
