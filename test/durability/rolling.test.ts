import assert from 'assert';
import { describeRolling, runRolling } from '../../bench/rolling';
import { freshDb } from '../support/mongo';

/** `npm test`'s small rolling restart; `npm run bench -- --only=rolling` runs 3,000 timers over a minute. */
const TIMERS = Number(process.env.ROLLING_TIMERS ?? 300);
const SPREAD_MS = 15_000;

describe('a rolling restart of 3 scheduler processes (SIGTERM, then a fresh one) while timers fall due', function () {
    this.timeout(90_000);

    it(`sends each of ${TIMERS} timers due over ${SPREAD_MS / 1000} s once, none lost, at most 10 s late`, async () => {
        const mongo = await freshDb();
        try {
            const r = await runRolling({ uri: mongo.uri, timers: TIMERS, spreadMs: SPREAD_MS, processes: 3, leadMs: 8000 });
            console.log(`  [rolling] ${describeRolling(r)} (more: npm run bench -- --only=rolling)`);
            assert.ok(r.armMs < 8000, `the arming took ${r.armMs} ms, past the first due time`);
            assert.strictEqual(r.lost, 0, 'no timer lost');
            assert.strictEqual(r.twice, 0, 'no timer sent twice');
            assert.ok(r.lateMaxMs <= 10_000, `the latest send came ${r.lateMaxMs} ms after its due time`);
            assert.ok(
                r.restarts.every((s) => s.exitMs <= 31_000),
                `each SIGTERM ended its process within stop()'s bound (${r.restarts.map((s) => s.exitMs).join(', ')} ms)`
            );
            assert.deepStrictEqual(
                r.stderr.filter((l) => !/ended moreToCome/.test(l)),
                [],
                'no process reported an error'
            );
        } finally {
            await mongo.close();
        }
    });
});
