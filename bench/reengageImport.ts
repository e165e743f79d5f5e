/**
 * Re-engagement import figure (issue 18): `followups reengage --from <file.jsonl>` with 10,000 lines (time), then
 * the same file again (duplicates scheduled: the goal is 0).
 *
 *     npm run build && node dist/bench/reengageImport.js [--lines=10000]
 *
 * Runs on `MONGODB_URI` when set, else the embedded CongoDB server in a child process.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MongoClient } from 'mongodb';
import { main } from '../src/cli/main';
import { BenchServer, benchDbName, startServer } from './support/server';

/** What {@link measureReengageImport} measured. */
export interface ReengageImportResult {
    lines: number;
    first: { ms: number; scheduled: number; duplicates: number; bad: number };
    second: { ms: number; scheduled: number; duplicates: number; bad: number };
    records: number;
}

/**
 * Writes a file of `lines` users silent 31 to 90 days and imports it twice with the CLI.
 *
 * @param server The database server.
 * @param lines How many lines.
 * @returns The two imports' counts and times, and the records in the collection after both.
 */
export async function measureReengageImport(server: BenchServer, lines: number): Promise<ReengageImportResult> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reengage-bench-'));
    const file = path.join(dir, 'users.jsonl');
    const now = Date.now();
    const rows = Array.from({ length: lines }, (_, i) =>
        JSON.stringify({
            reference: {
                channelId: 'msteams',
                serviceUrl: 'https://smba.trafficmanager.net/emea/',
                conversation: { id: `a:1conversation-${i}`, conversationType: 'personal', tenantId: 'tenant' },
                user: { id: `29:user-${i}`, name: '' },
                bot: { id: '28:bot', name: 'bot' },
                locale: ['en-US', 'es-ES', 'pt-BR'][i % 3],
            },
            userId: `29:user-${i}`,
            lastActivityAt: new Date(now - (31 + (i % 60)) * 86_400_000).toISOString(),
        })
    );
    fs.writeFileSync(file, `${rows.join('\n')}\n`);
    const uri = server.uriFor(benchDbName('reengage'));
    const once = async () => {
        let stdout = '';
        const started = Date.now();
        await main(['followups', 'reengage', '--mongo', uri, '--from', file, '--json'], { stdout: (t) => (stdout += t), stderr: () => undefined }, {});
        const report = JSON.parse(stdout) as { scheduled: number; duplicates: number; bad: unknown[] };
        return { ms: Date.now() - started, scheduled: report.scheduled, duplicates: report.duplicates, bad: report.bad.length };
    };
    try {
        const first = await once();
        const second = await once();
        const client = new MongoClient(uri);
        await client.connect();
        const records = await client.db().collection('inactivityFollowUps').countDocuments();
        await client.db().dropDatabase();
        await client.close();
        return { lines, first, second, records };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function run(): Promise<void> {
    const lines = Number(process.argv.find((a) => a.startsWith('--lines='))?.slice('--lines='.length) ?? 10_000);
    const server = await startServer();
    try {
        const r = await measureReengageImport(server, lines);
        process.stdout.write(`${JSON.stringify({ server: `${server.kind} ${server.version}`, cores: os.cpus().length, ...r }, null, 2)}\n`);
    } finally {
        await server.stop();
    }
}

if (require.main === module) {
    run().catch((err: unknown) => {
        process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
        process.exitCode = 1;
    });
}
