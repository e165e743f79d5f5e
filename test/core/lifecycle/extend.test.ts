import assert from 'assert';
import { InactivityConfigError } from '../../../src';
import { buttons, createRig, texts } from '../../support/testBot';
import { inBotTurn, storedState } from './support';

const MIN = 60_000;
const WAITING = "Sure, take your time. I'll wait before reminding you.";

describe('lifecycle: extend(context, duration)', () => {
    it('"give me a minute" moves the reminder by the duration, with no scheduler write; the flow counts the extension', async () => {
        const rig = await createRig();
        await rig.say('add client');
        const t0 = rig.clock.now;
        rig.clock.now += MIN;
        assert.deepStrictEqual(texts(await rig.say('give me a minute')), [WAITING]);
        assert.strictEqual(rig.scheduler.writes, 1, 'the timer armed for the earlier time stays');
        assert.strictEqual((await storedState(rig))?.flow?.extensions, 1);
        assert.deepStrictEqual(await rig.fireAt(), [], 'nothing is due at the old time');
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + MIN + 10 * MIN + 5 * MIN, 're-armed for the moved reminder');
        const [reminder] = await rig.fireAt();
        assert.match(reminder.text ?? '', /^Still there\?/);
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + MIN + 10 * MIN + 15 * MIN, 'the close keeps its distance');
        await rig.inactivity.stop();
    });

    it("after the reminder (in a turn of the bot's own): the close it announced moves by the duration", async () => {
        const rig = await createRig();
        await rig.say('add client');
        const t0 = rig.clock.now;
        await rig.fireAt();
        assert.strictEqual(await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, '10 minutes')), true);
        assert.deepStrictEqual(await rig.fireAt(), [], 'not closed at the old time');
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + 25 * MIN);
        const close = texts(await rig.fireAt());
        assert.match(close[0], /^I closed this/);
        await rig.inactivity.stop();
    });

    it('extensions add up and are counted; the next user message starts the usual times again', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, 5 * MIN));
        await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, '5 minutes'));
        const state = await storedState(rig);
        assert.strictEqual(state?.flow?.extensions, 2);
        assert.deepStrictEqual(state?.extension, { ms: 10 * MIN, afterReminderMs: 0 });
        rig.clock.now += MIN;
        const spoke = rig.clock.now;
        await rig.say('Maria Silva');
        assert.strictEqual((await storedState(rig))?.extension, undefined);
        assert.strictEqual((await storedState(rig))?.flow?.extensions, 2, 'the count stays with the run');
        await rig.fireAt();
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), spoke + 5 * MIN, 'the reminder counts from the message, without the extension');
        await rig.inactivity.stop();
    });

    it('does not move maxDuration', async () => {
        const rig = await createRig({ maxDuration: '20 minutes' });
        await rig.say('add client');
        const t0 = rig.clock.now;
        await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, '1 hour'));
        await rig.fireAt();
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + 20 * MIN);
        assert.match(texts(await rig.fireAt())[0], /^This has been open for too long, so I closed it/);
        await rig.inactivity.stop();
    });

    it('returns false outside a flow; refuses durations that are not valid', async () => {
        const rig = await createRig();
        await rig.say('hello');
        assert.strictEqual(await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, '10 minutes')), false);
        await rig.say('add client');
        await assert.rejects(
            inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, '5')),
            (e: Error) => e instanceof InactivityConfigError && /extend\(\) duration is '5', which has no unit/.test(e.message)
        );
        await assert.rejects(
            inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, 0)),
            /extend\(\) got 0 ms; give more than 0/
        );
        await assert.rejects(
            inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, '8 days')),
            InactivityConfigError
        );
        assert.strictEqual((await storedState(rig))?.flow?.extensions, undefined);
        await rig.inactivity.stop();
    });
});

describe('lifecycle: extend(context, { maxDuration })', () => {
    const TOO_LONG = /^This has been open for too long, so I closed it/;

    it("extends the running journey's cap: an engaged user keeps answering past the old cap, and is closed at the new one", async () => {
        const events: Array<{ type: string; capExtendedByMs?: number; extendedByMs?: number }> = [];
        const rig = await createRig({ maxDuration: '10 minutes', onFlowEvent: (e) => void events.push(e) });
        const t0 = rig.clock.now;
        await rig.say('add client');
        assert.strictEqual(await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, { maxDuration: '2 days' })), true);
        const extended = events.filter((e) => e.type === 'extended');
        assert.deepStrictEqual(
            extended.map((e) => [e.capExtendedByMs, e.extendedByMs]),
            [[2 * 24 * 60 * MIN, undefined]]
        );
        assert.strictEqual((await storedState(rig))?.flow?.capExtendedMs, 2 * 24 * 60 * MIN);
        assert.strictEqual((await storedState(rig))?.extension, undefined, 'the idle times do not move');
        rig.clock.now = t0 + 4 * MIN;
        assert.match(texts(await rig.say('Maria Silva'))[0], /^What kind of client is Maria Silva\?/);
        rig.clock.now = t0 + 12 * MIN;
        assert.match(texts(await rig.say('Group classes'))[0], /^How can we reach Maria Silva\?/, 'past the old cap, the answer is taken');
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + 17 * MIN, 'the reminder, 5 minutes after the message');
        rig.clock.now = t0 + 2 * 24 * 60 * MIN + 10 * MIN;
        const lines = texts(await rig.say('maria@example.com'));
        assert.match(lines[lines.length - 1], /^I'm passing you to a person/, "at the new cap the step's final action (the contact step hands off)");
        await rig.inactivity.stop();
    });

    it('moves the cap stage of a quiet user too: the timer closes them at the extended cap, not the old one', async () => {
        const rig = await createRig({ maxDuration: '3 minutes', reminderAfter: '5 minutes', closeAfter: '15 minutes' });
        const t0 = rig.clock.now;
        await rig.say('add client');
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + 3 * MIN);
        await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, { maxDuration: 10 * MIN }));
        assert.deepStrictEqual(await rig.fireAt(), [], 'nothing due at the old cap');
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + 5 * MIN, 'the reminder now comes first');
        const [reminder] = await rig.fireAt();
        assert.match(reminder.text ?? '', /^Still there\?/);
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), t0 + 13 * MIN, 'then the extended cap, before the close');
        assert.match(texts(await rig.fireAt())[0], TOO_LONG);
        await rig.inactivity.stop();
    });

    it('the extension stays with the journey across Start over, and adds up', async () => {
        const rig = await createRig({ maxDuration: '20 minutes' });
        const t0 = rig.clock.now;
        await rig.say('add client');
        await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, { maxDuration: '30 minutes' }));
        await rig.say('Maria Silva');
        const [reminder] = await rig.fireAt();
        const restart = buttons(reminder)[1];
        assert.deepStrictEqual(texts(await rig.say(restart.title, restart.value)), ["No problem, let's start over.", "What's the client's name?"]);
        assert.strictEqual((await storedState(rig))?.flow?.capExtendedMs, 30 * MIN, 'kept by Start over');
        await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, { maxDuration: '10 minutes' }));
        assert.strictEqual((await storedState(rig))?.flow?.capExtendedMs, 40 * MIN);
        assert.strictEqual((await storedState(rig))?.flow?.startedAt, t0, 'the cap still counts from the first start');
        rig.clock.now = t0 + 59 * MIN;
        assert.match(texts(await rig.say('Ann Lee'))[0], /^What kind of client is Ann Lee\?/);
        rig.clock.now = t0 + 60 * MIN;
        assert.match(texts(await rig.say('Group classes'))[0], TOO_LONG);
        await rig.inactivity.stop();
    });

    it('extend(context, duration) keeps its meaning; returns false outside a flow; refuses what is not valid', async () => {
        const rig = await createRig({ maxDuration: '1 hour' });
        await rig.say('hello');
        assert.strictEqual(await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, { maxDuration: '2 days' })), false);
        await rig.say('add client');
        await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, '10 minutes'));
        const state = await storedState(rig);
        assert.deepStrictEqual(state?.extension, { ms: 10 * MIN, afterReminderMs: 0 });
        assert.strictEqual(state?.flow?.capExtendedMs, undefined, 'a plain duration does not touch the cap');
        await assert.rejects(
            inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, { maxDuration: 0 })),
            /extend\(\) got maxDuration 0 ms; give more than 0/
        );
        await assert.rejects(
            inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, { maxDuration: '2 days', reminderAfter: '1 hour' } as never)),
            /extend\(\) takes a duration, or \{ maxDuration \}.*'maxDuration', 'reminderAfter'/
        );
        await assert.rejects(
            inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, { maxDuration: 'soon' })),
            InactivityConfigError
        );
        assert.strictEqual((await storedState(rig))?.flow?.capExtendedMs, undefined);
        await rig.inactivity.stop();
    });
});
