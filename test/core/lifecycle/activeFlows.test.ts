import assert from 'assert';
import { ConversationState, MemoryStorage } from 'botbuilder';
import { InactivityMiddleware } from '../../../src';
import { InactivityTestAdapter, TestScheduler } from '../../../src/testing';
import { createRig } from '../../support/testBot';

const MIN = 60_000;

describe('lifecycle: activeFlows()', () => {
    it('counts the flows in progress on this instance by flow id, as they start and end', async () => {
        const rig = await createRig();
        assert.deepStrictEqual(rig.inactivity.activeFlows(), {});
        await rig.say('hello');
        assert.deepStrictEqual(rig.inactivity.activeFlows(), {}, 'a turn outside a flow counts nothing');
        await rig.say('add client', undefined, { conversationId: 'a', userId: 'ann' });
        await rig.say('add client', undefined, { conversationId: 'b', userId: 'bob' });
        await rig.say('add client', undefined, { conversationId: 'c', userId: 'cy' });
        assert.deepStrictEqual(rig.inactivity.activeFlows(), { addClient: 3 });
        // a completes
        await rig.say('Ann Lee', undefined, { conversationId: 'a', userId: 'ann' });
        await rig.say('Group classes', undefined, { conversationId: 'a', userId: 'ann' });
        await rig.say('ann@example.com', undefined, { conversationId: 'a', userId: 'ann' });
        assert.deepStrictEqual(rig.inactivity.activeFlows(), { addClient: 2 });
        // b cancels (abandon)
        await rig.say('cancel', undefined, { conversationId: 'b', userId: 'bob' });
        assert.deepStrictEqual(rig.inactivity.activeFlows(), { addClient: 1 });
        // c is closed by its timer (a's stays armed: a completed flow keeps its timer, which then finds nothing)
        const keyOf = (conversationId: string) => [...rig.scheduler.armed.keys()].find((k) => k.endsWith(`/${conversationId}`));
        rig.clock.now += 5 * MIN;
        await rig.scheduler.fire(keyOf('c'));
        assert.deepStrictEqual(rig.inactivity.activeFlows(), { addClient: 1 }, 'a reminder does not end it');
        rig.clock.now += 10 * MIN;
        await rig.scheduler.fire(keyOf('c'));
        assert.deepStrictEqual(rig.inactivity.activeFlows(), {});
        await rig.inactivity.stop();
    });

    it('a flow that ended elsewhere (another instance closed it) stops counting a minute after its close time; extend() moves that', async () => {
        const rig = await createRig();
        await rig.say('add client');
        const t0 = rig.clock.now;
        rig.clock.now = t0 + 15 * MIN + MIN - 1;
        assert.deepStrictEqual(rig.inactivity.activeFlows(), { addClient: 1 });
        rig.clock.now = t0 + 15 * MIN + MIN;
        assert.deepStrictEqual(rig.inactivity.activeFlows(), {});

        const other = await createRig();
        await other.say('add client');
        const t1 = other.clock.now;
        await other.say('give me a minute');
        other.clock.now = t1 + 25 * MIN + MIN - 1;
        assert.deepStrictEqual(other.inactivity.activeFlows(), { addClient: 1 }, 'the 10 minutes given count');
        other.clock.now = t1 + 25 * MIN + MIN;
        assert.deepStrictEqual(other.inactivity.activeFlows(), {});
        await rig.inactivity.stop();
        await other.inactivity.stop();
    });

    it('two middlewares in one process count their own flows', async () => {
        const one = await createRig();
        const two = await createRig();
        await one.say('add client');
        assert.deepStrictEqual(one.inactivity.activeFlows(), { addClient: 1 });
        assert.deepStrictEqual(two.inactivity.activeFlows(), {});
        await one.inactivity.stop();
        await two.inactivity.stop();
    });

    // Regression: the `completed` event of the flow that was replaced ended the count of the one that replaced it.
    it('a flow that takes the place of another in one turn is counted, the other not', async () => {
        const conversationState = new ConversationState(new MemoryStorage());
        const ref: { inactivity?: InactivityMiddleware } = {};
        const adapter = new InactivityTestAdapter(async (context) => {
            const flowId = context.activity.text === 'book' ? 'booking' : 'addClient';
            await context.sendActivity(`${flowId}?`);
            await ref.inactivity?.flows.step(context, { flowId, stepId: 'first', index: 1, of: 2, prompt: `${flowId}?` });
            await conversationState.saveChanges(context);
        });
        const scheduler = new TestScheduler();
        const events: string[] = [];
        const inactivity = new InactivityMiddleware({
            adapter,
            conversationState,
            scheduler,
            now: scheduler.now,
            onFlowEvent: (e) => void events.push(`${e.type}:${e.flowId}`),
        });
        ref.inactivity = inactivity;
        adapter.use(inactivity);
        await inactivity.start();
        await adapter.send('add client').assertReply('addClient?');
        assert.deepStrictEqual(inactivity.activeFlows(), { addClient: 1 });
        await adapter.send('book').assertReply('booking?');
        assert.deepStrictEqual(events, ['started:addClient', 'completed:addClient', 'started:booking']);
        assert.deepStrictEqual(inactivity.activeFlows(), { booking: 1 });
        await inactivity.stop();
    });
});
