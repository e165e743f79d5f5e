import assert from 'assert';
import { InactivityConfigError } from '../../../src';
import { createRig, texts } from '../../support/testBot';
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
