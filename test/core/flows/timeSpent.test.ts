import assert from 'assert';
import type { Db } from 'mongodb';
import { mongoRigs } from '../../support/mongoRig';
import { buttons, Rig, texts } from '../../support/testBot';
import { inBotTurn } from '../lifecycle/support';

const MIN = 60_000;
const HOUR = 60 * MIN;

const rigs = mongoRigs();

/** The abandonment events, oldest first: reason and time spent. */
async function abandonments(db: Db): Promise<Array<{ reason: string; timeSpentMs: number }>> {
    return (await db.collection('inactivityEvents').find().sort({ at: 1 }).toArray()).map((e) => ({
        reason: e.reason as string,
        timeSpentMs: e.timeSpentMs as number,
    }));
}

/** Fires the conversation's timer until it sends something (a timer armed before the last message finds nothing due). */
async function fireUntilSent(rig: Rig): Promise<Awaited<ReturnType<Rig['fireAt']>>> {
    for (let i = 0; i < 3; i++) {
        const sent = await rig.fireAt();
        if (sent.length > 0) {
            return sent;
        }
    }
    throw new Error('the timer sent nothing three times');
}

/**
 * An abandonment's `timeSpentMs` is the time the journey was open: across Start over and Resume, without the
 * hours it sat closed waiting to be resumed. Through the middleware, with a fake clock and the real MongoDB stores.
 */
describe('time spent: counts the time the flow was open', () => {
    afterEach(() => rigs.closeAll());

    it('across Start over and Resume, leaving out the time the flow sat closed', async () => {
        const { rig, db, t0 } = await rigs.setup();
        await rig.say('add client');
        rig.clock.now = t0 + 2 * MIN;
        await rig.say('Maria Silva');
        // Reminder at 7 minutes; the user starts over from it.
        const [reminder] = await fireUntilSent(rig);
        assert.strictEqual(rig.clock.now, t0 + 7 * MIN);
        const restart = buttons(reminder)[1];
        await rig.say(restart.title, restart.value);
        assert.deepStrictEqual(await abandonments(db), [{ reason: 'userCancelled', timeSpentMs: 7 * MIN }]);
        // Start over keeps counting: the new run answers its name at 8 minutes, then the user goes quiet.
        rig.clock.now = t0 + 8 * MIN;
        await rig.say('Ann Lee');
        await fireUntilSent(rig);
        await fireUntilSent(rig);
        assert.strictEqual(rig.clock.now, t0 + 23 * MIN, 'closed 15 minutes after the last message');
        assert.deepStrictEqual((await abandonments(db))[1], { reason: 'timeout', timeSpentMs: 23 * MIN });

        // Three hours later the user resumes; the flow was closed all that time.
        const back = t0 + 23 * MIN + 3 * HOUR;
        rig.clock.now = back;
        const offer = (await rig.say('add client'))[1];
        const resume = buttons(offer)[0];
        assert.match(resume.title, /^Resume Ann Lee/);
        assert.match(texts(await rig.say(resume.title, resume.value))[0], /^Here we go/);
        rig.clock.now = back + 1 * MIN;
        await rig.say('Group classes');
        await fireUntilSent(rig);
        const handoff = await fireUntilSent(rig);
        assert.match(texts(handoff)[0], /^I'm passing you to a person/, "the contact step's final action");
        assert.strictEqual(rig.clock.now, back + 16 * MIN);
        const last = (await abandonments(db))[2];
        assert.strictEqual(last.reason, 'handoff');
        assert.strictEqual(last.timeSpentMs, 23 * MIN + 16 * MIN, `open 23 + 16 minutes, not the 3 hours closed between: ${last.timeSpentMs / MIN} minutes`);
    });

    it('a resumed flow keeps the cap extend(context, { maxDuration }) gave its journey', async () => {
        const { rig, db, t0 } = await rigs.setup({ maxDuration: '30 minutes' });
        await rig.say('add client');
        await inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, { maxDuration: '2 hours' }));
        await rig.say('Maria Silva');
        await rig.fireAt();
        await rig.fireAt();
        assert.strictEqual((await abandonments(db))[0].reason, 'timeout', 'closed for silence, not for the cap');
        rig.clock.now = t0 + 1 * HOUR;
        const offer = (await rig.say('add client'))[1];
        assert.ok(offer, 'still resumable after the 30-minute cap: the journey has 2 hours 30 minutes');
        const resume = buttons(offer)[0];
        await rig.say(resume.title, resume.value);
        rig.clock.now = t0 + 2 * HOUR;
        assert.match(texts(await rig.say('Group classes'))[0], /^How can we reach Maria Silva\?/, 'within the extended cap');
        rig.clock.now = t0 + 2 * HOUR + 30 * MIN;
        const lines = texts(await rig.say('maria@example.com'));
        assert.match(lines[lines.length - 1], /^I'm passing you to a person/, 'at the extended cap');
        assert.strictEqual((await abandonments(db))[1].reason, 'maxDuration');
    });
});
