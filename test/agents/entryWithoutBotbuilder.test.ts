import assert from 'assert';
import { spawnSync } from 'child_process';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * Loads the built entries in a fresh Node process in which botbuilder, botbuilder-dialogs and botframework-*
 * cannot be resolved, as in an Agents SDK bot that never installed them; prints what it loaded.
 */
function loadWithoutBotbuilder(script: string): { status: number | null; out: string; err: string } {
    const hide = `
        const Module = require('module');
        const resolve = Module._resolveFilename;
        Module._resolveFilename = function (request, ...rest) {
            if (/^(botbuilder|botbuilder-core|botbuilder-dialogs|botframework-[^/]+)(\\/|$)/.test(request)) {
                const err = new Error("Cannot find module '" + request + "' (hidden by the test)");
                err.code = 'MODULE_NOT_FOUND';
                throw err;
            }
            return resolve.call(this, request, ...rest);
        };`;
    const run = spawnSync(
        process.execPath,
        [
            '--input-type=module',
            '-e',
            `import { createRequire } from 'module'; const require = createRequire(${JSON.stringify(join(ROOT, 'x.js'))}); ${hide}\n${script}`,
        ],
        {
            cwd: ROOT,
            encoding: 'utf8',
            timeout: 60_000,
        }
    );
    return { status: run.status, out: run.stdout, err: run.stderr };
}

describe('botbuilder-inactivity/agents loads without botbuilder', function () {
    this.timeout(60_000);

    it('requires both CommonJS entries and imports both ES module entries, with botbuilder unresolvable', function () {
        const result = loadWithoutBotbuilder(`
            const agents = require('./dist/src/agents/index.js');
            const testing = require('./dist/src/agents/testing/index.js');
            const esm = await import('./dist/esm/agents.mjs');
            const esmTesting = await import('./dist/esm/agents-testing.mjs');
            const loaded = Object.keys(require.cache).filter((p) => /node_modules[\\\\/](botbuilder|botframework-)/.test(p));
            console.log(JSON.stringify({
                middleware: typeof agents.InactivityMiddleware,
                storage: typeof agents.MongoStorage,
                adapter: typeof testing.InactivityTestAdapter,
                esm: esm.InactivityMiddleware === agents.InactivityMiddleware,
                esmTesting: esmTesting.TestScheduler === testing.TestScheduler,
                loaded,
            }));`);
        assert.strictEqual(result.status, 0, result.err);
        assert.deepStrictEqual(JSON.parse(result.out.trim().split('\n').pop() as string), {
            middleware: 'function',
            storage: 'function',
            adapter: 'function',
            esm: true,
            esmTesting: true,
            loaded: [],
        });
    });

    it('an agent without @microsoft/agents-hosting-dialogs marks flows; dialogState then names the package to install', function () {
        const result = loadWithoutBotbuilder(`
            const hideBotbuilder = Module._resolveFilename;
            Module._resolveFilename = function (request, ...rest) {
                if (request.startsWith('@microsoft/agents-hosting-dialogs')) {
                    const err = new Error("Cannot find module '" + request + "' (hidden by the test)");
                    err.code = 'MODULE_NOT_FOUND';
                    throw err;
                }
                return hideBotbuilder.call(this, request, ...rest);
            };
            const { ConversationState, MemoryStorage } = require('@microsoft/agents-hosting');
            const { InactivityMiddleware, MemoryScheduler, InactivityConfigError } = require('./dist/src/agents/index.js');
            const { InactivityTestAdapter } = require('./dist/src/agents/testing/index.js');
            const storage = new MemoryStorage();
            const conversationState = new ConversationState(storage);
            const base = { adapter: new InactivityTestAdapter(), storage, scheduler: new MemoryScheduler({ warn: false }) };
            console.log('markers:', typeof new InactivityMiddleware(base).flows.step);
            try {
                new InactivityMiddleware({ ...base, conversationState, dialogState: conversationState.createProperty('DialogState') });
                console.log('dialogState: accepted');
            } catch (err) {
                console.log('dialogState:', err instanceof InactivityConfigError, err.message);
            }`);
        assert.strictEqual(result.status, 0, result.err);
        assert.match(result.out, /markers: function/);
        assert.match(
            result.out,
            /dialogState: true options\.dialogState was given, but @microsoft\/agents-hosting-dialogs is not installed: `npm install @microsoft\/agents-hosting-dialogs`/
        );
    });

    it('the check can fail: the botbuilder entry does not load that way', function () {
        const result = loadWithoutBotbuilder(`require('./dist/src/index.js');`);
        assert.notStrictEqual(result.status, 0);
        assert.match(result.err, /Cannot find module 'botbuilder(-dialogs)?' \(hidden by the test\)/);
    });
});
