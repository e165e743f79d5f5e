import assert from 'assert';
import { measureFollowUps } from '../../bench/followups';
import type { BenchServer } from '../../bench/support/server';
import { isRealMongo, mongoUri } from '../support/mongo';

describe('Follow-up figures, small (npm run bench -- --only=followups has the full sizes)', function () {
    this.timeout(120_000);

    it('duplicates: 1 record and 1 send; a quiet-hours burst across 5 zones: 0 inside quiet hours, 0 over the cap, deferred ones at 08:00 local', async () => {
        const base = await mongoUri();
        const server: BenchServer = {
            kind: isRealMongo() ? 'MongoDB' : 'CongoDB',
            version: '',
            uri: base,
            cpuMs: async () => undefined,
            uriFor: (name) => {
                const url = new URL(base);
                url.pathname = `/${name}`;
                return url.toString();
            },
            stop: async () => undefined,
        };
        const r = await measureFollowUps(server, { schedule: 200, listRecords: 2000, duplicateAttempts: 200, burst: 200 });
        console.log(`      ${JSON.stringify(r)}`);
        assert.deepStrictEqual([r.duplicates.records, r.duplicates.sends], [1, 1]);
        assert.ok(r.schedule.bytesPerRecord > 200 && r.schedule.bytesPerRecord < 4000, `${r.schedule.bytesPerRecord} bytes`);
        const q = r.quietBurst;
        assert.strictEqual(q.insideQuietHours, 0);
        assert.strictEqual(q.overCap, 0);
        assert.strictEqual(q.deferredNotAtWindowEnd, 0);
        assert.ok(q.deferred > 0, 'some were deferred');
        assert.strictEqual(q.capped, q.followUps - q.users, 'the second follow-up of each user that had two was capped');
        assert.strictEqual(q.sent + q.capped, q.followUps);
    });
});
