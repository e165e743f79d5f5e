import assert from 'assert';
import { readSampleConfig } from '../../samples/sampleConfig';
import { startSample } from '../../samples/sampleServer';
import { startAgentsSample } from '../../samples/agents/agentsSampleServer';
import { freshDb } from '../support/mongo';

/*
 * INACTIVITY_ADMIN_TOKEN on both samples: the operator routes (the drop-off report, the follow-ups' health) refuse
 * a request without the token and answer one with it, in the header or the query.
 */

const TOKEN = 'correct horse battery staple';
const ROUTES = ['/report', '/report?format=json', '/api/followups/health'];

interface Started {
    port: number;
    stop(): Promise<void>;
}

const samples: Array<[string, (config: ReturnType<typeof readSampleConfig>) => Promise<Started>]> = [
    ['the botbuilder sample', (config) => startSample(config)],
    ['the Agents SDK sample', (config) => startAgentsSample(config)],
];

async function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; auth: string | null; body: string }> {
    const res = await fetch(`http://localhost:${port}${path}`, { headers });
    return { status: res.status, auth: res.headers.get('www-authenticate'), body: await res.text() };
}

describe('the samples’ operator routes behind INACTIVITY_ADMIN_TOKEN', function () {
    this.timeout(60_000);

    it('reads the token from the environment, trimmed; blank means none', () => {
        assert.strictEqual(readSampleConfig({ INACTIVITY_ADMIN_TOKEN: `  ${TOKEN} ` }).adminToken, TOKEN);
        assert.strictEqual(readSampleConfig({ INACTIVITY_ADMIN_TOKEN: '  ' }).adminToken, undefined);
        assert.strictEqual(readSampleConfig({}).adminToken, undefined);
    });

    for (const [name, start] of samples) {
        describe(name, () => {
            let sample: Started;
            let mongo: Awaited<ReturnType<typeof freshDb>>;
            before(async () => {
                mongo = await freshDb();
                sample = await start(readSampleConfig({ PORT: '0', MONGODB_URI: mongo.uri, INACTIVITY_ADMIN_TOKEN: TOKEN }));
            });
            after(async () => {
                await sample?.stop();
                await mongo?.close();
            });

            it('refuses a request without the token, or with a wrong one, with a 401 that says what to send', async () => {
                for (const path of ROUTES) {
                    const none = await get(sample.port, path);
                    assert.strictEqual(none.status, 401, `${path} without a token`);
                    assert.match(none.auth ?? '', /^Bearer /);
                    assert.match(none.body, /Authorization: Bearer <token>/);
                    assert.doesNotMatch(none.body, new RegExp(TOKEN));
                    assert.strictEqual((await get(sample.port, path, { authorization: `Bearer ${TOKEN}x` })).status, 401, `${path} with a wrong token`);
                    assert.strictEqual((await get(sample.port, path, { authorization: `Basic ${TOKEN}` })).status, 401, `${path} with another scheme`);
                    const sep = path.includes('?') ? '&' : '?';
                    assert.strictEqual((await get(sample.port, `${path}${sep}token=wrong`)).status, 401, `${path} with a wrong ?token=`);
                }
            });

            it('answers with the token in the Authorization header or in ?token=', async () => {
                for (const path of ROUTES) {
                    const sep = path.includes('?') ? '&' : '?';
                    const header = await get(sample.port, path, { authorization: `Bearer ${TOKEN}` });
                    const query = await get(sample.port, `${path}${sep}token=${encodeURIComponent(TOKEN)}`);
                    for (const res of [header, query]) {
                        assert.notStrictEqual(res.status, 401, `${path}: ${res.body}`);
                    }
                    // The Agents SDK sample's health route says follow-ups do not run there (404); the rest answer 200.
                    assert.strictEqual(header.status, query.status);
                    assert.ok([200, 404].includes(header.status), `${path}: ${header.status}`);
                }
                assert.strictEqual((await get(sample.port, '/report', { authorization: `Bearer ${TOKEN}` })).status, 200);
            });
        });
    }
});
