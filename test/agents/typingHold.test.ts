import assert from 'assert';
import { createAgentsRig } from './agentsRig';
import { QUESTION } from './propertyFlowSource';

const SEC = 1000;

// typingGrace on the Agents SDK: a typing activity on a real TurnContext, the hold stored conditionally in the
// plugin's own storage item, and the timer re-arming through CloudAdapter's continueConversation.
describe('Agents SDK binding: typing holds the reminder', function () {
    it("a user's typing 10 s before the reminder holds it until the grace is over", async function () {
        const rig = await createAgentsRig({ reminderAfter: '5 minutes', closeAfter: '15 minutes', typingGrace: '30 seconds' });
        assert.deepStrictEqual(
            (await rig.adapter.send('add')).map((a) => a.text),
            [QUESTION]
        );
        const due = rig.scheduler.timers[0].dueAt.getTime();
        await rig.scheduler.advance(due - rig.scheduler.now() - 10 * SEC);
        const typedAt = rig.scheduler.now();
        assert.deepStrictEqual(await rig.adapter.send({ type: 'typing' }), [], 'nothing answers a typing activity');
        const item = (await rig.storage.read(['test/conversations/conversation-1/inactivity']))['test/conversations/conversation-1/inactivity'] as Record<
            string,
            { typing?: { at: number; until: number } }
        >;
        assert.deepStrictEqual(item['botbuilder-inactivity'].typing, { at: typedAt, until: typedAt + 45 * SEC }, 'the hold is stored in the plugin item');
        await rig.scheduler.advance(10 * SEC);
        assert.deepStrictEqual(rig.adapter.takeSent(), [], 'the timer fired inside the grace and sent nothing');
        assert.ok(rig.scheduler.timers[0].dueAt.getTime() >= typedAt + 30 * SEC, 'it re-armed for the end of the hold');
        await rig.scheduler.advance('1 minute');
        const sent = rig.adapter.takeSent();
        assert.strictEqual(sent.length, 1);
        assert.match(sent[0].text ?? '', /^Still there\?/);
        assert.deepStrictEqual(rig.errors, []);
    });
});
