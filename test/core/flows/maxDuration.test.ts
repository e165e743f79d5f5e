import assert from 'assert';
import { readFileSync } from 'fs';
import type { Db } from 'mongodb';
import { join } from 'path';
import { FlowDefinition } from '../../../src';
import { mongoRigs } from '../../support/mongoRig';
import { buttons, texts } from '../../support/testBot';

const MIN = 60_000;
// A flow closed for its maxDuration cannot be continued (the cap counts from its first start): nothing is saved.
const TOO_LONG = /^This has been open for too long, so I closed it\. Start again whenever you're ready\.$/;
const HELP = 'I can add a client for you: just say "add client".';
const GENTLE = "Sorry, I didn't get that. Could you try again?";
const CONTACT_RETRY = "That doesn't look like an email address or a phone number.";
const HANDOFF = "I'm passing you to a person who can help. They can see what we talked about.";
const TYPE_RETRY = 'What kind of client is Maria Silva? (1) Personal training, (2) Group classes, or (3) Online coaching';
const ASK_NAME = "What's the client's name?";
const ASK_CONTACT = 'How can we reach Maria Silva? Send an email address or a phone number.';

/** The sample's addClient definition from its policy file, to give in the `flows` option instead. */
const ADD_CLIENT: FlowDefinition = (
    JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'samples', 'inactivity-policy.json'), 'utf8')) as { flows: Record<string, FlowDefinition> }
).flows.addClient;

const rigs = mongoRigs();
const setup = rigs.setup;

async function abandonments(db: Db): Promise<Array<{ reason: string; reminderSent: boolean }>> {
    return (await db.collection('inactivityEvents').find().toArray()).map((e) => ({ reason: e.reason as string, reminderSent: e.reminderSent as boolean }));
}

describe('maxDuration: a cap on the whole flow', () => {
    afterEach(() => rigs.closeAll());

    it('closes the flow at the first turn at or after the cap, although the user keeps answering', async () => {
        const { rig, db, t0 } = await setup({ maxDuration: '10 minutes' });
        await rig.say('add client');
        rig.clock.now = t0 + 4 * MIN;
        assert.match(texts(await rig.say('Maria Silva'))[0], /^What kind of client is Maria Silva\?/);
        rig.clock.now = t0 + 10 * MIN - 1000;
        assert.deepStrictEqual(texts(await rig.say('dunno')), [GENTLE, TYPE_RETRY], 'not closed a second before the cap');
        rig.clock.now = t0 + 10 * MIN;
        const sent = await rig.say('hmm');
        const lines = texts(sent);
        assert.match(lines[lines.length - 1], TOO_LONG);
        assert.ok(sent.some((a) => a.type === 'endOfConversation'));
        assert.deepStrictEqual(await abandonments(db), [{ reason: 'maxDuration', reminderSent: false }]);
        assert.strictEqual(await db.collection('inactivitySnapshots').countDocuments(), 0, 'nothing saved that could not be resumed');
        assert.deepStrictEqual(texts(await rig.say('Group classes')), [HELP], 'the flow is over');
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME], 'and not offered for resuming');
    });

    // Regression: the handoff line sent after the bot's turn, while the same prompt still waited, was counted as
    // that prompt asking again: it got a re-prompt line in front of it, or (at the limit) was held back entirely.
    it('at the cap the message is not answered as a retry: the flow ends instead', async () => {
        const { rig, t0 } = await setup({ maxDuration: '10 minutes' });
        await rig.say('add client');
        await rig.say('Maria Silva');
        await rig.say('Group classes');
        rig.clock.now = t0 + 10 * MIN - 1000;
        assert.deepStrictEqual(texts(await rig.say('soon')), [GENTLE, CONTACT_RETRY]);
        rig.clock.now = t0 + 10 * MIN;
        const sent = await rig.say('later');
        assert.deepStrictEqual(texts(sent), [HANDOFF]);
        assert.strictEqual(sent[sent.length - 1].name, 'handoff.initiate');
    });

    it("takes the step's own final action at the cap: the contact step hands off", async () => {
        const { rig, db, t0 } = await setup({ maxDuration: '10 minutes' });
        await rig.say('add client');
        rig.clock.now = t0 + 4 * MIN;
        await rig.say('Maria Silva');
        await rig.say('Group classes');
        rig.clock.now = t0 + 12 * MIN;
        const sent = await rig.say('maria@example.com');
        const lines = texts(sent);
        assert.strictEqual(lines[lines.length - 1], HANDOFF);
        const event = sent.find((a) => a.type === 'event');
        assert.strictEqual(event?.name, 'handoff.initiate');
        assert.strictEqual((event?.value as { reason?: string } | undefined)?.reason, 'maxDuration');
        assert.deepStrictEqual(
            (await abandonments(db)).map((e) => e.reason),
            ['maxDuration']
        );
    });

    it('arms the timer for the cap when it comes before the next idle stage, and closes a quiet user then', async () => {
        const { rig, db, t0 } = await setup({ maxDuration: '10 minutes' });
        await rig.say('add client');
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + 5 * MIN, 'the reminder comes first');
        rig.clock.now = t0 + 4 * MIN;
        await rig.say('Maria Silva');
        assert.deepStrictEqual(await rig.fireAt(), [], 'nothing due yet at the first timer: the user spoke since');
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + 9 * MIN, 'reminder: 5 minutes after the last message');
        const [reminder] = await rig.fireAt();
        assert.match(reminder.text ?? '', /^Still there\?/);
        // Next: the close would be due at 4 + 15 minutes, the cap at 10: the cap wins.
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + 10 * MIN);
        const closed = await rig.fireAt();
        assert.strictEqual(rig.clock.now, t0 + 10 * MIN);
        assert.match(texts(closed)[0], TOO_LONG);
        assert.deepStrictEqual(await abandonments(db), [{ reason: 'maxDuration', reminderSent: true }]);
        assert.strictEqual(rig.scheduler.armed.size, 0, 'nothing left to fire');
    });

    it('a cap shorter than the reminder delay is the first timer, and no reminder is sent', async () => {
        const { rig, db, t0 } = await setup({ maxDuration: '3 minutes' });
        await rig.say('add client');
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + 3 * MIN);
        const closed = texts(await rig.fireAt());
        assert.strictEqual(closed.length, 1);
        assert.match(closed[0], TOO_LONG);
        assert.deepStrictEqual(await abandonments(db), [{ reason: 'maxDuration', reminderSent: false }]);
    });

    it('without maxDuration (the default) a long, active flow is never capped', async () => {
        const { rig, db, t0 } = await setup({});
        await rig.say('add client');
        rig.clock.now = t0 + 14 * MIN;
        await rig.say('Maria Silva');
        rig.clock.now = t0 + 28 * MIN;
        await rig.say('Group classes');
        rig.clock.now = t0 + 42 * MIN;
        assert.deepStrictEqual(texts(await rig.say('maria@example.com')), ['Done! Maria Silva (Group classes) is added. Contact: maria@example.com.']);
        assert.deepStrictEqual(await abandonments(db), []);
    });

    it('per flow: flows.<id>.maxDuration caps that flow', async () => {
        const { rig, db, t0 } = await setup({ policyFile: undefined, flows: { addClient: { ...ADD_CLIENT, maxDuration: '10 minutes' } } });
        await rig.say('add client');
        rig.clock.now = t0 + 9 * MIN;
        assert.deepStrictEqual(texts(await rig.say('Maria Silva')), [TYPE_RETRY], 'not closed before the cap');
        rig.clock.now = t0 + 11 * MIN;
        const lines = texts(await rig.say('dunno'));
        assert.match(lines[lines.length - 1], TOO_LONG);
        assert.deepStrictEqual(
            (await abandonments(db)).map((e) => e.reason),
            ['maxDuration']
        );
    });

    it('per flow: a flow setting wins over the plugin-wide one, both ways', async () => {
        const longer = await setup({ maxDuration: '5 minutes', policyFile: undefined, flows: { addClient: { ...ADD_CLIENT, maxDuration: '1 hour' } } });
        await longer.rig.say('add client');
        longer.rig.clock.now = longer.t0 + 4 * MIN;
        await longer.rig.say('Maria Silva');
        longer.rig.clock.now = longer.t0 + 8 * MIN;
        assert.deepStrictEqual(texts(await longer.rig.say('Group classes')), ['How can we reach Maria Silva? Send an email address or a phone number.']);
        assert.deepStrictEqual(await abandonments(longer.db), []);

        const none = await setup({ maxDuration: '5 minutes', policyFile: undefined, flows: { addClient: { ...ADD_CLIENT, maxDuration: null } } });
        await none.rig.say('add client');
        assert.strictEqual(none.rig.scheduler.only().dueAt.getTime(), none.t0 + 5 * MIN);
        none.rig.clock.now = none.t0 + 4 * MIN;
        await none.rig.say('Maria Silva');
        none.rig.clock.now = none.t0 + 8 * MIN;
        await none.rig.say('Group classes');
        none.rig.clock.now = none.t0 + 12 * MIN;
        assert.deepStrictEqual(texts(await none.rig.say('maria@example.com')), ['Done! Maria Silva (Group classes) is added. Contact: maria@example.com.']);
        assert.deepStrictEqual(await abandonments(none.db), []);
    });

    // Regression: Start over set the flow's start to now, so clicking it before the cap restarted the cap.
    it("Start over does not restart the cap: it counts from the flow's first start", async () => {
        const { rig, t0 } = await setup({ maxDuration: '20 minutes' });
        await rig.say('add client');
        await rig.say('Maria Silva');
        const [reminder] = await rig.fireAt();
        assert.strictEqual(rig.clock.now, t0 + 5 * MIN);
        rig.clock.now = t0 + 7 * MIN;
        const restart = buttons(reminder)[1];
        assert.deepStrictEqual(texts(await rig.say(restart.title, restart.value)), ["No problem, let's start over.", ASK_NAME]);
        rig.clock.now = t0 + 12 * MIN;
        assert.match(texts(await rig.say('Maria Silva'))[0], /^What kind of client is Maria Silva\?/);
        rig.clock.now = t0 + 20 * MIN;
        const lines = texts(await rig.say('Group classes'));
        assert.match(lines[lines.length - 1], TOO_LONG, 'closed 20 minutes after the first start, not after the Start over');
    });

    // Regression: Resume set the flow's start to now, so closing a flow and resuming it restarted the cap.
    it('Resume does not restart the cap; the close says how long the answers can be resumed, and not past the cap', async () => {
        const { rig, db, t0 } = await setup({ maxDuration: '30 minutes' });
        await rig.say('add client');
        await rig.say('Maria Silva');
        await rig.fireAt();
        const closed = texts(await rig.fireAt());
        assert.strictEqual(rig.clock.now, t0 + 15 * MIN);
        assert.match(closed[0], /^I closed this because it was quiet for a while\. Your answers are saved for 15 minutes:/, 'until the cap, not 24 hours');
        const snap = await db.collection('inactivitySnapshots').findOne();
        assert.strictEqual(snap?.flowStartedAt, t0);
        assert.strictEqual(snap?.expiresAt, t0 + 30 * MIN);

        rig.clock.now = t0 + 20 * MIN;
        const offer = (await rig.say('add client'))[1];
        assert.match(offer.text ?? '', /^Welcome back!/);
        const resume = buttons(offer)[0];
        assert.match(texts(await rig.say(resume.title, resume.value))[1], /^What kind of client is Maria Silva\?/);
        rig.clock.now = t0 + 25 * MIN;
        assert.deepStrictEqual(texts(await rig.say('Group classes')), [ASK_CONTACT]);
        rig.clock.now = t0 + 30 * MIN;
        const lines = texts(await rig.say('maria@example'));
        assert.deepStrictEqual(lines, [HANDOFF], "closed at 30 minutes from the first start (the contact step's final action is a handoff)");
        assert.deepStrictEqual(
            (await abandonments(db)).map((e) => e.reason),
            ['timeout', 'maxDuration']
        );
    });

    it('a flow closed for silence is not offered once its cap has passed', async () => {
        const { rig, t0 } = await setup({ maxDuration: '30 minutes' });
        await rig.say('add client');
        await rig.say('Maria Silva');
        await rig.fireAt();
        await rig.fireAt();
        rig.clock.now = t0 + 31 * MIN;
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME], 'not after it');
    });
});
