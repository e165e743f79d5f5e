import assert from 'assert';
import { explainQueries, QUERIES } from '../../bench/indexes';
import type { BenchServer } from '../../bench/support/server';
import { isRealMongo, mongoUri } from '../support/mongo';

/** The README's Indexes table: every query the plugin and Agenda run at scale, and the index that serves it. */
describe('Indexes of the queries run at scale', function () {
    this.timeout(60_000);

    async function server(): Promise<BenchServer> {
        const uri = await mongoUri();
        return {
            kind: isRealMongo() ? 'MongoDB' : 'CongoDB',
            version: '',
            uri,
            cpuMs: async () => undefined,
            uriFor: (name) => {
                const url = new URL(uri);
                url.pathname = `/${name}`;
                return url.toString();
            },
            stop: async () => undefined,
        };
    }

    // On a real MongoDB (MONGODB_URI) each query is explained: an index scan on the named index, keys examined
    // printed. CongoDB has no explain(): there the indexes are only checked to exist.
    it('creates every index the table names, and each query scans it', async () => {
        const result = await explainQueries(await server(), isRealMongo() ? 20_000 : 200);
        const missing = QUERIES.filter((q) => !result.present[q.collection]?.includes(q.index)).map((q) => `${q.what}: ${q.collection}.${q.index}`);
        assert.deepStrictEqual(missing, []);
        if (result.explained) {
            for (const e of result.explained) {
                console.log(`      ${e.ok ? 'ok' : 'NO'}  ${e.what}: ${e.used}, ${e.keysExamined} keys, ${e.docsExamined} docs examined`);
            }
            assert.deepStrictEqual(
                result.explained.filter((e) => !e.ok).map((e) => `${e.what}: ${e.used} instead of ${e.index}`),
                [],
                'index scans on the named indexes'
            );
            // 20,000 timers, 20 due and 20 locked: no query walks the collection.
            assert.ok(
                result.explained.every((e) => (e.keysExamined ?? 0) <= 200),
                'keys examined stay in the dozens'
            );
        }
    });
});
