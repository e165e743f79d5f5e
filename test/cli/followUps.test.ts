import assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { freshDb } from '../support/mongo';
import { referenceOf, serviceOn } from '../followups/followUpRig';

const BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'botbuilder-inactivity.js');

/** Runs the CLI with an empty environment, so a MONGODB_URI set for the test run is not read unless a test says so. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, env);
    return { code, stdout, stderr };
}

describe('CLI: botbuilder-inactivity followups', function () {
    this.timeout(30_000);

    it('list (table and --json), cancel, reschedule and health against the database', async () => {
        const mongo = await freshDb();
        const { service } = serviceOn(mongo.db);
        try {
            await service.start();
            const a = await service.scheduleCustom({
                reference: referenceOf('cli-user'),
                at: new Date('2031-01-01T10:00:00Z'),
                template: 'followups:checkIn',
                key: 'a',
            });
            const b = await service.scheduleCustom({
                reference: referenceOf('cli-user'),
                at: new Date('2031-01-02T10:00:00Z'),
                template: 'followups:checkIn',
                key: 'b',
            });
            await service.scheduleCustom({ reference: referenceOf('other'), at: new Date('2031-01-03T10:00:00Z'), template: 'followups:checkIn', key: 'c' });

            const listed = await run(['followups', 'list', '--mongo', mongo.uri, '--user', 'cli-user', '--json']);
            assert.strictEqual(listed.code, 0, listed.stderr);
            const rows = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
            assert.deepStrictEqual(
                rows.map((r) => r.id),
                [b.id, a.id]
            );
            assert.deepStrictEqual(Object.keys(rows[0]), ['id', 'type', 'status', 'userId', 'conversationId', 'scheduledAt', 'executedAt', 'attempts']);
            assert.deepStrictEqual(rows[1], {
                id: a.id,
                type: 'custom',
                status: 'pending',
                userId: 'cli-user',
                conversationId: 'conv-cli-user',
                scheduledAt: '2031-01-01T10:00:00.000Z',
                executedAt: null,
                attempts: 0,
            });

            const table = await run(['followups', 'list', '--mongo', mongo.uri]);
            assert.match(table.stdout.split('\n')[0], /^id\s+type\s+status\s+userId\s+conversationId\s+scheduledAt\s+executedAt\s+attempts$/);
            assert.strictEqual(table.stdout.trim().split('\n').length, 4);

            assert.strictEqual((await run(['followups', 'cancel', a.id, '--mongo', mongo.uri])).code, 0);
            const again = await run(['followups', 'cancel', a.id, '--mongo', mongo.uri]);
            assert.strictEqual(again.code, 1);
            assert.match(again.stdout, /not found, or no longer pending/);

            const moved = await run(['followups', 'reschedule', b.id, '2032-05-05T08:30:00Z', '--mongo', mongo.uri]);
            assert.strictEqual(moved.code, 0, moved.stderr);
            assert.strictEqual((await service.get(b.id))?.scheduledAt.toISOString(), '2032-05-05T08:30:00.000Z');

            const health = await run(['followups', 'health', '--mongo', mongo.uri, '--json']);
            const h = JSON.parse(health.stdout) as Record<string, unknown>;
            assert.strictEqual(h.pending, 2);
            assert.deepStrictEqual(
                Object.keys(h).sort(),
                ['executedToday', 'failed', 'lastSweeps', 'oldestOverdueMs', 'overdue', 'p95LatenessMs', 'pending', 'running', 'status', 'workers'].sort()
            );
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    // Regression: the CLI said `running false` while the bot's endpoint said `running: true`, with nothing to say
    // that `running` is about the process asking, nor whether the bot's instances were sending at all.
    it("health: running is this process's (false in the CLI); workers shows from the database the bot's sending instance, then its silence", async () => {
        const mongo = await freshDb();
        const { service } = serviceOn(mongo.db, { send: true, processEvery: 200 });
        try {
            await service.start();
            const jobs = mongo.db.collection('inactivityFollowUpJobs');
            const deadline = Date.now() + 10_000;
            while (!(await jobs.findOne({ name: 'bbi:followups', lastFinishedAt: { $type: 'date' } })) && Date.now() < deadline) {
                await new Promise((r) => setTimeout(r, 100));
            }
            const bot = await service.health();
            assert.strictEqual(bot.running, true, 'the bot runs the wake-up');
            assert.strictEqual(bot.workers.alive, true);
            assert.ok(bot.workers.lastWakeUpAt instanceof Date);

            const cli = await run(['followups', 'health', '--mongo', mongo.uri, '--json']);
            const h = JSON.parse(cli.stdout) as { running: boolean; workers: Record<string, unknown> };
            assert.strictEqual(h.running, false, 'the CLI sends nothing itself');
            assert.strictEqual(h.workers.alive, true, 'but it sees the bot sending');
            assert.strictEqual(h.workers.lastWakeUpAt, bot.workers.lastWakeUpAt?.toISOString());
            assert.deepStrictEqual(Object.keys(h.workers).sort(), ['alive', 'lastSentAt', 'lastWakeUpAt', 'nextWakeUpAt', 'wakingNow']);

            const text = (await run(['followups', 'health', '--mongo', mongo.uri])).stdout;
            assert.match(text, /^running {10}false \(whether this process sends follow-ups; the CLI only reads: see workers\)$/m);
            assert.match(text, /^workers {10}sending: an instance woke \d+ s ago$/m);
            assert.match(text, /^ {2}last sent +never$/m);

            await service.stop();
            // The bot stopped 21 minutes ago: its last wake-up is that old.
            await jobs.updateOne({ name: 'bbi:followups' }, { $set: { lastFinishedAt: new Date(Date.now() - 21 * 60_000), lockedAt: null } });
            const silent = JSON.parse((await run(['followups', 'health', '--mongo', mongo.uri, '--json'])).stdout) as { workers: { alive: boolean } };
            assert.strictEqual(silent.workers.alive, false);
            assert.match((await run(['followups', 'health', '--mongo', mongo.uri])).stdout, /^workers {10}none seen: no instance woke in the last 20 minutes/m);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('health on a database no sender ever used: no workers, never woke', async () => {
        const mongo = await freshDb();
        try {
            const h = JSON.parse((await run(['followups', 'health', '--mongo', mongo.uri, '--json'])).stdout) as { workers: Record<string, unknown> };
            assert.deepStrictEqual(h.workers, { lastWakeUpAt: null, nextWakeUpAt: null, wakingNow: false, lastSentAt: null, alive: false });
            assert.match((await run(['followups', 'health', '--mongo', mongo.uri])).stdout, /^ {2}last wake-up +never$/m);
        } finally {
            await mongo.close();
        }
    });

    it('prints its usage for --help and -h, after the action or without one (exit status 0, nothing on stderr)', async () => {
        for (const argv of [
            ['followups', '--help'],
            ['followups', '-h'],
            ['followups', 'list', '--help'],
            ['followups', 'reschedule', '-h'],
        ]) {
            const help = await run(argv);
            assert.strictEqual(help.code, 0, `${argv.join(' ')}: ${help.stderr}`);
            assert.strictEqual(help.stderr, '', argv.join(' '));
            assert.match(help.stdout, /followups reschedule <id> <when>/, argv.join(' '));
        }
    });

    it('says what is wrong with a command line (exit status 2)', async () => {
        const noMongo = await run(['followups', 'list']);
        assert.strictEqual(noMongo.code, 2);
        assert.match(noMongo.stderr, /--mongo <uri> is needed/);
        const badWhen = await run(['followups', 'reschedule', '0123456789abcdef01234567', 'tomorrow-ish', '--mongo', 'mongodb://127.0.0.1:1/x']);
        assert.strictEqual(badWhen.code, 2);
        assert.match(badWhen.stderr, /<when> "tomorrow-ish" is neither a duration .* nor a date/);
        const badStatus = await run(['followups', 'list', '--status', 'done', '--mongo', 'mongodb://127.0.0.1:1/x']);
        assert.match(badStatus.stderr, /--status must be one of pending, sending, executed, cancelled, failed, skipped/);
    });

    it('reengage --from <file.jsonl>: 1,000 lines go in, bad lines are reported with their number and skipped, and a second import adds 0', async () => {
        const mongo = await freshDb();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reengage-'));
        const file = path.join(dir, 'users.jsonl');
        const now = Date.now();
        const lines = Array.from({ length: 1000 }, (_, i) =>
            JSON.stringify({ reference: referenceOf(`imp${i}`), userId: `imp${i}`, lastActivityAt: new Date(now - (31 + (i % 60)) * 86_400_000).toISOString() })
        );
        lines[6] = '{"reference": {"conversation": {"id": "c7"}}, "userId": "u7", '; // line 7: cut short
        lines[19] = JSON.stringify({ reference: referenceOf('u20'), userId: 'u20' }); // line 20: no lastActivityAt
        lines[99] = JSON.stringify({ reference: { channelId: 'msteams' }, userId: 'u100', lastActivityAt: '2026-01-01T00:00:00Z' }); // line 100
        fs.writeFileSync(file, `${lines.join('\n')}\n\n`);
        const { service } = serviceOn(mongo.db);
        try {
            await service.start();
            // One user the middleware already armed: a duplicate, not moved.
            await service.armReengagement(referenceOf('imp5'));

            const first = await run(['followups', 'reengage', '--mongo', mongo.uri, '--from', file, '--json']);
            assert.strictEqual(first.code, 1, first.stderr);
            const report = JSON.parse(first.stdout) as { lines: number; scheduled: number; duplicates: number; bad: Array<{ line: number; error: string }> };
            assert.deepStrictEqual([report.lines, report.scheduled, report.duplicates], [1000, 996, 1]);
            assert.deepStrictEqual(
                report.bad.map((b) => b.line),
                [7, 20, 100]
            );
            assert.match(first.stderr, /^line 7: not JSON .*; skipped\.$/m);
            assert.match(first.stderr, /^line 20: "lastActivityAt" must be a date such as "2026-03-01T10:00:00Z"; got undefined; skipped\.$/m);
            assert.match(first.stderr, /^line 100: "reference" must be a conversation reference with conversation.id; skipped\.$/m);
            assert.strictEqual(await mongo.db.collection('inactivityFollowUps').countDocuments({ type: 'reengagement' }), 997);
            const one = (await service.list({ userId: 'imp42' })).items[0];
            assert.strictEqual(one.trigger.lastMessageAt?.toString(), new Date(now - (31 + 42) * 86_400_000).toString());

            const second = await run(['followups', 'reengage', '--mongo', mongo.uri, '--from', file]);
            assert.strictEqual(second.code, 1);
            assert.match(
                second.stdout,
                /^1000 lines in [\d.]+ s: 0 re-engagements scheduled, 997 duplicates \(the user had one already\), 3 bad lines skipped\.$/m
            );
            assert.strictEqual(await mongo.db.collection('inactivityFollowUps').countDocuments({ type: 'reengagement' }), 997);

            const noFile = await run(['followups', 'reengage', '--mongo', mongo.uri]);
            assert.strictEqual(noFile.code, 2);
            assert.match(noFile.stderr, /reengage needs --from <file.jsonl>/);
            const badAfter = await run(['followups', 'reengage', '--mongo', mongo.uri, '--from', file, '--after', 'soonish']);
            assert.strictEqual(badAfter.code, 2);
        } finally {
            await service.stop();
            await mongo.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it('runs from the installed bin: health --json', async () => {
        const mongo = await freshDb();
        try {
            const out = await new Promise<{ code: number; stdout: string }>((resolve) => {
                execFile(process.execPath, [BIN, 'followups', 'health', '--mongo', mongo.uri, '--json'], (err, stdout) =>
                    resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout })
                );
            });
            assert.strictEqual(out.code, 0);
            assert.strictEqual(JSON.parse(out.stdout).status, 'ok');
        } finally {
            await mongo.close();
        }
    });
});
