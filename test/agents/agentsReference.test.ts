import assert from 'assert';
import { Activity } from '@microsoft/agents-activity';
import type { ConversationReference } from '@microsoft/agents-activity';
import { CloudAdapter, TurnContext } from '@microsoft/agents-hosting';
import { TurnContext as BotbuilderTurnContext } from 'botbuilder';
import { AgentsBinding } from '../../src/agents/agentsBinding';
import { agentsReferenceOf } from '../../src/agents/agentsReference';
import type { ActivityLike, ConversationRef } from '../../src/core/ports/activity';
import { timerReference } from '../../src/core/timers/timerReference';
import { isETagConflict } from '../../src/core/util/etagConflict';
import { readTimerData, storedTimerData } from '../../src/scheduling/timerDocument';

const INCOMING = {
    type: 'message',
    id: 'act-1',
    text: 'hi',
    channelId: 'msteams',
    serviceUrl: 'https://smba.example/emea/',
    conversation: { id: 'conv-1', tenantId: 'tenant-1', conversationType: 'personal' },
    from: { id: 'user-1', name: 'Ada', role: 'user' },
    recipient: { id: '28:bot-app', name: 'Bot', role: 'bot' },
    locale: 'en-GB',
};

/** The SDK's Activity as the core's shape (its ChannelAccount id is optional where the core's is not). */
function like(activity: Activity): ActivityLike {
    return activity as unknown as ActivityLike;
}

/** A CloudAdapter whose sends are recorded; its continueConversation is the SDK's own. */
class RecordingAdapter extends CloudAdapter {
    readonly sent: Activity[] = [];
    readonly identities: unknown[] = [];
    override async continueConversation(identity: string | object, reference: ConversationReference, logic: (c: TurnContext) => Promise<void>): Promise<void> {
        this.identities.push(identity);
        return super.continueConversation(identity, reference, logic);
    }
    override async sendActivities(_context: TurnContext, activities: Activity[]): Promise<Array<{ id: string }>> {
        this.sent.push(...activities);
        return activities.map(() => ({ id: 'sent' }));
    }
}

/** Runs a proactive turn from a stored reference and sends one message; returns what reached the adapter. */
async function proactiveSend(botAppId: string, reference: ConversationRef): Promise<{ adapter: RecordingAdapter; sent: Activity }> {
    const adapter = new RecordingAdapter();
    await new AgentsBinding(adapter, botAppId).continueConversation(reference, async (context) => {
        await context.sendActivity({ type: 'message', text: 'reminder' });
    });
    return { adapter, sent: adapter.sent[0] };
}

describe('Agents SDK binding: references', function () {
    it('reads the channel of an Agents Activity through its getter, into a reference that survives JSON', function () {
        const activity = Activity.fromObject(INCOMING);
        assert.strictEqual({ ...activity }.channelId, undefined, 'the SDK fact this guards against: a spread loses the channel');
        const reference = JSON.parse(JSON.stringify(new AgentsBinding(new RecordingAdapter(), '').referenceOf(like(activity)))) as ConversationRef;
        assert.deepStrictEqual(reference, {
            activityId: 'act-1',
            user: { id: 'user-1', name: 'Ada', role: 'user' },
            agent: { id: '28:bot-app', name: 'Bot', role: 'bot' },
            conversation: { id: 'conv-1', tenantId: 'tenant-1', conversationType: 'personal' },
            channelId: 'msteams',
            locale: 'en-GB',
            serviceUrl: 'https://smba.example/emea/',
        });
    });

    it('does not throw on an activity without recipient (offline-directline posts them)', function () {
        const reference = agentsReferenceOf(like(Activity.fromObject({ ...INCOMING, recipient: undefined })));
        assert.strictEqual(reference.agent, undefined);
        assert.strictEqual(reference.channelId, 'msteams');
    });

    it('a timer stored from an Agents reference fires with the bot as recipient (the stored data keeps its id)', async function () {
        const reference = agentsReferenceOf(like(Activity.fromObject(INCOMING)));
        const stored = JSON.parse(JSON.stringify(storedTimerData({ v: 2, key: 'msteams/conv-1', reference: timerReference(reference) })));
        const data = readTimerData(stored);
        assert.ok(data);
        const { sent } = await proactiveSend('', data.reference);
        assert.strictEqual(sent.from?.id, '28:bot-app');
        assert.strictEqual(sent.recipient?.id, 'user-1');
        assert.strictEqual(sent.channelId, 'msteams');
        assert.strictEqual(sent.conversation?.tenantId, 'tenant-1');
    });

    it('a reference written by the botbuilder binding (bot, not agent) becomes one the Agents SDK accepts', async function () {
        const written = JSON.parse(JSON.stringify(BotbuilderTurnContext.getConversationReference(INCOMING as never))) as ConversationRef;
        assert.ok(written.bot && !written.agent, 'botbuilder names the bot `bot`');
        const { sent } = await proactiveSend('', written);
        assert.strictEqual(sent.from?.id, '28:bot-app');
        assert.strictEqual(sent.recipient?.id, 'user-1');
        assert.strictEqual(written.agent, undefined, 'the stored reference is not changed');
    });

    it("gives an anonymous bot the identity {} (the SDK refuses '') and any other bot its app id", async function () {
        const reference = agentsReferenceOf(like(Activity.fromObject(INCOMING)));
        const refused = new RecordingAdapter();
        await assert.rejects(
            refused.continueConversation('', reference as ConversationReference, async () => undefined),
            (err: { code?: number }) => err.code === -120631
        );
        assert.deepStrictEqual((await proactiveSend('', reference)).adapter.identities, [{}]);
        assert.deepStrictEqual((await proactiveSend('app-id-1', reference)).adapter.identities, ['app-id-1']);
    });

    it('addressed() makes an Agents Activity addressed as a reply, for a line added to sends under way', function () {
        const context = new TurnContext(new RecordingAdapter(), Activity.fromObject(INCOMING));
        const line = new AgentsBinding(new RecordingAdapter(), '').addressed(context as never, { type: 'message', text: 'a hint' }) as Activity;
        assert.ok(line instanceof Activity, 'the connector calls isTargetedActivity() on what it sends to Teams');
        assert.strictEqual(line.isTargetedActivity(), false);
        assert.deepStrictEqual(
            [line.channelId, line.conversation?.id, line.from?.id, line.recipient?.id, line.replyToId],
            ['msteams', 'conv-1', '28:bot-app', 'user-1', 'act-1']
        );
    });

    it("recognises the Agents storages' eTag conflict by its code -120700", function () {
        assert.strictEqual(isETagConflict({ code: -120700, message: '[-120700] - Storage: error writing' }), true);
        assert.strictEqual(isETagConflict({ code: -120701, message: 'keys required' }), false);
    });
});
