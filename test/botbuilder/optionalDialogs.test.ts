import assert from 'assert';
import { execFileSync } from 'child_process';
import path from 'path';

/** Runs a script in a process where `botbuilder-dialogs` cannot be resolved, as in a bot that never installed it. */
function withoutDialogs(script: string): string {
    const hide = `const M = require('module'); const resolve = M._resolveFilename; M._resolveFilename = function (request, ...rest) { if (request === 'botbuilder-dialogs' || request.startsWith('botbuilder-dialogs/')) { const e = new Error("Cannot find module '" + request + "'"); e.code = 'MODULE_NOT_FOUND'; throw e; } return resolve.call(this, request, ...rest); };`;
    return execFileSync(process.execPath, ['-e', `${hide}\n${script}`], { cwd: path.join(__dirname, '..', '..', '..'), encoding: 'utf8' });
}

describe('botbuilder-dialogs is an optional peer', () => {
    it('loads and marks flows without it; asking for dialogState without it names the package to install', function () {
        this.timeout(30_000);
        const out = withoutDialogs(`
            const { ConversationState, MemoryStorage, TestAdapter } = require('botbuilder');
            const { InactivityMiddleware, MemoryScheduler, InactivityConfigError } = require('./dist/src');
            const conversationState = new ConversationState(new MemoryStorage());
            const adapter = new TestAdapter(async () => undefined);
            adapter.continueConversationAsync = async () => undefined;
            const inactivity = new InactivityMiddleware({ adapter, conversationState, scheduler: new MemoryScheduler({ warn: false }) });
            console.log('markers:', typeof inactivity.flows.step);
            try {
                new InactivityMiddleware({ adapter, conversationState, dialogState: conversationState.createProperty('DialogState'), scheduler: new MemoryScheduler({ warn: false }) });
                console.log('dialogState: accepted');
            } catch (err) {
                console.log('dialogState:', err instanceof InactivityConfigError, err.message);
            }
        `);
        assert.match(out, /markers: function/);
        assert.match(out, /dialogState: true options\.dialogState was given, but botbuilder-dialogs is not installed: `npm install botbuilder-dialogs`/);
    });
});
