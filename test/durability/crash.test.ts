import assert from 'assert';
import { runCrashTrial, summarize } from '../../bench/crash';
import { freshDb } from '../support/mongo';

/** Conversations per group in `npm test`'s one trial; `node dist/bench/crash.js` runs more trials. */
const CONVERSATIONS = Number(process.env.CRASH_CONVERSATIONS ?? 4);

describe('kill -9 of one of two bot processes while its reminders and goodbyes are being sent (the bots as child processes, state in MongoStorage)', function () {
    // The killed process's timers are taken over by the other process once their lease runs out; the closes that
    // follow come 30 s after the last message.
    this.timeout(150_000);

    it('sends nothing twice; the other process takes the timers over within 10 s of their due time and every flow goes on', async () => {
        const mongo = await freshDb();
        try {
            const result = await runCrashTrial({ mongoUri: mongo.uri, conversations: CONVERSATIONS });
            console.log(
                `  [crash] 1 trial × ${CONVERSATIONS} conversations per group in npm test (more: npm run build && node dist/bench/crash.js, 20 trials)`
            );
            for (const line of summarize([result])) {
                console.log(`  [crash] ${line}`);
            }
            const wrong = result.conversations.filter((c) => !c.ok).map((c) => `${c.group} ${c.id}: ${c.problem}`);
            assert.deepStrictEqual(wrong, [], 'every conversation as expected');
            assert.strictEqual(result.duplicates, 0, 'nothing received twice');
            const late = Math.max(...result.armedLateMs);
            assert.ok(late <= 10_000, `the reminders due after the kill came at most 10 s late (${result.armedLateMs.join(', ')} ms)`);
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
