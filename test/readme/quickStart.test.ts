import assert from 'assert';
import { spawnSync } from 'child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { freePort } from '../../samples/embeddedMongo';
import { BotProcess } from '../support/botProcess';
import { EmulatorClient, EmulatorConversation } from '../support/emulator';
import { botEnv, consumerFolder, databaseUri, FIXTURES, readmeBlock, readmeJsonAfter, ROOT, shortTimes } from './readmeBlocks';

/**
 * Talks to the bot over HTTP as the Emulator does: a turn, the reminder after 2 quiet seconds, a click on its
 * Continue button (the question is asked again), the flow's end; then SIGTERM must end the process, with exit
 * code 0, within a few seconds.
 */
async function converse(bot: BotProcess, port: number): Promise<void> {
    await bot.listening();
    const emulator = new EmulatorClient(`http://127.0.0.1:${port}/api/messages`);
    await emulator.start();
    try {
        const conversation = emulator.conversation();
        let from = await conversation.say('hi');
        await conversation.waitFor((a) => a.text === 'Please enter your name.', { from });
        from = await conversation.say('Ada');
        await conversation.waitFor((a) => a.text === 'Please enter your age.', { from });
        const reminder = await conversation.waitFor((a) => /^Still there\?/.test(a.text ?? ''), { from, timeoutMs: 10_000 });
        const button = EmulatorConversation.buttons(reminder.activity).find((b) => b.title === 'Continue');
        assert.ok(button, `the reminder has a Continue button: ${JSON.stringify(reminder.activity)}`);
        from = await conversation.say(button.title, button.value);
        await conversation.waitFor((a) => a.text === "Great, let's pick up where we left off.", { from });
        await conversation.waitFor((a) => a.text === 'Please enter your age.', { from });
        from = await conversation.say('36');
        await conversation.waitFor((a) => a.text === 'Thanks, Ada.', { from });
    } finally {
        await emulator.stop();
    }
    const signalled = Date.now();
    bot.signal('SIGTERM');
    const exit = await Promise.race([bot.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000))]);
    assert.notStrictEqual(exit, 'hung', `the process was still up 10 s after SIGTERM:\n${bot.output}`);
    assert.deepStrictEqual(exit, { code: 0, signal: null }, `exit after SIGTERM:\n${bot.output}`);
    assert.ok(Date.now() - signalled < 5000, `ended ${Date.now() - signalled} ms after SIGTERM`);
}

describe("the README's quick starts, run as pasted", function () {
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

    it("CommonJS (index.js of a bot shaped like Microsoft's 05.multi-turn-prompt): MongoStorage, a reminder over HTTP, SIGTERM ends it", async () => {
        const project = join(dir, 'commonjs');
        cpSync(join(FIXTURES, 'commonjs'), project, { recursive: true });
        writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'multiturn-prompts-bot', version: '1.0.0', private: true, main: 'index.js' }));
        writeFileSync(join(project, 'index.js'), shortTimes(readmeBlock('quick-start: commonjs'), '1 minute'));
        const port = await freePort();
        bot = new BotProcess('index.js', project, botEnv(port, await databaseUri('quickstart_cjs')));
        await converse(bot, port);
    });

    it('TypeScript, ES modules (docs/getting-started.md): its package.json, tsconfig.json, dialog and index.ts build with tsc and run', async () => {
        const { project, entry } = typescriptProject(dir, 'typescript', 'quick-start: typescript src/index.ts');
        const port = await freePort();
        bot = new BotProcess(entry, project, botEnv(port, await databaseUri('quickstart_ts')));
        await converse(bot, port);
    });

    it('a first look without MongoDB, CommonJS: MemoryScheduler and MemoryStorage, nothing else', async () => {
        const project = join(dir, 'memory');
        cpSync(join(FIXTURES, 'commonjs'), project, { recursive: true });
        writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'multiturn-prompts-bot', version: '1.0.0', private: true, main: 'index.js' }));
        writeFileSync(join(project, 'index.js'), shortTimes(readmeBlock('quick-start: memory'), '1 minute'));
        const port = await freePort();
        bot = new BotProcess('index.js', project, botEnv(port));
        await converse(bot, port);
        assert.match(bot.output, /BotbuilderInactivityWarning: .*MemoryScheduler.*lost on restart/, 'it said its timers are not durable');
    });

    it('a first look without MongoDB, TypeScript and ES modules: the same project with its index.ts replaced', async () => {
        const { project, entry } = typescriptProject(dir, 'memory-typescript', 'quick-start: memory, typescript src/index.ts');
        const port = await freePort();
        bot = new BotProcess(entry, project, botEnv(port));
        await converse(bot, port);
        assert.match(bot.output, /BotbuilderInactivityWarning: .*MemoryScheduler.*lost on restart/, 'it said its timers are not durable');
    });
});

/**
 * The TypeScript project of docs/getting-started.md, written from its blocks alone (package.json, tsconfig.json,
 * src/userProfileDialog.ts and the given src/index.ts) and built with its own tsconfig, as `npm run build` does.
 * The only change: the index's durations, shortened (a type-neutral change to two string literals).
 *
 * @returns The project folder and the file its `npm start` runs.
 */
function typescriptProject(dir: string, name: string, indexMarker: string): { project: string; entry: string } {
    const project = join(dir, name);
    mkdirSync(join(project, 'src'), { recursive: true });
    const pkg = readmeJsonAfter('#### `package.json`');
    writeFileSync(join(project, 'package.json'), pkg);
    writeFileSync(join(project, 'tsconfig.json'), readmeJsonAfter('#### `tsconfig.json`'));
    writeFileSync(join(project, 'src', 'userProfileDialog.ts'), readmeBlock('quick-start: typescript src/userProfileDialog.ts'));
    writeFileSync(join(project, 'src', 'index.ts'), shortTimes(readmeBlock(indexMarker), '1 minute'));
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], {
        cwd: project,
        encoding: 'utf8',
        timeout: 80_000,
    });
    assert.strictEqual(build.status, 0, `tsc reported:\n${build.stdout}${build.stderr}`);
    const start = (JSON.parse(pkg) as { scripts: { start: string } }).scripts.start;
    const entry = /^node (\S+)$/.exec(start)?.[1];
    assert.ok(entry, `the package.json's start script runs one file with node: ${start}`);
    return { project, entry };
}
