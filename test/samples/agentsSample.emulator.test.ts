import assert from 'assert';
import type { Activity } from 'botbuilder';
import type { DropOffReport } from '../../src/report/report';
import { readSampleConfig } from '../../samples/sampleConfig';
import { RunningAgentsSample, startAgentsSample } from '../../samples/agents/agentsSampleServer';
import { EmulatorClient, EmulatorConversation } from '../support/emulator';
import { freshDb } from '../support/mongo';

/*
 * The Agents SDK sample (`npm run start:agents`) driven over HTTP exactly as the Emulator drives it: an
 * AgentApplication whose route handlers mark their steps, the plugin on the CloudAdapter, timers and state on
 * MongoDB. The same texts and buttons as the botbuilder sample (test/samples/sampleBot.emulator.test.ts).
 */

const isText = (re: RegExp) => (a: Partial<Activity>) => a.type === 'message' && re.test(a.text ?? '');
const buttonsOf = (a: Partial<Activity>) => EmulatorConversation.buttons(a);

describe('Agents SDK sample over HTTP, as the Emulator talks to it (reminder 2 s, close 5 s)', function () {
    this.timeout(60_000);

    let sample: RunningAgentsSample;
    let emulator: EmulatorClient;
    let mongo: Awaited<ReturnType<typeof freshDb>>;
    const started: string[] = [];

    before(async () => {
        mongo = await freshDb();
        sample = await startAgentsSample(
            readSampleConfig({
                PORT: '0',
                MONGODB_URI: mongo.uri,
                INACTIVITY_REMINDER_AFTER: '2 seconds',
                INACTIVITY_CLOSE_AFTER: '5 seconds',
                INACTIVITY_FOLLOWUPS: 'on',
            }),
            [],
            (line) => started.push(line)
        );
        emulator = new EmulatorClient(sample.messagesUrl);
        await emulator.start();
    });

    after(async () => {
        await emulator?.stop();
        await sample?.stop();
        await mongo?.close();
    });

    async function reportOf(): Promise<DropOffReport['flows'][number] | undefined> {
        const res = await fetch(`http://localhost:${sample.port}/report?flow=addClient&format=json`);
        assert.strictEqual(res.status, 200);
        const data = (await res.json()) as DropOffReport;
        return data.flows.find((f) => f.flowId === 'addClient');
    }

    it('runs the follow-ups, as the botbuilder sample does: its health route answers (test/samples/sampleFollowUps.emulator.test.ts walks them)', async () => {
        assert.ok(sample.followUps, 'INACTIVITY_FOLLOWUPS=on');
        const res = await fetch(`http://localhost:${sample.port}/api/followups/health`);
        assert.strictEqual(res.status, 200);
        assert.strictEqual(((await res.json()) as { running: boolean }).running, true);
    });

    it('reminds with Continue and Start over; Continue re-asks the step with its buttons; quiet closes; Resume keeps the name; the report shows the run', async () => {
        const c = emulator.conversation();
        await c.say('add client');
        await c.waitFor(isText(/^What's the client's name\?/));
        const named = await c.say('Maria Silva');
        const type = await c.waitFor(isText(/^What kind of client is Maria Silva\?/), { from: named });
        assert.deepStrictEqual(
            buttonsOf(type.activity).map((b) => b.title),
            ['Personal training', 'Group classes', 'Online coaching']
        );

        const reminder = await c.waitFor(isText(/^Still there\?/), { from: named, timeoutMs: 6000 });
        assert.ok(reminder.at - type.at >= 1500, 'not before the reminder is due');
        assert.match(reminder.activity.text ?? '', /You were adding Maria Silva \(step 2 of 3\)/);
        const [cont, restart] = buttonsOf(reminder.activity);
        assert.deepStrictEqual([cont.title, restart.title], ['Continue', 'Start over']);
        const afterContinue = await c.say(cont.title, cont.value);
        await c.waitFor(isText(/^Great, let's pick up where we left off\./), { from: afterContinue });
        const again = await c.waitFor(isText(/^What kind of client is Maria Silva\?/), { from: afterContinue });
        assert.strictEqual(buttonsOf(again.activity).length, 3, 'Continue asks with the buttons (onContinue)');

        // Quiet after Continue: a second reminder, then the close and the end of the conversation.
        await c.waitFor(isText(/^I closed this because it was quiet/), { from: afterContinue, timeoutMs: 9000 });
        await c.waitFor((a) => a.type === 'endOfConversation' && a.code === 'agentTimedOut', { from: afterContinue, timeoutMs: 2000 });

        const back = await c.say('add client');
        await c.waitFor(isText(/^What's the client's name\?/), { from: back });
        const offer = await c.waitFor(isText(/^Welcome back! You were adding Maria Silva \(step 2 of 3\)/), { from: back });
        const [resume, fresh] = buttonsOf(offer.activity);
        assert.deepStrictEqual([resume.title, fresh.title], ['Resume Maria Silva', 'Start fresh']);
        const afterResume = await c.say(resume.title, resume.value);
        await c.waitFor(isText(/^Here we go, picking up where you left off\./), { from: afterResume });
        await c.waitFor(isText(/^What kind of client is Maria Silva\?/), { from: afterResume });

        const typed = await c.say('group classes');
        await c.waitFor(isText(/^How can we reach Maria Silva\?/), { from: typed });
        const wrong = await c.say('tomorrow');
        await c.waitFor(isText(/^That doesn't look like an email address or a phone number\./), { from: wrong });
        const done = await c.say('maria@example.com');
        const summary = await c.waitFor(isText(/^Done!/), { from: done });
        assert.strictEqual(summary.activity.text, 'Done! Maria Silva (Group classes) is added. Contact: maria@example.com.');

        const flow = await reportOf();
        assert.ok(flow, 'the report has the addClient flow');
        assert.strictEqual(flow.started, 1, 'one run begun afresh');
        assert.strictEqual(flow.resumed, 1, 'then resumed');
        assert.strictEqual(flow.completed, 1, 'and completed');
        assert.strictEqual(flow.abandonedByReason.timeout, 1, 'the close is recorded as a timeout');
        assert.ok(flow.reminded >= 1, 'the run was reminded');
    });

    it('"give me a minute" holds the reminder back; "cancel" abandons with the reason saidCancel, and the report shows it', async () => {
        const c = emulator.conversation();
        await c.say('add client');
        const named = await c.say('John Doe');
        await c.waitFor(isText(/^What kind of client is John Doe\?/), { from: named });
        const wait = await c.say('give me a minute');
        await c.waitFor(isText(/^Sure, take your time\./), { from: wait });
        // The reminder was due 2 s after the answer; 10 more minutes were given instead.
        await new Promise((r) => setTimeout(r, 3000));
        const sinceWait = emulator.received.slice(wait).filter((r) => r.activity.conversation?.id === c.id);
        assert.ok(!sinceWait.some((r) => isText(/^Still there\?/)(r.activity)), 'no reminder while the user takes a minute');

        const before = (await reportOf())?.abandonedByReason.saidCancel ?? 0;
        const cancel = await c.say('cancel');
        await c.waitFor(isText(/^No problem, I've cancelled that\./), { from: cancel });
        const help = await c.say('hello');
        await c.waitFor(isText(/^I can add a client for you/), { from: help });
        const flow = await reportOf();
        assert.strictEqual(flow?.abandonedByReason.saidCancel, before + 1);
        assert.ok((flow?.extensions ?? 0) >= 1, 'the extension is counted');
    });

    it('speaks Portuguese to a pt-BR conversation: the questions, the buttons and the reminder', async () => {
        const c = emulator.conversation({ locale: 'pt-BR' });
        await c.say('add client');
        await c.waitFor(isText(/^Qual é o nome do cliente\?/));
        const from = await c.say('Ana Souza');
        const reminder = await c.waitFor(isText(/^Ainda está aí\?/), { from, timeoutMs: 6000 });
        assert.match(reminder.activity.text ?? '', /Ana Souza/);
        assert.deepStrictEqual(
            buttonsOf(reminder.activity).map((b) => b.title),
            ['Continuar', 'Recomeçar']
        );
    });
});

describe('Agents SDK sample with INACTIVITY_FINAL_ACTION=handoff (reminder 1 s, close 3 s)', function () {
    this.timeout(30_000);

    it('follows the reminder with a handoff.initiate event carrying the transcript', async () => {
        const mongo = await freshDb();
        const sample = await startAgentsSample(
            readSampleConfig({
                PORT: '0',
                MONGODB_URI: mongo.uri,
                INACTIVITY_REMINDER_AFTER: '1000',
                INACTIVITY_CLOSE_AFTER: '3000',
                INACTIVITY_FINAL_ACTION: 'handoff',
            })
        );
        const emulator = new EmulatorClient(sample.messagesUrl);
        await emulator.start();
        try {
            const c = emulator.conversation();
            await c.say('add client');
            const from = await c.say('John Doe');
            const reminder = await c.waitFor(isText(/^Still there\?/), { from, timeoutMs: 5000 });
            assert.match(reminder.activity.text ?? '', /pass you to a person/);
            const handoff = await c.waitFor((a) => a.type === 'event' && a.name === 'handoff.initiate', { from, timeoutMs: 6000 });
            const transcript = handoff.activity.attachments?.find((a) => a.name === 'Transcript')?.content as { activities: Array<{ text?: string }> };
            const lines = transcript.activities.map((a) => a.text ?? '');
            assert.ok(lines.includes('John Doe'), lines.join(' | '));
            assert.ok(
                lines.some((l) => l.startsWith('What kind of client is John Doe?')),
                lines.join(' | ')
            );
        } finally {
            await emulator.stop();
            await sample.stop();
            await mongo.close();
        }
    });
});

describe("Agents SDK sample: the page's story, quiet at the contact question hands off (reminder 1 s, close 3 s)", function () {
    this.timeout(30_000);

    it('a reminder that warns of a person, the handoff, then add client starts from the name with no Resume', async () => {
        const mongo = await freshDb();
        const sample = await startAgentsSample(
            readSampleConfig({ PORT: '0', MONGODB_URI: mongo.uri, INACTIVITY_REMINDER_AFTER: '1000', INACTIVITY_CLOSE_AFTER: '3000' })
        );
        const emulator = new EmulatorClient(sample.messagesUrl);
        await emulator.start();
        try {
            const c = emulator.conversation();
            await c.say('add client');
            await c.say('John Doe');
            const typed = await c.say('Personal training');
            await c.waitFor(isText(/^How can we reach John Doe\?/), { from: typed });
            const reminder = await c.waitFor(isText(/^Still there\?/), { from: typed, timeoutMs: 5000 });
            assert.match(reminder.activity.text ?? '', /pass you to a person/);
            await c.waitFor(isText(/^I'm passing you to a person/), { from: typed, timeoutMs: 6000 });
            await c.waitFor((a) => a.type === 'event' && a.name === 'handoff.initiate', { from: typed, timeoutMs: 2000 });
            const again = await c.say('add client');
            await c.waitFor(isText(/^What's the client's name\?/), { from: again });
            await new Promise((r) => setTimeout(r, 1500));
            const later = emulator.received.slice(again).filter((r) => r.activity.conversation?.id === c.id);
            assert.ok(!later.some((r) => /Welcome back/.test(r.activity.text ?? '')), later.map((r) => r.activity.text).join(' | '));
        } finally {
            await emulator.stop();
            await sample.stop();
            await mongo.close();
        }
    });
});
