import assert from 'assert';
import { Activity } from 'botbuilder';
import { ComponentDialog, TextPrompt, WaterfallDialog } from 'botbuilder-dialogs';
import { InactivityConfigError, InactivityOptions } from '../../../src';
import type { FlowRunRecord } from '../../../src/core/records/flowRun';
import { holdoutDraw } from '../../../src/core/records/holdout';
import { runRecordId } from '../../../src/mongo/flowRunStore';
import type { ObjectId } from 'mongodb';
import { report } from '../../../src/report/report';
import { reportCsv } from '../../../src/report/csv';
import { reportPage } from '../../../src/report/htmlPage';
import { dialogTestBot } from '../../support/dialogTestBot';
import { freshDb } from '../../support/mongo';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);

/** A two-question flow: name, then city. */
class TwoQuestions extends ComponentDialog {
    constructor() {
        super('twoQuestions');
        this.addDialog(new TextPrompt('text'));
        this.addDialog(
            new WaterfallDialog('steps', [
                async (step) => step.prompt('text', 'What is your name?'),
                async (step) => step.prompt('text', 'Which city?'),
                async (step) => step.endDialog(),
            ])
        );
        this.initialDialogId = 'steps';
    }
}

type Mongo = Awaited<ReturnType<typeof freshDb>>;

/** The bot on InactivityTestAdapter and TestScheduler, records in the test's MongoDB database. */
async function holdoutBot(mongo: Mongo, options: Partial<InactivityOptions> = {}) {
    const { adapter, scheduler, inactivity, errors, events } = await dialogTestBot(new TwoQuestions(), {
        startAt: T0,
        options: { mongo: mongo.db, reminderAfter: '5 minutes', closeAfter: '15 minutes', resumeWindow: 0, holdout: 0.5, holdoutSeed: 'test', ...options },
    });
    const say = (conversation: string, text: string) =>
        adapter.receiveActivity({ type: 'message', text, conversation: { id: conversation } as Activity['conversation'] });
    const sentIn = (conversation: string, re: RegExp) =>
        adapter.sent.filter((a) => a.type === 'message' && a.conversation?.id === conversation && re.test(a.text ?? '')).length;
    return { adapter, scheduler, inactivity, errors, events, say, sentIn };
}

describe('Holdout: a share of runs gets no reminder, and the report compares them (holdout, holdoutSeed)', function () {
    this.timeout(60_000);
    let mongo: Mongo;
    beforeEach(async () => {
        mongo = await freshDb();
    });
    afterEach(async () => {
        await mongo.close();
    });

    it('refuses a share outside 0..0.5, naming the option and what is allowed', async () => {
        for (const holdout of [-0.1, 0.6, 1, Number.NaN, '0.2' as unknown as number]) {
            await assert.rejects(
                async () => holdoutBot(mongo, { holdout }),
                (err: Error) => err instanceof InactivityConfigError && /holdout is .*; it must be a share from 0 to 0\.5/.test(err.message)
            );
        }
    });

    it('40 runs at 0.5: held-out runs get no reminder but are timed, recorded and closed as configured; the report counts what the test walked', async () => {
        const bot = await holdoutBot(mongo);
        const conversations = Array.from({ length: 40 }, (_, i) => `conv-${i}`);
        // Every user answers the name, then goes quiet at the city; every third comes back at 7 minutes, after the
        // reminder time and before the close. Answering the first question first puts the silence at step 2.
        for (const c of conversations) {
            await bot.say(c, 'hi');
            await bot.say(c, 'Ada');
        }
        await bot.scheduler.advance('5 minutes');
        const remindedNow = conversations.filter((c) => bot.sentIn(c, /^Still there\?/) === 1);
        const heldOut = conversations.filter((c) => !remindedNow.includes(c));
        assert.ok(heldOut.length > 0 && remindedNow.length > 0, `both groups have runs (held out ${heldOut.length})`);
        const skips = bot.events.filter((e) => e.name === 'InactivityReminderSkipped');
        assert.deepStrictEqual(skips.map((e) => e.properties?.conversationId).sort(), [...heldOut].sort(), 'one skip tracked per held-out run');
        assert.ok(skips.every((e) => e.properties?.reason === 'holdout' && e.properties?.dialogId === 'twoQuestions' && e.properties?.step === '2'));

        const comesBack = (c: string) => conversations.indexOf(c) % 3 === 0;
        await bot.scheduler.advance('2 minutes');
        for (const c of conversations.filter(comesBack)) {
            await bot.say(c, 'Lisbon');
        }
        await bot.scheduler.advance('7 minutes');
        assert.strictEqual(
            conversations.filter((c) => bot.sentIn(c, /closed/i) > 0).length,
            0,
            'no close before 15 minutes of silence, held out or not (the close keeps its time)'
        );
        await bot.scheduler.advance('2 minutes');
        for (const c of conversations) {
            assert.strictEqual(bot.sentIn(c, /closed/i), comesBack(c) ? 0 : 1, `${c}: closed unless the user came back`);
            assert.strictEqual(bot.sentIn(c, /^Still there\?/), heldOut.includes(c) ? 0 : 1, `${c}: one reminder, none when held out`);
        }

        const runs = await mongo.db.collection<FlowRunRecord>('inactivityRuns').find({ flowId: 'twoQuestions' }).toArray();
        assert.strictEqual(runs.length, 40);
        // Each record's group is the hash of its conversation and its run (the same on any instance), and its id
        // names the conversation.
        for (const c of conversations) {
            const r = runs.find((x) => (x as FlowRunRecord & { _id: ObjectId })._id.equals(runRecordId(`test/${c}`, x.runId)));
            assert.ok(r, `${c}: its record`);
            assert.strictEqual(r.heldOut, heldOut.includes(c), `${c}: marked in its group`);
            assert.strictEqual(holdoutDraw('test', `test/${c}`, r.runId) < 0.5, r.heldOut, `${c}: the group the hash gives`);
        }
        const held = runs.filter((r) => r.heldOut === true);
        assert.strictEqual(held.length, heldOut.length, 'the record marks each held-out run');
        assert.ok(
            held.every(
                (r) => !r.reminded && r.skippedReminders?.length === 1 && r.skippedReminders[0].reason === 'holdout' && r.skippedReminders[0].step === '2'
            )
        );
        assert.ok(runs.filter((r) => r.heldOut === false).every((r) => r.reminded && r.reminders[0].step === '2'));

        const expected = (group: string[]) => ({ runs: group.length, recovered: group.filter(comesBack).length });
        const flow = (await report(mongo.db)).flows[0];
        assert.deepStrictEqual(flow.experiment.holdout, expected(heldOut));
        assert.deepStrictEqual(flow.experiment.reminded, expected(remindedNow));
        const rate = (g: { runs: number; recovered: number }) => g.recovered / g.runs;
        assert.strictEqual(flow.experiment.lift, rate(expected(remindedNow)) - rate(expected(heldOut)));
        assert.ok(flow.experiment.ci95 && flow.experiment.ci95[0] < flow.experiment.lift && flow.experiment.lift < flow.experiment.ci95[1]);
        assert.deepStrictEqual(
            flow.steps.map((s) => [s.step, s.experiment.holdout, s.experiment.reminded]),
            [['2', expected(heldOut), expected(remindedNow)]],
            'per step: every silence was at the city'
        );
        // The CSV and the page carry the same numbers.
        const csv = reportCsv(await report(mongo.db));
        assert.ok(csv.includes(`twoQuestions,holdoutRuns,,,,${heldOut.length}\r\n`));
        assert.ok(csv.includes(`twoQuestions,remindedRecovered,2,,,${expected(remindedNow).recovered}\r\n`));
        assert.ok(csv.includes(`twoQuestions,lift,,,,${flow.experiment.lift}\r\n`));
        const page = reportPage(await report(mongo.db));
        const [lift, low, high] = [flow.experiment.lift, ...flow.experiment.ci95].map((v) => Math.round(v * 100));
        assert.ok(page.includes(`(95% CI ${low}${low >= 0 ? '–' : ' to '}${high})`), 'the sentence gives the interval in runs per 100');
        assert.ok(page.includes(lift >= 0 ? `brought back ${lift} more runs in 100` : `came back ${-lift} fewer in 100`));
        console.log(
            `      40 runs at holdout 0.5: held out ${heldOut.length} (${expected(heldOut).recovered} back), reminded ${remindedNow.length} (${expected(remindedNow).recovered} back); lift ${lift} in 100, 95% CI ${low} to ${high}`
        );
        assert.deepStrictEqual(bot.errors, []);
        await bot.inactivity.stop();
    });

    it('a paused user (fatigue) is skipped for fatigue, not held out: such silences stay out of both groups', async () => {
        const bot = await holdoutBot(mongo, { holdout: 0.5, maxIgnoredReminders: 1 });
        // Flows in one conversation, each let pass, until one is reminded (a held-out run is not: its user is not
        // paused); then three more, all skipped for fatigue whatever their group.
        let flows = 0;
        const reminded = () => bot.sentIn('solo', /^Still there\?/);
        while (reminded() === 0 && flows < 40) {
            await bot.say('solo', 'hi');
            await bot.scheduler.advance('16 minutes');
            flows += 1;
        }
        for (let i = 0; i < 3; i++) {
            await bot.say('solo', 'hi');
            await bot.scheduler.advance('16 minutes');
        }
        assert.strictEqual(reminded(), 1);
        const runs = await mongo.db.collection<FlowRunRecord>('inactivityRuns').find({ flowId: 'twoQuestions' }).sort({ endedAt: 1 }).toArray();
        assert.strictEqual(runs.length, flows + 3);
        const firstReminded = flows - 1;
        assert.ok(runs[firstReminded].reminded);
        assert.ok(runs.slice(0, firstReminded).every((r) => r.heldOut === true && r.skippedReminders?.[0].reason === 'holdout'));
        for (const r of runs.slice(firstReminded + 1)) {
            assert.deepStrictEqual(
                r.skippedReminders?.map((s) => s.reason),
                ['fatigue'],
                'after the reminder let pass, every skip is for fatigue, in either group'
            );
        }
        const flow = (await report(mongo.db)).flows[0];
        assert.strictEqual(flow.skippedForFatigue, runs.length - firstReminded - 1);
        assert.deepStrictEqual(
            flow.steps.map((s) => [s.step, s.skippedForFatigue]),
            [['1', runs.length - firstReminded - 1]]
        );
        assert.strictEqual(flow.experiment.reminded.runs, 1);
        assert.strictEqual(flow.experiment.holdout.runs, firstReminded, 'only the held-out runs before the pause');
        await bot.inactivity.stop();
    });

    it('holdout 0 (the default) marks no run and reminds every one; the report says nothing of an experiment', async () => {
        const bot = await holdoutBot(mongo, { holdout: 0 });
        for (const c of ['a', 'b', 'c']) {
            await bot.say(c, 'hi');
        }
        await bot.scheduler.advance('16 minutes');
        const runs = await mongo.db.collection<FlowRunRecord>('inactivityRuns').find({ flowId: 'twoQuestions' }).toArray();
        assert.strictEqual(runs.length, 3);
        assert.ok(runs.every((r) => r.reminded && r.heldOut === undefined));
        const flow = (await report(mongo.db)).flows[0];
        assert.deepStrictEqual(flow.experiment, { holdout: { runs: 0, recovered: 0 }, reminded: { runs: 0, recovered: 0 }, lift: null, ci95: null });
        assert.ok(!reportPage(await report(mongo.db)).includes('Holdout experiment'));
        await bot.inactivity.stop();
    });
});
