import assert from 'assert';
import type { Db } from 'mongodb';
import type { InactivityPolicy } from '../../src/core/policy/policy';
import { freshDb } from '../support/mongo';
import { added, followUpText, QUESTIONS, ScenarioBot, Sent, Stack } from './scenarioBot';
import { agentsMarkers } from './stacks/agentsStack';
import { agentsDialogs } from './stacks/agentsDialogsStack';
import { botbuilderDialogs, botbuilderMarkers } from './stacks/botbuilderStack';

/**
 * One scenario suite, run on every stack the plugin supports: the same add-client bot, the same clicks and the
 * same silences, whatever tells the plugin where the user is.
 */
const STACKS: Stack[] = [botbuilderDialogs, botbuilderMarkers, agentsMarkers, agentsDialogs];

const STALE_BUTTON = "That button is no longer active, so I didn't change anything. Just carry on from the latest message.";
const STALE_RESUME = "That offer is no longer available, so I didn't change anything.";
const texts = (sent: Sent[]): string[] => sent.filter((a) => a.type === 'message').map((a) => a.text ?? '');
const startsWith = (list: string[], prefix: string): boolean => list.some((t) => t.startsWith(prefix));

for (const stack of STACKS) {
    describe(`Scenarios on ${stack.name}`, () => {
        let mongo: { db: Db; close(): Promise<void> };
        let bot: ScenarioBot | undefined;
        const open = async (policy: InactivityPolicy = {}) => {
            bot = await stack.create({ db: mongo.db, policy: { reminderAfter: '5 minutes', closeAfter: '15 minutes', ...policy } });
            return bot;
        };

        beforeEach(async () => {
            mongo = await freshDb();
        });
        afterEach(async () => {
            await bot?.stop();
            if (bot) {
                assert.deepStrictEqual(
                    bot.errors.map((e) => e.message),
                    [],
                    'nothing reported through onError'
                );
                assert.ok(
                    !bot.handled.some((t) => /^(Continue|Start over|Resume|Start fresh)/.test(t)),
                    `the plugin's buttons never reach the bot: ${bot.handled.join(' | ')}`
                );
            }
            bot = undefined;
            await mongo.close();
        });

        it('reminder, then Continue asks the same step again and the flow goes on', async () => {
            const b = await open();
            await b.say('add client');
            await b.say('Maria');
            assert.deepStrictEqual(texts(b.take()), [QUESTIONS.name, QUESTIONS.email]);
            await b.advance('4 minutes');
            assert.deepStrictEqual(b.take(), [], 'nothing before reminderAfter');
            await b.advance('1 minute');
            const reminder = texts(b.take());
            assert.strictEqual(reminder.length, 1);
            assert.ok(reminder[0].startsWith('Still there?'), reminder[0]);
            assert.ok(reminder[0].includes('step 2 of 3'), `the reminder names the step: ${reminder[0]}`);
            assert.deepStrictEqual(b.buttons().slice(0, 1), ['Continue']);
            await b.click('continue');
            assert.deepStrictEqual(texts(b.take()), ["Great, let's pick up where we left off.", QUESTIONS.email]);
            await b.say('maria@example.com');
            await b.say('555-0100');
            assert.deepStrictEqual(texts(b.take()), [QUESTIONS.phone, added('Maria')]);
            await b.advance('1 hour');
            assert.deepStrictEqual(b.take(), [], 'a completed flow is not reminded');
        });

        it('reminder, then Start over asks the first step again', async () => {
            const b = await open();
            await b.say('add client');
            await b.say('Maria');
            b.take();
            await b.advance('5 minutes');
            b.take();
            assert.deepStrictEqual(b.buttons(), ['Continue', 'Start over']);
            await b.click('startOver');
            assert.deepStrictEqual(texts(b.take()), ["No problem, let's start over.", QUESTIONS.name]);
            await b.say('Ana');
            await b.say('ana@example.com');
            await b.say('555-0101');
            assert.deepStrictEqual(texts(b.take()), [QUESTIONS.email, QUESTIONS.phone, added('Ana')]);
        });

        it('close after silence, then Resume brings the answers back', async () => {
            const b = await open();
            await b.say('add client');
            await b.say('Maria');
            b.take();
            await b.advance('15 minutes');
            const closed = texts(b.take());
            assert.ok(startsWith(closed, 'I closed this because it was quiet'), closed.join(' | '));
            await b.say('add client');
            const offer = texts(b.take());
            assert.deepStrictEqual(offer[0], QUESTIONS.name, 'the bot begins the flow as usual');
            assert.ok(startsWith(offer, 'Welcome back!'), offer.join(' | '));
            await b.click('resume');
            assert.deepStrictEqual(texts(b.take()), ['Here we go, picking up where you left off.', QUESTIONS.email]);
            await b.say('maria@example.com');
            await b.say('555-0100');
            assert.deepStrictEqual(texts(b.take()), [QUESTIONS.phone, added('Maria')], 'the name answered before the close came back');
        });

        it('a used or stale reminder button changes nothing, gets the stale text, and never reaches the bot', async () => {
            const b = await open();
            await b.say('add client');
            await b.say('Maria');
            await b.advance('5 minutes');
            b.take();
            const handled = b.handled.length;
            await b.click('continue');
            assert.deepStrictEqual(texts(b.take()), ["Great, let's pick up where we left off.", QUESTIONS.email]);
            await b.click('continue');
            assert.deepStrictEqual(texts(b.take()), [STALE_BUTTON], 'one click per set of buttons');
            await b.say('maria@example.com');
            assert.deepStrictEqual(texts(b.take()), [QUESTIONS.phone]);
            await b.click('startOver');
            assert.deepStrictEqual(texts(b.take()), [STALE_BUTTON], 'an answer makes the buttons before it stale');
            assert.strictEqual(b.handled.length, handled + 1, `only the typed answer reached the bot: ${b.handled.slice(handled).join(' | ')}`);
            await b.say('555-0100');
            assert.deepStrictEqual(texts(b.take()), [added('Maria')], 'the flow went on from where the user was');
        });

        it('a Welcome back offer the user typed past changes nothing when clicked', async () => {
            const b = await open();
            await b.say('add client');
            await b.say('Maria');
            await b.advance('15 minutes');
            await b.say('add client');
            assert.ok(startsWith(texts(b.take()), 'Welcome back!'));
            await b.say('Ana');
            assert.deepStrictEqual(texts(b.take()), [QUESTIONS.email]);
            await b.click('resume');
            assert.deepStrictEqual(texts(b.take()), [STALE_RESUME]);
            await b.say('ana@example.com');
            await b.say('555-0101');
            assert.deepStrictEqual(texts(b.take()), [QUESTIONS.phone, added('Ana')], 'the new run kept its answers, not the closed one');
        });

        it('hands off to a person after silence, with the handoff event', async () => {
            const b = await open({ finalAction: 'handoff' });
            await b.say('add client');
            b.take();
            await b.advance('15 minutes');
            const sent = b.take();
            assert.ok(startsWith(texts(sent), "I'm passing you to a person"), texts(sent).join(' | '));
            assert.ok(
                sent.some((a) => a.type === 'event' && a.name === 'handoff.initiate'),
                'a handoff.initiate event'
            );
            await b.say('hello?');
            await b.advance('1 hour');
            assert.ok(!startsWith(texts(b.take()), 'Still there?'), 'the handed-off flow is over');
        });

        it('closes a flow past its maxDuration at the next message', async () => {
            const b = await open({ maxDuration: '10 minutes' });
            await b.say('add client');
            await b.advance('4 minutes');
            await b.say('Maria');
            await b.advance('4 minutes');
            await b.say('maria@example.com');
            b.take();
            await b.advance('4 minutes');
            await b.say('555-0100');
            const sent = texts(b.take());
            assert.ok(startsWith(sent, 'This has been open for too long'), sent.join(' | '));
            assert.ok(!sent.includes(added('Maria')), 'the answer past the cap is not taken');
        });

        // A dialog's prompt asks again; a bot without dialogs validates itself and calls reportInvalid().
        it('escalates repeated invalid answers to the final action', async () => {
            const b = await open({ maxInvalidAttempts: 3 });
            await b.say('add client');
            await b.say('Maria');
            b.take();
            await b.say('nope');
            assert.ok(startsWith(texts(b.take()), "Sorry, I didn't get that."));
            await b.say('still no');
            assert.ok(startsWith(texts(b.take()), "That still doesn't look right."));
            await b.say('no again');
            assert.ok(startsWith(texts(b.take()), "Let's stop here for now"));
        });

        it('records the run and its steps for the report', async () => {
            const b = await open();
            await b.say('add client');
            await b.say('Maria');
            await b.advance('15 minutes');
            await b.say('add client');
            await b.say('Ana');
            await b.say('ana@example.com');
            await b.say('555-0101');
            b.take();
            const runs = await mongo.db
                .collection('inactivityRuns')
                .find({ flowId: { $exists: true } }, { sort: { startedAt: 1 } })
                .toArray();
            assert.deepStrictEqual(
                runs.map((r) => [r.flowId, r.outcome]),
                [
                    ['addClient', 'abandoned'],
                    ['addClient', 'completed'],
                ]
            );
        });

        it('sends the follow-up the bot scheduled when a client was added, a day later, through the same adapter', async () => {
            const b = await open();
            await b.say('add client');
            await b.say('Ana');
            await b.say('ana@example.com');
            await b.say('555-0101');
            assert.deepStrictEqual(texts(b.take()).slice(-1), [added('Ana')]);
            await b.advance('23 hours');
            assert.strictEqual(await b.sendDueFollowUps(), 0, 'not due before the day is over');
            await b.advance('1 hour');
            assert.strictEqual(await b.sendDueFollowUps(), 1);
            assert.deepStrictEqual(texts(b.take()), [followUpText('Ana')]);
            assert.strictEqual(await b.sendDueFollowUps(), 0, 'sent once');
            const records = await mongo.db
                .collection('inactivityFollowUps')
                .find({}, { sort: { type: 1 } })
                .toArray();
            // The follow-ups' middleware armed the user's re-engagement from their messages, beside the follow-up.
            assert.deepStrictEqual(
                records.map((r) => [r.type, r.status, r.conversationId]),
                [
                    ['postEvent', 'executed', records[0]?.conversationId],
                    ['reengagement', 'pending', records[0]?.conversationId],
                ]
            );
            assert.ok(records[0]?.conversationId, 'the reference named the conversation');
        });
    });
}
