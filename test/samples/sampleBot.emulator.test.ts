import assert from 'assert';
import { readFileSync } from 'fs';
import type { Activity } from 'botbuilder';
import { EARLY_TOLERANCE_MS } from '../../src/core/timers/stages';
import { readSampleConfig } from '../../samples/sampleConfig';
import { SAMPLE_POLICY_FILE, SAMPLE_PUBLIC_DIR } from '../../samples/sampleHttp';
import { RunningSample, startSample } from '../../samples/sampleServer';
import { EmulatorClient, EmulatorConversation } from '../support/emulator';
import type { DropOffReport } from '../../src/report/report';
import { freshDb } from '../support/mongo';
import type { Db } from 'mongodb';

type Env = Record<string, string>;

/** Starts the sample on its own fresh database (the test MongoDB) and an Emulator-protocol client. */
async function startWith(env: Env): Promise<{ sample: RunningSample; emulator: EmulatorClient; db: Db; close(): Promise<void> }> {
    const mongo = await freshDb();
    const sample = await startSample(readSampleConfig({ PORT: '0', MONGODB_URI: mongo.uri, ...env }));
    const emulator = new EmulatorClient(sample.messagesUrl);
    await emulator.start();
    return {
        sample,
        emulator,
        db: mongo.db,
        close: async () => {
            await emulator.stop();
            await sample.stop();
            await mongo.close();
        },
    };
}

const isText = (re: RegExp) => (a: Partial<Activity>) => a.type === 'message' && re.test(a.text ?? '');
const buttonsOf = (a: Partial<Activity>) => EmulatorConversation.buttons(a);

describe('Sample bot over HTTP, as the Emulator talks to it', function () {
    this.timeout(60_000);

    describe('reminder after 3 s, close after 10 s', () => {
        let rig: Awaited<ReturnType<typeof startWith>>;
        before(async () => {
            rig = await startWith({ INACTIVITY_REMINDER_AFTER: '3 seconds', INACTIVITY_CLOSE_AFTER: '10 seconds' });
        });
        after(() => rig.close());

        it('reminds within 1 s of due with Continue and Start over; Continue re-asks the step; Start over restarts', async () => {
            const c = rig.emulator.conversation();
            await c.say('add client');
            await c.waitFor(isText(/^What's the client's name\?/));
            const sentAt = Date.now();
            const from = await c.say('John Doe');
            const reminder = await c.waitFor(isText(/^Still there\?/), { from, timeoutMs: 6000 });
            const lateness = reminder.at - (sentAt + 3000);
            console.log(`      reminder lateness: ${lateness} ms (upper bound: measured from before the message was sent)`);
            assert.ok(lateness <= 1000, `reminder ${lateness} ms late`);
            assert.ok(reminder.at - sentAt >= 3000 - EARLY_TOLERANCE_MS, 'not early');
            assert.match(reminder.activity.text ?? '', /You were adding John Doe \(step 2 of 3\)/);
            const [cont, restart] = buttonsOf(reminder.activity);
            assert.deepStrictEqual([cont.title, restart.title], ['Continue', 'Start over']);
            // The Emulator's channel shows suggested actions: gone once used, where a card's buttons stay clickable.
            assert.strictEqual(reminder.activity.suggestedActions?.actions?.length, 2);
            assert.deepStrictEqual(reminder.activity.attachments ?? [], []);

            const afterContinue = await c.say(cont.title, cont.value);
            await c.waitFor(isText(/^What kind of client is John Doe\?/), { from: afterContinue });

            const second = await c.waitFor(isText(/^Still there\?/), { from: afterContinue, timeoutMs: 6000 });
            const [, restart2] = buttonsOf(second.activity);
            const afterRestart = await c.say(restart2.title, restart2.value);
            await c.waitFor(isText(/^What's the client's name\?/), { from: afterRestart });
        });

        it('speaks Portuguese to a pt-br conversation, texts and buttons from locales/pt-BR', async () => {
            const c = rig.emulator.conversation({ locale: 'pt-br' });
            await c.say('add client');
            const from = await c.say('Maria Silva');
            const reminder = await c.waitFor(isText(/^Ainda está aí\?/), { from, timeoutMs: 6000 });
            assert.match(reminder.activity.text ?? '', /Maria Silva/);
            assert.deepStrictEqual(
                buttonsOf(reminder.activity).map((b) => b.title),
                ['Continuar', 'Recomeçar']
            );
        });
    });

    describe('INACTIVITY_HOLDOUT=0.5: the report compares held-out and reminded runs as they were walked (reminder 1 s, close 6 s)', () => {
        let rig: Awaited<ReturnType<typeof startWith>>;
        before(async () => {
            rig = await startWith({ INACTIVITY_REMINDER_AFTER: '1 second', INACTIVITY_CLOSE_AFTER: '6 seconds', INACTIVITY_HOLDOUT: '0.5' });
        });
        after(() => rig.close());

        it('12 users go quiet at the name; half come back after the reminder time; the JSON, the CSV and the page count them by the group each was in', async () => {
            const users = Array.from({ length: 12 }, () => rig.emulator.conversation());
            await Promise.all(users.map((c) => c.say('add client')));
            // Past the reminder time (1 s, and the timer's lateness), before the close (6 s): every other user answers,
            // once every run's reminder stage has come (a reminder sent, or skipped for the holdout), read from the
            // stored conversation states: a late timer would otherwise leave a run out of the comparison.
            type Stored = { key: string; itemJson: string };
            type Flow = { reminders?: unknown[]; skippedReminders?: unknown[] };
            const stagesCome = async () => {
                const docs = await rig.db.collection<Stored>('botState').find({}).toArray();
                const flowOf = (c: EmulatorConversation) => {
                    const doc = docs.find((d) => d.key.endsWith(`/conversations/${c.id}/`));
                    return doc && (JSON.parse(doc.itemJson) as Record<string, { flow?: Flow }>)['botbuilder-inactivity']?.flow;
                };
                return users.filter((c) => (flowOf(c)?.reminders?.length ?? 0) + (flowOf(c)?.skippedReminders?.length ?? 0) > 0).length;
            };
            let came = await stagesCome();
            for (const giveUpAt = Date.now() + 5000; came < users.length && Date.now() < giveUpAt; came = await stagesCome()) {
                await new Promise((r) => setTimeout(r, 100));
            }
            assert.strictEqual(came, users.length, 'every run reached its reminder stage within 5 s of the question (the reminder is due at 1 s)');
            const back = users.filter((_, i) => i % 2 === 0);
            await Promise.all(back.map((c) => c.say('Maria Silva')));
            // Every run ends: the quiet ones 6 s after the name question, the others 6 s after their answer.
            await Promise.all(users.map((c) => c.waitFor(isText(/closed/i), { timeoutMs: 15_000 })));
            const remindedAtName = (c: EmulatorConversation) => c.received.filter((r) => /^Still there\?/.test(r.activity.text ?? '')).length > 0;
            const reminded = users.filter(remindedAtName);
            const heldOut = users.filter((c) => !reminded.includes(c));
            const group = (these: EmulatorConversation[]) => ({ runs: these.length, recovered: these.filter((c) => back.includes(c)).length });

            // A run's record is written just after its close message is sent: wait until the report holds all 12.
            const reportNow = async () => {
                const res = await fetch(`http://localhost:${rig.sample.port}/report?flow=addClient&format=json`);
                return ((await res.json()) as DropOffReport).flows.find((f) => f.flowId === 'addClient');
            };
            let flow = await reportNow();
            for (const giveUpAt = Date.now() + 5000; (flow?.runs ?? 0) < users.length && Date.now() < giveUpAt;) {
                await new Promise((r) => setTimeout(r, 100));
                flow = await reportNow();
            }
            assert.ok(flow);
            assert.strictEqual(flow.runs, users.length, 'one run per user, each recorded');
            assert.deepStrictEqual(flow.experiment.holdout, group(heldOut), 'held out: the users who got no reminder');
            assert.deepStrictEqual(flow.experiment.reminded, group(reminded));
            const name = flow.steps.find((st) => st.step === 'name');
            assert.deepStrictEqual([name?.experiment.holdout, name?.experiment.reminded], [group(heldOut), group(reminded)]);
            // Those who came back went quiet again at the client type, and did not come back from that.
            const type = flow.steps.find((st) => st.step === 'type');
            assert.deepStrictEqual(
                [type?.experiment.holdout, type?.experiment.reminded],
                [
                    { runs: heldOut.filter((c) => back.includes(c)).length, recovered: 0 },
                    { runs: reminded.filter((c) => back.includes(c)).length, recovered: 0 },
                ]
            );
            if (heldOut.length > 0 && reminded.length > 0) {
                const rate = (g: { runs: number; recovered: number }) => g.recovered / g.runs;
                assert.strictEqual(flow.experiment.lift, rate(group(reminded)) - rate(group(heldOut)));
                assert.ok(flow.experiment.ci95);
            } else {
                assert.deepStrictEqual([flow.experiment.lift, flow.experiment.ci95], [null, null], 'one group empty (1 chance in 2,048)');
            }
            const csv = await (await fetch(`http://localhost:${rig.sample.port}/report?flow=addClient&format=csv`)).text();
            assert.ok(csv.includes(`addClient,holdoutRuns,,,,${heldOut.length}\r\n`), csv);
            assert.ok(csv.includes(`addClient,remindedRecovered,name,,,${group(reminded).recovered}\r\n`), csv);
            const page = await (await fetch(`http://localhost:${rig.sample.port}/report?flow=addClient`)).text();
            assert.match(page, flow.experiment.lift === null ? /Not enough runs yet to tell/ : /Reminders brought back|came back \d+ fewer in 100/);
        });
    });

    describe('INACTIVITY_FINAL_ACTION=handoff', () => {
        let rig: Awaited<ReturnType<typeof startWith>>;
        before(async () => {
            rig = await startWith({ INACTIVITY_REMINDER_AFTER: '1 second', INACTIVITY_CLOSE_AFTER: '3 seconds', INACTIVITY_FINAL_ACTION: 'handoff' });
        });
        after(() => rig.close());

        it('follows the reminder with a handoff.initiate event carrying the transcript', async () => {
            const c = rig.emulator.conversation();
            await c.say('add client');
            const from = await c.say('John Doe');
            const reminder = await c.waitFor(isText(/^Still there\?/), { from, timeoutMs: 5000 });
            assert.match(reminder.activity.text ?? '', /pass you to a person/);
            const handoff = await c.waitFor((a) => a.type === 'event' && a.name === 'handoff.initiate', { from, timeoutMs: 6000 });
            assert.ok(handoff.at > reminder.at);
            const transcript = handoff.activity.attachments?.find((a) => a.name === 'Transcript')?.content as { activities: Array<{ text?: string }> };
            const lines = transcript.activities.map((a) => a.text ?? '');
            assert.ok(lines.includes('John Doe'), lines.join(' | '));
            assert.ok(
                lines.some((l) => l.startsWith('Still there?')),
                lines.join(' | ')
            );
        });
    });

    describe("the page's story and the policy's: quiet at the contact step hands off (reminder 1 s, close 3 s)", () => {
        let rig: Awaited<ReturnType<typeof startWith>>;
        before(async () => {
            rig = await startWith({ INACTIVITY_REMINDER_AFTER: '1 second', INACTIVITY_CLOSE_AFTER: '3 seconds' });
        });
        after(() => rig.close());

        it('the page names every step the policy file hands off, and says add client then starts again', () => {
            const policy = JSON.parse(readFileSync(SAMPLE_POLICY_FILE, 'utf8')) as {
                flows: Record<string, { steps?: Record<string, { finalAction?: string }> }>;
            };
            const handedOff = Object.values(policy.flows).flatMap((f) =>
                Object.entries(f.steps ?? {})
                    .filter(([, s]) => s.finalAction === 'handoff')
                    .map(([id]) => id)
            );
            assert.deepStrictEqual(handedOff, ['contact']);
            const page = readFileSync(`${SAMPLE_PUBLIC_DIR}/index.html`, 'utf8')
                .replace(/<[^>]+>/g, '')
                .replace(/\s+/g, ' ');
            for (const step of handedOff) {
                assert.match(page, new RegExp(`at the ${step} question: going quiet there passes you to a person`));
            }
            assert.match(page, /nothing is kept to resume: add client starts again from the name/);
            assert.match(page, /say add client again and it offers to pick up where you left off/);
        });

        it('going quiet at the contact question: a reminder that warns of a person, the handoff, then add client starts from the name with no Resume', async () => {
            const c = rig.emulator.conversation();
            await c.say('add client');
            await c.say('John Doe');
            const typed = await c.say('Personal training');
            await c.waitFor(isText(/^How can we reach John Doe\?/), { from: typed });
            const reminder = await c.waitFor(isText(/^Still there\?/), { from: typed, timeoutMs: 5000 });
            assert.match(reminder.activity.text ?? '', /pass you to a person/);
            const passing = await c.waitFor(isText(/^I'm passing you to a person/), { from: typed, timeoutMs: 6000 });
            await c.waitFor((a) => a.type === 'event' && a.name === 'handoff.initiate', { from: typed, timeoutMs: 2000 });
            assert.ok(passing.at > reminder.at);
            const again = await c.say('add client');
            await c.waitFor(isText(/^What's the client's name\?/), { from: again });
            await new Promise((r) => setTimeout(r, 1500));
            const later = rig.emulator.received.slice(again).filter((r) => r.activity.conversation?.id === c.id);
            assert.ok(!later.some((r) => /Welcome back/.test(r.activity.text ?? '')), later.map((r) => r.activity.text).join(' | '));
        });
    });

    describe('resume after a close (reminder 2 s, close 5 s)', () => {
        let rig: Awaited<ReturnType<typeof startWith>>;
        before(async () => {
            rig = await startWith({ INACTIVITY_REMINDER_AFTER: '2 seconds', INACTIVITY_CLOSE_AFTER: '5 seconds' });
        });
        after(() => rig.close());

        async function abandonAsMaria(c: EmulatorConversation) {
            await c.say('add client');
            const from = await c.say('Maria Silva');
            await c.waitFor(isText(/^I closed this because it was quiet/), { from, timeoutMs: 9000 });
            await c.waitFor((a) => a.type === 'endOfConversation', { from, timeoutMs: 2000 });
            const again = await c.say('add client');
            await c.waitFor(isText(/^What's the client's name\?/), { from: again });
            return c.waitFor(isText(/^Welcome back!/), { from: again });
        }

        it('offers Resume naming Maria Silva; Resume re-asks the client type and the summary names her', async () => {
            const c = rig.emulator.conversation();
            const offer = await abandonAsMaria(c);
            assert.match(offer.activity.text ?? '', /Maria Silva/);
            const [resume, fresh] = buttonsOf(offer.activity);
            assert.deepStrictEqual([resume.title, fresh.title], ['Resume Maria Silva', 'Start fresh']);

            // Another user, in another conversation, replays the Resume payload: nothing of Maria, nothing restored.
            const mallory = rig.emulator.conversation();
            const replay = await mallory.say(resume.title, resume.value);
            await mallory.waitFor(isText(/no longer available/), { from: replay });
            await new Promise((r) => setTimeout(r, 300));
            assert.ok(
                mallory.received.every((r) => !JSON.stringify(r.activity).includes('Maria')),
                'nothing of Maria leaks'
            );

            const afterResume = await c.say(resume.title, resume.value);
            await c.waitFor(isText(/^What kind of client is Maria Silva\?/), { from: afterResume });
            await c.say('Group classes');
            const done = await c.say('maria@example.com');
            const summary = await c.waitFor(isText(/^Done!/), { from: done });
            assert.match(summary.activity.text ?? '', /Maria Silva \(Group classes\) is added\. Contact: maria@example\.com/);

            const twice = await c.say(resume.title, resume.value);
            await c.waitFor(isText(/no longer (available|active)/), { from: twice });
        });

        it('Start fresh asks for the name again', async () => {
            const c = rig.emulator.conversation();
            const offer = await abandonAsMaria(c);
            const [, fresh] = buttonsOf(offer.activity);
            const from = await c.say(fresh.title, fresh.value);
            await c.waitFor(isText(/^OK, starting fresh\./), { from });
            await c.waitFor(isText(/^What's the client's name\?/), { from });
        });
    });
});
