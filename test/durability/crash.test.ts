import assert from 'assert';
import { runCrashTrial, summarize } from '../../bench/crash';
import { freshDb } from '../support/mongo';

/** Conversations per group in `npm test`'s one trial; `node dist/bench/crash.js` runs more trials. */
const CONVERSATIONS = Number(process.env.CRASH_CONVERSATIONS ?? 4);

describe('kill -9 of the bot process while its reminders and goodbyes are being sent (the bot as a child process, state in MongoStorage)', function () {
    // The killed process's running timers stay locked for one minute before the new process takes them over.
    this.timeout(150_000);

    it('sends nothing twice after the restart; the new process takes the timers over and every flow goes on', async () => {
        const mongo = await freshDb();
        try {
            const result = await runCrashTrial({ mongoUri: mongo.uri, conversations: CONVERSATIONS });
            console.log(
                `  [crash] 1 trial × ${CONVERSATIONS} conversations per group in npm test (more: npm run build && node dist/bench/crash.js --trials=3 --conversations=5)`
            );
            for (const line of summarize([result])) {
                console.log(`  [crash] ${line}`);
            }
            const wrong = result.conversations.filter((c) => !c.ok).map((c) => `${c.group} ${c.id}: ${c.problem}`);
            assert.deepStrictEqual(wrong, [], 'every conversation as expected');
            assert.strictEqual(result.duplicates, 0, 'nothing received twice');
            assert.strictEqual(result.conversations.length, 3 * CONVERSATIONS);
            assert.deepStrictEqual(
                result.stderr.filter((l) => l.startsWith('onTurnError')),
                [],
                "nothing reached the adapter's onTurnError"
            );
        } finally {
            await mongo.close();
        }
    });
});
