import assert from 'assert';
import { mkdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { freePort } from '../../samples/embeddedMongo';
import { BotProcess } from '../support/botProcess';
import { EmulatorClient, EmulatorConversation } from '../support/emulator';
import { botEnv, consumerFolder, databaseUri, readmeBlock, shortTimes } from './readmeBlocks';

describe('docs/agents-sdk.md: the AgentApplication, run as pasted', function () {
    this.timeout(90_000);
    let dir: string;
    let bot: BotProcess | undefined;

    before(() => {
        dir = consumerFolder();
    });
    afterEach(() => {
        bot?.kill();
        bot = undefined;
    });
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    /** Starts the guide's index.mjs (no build: Node runs it) and opens an Emulator-like channel to it. */
    async function start(mongo?: string): Promise<{ emulator: EmulatorClient; running: BotProcess }> {
        const project = join(dir, `agent-${mongo ? 'mongo' : 'memory'}`);
        mkdirSync(project);
        writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-agent', version: '1.0.0', private: true }));
        writeFileSync(join(project, 'index.mjs'), shortTimes(readmeBlock('agents-sdk: quick start'), '5 seconds'));
        const port = await freePort();
        // Anonymous, as a first run on a laptop: no credentials, not production.
        const running = new BotProcess('index.mjs', project, botEnv(port, mongo));
        bot = running;
        await running.listening();
        const emulator = new EmulatorClient(`http://127.0.0.1:${port}/api/messages`);
        await emulator.start();
        return { emulator, running };
    }

    /** SIGTERM must end the agent with exit code 0. */
    async function stops(running: BotProcess): Promise<void> {
        running.signal('SIGTERM');
        const exit = await Promise.race([running.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000))]);
        assert.deepStrictEqual(exit, { code: 0, signal: null }, `exit after SIGTERM:\n${running.output}`);
    }

    it('on MongoDB over HTTP: a reminder naming step 2 of 3, Continue asks again, a close, then Resume brings the name back', async () => {
        const { emulator, running } = await start(await databaseUri('agents'));
        try {
            const conversation = emulator.conversation();
            let from = await conversation.say('add client');
            await conversation.waitFor((a) => a.text === "What is the client's name?", { from });
            from = await conversation.say('Maria');
            await conversation.waitFor((a) => a.text === "What is the client's email?", { from });
            const reminder = await conversation.waitFor((a) => /^Still there\?/.test(a.text ?? ''), { from, timeoutMs: 10_000 });
            assert.match(reminder.activity.text ?? '', /step 2 of 3/);
            const buttons = EmulatorConversation.buttons(reminder.activity);
            assert.deepStrictEqual(
                buttons.map((b) => b.title),
                ['Continue', 'Start over']
            );
            from = await conversation.say(buttons[0].title, buttons[0].value);
            await conversation.waitFor((a) => a.text === "Great, let's pick up where we left off.", { from });
            await conversation.waitFor((a) => a.text === "What is the client's email?", { from });
            // Quiet again: the flow closes (agentTimedOut), its answers kept.
            await conversation.waitFor((a) => /^I closed this because it was quiet/.test(a.text ?? ''), { from, timeoutMs: 15_000 });
            const end = await conversation.waitFor((a) => a.type === 'endOfConversation', { from });
            assert.strictEqual(end.activity.code, 'agentTimedOut');
            from = await conversation.say('add client');
            const offer = await conversation.waitFor((a) => /^Welcome back!/.test(a.text ?? ''), { from });
            const resume = EmulatorConversation.buttons(offer.activity).find((b) => b.title.startsWith('Resume'));
            assert.ok(resume, 'a Resume button');
            from = await conversation.say(resume.title, resume.value);
            await conversation.waitFor((a) => a.text === 'Here we go, picking up where you left off.', { from });
            await conversation.waitFor((a) => a.text === "What is the client's email?", { from });
            from = await conversation.say('maria@example.com');
            await conversation.waitFor((a) => a.text === 'And the phone number?', { from });
            from = await conversation.say('555-0100');
            await conversation.waitFor((a) => a.text === 'Client Maria added.', { from });
        } finally {
            await emulator.stop();
        }
        await stops(running);
    });

    it('without MONGODB_URI (MemoryStorage, MemoryScheduler): the reminder, then Start over asks the first question again', async () => {
        const { emulator, running } = await start();
        try {
            const conversation = emulator.conversation();
            let from = await conversation.say('add client');
            await conversation.waitFor((a) => a.text === "What is the client's name?", { from });
            const reminder = await conversation.waitFor((a) => /^Still there\?/.test(a.text ?? ''), { from, timeoutMs: 10_000 });
            const startOver = EmulatorConversation.buttons(reminder.activity).find((b) => b.title === 'Start over');
            assert.ok(startOver, 'a Start over button');
            from = await conversation.say(startOver.title, startOver.value);
            await conversation.waitFor((a) => a.text === "No problem, let's start over.", { from });
            await conversation.waitFor((a) => a.text === "What is the client's name?", { from });
            from = await conversation.say('Ada');
            await conversation.waitFor((a) => a.text === "What is the client's email?", { from });
        } finally {
            await emulator.stop();
        }
        await stops(running);
    });
});
