import assert from 'assert';
import { AgentApplication, MemoryStorage } from '@microsoft/agents-hosting';
import { FollowUpService, InactivityConfigError } from '../../src/agents';
import { InactivityTestAdapter } from '../../src/agents/testing';
import { freshDb } from '../support/mongo';

/** The Agents SDK's FollowUpService: the botbuilder service's features, through an agent's adapter. */
describe('FollowUpService on the Agents SDK', function () {
    this.timeout(30_000);
    let mongo: Awaited<ReturnType<typeof freshDb>>;
    beforeEach(async () => {
        mongo = await freshDb();
    });
    afterEach(async () => {
        await mongo.close();
    });

    /** An agent that answers "hi", with the follow-ups' middleware on its adapter and a clock the test moves. */
    async function agentWithFollowUps(options: { onReply?: () => void } = {}) {
        let now = Date.UTC(2026, 11, 1, 9);
        const adapter = new InactivityTestAdapter();
        const agent = new AgentApplication({ storage: new MemoryStorage(), adapter });
        agent.onActivity('message', async (context) => {
            options.onReply?.();
            await context.sendActivity('Hi!');
        });
        adapter.logic = (context) => agent.run(context);
        const followUps = new FollowUpService({
            adapter,
            mongo: mongo.db,
            send: false,
            quietHours: null,
            frequencyCap: 0,
            reengageAfter: '3 days',
            now: () => now,
        });
        adapter.use(followUps.middleware());
        await followUps.start();
        return { adapter, followUps, advance: (ms: number) => (now += ms) };
    }

    it("re-engages a user who went quiet: armed from the agent's turn, sent in a proactive turn of the agent's adapter", async () => {
        const { adapter, followUps, advance } = await agentWithFollowUps();
        assert.deepStrictEqual(
            (await adapter.send('hi')).map((a) => a.text),
            ['Hi!']
        );
        const [armed] = await mongo.db.collection('inactivityFollowUps').find({ type: 'reengagement' }).toArray();
        assert.strictEqual(armed?.conversationId, 'conversation-1');
        assert.strictEqual(armed?.reference?.bot?.id, 'agent-1', "the agent's account is kept (stored under one name for both SDKs)");
        advance(3 * 24 * 3_600_000 - 60_000);
        assert.strictEqual(await followUps.runDue(), 0, 'not before the silence is over');
        advance(60_000);
        assert.strictEqual(await followUps.runDue(), 1);
        const [sent] = adapter.takeSent();
        assert.strictEqual(sent?.text, "We haven't heard from you in a while. Anything I can help you with?");
        assert.strictEqual(sent?.conversation?.id, 'conversation-1');
        assert.strictEqual(sent?.channelId, 'test', "the Agents Activity's channel survived the stored reference");
        await followUps.stop();
    });

    it('answers the stop word itself (the agent never sees it) and cancels what was pending', async () => {
        let replies = 0;
        const { adapter, followUps } = await agentWithFollowUps({ onReply: () => replies++ });
        await adapter.send('hi');
        const answer = await adapter.send('stop');
        assert.deepStrictEqual(
            answer.map((a) => a.text),
            ["Done: I won't send you follow-up messages anymore. Write START to get them again."]
        );
        assert.strictEqual(replies, 1, 'only "hi" reached the agent');
        const statuses = (await mongo.db.collection('inactivityFollowUps').find({}).toArray()).map((r) => r.status);
        assert.deepStrictEqual(statuses, ['cancelled']);
        await followUps.stop();
    });

    it("refuses a botbuilder adapter and no adapter, naming the agent's adapter", () => {
        for (const adapter of [undefined, { continueConversationAsync: async () => undefined }]) {
            assert.throws(
                () => new FollowUpService({ adapter: adapter as never, mongo: mongo.db }),
                (e: Error) => e instanceof InactivityConfigError && /agent\.adapter of an AgentApplication/.test(e.message)
            );
        }
    });
});
