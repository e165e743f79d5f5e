import assert from 'assert';
import { ConversationState, MemoryStorage, TestAdapter } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import { InactivityMiddleware } from '../../../src';
import type { TimerScheduler } from '../../../src/core/ports/timerScheduler';
import { freshDb } from '../../support/mongo';
import { createRig, texts } from '../../support/testBot';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('A MongoDB outage during user turns', () => {
    it('20 turns while the scheduler hangs: every reply sent, one wait of schedulerTimeout, one report; armed again on recovery', async () => {
        const rig = await createRig({ schedulerTimeout: 150 });
        rig.scheduler.failWith = 'hang';
        const took: number[] = [];
        for (let i = 0; i < 20; i++) {
            const started = Date.now();
            const replies = await rig.say('add client', undefined, { conversationId: `outage-${i}`, userId: `u${i}` });
            took.push(Date.now() - started);
            assert.deepStrictEqual(texts(replies), ["What's the client's name?"], `turn ${i} got its reply`);
        }
        const [first, ...rest] = took;
        console.log(
            `  [outage] added latency: first turn ${first} ms, then max ${Math.max(...rest)} ms, total ${took.reduce((a, b) => a + b, 0)} ms over 20 turns`
        );
        assert.ok(first >= 140 && first < 1000, `the first turn waits about schedulerTimeout (${first} ms)`);
        assert.ok(Math.max(...rest) < 60, `later turns do not wait (${rest.join(', ')} ms)`);
        assert.strictEqual(rig.errors.length, 1, rig.errors.map((e) => e.message).join('\n'));
        assert.match(rig.errors[0].message, /MongoDB did not answer/);
        assert.strictEqual(rig.scheduler.armed.size, 0);
        rig.scheduler.failWith = undefined;
        const end = Date.now() + 4000;
        while (rig.scheduler.armed.size < 20 && Date.now() < end) {
            await sleep(50);
        }
        assert.strictEqual(rig.scheduler.armed.size, 20, 'every conversation is armed without a new message');
        assert.strictEqual(rig.errors.length, 1, 'the recovery adds no error');
        await rig.inactivity.stop();
    });
});

describe('start() and stop()', () => {
    function middleware(options: Partial<ConstructorParameters<typeof InactivityMiddleware>[0]>) {
        const conversationState = new ConversationState(new MemoryStorage());
        const adapter = new TestAdapter(async () => undefined) as unknown as { continueConversationAsync: () => Promise<void> };
        adapter.continueConversationAsync = async () => undefined;
        return new InactivityMiddleware({
            adapter,
            conversationState,
            dialogState: conversationState.createProperty<DialogState>('DialogState'),
            onError: () => undefined,
            ...options,
        });
    }
    const internals = (m: InactivityMiddleware) => {
        const inner = m as unknown as { stores: { mongo?: unknown }; engine: { plugin: { scheduler?: unknown } } };
        return { mongo: inner.stores.mongo, plugin: inner.engine.plugin };
    };

    it('stop() called while start() connects leaves nothing running', async () => {
        const mongo = await freshDb();
        try {
            const inactivity = middleware({ mongo: mongo.uri });
            const starting = inactivity.start();
            await inactivity.stop();
            await starting.catch(() => undefined);
            assert.strictEqual(internals(inactivity).mongo, undefined, 'the connection it opened is closed');
            assert.strictEqual(internals(inactivity).plugin.scheduler, undefined, 'its Agenda is stopped and dropped');
        } finally {
            await mongo.close();
        }
    });

    it('start() failing after it connected closes the connection it opened', async () => {
        const mongo = await freshDb();
        try {
            const failing: TimerScheduler = {
                start: async () => {
                    throw new Error('no scheduler today');
                },
                arm: async () => undefined,
                cancel: async () => undefined,
                stop: async () => undefined,
            };
            const inactivity = middleware({ mongo: mongo.uri, scheduler: failing });
            await assert.rejects(inactivity.start(), /no scheduler today/);
            assert.strictEqual(internals(inactivity).mongo, undefined);
        } finally {
            await mongo.close();
        }
    });
});
