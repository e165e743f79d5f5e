import assert from 'assert';
import type { Activity } from '@microsoft/agents-activity';
import { AgentApplication, ConversationState, MemoryStorage, TurnContext } from '@microsoft/agents-hosting';
import { InactivityConfigError, InactivityMiddleware } from '../../src/agents';
import type { InactivityOptions } from '../../src/agents';
import { click, InactivityTestAdapter, TestScheduler } from '../../src/agents/testing';
import type { BotStorage } from '../../src/mongo/storageDocument';

const QUESTION = "What is the client's name?";
const ITEM = 'test/conversations/conversation-1/inactivity';

/** An AgentApplication with route handlers that marks its own step, on the test adapter, with the plugin. */
async function createAgent(options: Partial<InactivityOptions> = {}, storage: BotStorage = new MemoryStorage()) {
    const scheduler = new TestScheduler();
    const adapter = new InactivityTestAdapter();
    const errors: Error[] = [];
    const inactivity = new InactivityMiddleware({
        adapter,
        storage: storage,
        scheduler,
        now: scheduler.now,
        onError: (e) => void errors.push(e),
        ...options,
    });
    const agent = new AgentApplication({ storage: storage, adapter });
    const handled: string[] = [];
    agent.onMessage('add', async (context: TurnContext) => {
        handled.push('add');
        await context.sendActivity(QUESTION);
        await inactivity.flows.step(context, { flowId: 'addClient', stepId: 'name', index: 1, of: 2, prompt: QUESTION });
    });
    agent.onMessage('hello', async (context: TurnContext) => {
        handled.push('hello');
        await context.sendActivity('Hi!');
    });
    agent.onActivity('message', async (context: TurnContext) => {
        handled.push(context.activity.text ?? '');
        await context.sendActivity(`Added ${context.activity.text}.`);
        await inactivity.flows.end(context);
    });
    adapter.logic = (context) => agent.run(context);
    adapter.use(inactivity);
    await inactivity.start();
    return { adapter, scheduler, inactivity, storage, handled, errors };
}

describe('Agents SDK InactivityMiddleware: an AgentApplication that marks its own steps', function () {
    it('reminds after the marked step, and Continue asks the step again without reaching the route handlers', async function () {
        const bot = await createAgent();
        assert.deepStrictEqual(texts(await bot.adapter.send('add')), [QUESTION]);
        await bot.scheduler.advance('5 minutes');
        const [reminder] = bot.adapter.takeSent();
        assert.match(reminder.text ?? '', /^Still there\?/);
        assert.strictEqual(reminder.from?.id, 'agent-1');
        const before = bot.handled.length;
        assert.deepStrictEqual(texts(await click(bot.adapter, 'continue')), ["Great, let's pick up where we left off.", QUESTION]);
        assert.strictEqual(bot.handled.length, before, 'the click is answered by the plugin');
        assert.deepStrictEqual(texts(await bot.adapter.send('Ada')), ['Added Ada.']);
        assert.strictEqual(await bot.scheduler.advance('1 hour'), 1, 'the old timer fires once and finds no flow');
        assert.deepStrictEqual(bot.adapter.takeSent(), [], 'the flow ended: nothing more is sent');
        assert.deepStrictEqual(bot.errors, []);
        await bot.inactivity.stop();
    });

    it("closes with agentTimedOut and clears the marker in the plugin's own item, leaving the app's state alone", async function () {
        const bot = await createAgent({ reminderAfter: '5 minutes', closeAfter: '15 minutes' });
        await bot.adapter.send('add');
        const marked = (await bot.storage.read([ITEM]))[ITEM];
        assert.strictEqual(marked.flowMarker.flowId, 'addClient', 'saved by the plugin at the end of the turn, with no afterTurn hook');
        await bot.scheduler.advance('15 minutes');
        const sent = bot.adapter.takeSent();
        assert.deepStrictEqual(
            sent.map((a) => a.type),
            ['message', 'message', 'endOfConversation']
        );
        assert.strictEqual(sent[2].code, 'agentTimedOut');
        const item = (await bot.storage.read([ITEM]))[ITEM];
        assert.strictEqual(item.flowMarker, undefined);
        assert.strictEqual(item['botbuilder-inactivity'].flow, undefined);
        const app = (await bot.storage.read(['test/conversations/conversation-1/']))['test/conversations/conversation-1/'];
        assert.ok(!app || !('botbuilder-inactivity' in app), "the plugin never writes the app's conversation state");
        assert.deepStrictEqual(bot.errors, []);
        await bot.inactivity.stop();
    });

    it("a storage failure for the plugin's item never breaks the agent's reply", async function () {
        const memory = new MemoryStorage();
        const failing: BotStorage = {
            read: async (keys) => {
                if (keys.some((k) => k.endsWith('/inactivity'))) {
                    throw new Error('storage is down');
                }
                return memory.read(keys);
            },
            write: (changes) => memory.write(changes),
            delete: (keys) => memory.delete(keys),
        };
        const bot = await createAgent({}, failing);
        // The plugin's own reads at the start and end of the turn fail; the route handler runs and replies. (A
        // handler's own flows.step() or flows.end() would throw the storage's error to the handler, as any read.)
        assert.deepStrictEqual(texts(await bot.adapter.send('hello')), ['Hi!']);
        assert.ok(
            bot.errors.some((e) => /storage is down/.test(e.message)),
            'reported through onError'
        );
        await bot.inactivity.stop();
    });

    it('refuses options without a usable adapter or storage, naming them', function () {
        const scheduler = new TestScheduler();
        const adapter = new InactivityTestAdapter();
        assert.throws(
            () => new InactivityMiddleware({ scheduler, storage: new MemoryStorage() } as never),
            (e: Error) => e instanceof InactivityConfigError && /options\.adapter/.test(e.message)
        );
        assert.throws(
            () => new InactivityMiddleware({ scheduler, adapter } as never),
            (e: Error) => e instanceof InactivityConfigError && /options\.storage/.test(e.message)
        );
        assert.throws(
            () => new InactivityMiddleware({ adapter, storage: new MemoryStorage() }),
            (e: Error) => e instanceof InactivityConfigError && /options\.mongo/.test(e.message)
        );
    });

    it('refuses a dialog without dialogState, and dialogState without the state it lives in', function () {
        const scheduler = new TestScheduler();
        const adapter = new InactivityTestAdapter();
        const storage = new MemoryStorage();
        const conversationState = new ConversationState(storage);
        const dialogState = conversationState.createProperty<{ dialogStack: unknown[] }>('DialogState');
        assert.throws(
            () => new InactivityMiddleware({ scheduler, adapter, storage, dialog: { id: 'addClient' } }),
            (e: Error) => e instanceof InactivityConfigError && /options\.dialog was given without options\.dialogState/.test(e.message)
        );
        assert.throws(
            () => new InactivityMiddleware({ scheduler, adapter, storage, dialogState }),
            (e: Error) => e instanceof InactivityConfigError && /options\.dialogState needs options\.conversationState/.test(e.message)
        );
        assert.doesNotThrow(() => new InactivityMiddleware({ scheduler, adapter, storage, dialogState, conversationState }));
    });
});

function texts(activities: Activity[]): Array<string | undefined> {
    return activities.map((a) => a.text);
}
