import assert from 'assert';
import { judgeFollowUpCrash, runFollowUpCrashTrial, summarizeFollowUpCrash } from '../../bench/followUpCrash';
import type { StopMode } from '../../bench/followUpCrash';
import { freshDb } from '../support/mongo';

describe('Stopping the follow-up sender that holds the wake-up while it sends (three senders as child processes, issue #17)', function () {
    // A trial: the senders start, the first sends hang, the holder stops, the channel is watched up to 20 s.
    this.timeout(120_000);

    const cases: Array<{ mode: StopMode; title: string }> = [
        {
            mode: 'kill',
            title: 'kill -9: another sender sends what it held within 10 s of the kill or of the due time; a send under way is not sent again (recorded failed)',
        },
        { mode: 'term', title: 'SIGTERM: the wake-up and the claims are handed over; every follow-up is sent within 2 s, the sends under way finish, once' },
    ];
    for (const { mode, title } of cases) {
        it(title, async () => {
            const mongo = await freshDb();
            try {
                const result = await runFollowUpCrashTrial({ mongoUri: mongo.uri, mode });
                console.log(
                    `  [followUpCrash] 1 ${mode} trial in npm test (more: npm run build && node dist/bench/followUpCrash.js --mode=${mode}, 20 trials)`
                );
                summarizeFollowUpCrash([result]).forEach((line) => console.log(`  [followUpCrash] ${line}`));
                assert.strictEqual(result.twice, 0, 'nothing posted twice');
                assert.deepStrictEqual(judgeFollowUpCrash(result), [], 'every follow-up as expected');
                assert.deepStrictEqual(
                    result.rows.map((r) => r.group).sort(),
                    ['due', 'due', 'inFlight', 'inFlight', 'queued', 'queued'],
                    'two follow-ups of each kind'
                );
            } finally {
                await mongo.close();
            }
        });
    }
});
