import assert from 'assert';
import { MemoryStorage } from 'botbuilder';
import sinon from 'sinon';
import { InactivityConfigError } from '../../../src';
import { PUBLISH_ACTIVE_FLOWS_EVERY_MS } from '../../../src/mongo/pluginStores';
import { freshDb } from '../../support/mongo';
import { createRig, Rig } from '../../support/testBot';

const MIN = 60_000;

/** Two instances of the sample bot: one database, one conversation storage (a conversation's turns may land on either). */
async function twoInstances(): Promise<{ a: Rig; b: Rig; close(): Promise<void>; setClock(ms: number): void }> {
    const mongo = await freshDb();
    const storage = new MemoryStorage();
    const a = await createRig({ mongo: mongo.db }, { storage });
    const b = await createRig({ mongo: mongo.db }, { storage });
    return {
        a,
        b,
        setClock(ms) {
            a.clock.now = ms;
            b.clock.now = ms;
        },
        async close() {
            await a.inactivity.stop();
            await b.inactivity.stop();
            await mongo.close();
            assert.deepStrictEqual([...a.errors, ...b.errors], [], 'the plugin reported no error');
        },
    };
}

const ann = { conversationId: 'conv-ann', userId: 'ann' };
const bob = { conversationId: 'conv-bob', userId: 'bob' };
const cy = { conversationId: 'conv-cy', userId: 'cy' };

describe("lifecycle: activeFlows({ scope: 'all' }) across instances (real driver)", () => {
    const closing: Array<() => Promise<void>> = [];
    afterEach(async () => {
        sinon.restore();
        for (const close of closing.splice(0)) {
            await close();
        }
    });

    it('counts each conversation once, by flow id, wherever its turns ran; a flow ended on one instance is not counted from the other', async () => {
        const { a, b, close, setClock } = await twoInstances();
        closing.push(close);
        const t0 = a.clock.now;
        await a.say('add client', undefined, ann);
        await a.say('add client', undefined, bob);
        await b.say('add client', undefined, cy);
        // Each instance publishes before it reads (and every 30 seconds): b has not published yet when a reads.
        assert.deepStrictEqual(await a.inactivity.activeFlows({ scope: 'all' }), { addClient: 2 }, "b's flow is not published yet");
        assert.deepStrictEqual(await b.inactivity.activeFlows({ scope: 'all' }), { addClient: 3 }, 'b published its own and read a');
        assert.deepStrictEqual(await a.inactivity.activeFlows({ scope: 'all' }), { addClient: 3 });
        assert.deepStrictEqual(a.inactivity.activeFlows(), { addClient: 2 }, 'the instance scope is unchanged');

        // Bob's next turn lands on b: both instances now know his flow; it counts once.
        setClock(t0 + MIN);
        await b.say('Bob Lee', undefined, bob);
        assert.deepStrictEqual([a.inactivity.activeFlows(), b.inactivity.activeFlows()], [{ addClient: 2 }, { addClient: 2 }], 'summed, 4');
        assert.deepStrictEqual(await b.inactivity.activeFlows({ scope: 'all' }), { addClient: 3 });

        // Bob finishes on b; a still counts him in memory, the database view does not.
        await b.say('Group classes', undefined, bob);
        await b.say('bob@example.com', undefined, bob);
        await b.inactivity.activeFlows({ scope: 'all' });
        assert.deepStrictEqual(a.inactivity.activeFlows(), { addClient: 2 });
        assert.deepStrictEqual(await a.inactivity.activeFlows({ scope: 'all' }), { addClient: 2 });

        // Cy cancels on a, although only b saw her flow: the end a saw outweighs b's older word.
        setClock(t0 + 2 * MIN);
        await a.say('cancel', undefined, cy);
        assert.deepStrictEqual(await a.inactivity.activeFlows({ scope: 'all' }), { addClient: 1 }, 'Ann only');
        assert.deepStrictEqual(await b.inactivity.activeFlows({ scope: 'all' }), { addClient: 1 });

        // Ann's flow was last seen at t0: it stops counting a minute after its close time, on every instance.
        setClock(t0 + 16 * MIN);
        assert.deepStrictEqual(await b.inactivity.activeFlows({ scope: 'all' }), {});
    });

    it("a stopped instance's flows go on counting (their timers run elsewhere) until they expire", async () => {
        const { a, b, close, setClock } = await twoInstances();
        closing.push(close);
        const t0 = a.clock.now;
        await a.say('add client', undefined, ann);
        await a.inactivity.stop();
        assert.deepStrictEqual(await b.inactivity.activeFlows({ scope: 'all' }), { addClient: 1 }, 'published when it stopped');
        setClock(t0 + 16 * MIN);
        assert.deepStrictEqual(await b.inactivity.activeFlows({ scope: 'all' }), {});
    });

    it('each instance publishes every 30 seconds without being asked', async () => {
        const timers = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
        const { a, b, close } = await twoInstances();
        closing.push(close);
        await a.say('add client', undefined, ann);
        await b.say('add client', undefined, cy);
        const published = () =>
            (
                b.inactivity as unknown as { engine: { plugin: { activeFlowStore: { read(now: number): Promise<unknown[]> } } } }
            ).engine.plugin.activeFlowStore.read(a.clock.now);
        assert.strictEqual((await published()).length, 0, 'nothing published yet');
        await timers.tickAsync(PUBLISH_ACTIVE_FLOWS_EVERY_MS);
        // The publications are database writes: wait for both to land (real time, a few ms each).
        for (let i = 0; i < 100 && (await published()).length < 2; i++) {
            await new Promise((r) => setImmediate(r));
        }
        assert.strictEqual((await published()).length, 2);
    });

    it('publications the database refuses are reported once per outage, not every 30 seconds', async () => {
        const timers = sinon.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
        const mongo = await freshDb();
        const rig = await createRig({ mongo: mongo.db });
        const store = (rig.inactivity as unknown as { engine: { plugin: { activeFlowStore: { publish(p: unknown): Promise<void> } } } }).engine.plugin
            .activeFlowStore;
        const publish = store.publish.bind(store);
        let calls = 0;
        let down = true;
        store.publish = async (p) => {
            calls += 1;
            return down ? Promise.reject(new Error('database down')) : publish(p);
        };
        const tick = async (): Promise<void> => {
            const before = calls;
            await timers.tickAsync(PUBLISH_ACTIVE_FLOWS_EVERY_MS);
            for (let i = 0; i < 100 && calls === before; i++) {
                await new Promise((r) => setImmediate(r));
            }
            await new Promise((r) => setImmediate(r));
        };
        await tick();
        await tick();
        await tick();
        assert.strictEqual(calls, 3);
        assert.deepStrictEqual(
            rig.errors.map((e) => e.message),
            ['database down'],
            'reported at the first failure only'
        );
        down = false;
        await tick();
        down = true;
        await tick();
        assert.strictEqual(rig.errors.length, 2, 'a new outage after a success is reported again');
        down = false;
        await rig.inactivity.stop();
        await mongo.close();
    });

    it('two instances reading and publishing at once, 20 times: every read counts each conversation once', async () => {
        const { a, b, close } = await twoInstances();
        closing.push(close);
        await a.say('add client', undefined, ann);
        await a.say('add client', undefined, bob);
        await b.say('add client', undefined, cy);
        await b.say('Bob Lee', undefined, bob);
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).inactivity.activeFlows({ scope: 'all' })));
        // The first reads may run before the other instance's first publication lands: then they see fewer.
        const counts = results.map((r) => r.addClient ?? 0);
        assert.ok(
            counts.every((n) => n <= 3),
            `never more than the 3 conversations: ${counts.join(', ')}`
        );
        assert.deepStrictEqual(await a.inactivity.activeFlows({ scope: 'all' }), { addClient: 3 }, 'once both have published');
        assert.deepStrictEqual(await b.inactivity.activeFlows({ scope: 'all' }), { addClient: 3 });
        console.log(
            `      reads at once: ${counts.filter((n) => n === 3).length} of 20 saw all 3, the rest ${counts.filter((n) => n !== 3).join(', ') || 'none'}`
        );
    });

    it('refuses without MongoDB, naming what to do', async () => {
        const rig = await createRig();
        await assert.rejects(
            rig.inactivity.activeFlows({ scope: 'all' }),
            (e: Error) => e instanceof InactivityConfigError && /give the mongo option/.test(e.message)
        );
        await rig.inactivity.stop();
    });
});
