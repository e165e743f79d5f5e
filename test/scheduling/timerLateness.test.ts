import assert from 'assert';
import { MAX_LATENESS_MS, measureTimerLateness } from '../../bench/timerLateness';
import { mongoUri } from '../support/mongo';

describe('timer lateness with the shipped defaults', function () {
    this.timeout(15_000);

    it('fires every timer exactly once, never early and at most 1 s after its due time', async () => {
        // Figures measured from recorded fire and due times, not from a mocha timeout. Delays start below one
        // polling interval (500 ms), where a timer armed just after a scan waits for the next one.
        const result = await measureTimerLateness({ count: 12, minDelayMs: 300, maxDelayMs: 2500, mongoUri: await mongoUri() });
        console.log(
            `  [lateness] ${result.server}: ${result.fired}/${result.count} fired, min ${result.minMs} median ${result.medianMs} p95 ${result.p95Ms} max ${result.maxMs} ms`
        );

        assert.deepStrictEqual(result.missing, [], 'timers that never fired');
        assert.deepStrictEqual(result.duplicates, [], 'timers that fired twice');
        assert.strictEqual(result.fired, 12);
        assert.ok(result.minMs >= 0, `a timer fired ${-result.minMs} ms before its due time`);
        assert.ok(result.maxMs <= MAX_LATENESS_MS, `the latest timer fired ${result.maxMs} ms after its due time`);
    });
});
