import { InactivityConfigError } from '../../../src/core/errors';
import assert from 'assert';
import { ABANDON_REASON_PATTERN, report, RESERVED_ABANDON_REASONS } from '../../../src';
import { mongoRigs } from '../../support/mongoRig';
import { buttons, createRig, texts } from '../../support/testBot';
import { inBotTurn, storedState } from './support';

const ASK_NAME = "What's the client's name?";
const HELP = 'I can add a client for you: just say "add client".';
const OFFER =
    'Welcome back! You were adding Maria Silva (step 2 of 3). Would you like to pick up where you left off? Or answer the question above to start fresh.';

describe('lifecycle: abandon(context, reason)', () => {
    const rigs = mongoRigs();
    afterEach(() => rigs.closeAll());

    it("in the user's turn (the sample's \"cancel\"): ends the flow, cancels its timer, records the bot's reason beside the built-in ones, and keeps it resumable", async () => {
        const { rig, db } = await rigs.setup();
        await rig.say('add client');
        await rig.say('Maria Silva');
        assert.strictEqual(rig.scheduler.armed.size, 1);
        const writes = rig.scheduler.writes;
        assert.match(texts(await rig.say('cancel'))[0], /^No problem, I've cancelled that/);
        assert.strictEqual(rig.scheduler.armed.size, 0, 'the timer is cancelled');
        assert.strictEqual(rig.scheduler.writes, writes, 'and none armed');
        assert.deepStrictEqual(texts(await rig.say('Group classes')), [HELP], 'the flow is over');
        const events = await db.collection('inactivityEvents').find().toArray();
        assert.strictEqual(events.length, 1);
        assert.strictEqual(events[0].reason, 'saidCancel');
        assert.strictEqual(events[0].flowId, 'addClient');
        assert.strictEqual(events[0].stepId, 'type');
        assert.deepStrictEqual(events[0].fieldsCollected, ['name']);
        assert.ok(events[0].snapshotId, 'saved for resuming');
        // A timeout in another conversation at the same step: the report shows both reasons side by side.
        await rig.say('add client', undefined, { conversationId: 'other', userId: 'ann' });
        await rig.say('Ann Lee', undefined, { conversationId: 'other', userId: 'ann' });
        await rig.fireAt();
        await rig.fireAt();
        const { flows } = await report(db);
        assert.deepStrictEqual(
            flows.map((f) => [f.flowId, f.abandonedByStepAndReason.map((c) => [c.step, c.reason, c.count]).sort()]),
            [
                [
                    'addClient',
                    [
                        ['type', 'saidCancel', 1],
                        ['type', 'timeout', 1],
                    ],
                ],
            ]
        );
        // Resumable as a close is.
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME, OFFER]);
    });

    it("in a turn of the bot's own (a payment webhook): the stored flow is abandoned; the due timer then sends nothing", async () => {
        const { rig, db } = await rigs.setup();
        await rig.say('add client');
        await rig.say('Maria Silva');
        assert.strictEqual(await inBotTurn(rig, (ctx) => rig.inactivity.abandon(ctx, 'paymentFailed')), true);
        assert.strictEqual(rig.scheduler.armed.size, 0);
        const state = await storedState(rig);
        assert.strictEqual(state?.flow, undefined);
        assert.deepStrictEqual(texts(await rig.say('Group classes')), [HELP], 'the dialogs were ended in storage');
        const [event] = await db.collection('inactivityEvents').find().toArray();
        assert.strictEqual(event.reason, 'paymentFailed');
        assert.strictEqual(await inBotTurn(rig, (ctx) => rig.inactivity.abandon(ctx, 'paymentFailed')), false, 'nothing left to abandon');
        assert.strictEqual(await db.collection('inactivityEvents').countDocuments(), 1);
    });

    it('a timer armed before the abandonment finds no flow and sends nothing (Agenda may still hold it)', async () => {
        const { rig } = await rigs.setup();
        await rig.say('add client');
        const timer = rig.scheduler.only();
        await rig.say('cancel');
        rig.scheduler.armed.set(timer.data.key, timer);
        assert.deepStrictEqual(await rig.fireAt(), []);
        assert.strictEqual(rig.scheduler.armed.size, 0);
    });

    it('returns false outside a flow, and records nothing', async () => {
        const { rig, db } = await rigs.setup();
        await rig.say('hello');
        assert.strictEqual(await inBotTurn(rig, (ctx) => rig.inactivity.abandon(ctx, 'paymentFailed')), false);
        assert.strictEqual(await db.collection('inactivityEvents').countDocuments(), 0);
    });

    it('refuses reasons that are not names, and the reserved built-in ones, with an error saying what is allowed; accepts userCancelled', async () => {
        const rig = await createRig();
        await rig.say('add client');
        for (const bad of ['', 'Payment', '1st', 'has space', 'x'.repeat(41), 'ünïcode', 42, undefined]) {
            await assert.rejects(
                inBotTurn(rig, (ctx) => rig.inactivity.abandon(ctx, bad as string)),
                (e: Error) =>
                    e instanceof InactivityConfigError && /a reason is a name of 1 to 40 characters that starts with a lower-case letter/.test(e.message),
                String(bad)
            );
        }
        for (const reserved of RESERVED_ABANDON_REASONS) {
            await assert.rejects(
                inBotTurn(rig, (ctx) => rig.inactivity.abandon(ctx, reserved)),
                /which the plugin records for its own decisions/
            );
        }
        assert.ok(ABANDON_REASON_PATTERN.test('x'.repeat(40)));
        assert.strictEqual(rig.scheduler.armed.size, 1, 'a refused call changes nothing');
        assert.strictEqual(await inBotTurn(rig, (ctx) => rig.inactivity.abandon(ctx, 'userCancelled')), true);
        assert.deepStrictEqual(rig.errors, []);
        await rig.inactivity.stop();
    });

    it('Resume after abandon() restores the step the user was on', async () => {
        const { rig } = await rigs.setup();
        await rig.say('add client');
        await rig.say('Maria Silva');
        await rig.say('never mind');
        const [, offer] = await rig.say('add client');
        const resume = buttons(offer)[0];
        const sent = texts(await rig.say(resume.title, resume.value));
        assert.match(sent[sent.length - 1], /^What kind of client is Maria Silva\?/);
    });
});
