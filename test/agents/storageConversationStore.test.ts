import assert from 'assert';
import { Activity } from '@microsoft/agents-activity';
import { ConversationState, MemoryStorage, TurnContext } from '@microsoft/agents-hosting';
import { StorageConversationStore } from '../../src/agents/storageConversationStore';
import { InactivityTestAdapter } from '../../src/agents/testing/inactivityTestAdapter';
import { InactivityConfigError } from '../../src/core/errors';
import type { TurnContextLike } from '../../src/core/ports/activity';
import { MongoStorage } from '../../src/mongo/mongoStorage';
import type { BotStorage } from '../../src/mongo/storageDocument';
import { freshDb } from '../support/mongo';

const KEY = 'webchat/conversations/conv-1/inactivity';

function turn(): TurnContextLike {
    const activity = Activity.fromObject({
        type: 'message',
        text: 'hi',
        channelId: 'webchat',
        conversation: { id: 'conv-1' },
        from: { id: 'u' },
        recipient: { id: 'b' },
    });
    return new TurnContext(new InactivityTestAdapter(), activity) as unknown as TurnContextLike;
}

/** The same checks on the Agents SDK's MemoryStorage and on MongoStorage (the embedded MongoDB). */
for (const [name, open] of [
    ['MemoryStorage', async () => ({ storage: new MemoryStorage() as BotStorage, close: async () => undefined })],
    [
        'MongoStorage',
        async () => {
            const db = await freshDb();
            return { storage: new MongoStorage({ mongo: db.db }) as BotStorage, close: () => db.close() };
        },
    ],
] as const) {
    describe(`Agents SDK binding: the plugin's own item on ${name}`, function () {
        let storage: BotStorage;
        let close: () => Promise<void>;
        beforeEach(async function () {
            ({ storage, close } = await open());
        });
        afterEach(async function () {
            await close();
        });

        it("keeps its item under <channel>/conversations/<id>/inactivity, apart from the app's conversation state", async function () {
            const context = turn();
            const store = new StorageConversationStore(storage, 'record');
            await store.set(context, { n: 1 });
            await store.save(context);
            const appState = new ConversationState(storage);
            const counter = appState.createProperty<number>('counter');
            await counter.set(context as unknown as TurnContext, 5);
            await appState.saveChanges(context as unknown as TurnContext);
            const items = await storage.read([KEY, 'webchat/conversations/conv-1/']);
            assert.deepStrictEqual(items[KEY].record, { n: 1 });
            assert.strictEqual(items['webchat/conversations/conv-1/'].counter, 5);
            assert.strictEqual(items['webchat/conversations/conv-1/'].record, undefined, "nothing of the plugin's in the app's item");
        });

        it('claims on the eTag it read: the second of two turns holding the same eTag loses, and sees the winner', async function () {
            const store = new StorageConversationStore(storage, 'record');
            const seed = turn();
            await store.set(seed, { stage: 'none' });
            await store.save(seed);
            const [a, b] = [turn(), turn()];
            const [recordA, recordB] = [await store.load(a, true), await store.load(b, true)];
            assert.ok(recordA.eTag && recordA.eTag === recordB.eTag);
            await store.set(a, { stage: 'reminded by A' });
            await store.set(b, { stage: 'reminded by B' });
            assert.strictEqual(await store.claim(a, recordA), true);
            assert.strictEqual(await store.claim(b, recordB), false);
            await store.load(b, true);
            assert.deepStrictEqual(await store.get(b), { stage: 'reminded by A' });
        });

        it('rewriteIf writes while the stored record passes the check, and not after another turn changed it', async function () {
            const store = new StorageConversationStore(storage, 'record');
            const first = turn();
            await store.set(first, { claim: 'x' });
            await store.save(first);
            const timer = turn();
            await store.set(timer, { claim: 'x', sent: true });
            assert.strictEqual(await store.rewriteIf(timer, KEY, (stored) => (stored as { claim?: string }).claim === 'x'), true);
            const user = turn();
            await store.set(user, { claim: undefined });
            await store.save(user);
            await store.set(timer, { claim: 'x', sent: 'again' });
            assert.strictEqual(await store.rewriteIf(timer, KEY, (stored) => (stored as { claim?: string }).claim === 'x'), false);
            assert.deepStrictEqual((await storage.read([KEY]))[KEY].record, {});
        });

        it('a second property lives in the same item: read with one load, written by the same claim and save', async function () {
            const store = new StorageConversationStore(storage, 'record');
            const marker = store.property<{ flowId: string }>('marker');
            const context = turn();
            await store.set(context, { n: 1 });
            await marker.set(context, { flowId: 'addClient' });
            await store.save(context);
            let reads = 0;
            const counting: BotStorage = {
                ...storage,
                read: (keys) => (reads++, storage.read(keys)),
                write: (c) => storage.write(c),
                delete: (k) => storage.delete(k),
            };
            const again = new StorageConversationStore(counting, 'record');
            const later = turn();
            assert.deepStrictEqual(await again.property('marker').get(later), { flowId: 'addClient' });
            assert.deepStrictEqual(await again.get(later), { n: 1 });
            assert.strictEqual(reads, 1, 'one read for the turn');
            const record = await again.load(later, false);
            await again.property('marker').set(later, undefined);
            assert.strictEqual(await again.claim(later, record), true);
            const stored = (await storage.read([KEY]))[KEY];
            assert.strictEqual(stored.marker, undefined, 'the claim wrote the cleared marker');
            assert.deepStrictEqual(stored.record, { n: 1 });
        });

        it('save writes only what changed', async function () {
            const store = new StorageConversationStore(storage, 'record');
            const context = turn();
            await store.get(context);
            let writes = 0;
            const write = storage.write.bind(storage);
            storage.write = async (changes) => {
                writes++;
                await write(changes);
            };
            await store.save(context);
            assert.strictEqual(writes, 0, 'nothing read and unchanged: no write');
            await store.set(context, { n: 2 });
            await store.save(context);
            await store.save(context);
            assert.strictEqual(writes, 1);
        });
    });
}

describe("Agents SDK binding: the item's properties", function () {
    it('refuses a property name that is empty, eTag, or the plugin record', function () {
        const store = new StorageConversationStore(new MemoryStorage(), 'record');
        for (const name of ['', 'eTag', 'record']) {
            assert.throws(() => store.property(name), InactivityConfigError);
        }
    });

    it('refuses to store a conversation whose activity has no channel', async function () {
        const context = new TurnContext(
            new InactivityTestAdapter(),
            Activity.fromObject({ type: 'message', conversation: { id: 'c' } })
        ) as unknown as TurnContextLike;
        await assert.rejects(new StorageConversationStore(new MemoryStorage(), 'record').get(context), /no channelId or conversation.id/);
    });
});
