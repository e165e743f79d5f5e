import assert from 'assert';
import type { Activity } from '@microsoft/agents-activity';
import { click } from '../../src/agents/testing/buttons';
import { createAgentsRig } from './agentsRig';
import { QUESTION } from './propertyFlowSource';

// The plugin's turns on the Agents SDK: user turns on a real TurnContext, timers through CloudAdapter's own
// continueConversation (anonymous identity), the plugin's buttons, and the final activities.
describe('Agents SDK binding: turns', function () {
    it('sends a reminder through a proactive turn, and answers Continue without reaching the bot', async function () {
        const rig = await createAgentsRig({ reminderAfter: '5 minutes', closeAfter: '15 minutes' });
        const first = await rig.adapter.send('add');
        assert.deepStrictEqual(texts(first), [QUESTION]);
        assert.strictEqual(await rig.scheduler.advance('5 minutes'), 1, 'the reminder timer fired');
        const [reminder, ...rest] = rig.adapter.takeSent();
        assert.deepStrictEqual(rest, [], 'one reminder');
        assert.match(reminder.text ?? '', /^Still there\?/);
        assert.strictEqual(reminder.channelId, 'test', 'addressed to the conversation, channel read through the getter');
        assert.strictEqual(reminder.recipient?.id, 'user-1');
        assert.strictEqual(reminder.from?.id, 'agent-1', 'the stored reference named the bot as agent');
        assert.strictEqual(reminder.replyToId, undefined, 'a proactive message is not a reply to the internal event');
        assert.strictEqual(reminder.inputHint, 'expectingInput');
        const card = reminder.attachments?.[0];
        assert.strictEqual(card?.contentType, 'application/vnd.microsoft.card.hero');
        const titles = (card?.content as { buttons: Array<{ type: string; title: string }> }).buttons.map((b) => [b.type, b.title]);
        assert.deepStrictEqual(titles, [
            ['messageBack', 'Continue'],
            ['messageBack', 'Start over'],
        ]);
        const handled = rig.botTexts.length;
        const answer = await click(rig.adapter, 'continue');
        assert.deepStrictEqual(texts(answer), ["Great, let's pick up where we left off.", QUESTION]);
        assert.strictEqual(rig.botTexts.length, handled, "the click never reached the bot's handler");
        assert.deepStrictEqual(texts(await rig.adapter.send('Ada')), ['Added Ada.'], 'the flow went on');
        assert.deepStrictEqual(rig.errors, []);
    });

    it("takes the defaults of the conversation's channel, read through the Activity's channelId getter, in user and timer turns", async function () {
        const rig = await createAgentsRig({
            reminderAfter: '5 minutes',
            closeAfter: '15 minutes',
            channels: { test: { reminderAfter: '2 minutes', closeAfter: '4 minutes' } },
        });
        await rig.adapter.send('add');
        assert.strictEqual(await rig.scheduler.advance('2 minutes'), 1, "the reminder at the channel's 2 minutes");
        assert.match(rig.adapter.takeSent()[0]?.text ?? '', /^Still there\? .*I'll close it in 2 minutes/);
        await rig.scheduler.advance('2 minutes');
        assert.match(rig.adapter.takeSent()[0]?.text ?? '', /^I closed this/, "closed at the channel's 4 minutes");
        assert.deepStrictEqual(rig.errors, []);
    });

    it('Start over restarts the flow in the plugin turn, not as an answer to the bot', async function () {
        const rig = await createAgentsRig();
        await rig.adapter.send('add');
        await rig.scheduler.advance('5 minutes');
        assert.match(rig.adapter.takeSent()[0]?.text ?? '', /^Still there\?/);
        const handled = rig.botTexts.length;
        const answer = await click(rig.adapter, 'startOver');
        assert.deepStrictEqual(texts(answer), ["No problem, let's start over.", QUESTION]);
        assert.strictEqual(rig.botTexts.length, handled);
        assert.deepStrictEqual(rig.errors, []);
    });

    it('closes with an endOfConversation coded agentTimedOut, and clears the flow kept in the same item', async function () {
        const rig = await createAgentsRig({ reminderAfter: '5 minutes', closeAfter: '15 minutes' });
        await rig.adapter.send('add');
        await rig.scheduler.advance('15 minutes');
        const sent = rig.adapter.takeSent();
        assert.match(sent[0].text ?? '', /^Still there\?/);
        assert.match(sent[1].text ?? '', /^I closed this/);
        assert.strictEqual(sent[2].type, 'endOfConversation');
        assert.strictEqual(sent[2].code, 'agentTimedOut');
        assert.strictEqual(sent.length, 3);
        const item = (await rig.storage.read(['test/conversations/conversation-1/inactivity']))['test/conversations/conversation-1/inactivity'];
        assert.strictEqual(item.testFlow, undefined, "the timer's claim wrote the flow's end with the plugin's record");
        assert.strictEqual(rig.scheduler.timers.length, 0, 'nothing more is armed');
        assert.deepStrictEqual(rig.errors, []);
    });

    it('hands off with a handoff.initiate event built by hand: context, transcript attachment, the conversation it relates to', async function () {
        const rig = await createAgentsRig({ finalAction: 'handoff', remind: false, closeAfter: '10 minutes' });
        await rig.adapter.send('add');
        await rig.scheduler.advance('10 minutes');
        const [text, event, ...rest] = rig.adapter.takeSent();
        assert.deepStrictEqual(rest, []);
        assert.match(text.text ?? '', /passing you to a person/);
        assert.strictEqual(event.type, 'event');
        assert.strictEqual(event.name, 'handoff.initiate');
        assert.deepStrictEqual(event.value, { reason: 'inactivity', flowId: 'addClient', step: 1, locale: 'en-US' });
        assert.strictEqual(event.channelId, 'test');
        assert.strictEqual(event.conversation?.id, 'conversation-1');
        assert.strictEqual(event.relatesTo?.conversation.id, 'conversation-1');
        assert.strictEqual(event.relatesTo?.agent?.id, 'agent-1');
        const attachment = event.attachments?.[0] as { contentType: string; name?: string; content: { activities: Activity[] } };
        assert.strictEqual(attachment.contentType, 'application/json');
        assert.strictEqual(attachment.name, 'Transcript');
        const lines = attachment.content.activities.map((a) => [a.from?.role, a.text]);
        assert.deepStrictEqual(lines.slice(0, 2), [
            ['user', 'add'],
            ['bot', QUESTION],
        ]);
        assert.match(String(lines[lines.length - 1][1]), /passing you to a person/);
        assert.ok(
            attachment.content.activities.every((a) => a.channelId === 'test'),
            'the transcript lines keep their channel'
        );
        assert.deepStrictEqual(rig.errors, []);
    });

    it('a user message stored first makes the timer claim lose: nothing is sent', async function () {
        const rig = await createAgentsRig({ reminderAfter: '5 minutes' });
        await rig.adapter.send('add');
        // The user writes exactly when the timer fires: the proactive turn's read comes before the user turn's
        // save, so its claim must conflict (code -120700 from the Agents MemoryStorage).
        const storage = rig.storage as { read(keys: string[]): Promise<Record<string, unknown>> };
        const read = storage.read.bind(storage);
        let once = true;
        storage.read = async (keys) => {
            const items = await read(keys);
            if (once && rig.adapter.sent.length === 1) {
                once = false;
                await rig.adapter.send('still here, thinking');
            }
            return items;
        };
        await rig.scheduler.advance('5 minutes');
        storage.read = read;
        assert.deepStrictEqual(
            rig.adapter.takeSent().filter((a) => /^Still there/.test(a.text ?? '')),
            [],
            'no reminder after the user wrote'
        );
        assert.deepStrictEqual(rig.errors, []);
    });
});

function texts(activities: Activity[]): Array<string | undefined> {
    return activities.map((a) => a.text);
}
