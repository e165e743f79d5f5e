import assert from 'assert';
import { rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { mkdirSync } from 'fs';
import { freePort } from '../../samples/embeddedMongo';
import { BotProcess } from '../support/botProcess';
import { EmulatorClient, EmulatorConversation } from '../support/emulator';
import { botEnv, consumerFolder, databaseUri, readmeBlock, shortTimes } from './readmeBlocks';

describe('docs/flows-without-dialogs.md: the bot without dialogs, run as pasted', function () {
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

    it('on MongoDB over HTTP: a reminder naming step 2 of 3, Continue asks again, a close, then Resume brings the name back', async () => {
        const project = join(dir, 'markers');
        mkdirSync(project);
        writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'state-machine-bot', version: '1.0.0', private: true, main: 'index.js' }));
        writeFileSync(join(project, 'index.js'), shortTimes(readmeBlock('flows-without-dialogs: commonjs'), '5 seconds'));
        const port = await freePort();
        bot = new BotProcess('index.js', project, botEnv(port, await databaseUri('markers')));
        await bot.listening();
        const emulator = new EmulatorClient(`http://127.0.0.1:${port}/api/messages`);
        await emulator.start();
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
            // Quiet again: the flow closes, its answers kept.
            await conversation.waitFor((a) => /^I closed this because it was quiet/.test(a.text ?? ''), { from, timeoutMs: 15_000 });
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
        bot.signal('SIGTERM');
        const exit = await Promise.race([bot.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000))]);
        assert.deepStrictEqual(exit, { code: 0, signal: null }, `exit after SIGTERM:\n${bot.output}`);
    });
});
