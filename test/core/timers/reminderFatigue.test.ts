import assert from 'assert';
import { Activity } from 'botbuilder';
import { ComponentDialog, TextPrompt, WaterfallDialog } from 'botbuilder-dialogs';
import { InactivityOptions } from '../../../src';
import type { FlowRunRecord } from '../../../src/core/records/flowRun';
import { dialogTestBot } from '../../support/dialogTestBot';
import { freshDb } from '../../support/mongo';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** A one-question flow. */
class NameDialog extends ComponentDialog {
    constructor() {
        super('nameDialog');
        this.addDialog(new TextPrompt('name'));
        this.addDialog(new WaterfallDialog('steps', [async (step) => step.prompt('name', 'What is your name?'), async (step) => step.endDialog()]));
        this.initialDialogId = 'steps';
    }
}

type Mongo = Awaited<ReturnType<typeof freshDb>>;

/** The bot on InactivityTestAdapter and TestScheduler, keeping its records in the test's MongoDB database. */
async function fatigueBot(mongo: Mongo, options: Partial<InactivityOptions> = {}) {
    const { adapter, scheduler, inactivity, errors, events } = await dialogTestBot(new NameDialog(), {
        startAt: T0,
        options: { mongo: mongo.db, reminderAfter: '5 minutes', closeAfter: '15 minutes', resumeWindow: 0, ...options },
    });
    /** The user begins the flow in `conversation` (default the adapter's). */
    const begin = async (conversation?: string) => {
        const activity: Partial<Activity> = { type: 'message', text: 'hi' };
        if (conversation) activity.conversation = { id: conversation } as Activity['conversation'];
        await adapter.receiveActivity(activity);
    };
    const sentTexts = () => adapter.sent.filter((a) => a.type === 'message').map((a) => a.text ?? '');
    const reminders = () => sentTexts().filter((t) => /^Still there\?/.test(t)).length;
    const closes = () => sentTexts().filter((t) => /closed/i.test(t)).length;
    return { adapter, scheduler, inactivity, errors, events, begin, reminders, closes };
}

describe('Reminder fatigue (maxIgnoredReminders, fatigueCooldown)', function () {
    this.timeout(60_000);
    let mongo: Mongo;
    beforeEach(async () => {
        mongo = await freshDb();
    });
    afterEach(async () => {
        await mongo.close();
    });

    it('a user who lets every reminder pass, over 10 flows, gets 3 reminders; every flow still closes, and each skip is recorded', async () => {
        const bot = await fatigueBot(mongo);
        for (let flow = 0; flow < 10; flow++) {
            await bot.begin();
            await bot.scheduler.advance('15 minutes');
            await bot.scheduler.advance('1 minute');
        }
        console.log(`      reminders sent to a user who ignores every one, over 10 flows: ${bot.reminders()} (closes: ${bot.closes()})`);
        assert.strictEqual(bot.reminders(), 3);
        assert.strictEqual(bot.closes(), 10, 'the flows still close as configured');
        const skipped = bot.events.filter((e) => e.name === 'InactivityReminderSkipped');
        assert.strictEqual(skipped.length, 7);
        assert.ok(skipped.every((e) => e.properties?.reason === 'fatigue' && e.properties?.dialogId === 'nameDialog'));
        const runs = await mongo.db.collection<FlowRunRecord>('inactivityRuns').find({ flowId: 'nameDialog' }).sort({ endedAt: 1 }).toArray();
        assert.strictEqual(runs.length, 10);
        assert.deepStrictEqual(
            runs.map((r) => [r.reminded, r.skippedReminders?.map((s) => s.reason) ?? []]),
            [...Array(3).fill([true, []]), ...Array(7).fill([false, ['fatigue']])]
        );
        const [fatigue] = await mongo.db.collection('inactivityReminderFatigue').find().toArray();
        assert.strictEqual(fatigue.user, runs[0].user, 'kept under the same user hash as the run records, never the raw id');
        assert.notStrictEqual(fatigue.user, 'user1');
        assert.deepStrictEqual(bot.errors, []);
        await bot.inactivity.stop();
    });

    it('a message after a reminder answers it and starts the count again; the pause ends after fatigueCooldown', async () => {
        const bot = await fatigueBot(mongo, { fatigueCooldown: '2 days' });
        const ignoreOne = async () => {
            await bot.begin();
            await bot.scheduler.advance('16 minutes');
        };
        await ignoreOne();
        await ignoreOne();
        // The third flow: the user answers the reminder (the answer completes the flow).
        await bot.begin();
        await bot.scheduler.advance('5 minutes');
        await bot.adapter.receiveActivity({ type: 'message', text: 'Ada' });
        await bot.scheduler.advance('16 minutes');
        assert.strictEqual(bot.reminders(), 3);
        assert.strictEqual(bot.closes(), 2, 'the answered flow did not close');
        await ignoreOne();
        await ignoreOne();
        assert.strictEqual(bot.reminders(), 5, 'the answered reminder broke the row: two more were sent');
        await ignoreOne();
        assert.strictEqual(bot.reminders(), 6, 'the third in a row was sent, and let pass');
        await ignoreOne();
        await ignoreOne();
        assert.strictEqual(bot.reminders(), 6, 'then the user is not reminded');
        await bot.scheduler.advance(2 * DAY);
        await ignoreOne();
        assert.strictEqual(bot.reminders(), 7, 'once the cooldown is over, reminders come again');
        assert.deepStrictEqual(bot.errors, []);
        await bot.inactivity.stop();
    });

    it('counts across conversations of one user; maxIgnoredReminders 0 turns it off', async () => {
        const bot = await fatigueBot(mongo);
        for (const conversation of ['c-1', 'c-2', 'c-3', 'c-4', 'c-1']) {
            await bot.begin(conversation);
            await bot.scheduler.advance('16 minutes');
        }
        assert.strictEqual(bot.reminders(), 3, 'three reminders let pass in three conversations pause the user in all');
        assert.strictEqual(bot.closes(), 5);
        await bot.inactivity.stop();

        const mongo2 = await freshDb();
        try {
            const off = await fatigueBot(mongo2, { maxIgnoredReminders: 0 });
            for (let flow = 0; flow < 5; flow++) {
                await off.begin();
                await off.scheduler.advance('16 minutes');
            }
            assert.strictEqual(off.reminders(), 5);
            assert.strictEqual(await mongo2.db.collection('inactivityReminderFatigue').countDocuments(), 0, 'nothing is kept');
            assert.deepStrictEqual(off.errors, []);
            await off.inactivity.stop();
        } finally {
            await mongo2.close();
        }
    });
});
