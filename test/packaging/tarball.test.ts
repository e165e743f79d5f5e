import assert from 'assert';
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import ts from 'typescript';

// Compiled to dist/test/packaging/: the package root is three folders up.
const ROOT = join(__dirname, '..', '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** What a user of the package needs, and nothing else: every file of the tarball must match one of these. */
const SHIPPED = [
    /^package\.json$/,
    /^README\.md$/,
    /^CHANGELOG\.md$/,
    /^LICENSE$/,
    /^manifest\.json$/,
    /^bin\/[\w-]+\.js$/,
    /^locales\/README\.md$/,
    /^locales\/[\w-]+\/(inactivity|followups)\.json$/,
    /^dist\/src\/[\w/-]+\.(js|d\.ts|js\.map)$/,
    /^dist\/esm\/[\w-]+\.mjs$/,
];

/** npm for a child process: no terminal, so `yes=true` for botbuilder-dialogs' postinstall `npx`; quiet and offline-first. */
const NPM_ENV = {
    ...process.env,
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_prefer_offline: 'true',
};

function run(command: string, args: string[], cwd: string, timeout: number, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
    const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
    assert.strictEqual(
        result.status,
        0,
        `${command} ${args.join(' ')} failed (status ${result.status}, ${result.error?.message ?? ''}):\n${result.stdout}\n${result.stderr}`
    );
    return result;
}

/** What `npm pack --json` says of the tarball it wrote. */
interface Packed {
    filename: string;
    files: Array<{ path: string }>;
    /** The tarball's size in bytes. */
    size: number;
    /** The size of its files, unpacked, in bytes. */
    unpackedSize: number;
    entryCount: number;
}

/** The JSON document npm printed after any lifecycle script output. */
function npmJson(stdout: string): Packed[] {
    const start = stdout.startsWith('[') ? 0 : stdout.lastIndexOf('\n[') + 1;
    return JSON.parse(stdout.slice(start)) as Packed[];
}

/** The last line a consumer printed, as JSON. */
function lastJson<T>(stdout: string): T {
    return JSON.parse(stdout.trim().split('\n').pop() as string) as T;
}

/** A dialog every consumer runs: a component with a one-prompt waterfall, as in Microsoft's samples. */
const CJS_BOT = `'use strict';
const assert = require('assert');
const { ConversationState, MemoryStorage } = require('botbuilder');
const { ComponentDialog, DialogSet, DialogTurnStatus, TextPrompt, WaterfallDialog } = require('botbuilder-dialogs');
const { InactivityMiddleware, MemoryScheduler } = require('botbuilder-inactivity');
const { InactivityTestAdapter } = require('botbuilder-inactivity/testing');

class GreetDialog extends ComponentDialog {
    constructor() {
        super('greetDialog');
        this.addDialog(new TextPrompt('name'));
        this.addDialog(new WaterfallDialog('steps', [
            (step) => step.prompt('name', 'What is your name?'),
            async (step) => { await step.context.sendActivity('Hello, ' + step.result + '!'); return step.endDialog(); },
        ]));
        this.initialDialogId = 'steps';
    }
}

async function main() {
    const warnings = [];
    process.on('warning', (w) => warnings.push(w.name + ': ' + w.message));
    const conversationState = new ConversationState(new MemoryStorage());
    const dialogState = conversationState.createProperty('DialogState');
    const dialog = new GreetDialog();
    const dialogs = new DialogSet(dialogState).add(dialog);
    const adapter = new InactivityTestAdapter(async (context) => {
        const dc = await dialogs.createContext(context);
        if ((await dc.continueDialog()).status === DialogTurnStatus.empty) await dc.beginDialog('greetDialog');
        await conversationState.saveChanges(context);
    });
    const inactivity = new InactivityMiddleware({
        adapter, conversationState, dialogState, dialog,
        scheduler: new MemoryScheduler(), reminderAfter: 300, closeAfter: '1 minute',
    });
    adapter.use(inactivity);
    await inactivity.start();
    await adapter.send('hi').assertReply('What is your name?');
    const deadline = Date.now() + 5000;
    while (!adapter.sent.some((a) => /^Still there\\?/.test(a.text || '')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await inactivity.stop();
    await new Promise((resolve) => setImmediate(resolve));
    console.log(JSON.stringify({ resolved: require.resolve('botbuilder-inactivity'), sent: adapter.sent.map((a) => a.text || a.type), warnings }));
}
main().catch((err) => { console.error(err); process.exit(1); });
`;

const ESM_TS_BOT = `import assert from 'node:assert/strict';
import { ConversationState, MemoryStorage, type Activity } from 'botbuilder';
import { ComponentDialog, DialogSet, DialogTurnStatus, TextPrompt, WaterfallDialog, type DialogState, type WaterfallStepContext } from 'botbuilder-dialogs';
import { InactivityMiddleware, MemoryScheduler, type InactivityOptions } from 'botbuilder-inactivity';
import { InactivityTestAdapter, TestScheduler, clickContinue } from 'botbuilder-inactivity/testing';

class GreetDialog extends ComponentDialog {
    constructor() {
        super('greetDialog');
        this.addDialog(new TextPrompt('name'));
        this.addDialog(new WaterfallDialog('steps', [
            async (step: WaterfallStepContext) => step.prompt('name', 'What is your name?'),
            async (step: WaterfallStepContext) => {
                await step.context.sendActivity(\`Hello, \${step.result as string}!\`);
                return step.endDialog();
            },
        ]));
        this.initialDialogId = 'steps';
    }
}

const conversationState = new ConversationState(new MemoryStorage());
const dialogState = conversationState.createProperty<DialogState>('DialogState');
const dialog = new GreetDialog();
const dialogs = new DialogSet(dialogState).add(dialog);
const adapter = new InactivityTestAdapter(async (context) => {
    const dc = await dialogs.createContext(context);
    if ((await dc.continueDialog()).status === DialogTurnStatus.empty) {
        await dc.beginDialog('greetDialog');
    }
    await conversationState.saveChanges(context);
});
const scheduler = new TestScheduler();
const options: InactivityOptions = { adapter, conversationState, dialogState, dialog, scheduler, now: scheduler.now, reminderAfter: '5 minutes' };
const inactivity = new InactivityMiddleware(options);
adapter.use(inactivity);
await inactivity.start();

await adapter.send('hi').assertReply('What is your name?');
await scheduler.advance('5 minutes');
await adapter.assertReply((a: Partial<Activity>) => assert.match(a.text ?? '', /^Still there\\?/));
await clickContinue(adapter).assertReply("Great, let's pick up where we left off.").assertReply('What is your name?');
await adapter.send('Ada').assertReply('Hello, Ada!');
await inactivity.stop();
const memory: MemoryScheduler = new MemoryScheduler({ warn: false });
console.log(JSON.stringify({ sent: adapter.sent.map((a) => a.text ?? a.type), memory: typeof memory.arm }));
`;

/** An Agents SDK agent in CommonJS: an AgentApplication route marks its step; MemoryScheduler's real timer reminds. */
const AGENTS_CJS_BOT = `'use strict';
const { AgentApplication, MemoryStorage } = require('@microsoft/agents-hosting');
const { InactivityMiddleware, MemoryScheduler } = require('botbuilder-inactivity/agents');
const { InactivityTestAdapter } = require('botbuilder-inactivity/agents/testing');

const QUESTION = "What is the client's name?";

async function main() {
    const storage = new MemoryStorage();
    const agent = new AgentApplication({ storage, adapter: new InactivityTestAdapter() });
    const inactivity = new InactivityMiddleware({
        adapter: agent.adapter, storage,
        scheduler: new MemoryScheduler({ warn: false }), reminderAfter: 300, closeAfter: '1 minute',
    });
    agent.adapter.use(inactivity);
    agent.adapter.logic = (context) => agent.run(context);
    agent.onMessage('add client', async (context) => {
        await context.sendActivity(QUESTION);
        await inactivity.flows.step(context, { flowId: 'addClient', stepId: 'name', index: 1, of: 2, prompt: QUESTION });
    });
    await inactivity.start();
    await agent.adapter.send('add client');
    const deadline = Date.now() + 5000;
    while (!agent.adapter.sent.some((a) => /^Still there\\?/.test(a.text || '')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await inactivity.stop();
    console.log(JSON.stringify({
        resolved: require.resolve('botbuilder-inactivity/agents'),
        sent: agent.adapter.sent.map((a) => a.text || a.type),
        loaded: Object.keys(require.cache).filter((p) => /node_modules[\\\\/](botbuilder(-core|-dialogs)?|botframework-[\\w-]+)[\\\\/]/.test(p)),
    }));
}
main().catch((err) => { console.error(err); process.exit(1); });
`;

/** An Agents SDK agent in TypeScript, as ES modules: the test clock reminds, Continue is clicked, the flow ends. */
const AGENTS_ESM_TS_BOT = `import assert from 'node:assert/strict';
import type { Activity } from '@microsoft/agents-activity';
import { AgentApplication, MemoryStorage, TurnState, type TurnContext } from '@microsoft/agents-hosting';
import { InactivityMiddleware, MongoStorage, type InactivityOptions, type MarkedFlow } from 'botbuilder-inactivity/agents';
import { InactivityTestAdapter, TestScheduler, click } from 'botbuilder-inactivity/agents/testing';

const QUESTION = "What is the client's name?";
const storage = new MemoryStorage();
const adapter = new InactivityTestAdapter();
const agent = new AgentApplication<TurnState>({ storage, adapter });
const scheduler = new TestScheduler();
const ended: string[] = [];
const options: InactivityOptions = {
    adapter: agent.adapter,
    storage,
    scheduler,
    now: scheduler.now,
    reminderAfter: '5 minutes',
    onEnd: (_context: TurnContext, flow: MarkedFlow) => void ended.push(flow.flowId),
};
const inactivity = new InactivityMiddleware(options);
agent.adapter.use(inactivity);
adapter.logic = (context: TurnContext) => agent.run(context);
agent.onMessage('add client', async (context: TurnContext) => {
    await context.sendActivity(QUESTION);
    await inactivity.flows.step(context, { flowId: 'addClient', stepId: 'name', index: 1, of: 2, prompt: QUESTION });
});
agent.onActivity('message', async (context: TurnContext) => {
    await context.sendActivity(\`Added \${context.activity.text ?? ''}.\`);
    await inactivity.flows.end(context);
});
await inactivity.start();

assert.deepEqual((await adapter.send('add client')).map((a: Activity) => a.text), [QUESTION]);
await scheduler.advance('5 minutes');
const [reminder] = adapter.takeSent();
assert.match(reminder?.text ?? '', /^Still there\\?/);
assert.deepEqual((await click(adapter, 'continue')).map((a) => a.text), ["Great, let's pick up where we left off.", QUESTION]);
assert.deepEqual((await adapter.send('Ada')).map((a) => a.text), ['Added Ada.']);
await inactivity.stop();
// Type-checked only: the Agents SDK's Storage on MongoDB, as a production agent builds it.
const production = (mongo: string): MongoStorage => new MongoStorage({ mongo });
console.log(JSON.stringify({ sent: adapter.sent.map((a) => a.text ?? a.type), ended, production: typeof production }));
`;

/** Packages an Agents SDK bot must not get: botbuilder and what it brings. */
const BOTBUILDER_PACKAGES = ['botbuilder', 'botbuilder-core', 'botbuilder-dialogs', 'botframework-connector', 'botframework-schema'];

describe('the tarball, packed from a clean clone and installed in fresh bots', function () {
    // npm pack builds the package (about 10 s); the install takes about 20 s with a warm npm cache.
    this.timeout(240_000);

    let work: string;
    let packed: Packed;
    let packs: string;
    let consumers: string;

    before(() => {
        work = mkdtempSync(join(tmpdir(), 'inactivity-tarball-'));
        // A clean clone: the files git knows of (tracked, or new and not ignored), no dist/, and node_modules as
        // `npm ci` leaves it.
        const clone = join(work, 'clone');
        const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' })
            .split('\0')
            // A work tree whose node_modules is a symlink (git worktrees sharing one install) lists it as a new file.
            .filter((file) => file && file !== 'node_modules');
        for (const file of files) {
            const target = join(clone, file);
            mkdirSync(dirname(target), { recursive: true });
            try {
                copyFileSync(join(ROOT, file), target);
            } catch (err) {
                // A file deleted in the work tree but still in the index is not part of the clone either.
                if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
            }
        }
        symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
        packs = join(work, 'packs');
        mkdirSync(packs);
        const pack = run('npm', ['pack', '--json', '--pack-destination', packs], clone, 180_000, NPM_ENV);
        packed = npmJson(pack.stdout)[0];

        consumers = join(work, 'consumers');
        mkdirSync(consumers);
        writeFileSync(join(consumers, 'package.json'), JSON.stringify({ name: 'consumers', version: '1.0.0', private: true }));
        // One install shared by both bots below (each folder is its own package, found by walking up to this node_modules).
        run('npm', ['install', join(packs, packed.filename), 'botbuilder@4.23.3', 'botbuilder-dialogs@4.23.3'], consumers, 180_000, NPM_ENV);
        const cjsBot = join(consumers, 'cjs-bot');
        mkdirSync(cjsBot);
        writeFileSync(join(cjsBot, 'package.json'), JSON.stringify({ name: 'cjs-bot', version: '1.0.0', private: true, main: 'bot.js' }));
        writeFileSync(join(cjsBot, 'bot.js'), CJS_BOT);
        const tsBot = join(consumers, 'esm-ts-bot');
        mkdirSync(tsBot);
        writeFileSync(join(tsBot, 'package.json'), JSON.stringify({ name: 'esm-ts-bot', version: '1.0.0', private: true, type: 'module' }));
        writeFileSync(
            join(tsBot, 'tsconfig.json'),
            JSON.stringify({
                compilerOptions: {
                    target: 'ES2022',
                    module: 'NodeNext',
                    moduleResolution: 'NodeNext',
                    strict: true,
                    noEmit: true,
                    skipLibCheck: true,
                    // Node's types from this repository: the bot installed only the package and botbuilder.
                    typeRoots: [join(ROOT, 'node_modules', '@types')],
                    types: ['node'],
                },
                files: ['bot.ts'],
            })
        );
        writeFileSync(join(tsBot, 'bot.ts'), ESM_TS_BOT);
    });

    after(() => {
        rmSync(work, { recursive: true, force: true });
    });

    it('holds the built code, and only what a user needs', () => {
        const paths = packed.files.map((f) => f.path);
        for (const needed of [
            'dist/src/index.js',
            'dist/src/index.d.ts',
            'dist/esm/index.mjs',
            'dist/src/testing/index.js',
            'dist/src/testing/index.d.ts',
            'dist/esm/testing.mjs',
            'dist/src/agents/index.js',
            'dist/src/agents/index.d.ts',
            'dist/esm/agents.mjs',
            'dist/src/agents/testing/index.js',
            'dist/src/agents/testing/index.d.ts',
            'dist/esm/agents-testing.mjs',
            'README.md',
            'CHANGELOG.md',
            'LICENSE',
        ]) {
            assert.ok(paths.includes(needed), `${needed} is in the tarball`);
        }
        assert.deepStrictEqual(
            paths.filter((p) => !SHIPPED.some((re) => re.test(p))),
            [],
            'nothing else (no tests, samples, sources or tools)'
        );
    });

    it('weighs what npm pack reports (printed: packed and unpacked size, files)', function () {
        const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
        console.log(`      ${packed.filename}: ${kB(packed.size)} packed, ${kB(packed.unpackedSize)} unpacked, ${packed.entryCount} files`);
        assert.strictEqual(packed.entryCount, packed.files.length);
        assert.ok(packed.size > 0 && packed.size < packed.unpackedSize, 'the tarball is compressed');
    });

    it('declares runtime dependencies a bot installs, and neither mocha nor sinon nor the sample frameworks', () => {
        const installed = JSON.parse(readFileSync(join(consumers, 'node_modules', PKG.name, 'package.json'), 'utf8'));
        const runtime = Object.keys(installed.dependencies ?? {});
        for (const devOnly of ['mocha', 'sinon', 'restify', 'express', 'typescript', '@push.rocks/smartmongo', 'botbuilder', 'botbuilder-dialogs']) {
            assert.ok(!runtime.includes(devOnly), `${devOnly} is not a runtime dependency`);
        }
        assert.deepStrictEqual(Object.keys(installed.peerDependencies).sort(), [
            '@microsoft/agents-hosting',
            '@microsoft/agents-hosting-dialogs',
            'botbuilder',
            'botbuilder-dialogs',
        ]);
        // Each bot installs one SDK: every peer is optional, so npm 7+ does not install the others.
        for (const peer of Object.keys(installed.peerDependencies)) {
            assert.strictEqual(installed.peerDependenciesMeta?.[peer]?.optional, true, `${peer} is an optional peer`);
        }
    });

    it('type-checks a TypeScript ES module bot that imports the package and its testing helpers (tsc --noEmit)', () => {
        const dir = join(consumers, 'esm-ts-bot');
        const check = spawnSync(process.execPath, [TSC, '-p', dir], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
        assert.strictEqual(check.status, 0, `tsc --noEmit reported:\n${check.stdout}${check.stderr}`);
    });

    describe('with agenda and its MongoDB backend made unloadable', () => {
        // MemoryScheduler and TestScheduler users must never load Agenda (ESM, loaded lazily for MongoDB only).
        const hidden = ['agenda', '@agendajs'];
        before(() => {
            for (const name of hidden) {
                renameSync(join(consumers, 'node_modules', name), join(consumers, 'node_modules', `${name}.hidden`));
            }
        });
        after(() => {
            for (const name of hidden) {
                renameSync(join(consumers, 'node_modules', `${name}.hidden`), join(consumers, 'node_modules', name));
            }
        });

        it('runs a CommonJS bot: require() it, take a turn on a TestAdapter, get a real reminder from MemoryScheduler', () => {
            const dir = join(consumers, 'cjs-bot');
            const out = lastJson<{ resolved: string; sent: string[]; warnings: string[] }>(run(process.execPath, ['bot.js'], dir, 30_000).stdout);
            assert.strictEqual(
                out.resolved,
                join(consumers, 'node_modules', PKG.name, 'dist', 'src', 'index.js'),
                'the installed tarball, not this repository'
            );
            assert.strictEqual(out.sent[0], 'What is your name?');
            assert.match(out.sent[1], /^Still there\? .*I'll close it in /);
            assert.deepStrictEqual(
                out.warnings.map((w: string) => w.split(':')[0]),
                ['BotbuilderInactivityWarning'],
                'MemoryScheduler warned once that its timers are not durable'
            );
        });

        it('runs the TypeScript ES module bot: import it, remind on the test clock, click Continue', () => {
            // Type-checked above; run as tsc would emit it.
            const dir = join(consumers, 'esm-ts-bot');
            const js = ts.transpileModule(ESM_TS_BOT, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
            writeFileSync(join(dir, 'bot.js'), js);
            const out = lastJson<{ sent: string[]; memory: string }>(run(process.execPath, ['bot.js'], dir, 30_000).stdout);
            assert.deepStrictEqual(out.sent.slice(0, 1), ['What is your name?']);
            assert.match(out.sent[1], /^Still there\?/);
            assert.deepStrictEqual(out.sent.slice(2), ["Great, let's pick up where we left off.", 'What is your name?', 'Hello, Ada!']);
            assert.strictEqual(out.memory, 'function');
        });
    });

    describe('Agents SDK bots: the tarball and @microsoft/agents-hosting, without botbuilder', () => {
        let agents: string;

        before(() => {
            agents = join(work, 'agents-consumers');
            mkdirSync(agents);
            writeFileSync(join(agents, 'package.json'), JSON.stringify({ name: 'agents-consumers', version: '1.0.0', private: true }));
            // One install shared by both agents, as above; agents-activity for the TypeScript bot's own imports.
            run(
                'npm',
                ['install', join(packs, packed.filename), '@microsoft/agents-hosting@1.8.1', '@microsoft/agents-activity@1.8.1'],
                agents,
                180_000,
                NPM_ENV
            );
            const cjsBot = join(agents, 'cjs-agent');
            mkdirSync(cjsBot);
            writeFileSync(join(cjsBot, 'package.json'), JSON.stringify({ name: 'cjs-agent', version: '1.0.0', private: true, main: 'bot.js' }));
            writeFileSync(join(cjsBot, 'bot.js'), AGENTS_CJS_BOT);
            const tsBot = join(agents, 'esm-ts-agent');
            mkdirSync(tsBot);
            writeFileSync(join(tsBot, 'package.json'), JSON.stringify({ name: 'esm-ts-agent', version: '1.0.0', private: true, type: 'module' }));
            writeFileSync(
                join(tsBot, 'tsconfig.json'),
                JSON.stringify({
                    compilerOptions: {
                        target: 'ES2022',
                        module: 'NodeNext',
                        moduleResolution: 'NodeNext',
                        strict: true,
                        noEmit: true,
                        // The package's declarations are checked too: one that named botbuilder would fail here.
                        skipLibCheck: false,
                        typeRoots: [join(ROOT, 'node_modules', '@types')],
                        types: ['node'],
                    },
                    files: ['bot.ts'],
                })
            );
            writeFileSync(join(tsBot, 'bot.ts'), AGENTS_ESM_TS_BOT);
        });

        it('installs no botbuilder: every peer is optional', () => {
            const present = BOTBUILDER_PACKAGES.filter((name) => existsSync(join(agents, 'node_modules', name)));
            assert.deepStrictEqual(present, [], "not in the bot's node_modules");
            assert.ok(existsSync(join(agents, 'node_modules', '@microsoft', 'agents-hosting', 'package.json')), 'the check can fail: the SDK is there');
        });

        it("type-checks a TypeScript ES module agent against the package's declarations (tsc --noEmit, skipLibCheck off)", () => {
            const dir = join(agents, 'esm-ts-agent');
            const check = spawnSync(process.execPath, [TSC, '-p', dir], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
            assert.strictEqual(check.status, 0, `tsc --noEmit reported:\n${check.stdout}${check.stderr}`);
        });

        it('runs a CommonJS agent: a route marks its step, MemoryScheduler sends the reminder, no botbuilder is loaded', () => {
            const out = lastJson<{ resolved: string; sent: string[]; loaded: string[] }>(
                run(process.execPath, ['bot.js'], join(agents, 'cjs-agent'), 30_000).stdout
            );
            assert.strictEqual(out.resolved, join(agents, 'node_modules', PKG.name, 'dist', 'src', 'agents', 'index.js'), 'the installed tarball');
            assert.strictEqual(out.sent[0], "What is the client's name?");
            assert.match(out.sent[1] ?? '', /^Still there\? You were .*\(step 1 of 2\)\. I'll close it in /);
            assert.deepStrictEqual(out.loaded, []);
        });

        it('runs the TypeScript ES module agent: import it, remind on the test clock, click Continue, end the flow', () => {
            const dir = join(agents, 'esm-ts-agent');
            const js = ts.transpileModule(AGENTS_ESM_TS_BOT, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
            writeFileSync(join(dir, 'bot.js'), js);
            const out = lastJson<{ sent: string[]; ended: string[]; production: string }>(run(process.execPath, ['bot.js'], dir, 30_000).stdout);
            assert.strictEqual(out.sent[0], "What is the client's name?");
            assert.match(out.sent[1], /^Still there\?/);
            assert.deepStrictEqual(out.sent.slice(2), ["Great, let's pick up where we left off.", "What is the client's name?", 'Added Ada.']);
            assert.deepStrictEqual(out.ended, [], 'the bot ended its flow itself: the plugin did not');
            assert.strictEqual(out.production, 'function');
        });
    });
});
