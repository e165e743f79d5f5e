import assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { MongoFlowRunStore } from '../../src/mongo/flowRunStore';
import { reportPage } from '../../src/report/htmlPage';
import type { DropOffReport } from '../../src/report/report';
import { freshDb } from '../support/mongo';
import { EXPECTED, SINCE, seededRecords, UNTIL } from '../support/flowRunSeed';

type TestDb = Awaited<ReturnType<typeof freshDb>>;

/** Runs the CLI with an empty environment, so a MONGODB_URI set for the test run is not read unless a test says so. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, env);
    return { code, stdout, stderr };
}

/** The page's visible text, tags removed (the SVG charts' labels included). */
function textOf(html: string): string {
    return html
        .replace(/<style>[\s\S]*?<\/style>/, '')
        .replace(/<[^>]+>/g, ' ')
        .replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))
        .replace(/\s+/g, ' ');
}

describe('CLI: botbuilder-inactivity report', function () {
    let db: TestDb;
    const period = ['--since', SINCE.toISOString(), '--until', UNTIL.toISOString()];

    before(async function () {
        db = await freshDb();
        const store = new MongoFlowRunStore(db.db);
        await store.init();
        for (const r of seededRecords()) {
            await store.record(`seed/${r.runId}`, r);
        }
    });
    after(async function () {
        await db.close();
    });

    it('--json prints every number of the seeded dataset', async function () {
        const { code, stdout, stderr } = await run(['report', '--mongo', db.uri, ...period, '--json']);
        assert.strictEqual(code, 0, stderr);
        const json = JSON.parse(stdout);
        assert.deepStrictEqual(
            json.flows.map((f: { flowId: string }) => f.flowId),
            ['booking', 'signup']
        );
        for (const flow of json.flows) {
            const expected = EXPECTED[flow.flowId as keyof typeof EXPECTED];
            for (const [key, value] of Object.entries(expected)) {
                const actual = key === 'funnel' ? flow.funnel.map((s: { step: string; reached: number }) => ({ step: s.step, reached: s.reached })) : flow[key];
                assert.deepStrictEqual(actual, value, `${flow.flowId}.${key}`);
            }
        }
        assert.strictEqual(json.since, SINCE.toISOString());
    });

    it('--flow and a duration for --since', async function () {
        const { code, stdout } = await run(['report', '--mongo', db.uri, '--since', '100000d', '--flow', 'signup', '--json']);
        assert.strictEqual(code, 0);
        // 100,000 days back reaches the records that ended before the period too.
        assert.deepStrictEqual(
            JSON.parse(stdout).flows.map((f: { flowId: string; runs: number }) => [f.flowId, f.runs]),
            [['signup', 4]]
        );
    });

    it('--csv prints one row per number', async function () {
        const { code, stdout } = await run(['report', '--mongo', db.uri, ...period, '--csv']);
        assert.strictEqual(code, 0);
        const lines = stdout.trimEnd().split('\r\n');
        assert.strictEqual(lines[0], 'flowId,metric,step,reason,day,value');
        for (const line of [
            'booking,started,,,,9',
            'booking,completed,,,,5',
            'booking,recoveredAfterReminder,,,,1',
            'booking,completedAfterResume,,,,1',
            'booking,medianTimeToAbandonMs,,,,160000',
            'booking,reached,confirm,,,8',
            'booking,abandonedByStepAndReason,confirm,paymentFailed,,1',
            'booking,trendAbandoned,,,2026-11-21,3',
            'signup,abandonedByStepAndReason,1,userCancelled,,1',
            // The two totals --json names (abandonedByStep, abandonedByReason), not only their cross-table.
            'booking,abandonedByStep,name,,,1',
            'booking,abandonedByStep,date,,,2',
            'booking,abandonedByStep,confirm,,,3',
            'booking,abandonedByReason,,timeout,,3',
            'booking,abandonedByReason,,paymentFailed,,1',
            'signup,abandonedByStep,1,,,1',
            'signup,abandonedByReason,,userCancelled,,1',
        ]) {
            assert.ok(lines.includes(line), `missing CSV row ${line}`);
        }
    });

    it('--out writes one self-contained page with the numbers, the funnel and the reasons', async function () {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bbi-report-')), 'report.html');
        const { code, stdout } = await run(['report', '--mongo', db.uri, ...period, '--out', file]);
        assert.strictEqual(code, 0);
        assert.match(stdout, /Wrote .*report\.html \(2 flows\)/);
        const html = fs.readFileSync(file, 'utf8');
        assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/, 'no script, nothing from the network');
        assert.strictEqual((html.match(/<svg /g) ?? []).length, 4, 'a funnel and a reasons chart per flow');
        const text = textOf(html);
        for (const part of [
            'booking',
            'signup',
            'Started 9',
            'Completed 5 56%',
            'Abandoned 6 55%',
            'of which handed off to a person 1 17%',
            'Median time to abandon 2 min 40 s',
            'Reminded 4',
            'Answered after a reminder 2 50%',
            'Completed after a reminder 1 25%',
            'Resumed 2 33%',
            'Completed after resuming 1 50%',
            'Given more time 3',
            'Started: 9',
            'Step name: 9',
            'Step date: 8',
            'Step confirm: 8',
            'Completed: 5',
            'timeout',
            'invalidInput',
            'handoff',
            'paymentFailed',
            'userCancelled',
            'name 9 1 10 s',
            'date 8 2 20 s',
            'confirm 8 3 30 s',
            '2026-11-20 5 2 3',
            '2026-11-21 4 3 3',
        ]) {
            assert.ok(text.includes(part), `the page lacks "${part}"`);
        }
    });

    it("--labels shows the designers' labels of flows and steps on the --out page, with the ids beside them", async function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bbi-report-'));
        const labels = path.join(dir, 'labels.json');
        fs.writeFileSync(labels, JSON.stringify({ booking: { label: 'Book a session', steps: { name: 'Your name', date: 'Day and time' } } }));
        const file = path.join(dir, 'report.html');
        const { code, stderr } = await run(['report', '--mongo', db.uri, ...period, '--out', file, '--labels', labels]);
        assert.strictEqual(code, 0, stderr);
        const html = fs.readFileSync(file, 'utf8');
        assert.match(html, /<h2>Book a session <code class="id">booking<\/code><\/h2>/);
        assert.match(html, /<h2>signup<\/h2>/, 'a flow without a label keeps its id');
        const text = textOf(html);
        for (const part of ['Your name (name): 9', 'Day and time (date): 8', 'Step confirm: 8', 'Your name name 9 1 10 s']) {
            assert.ok(text.includes(part), `the page lacks "${part}"`);
        }
        fs.writeFileSync(labels, JSON.stringify({ booking: { label: 3 } }));
        const bad = await run(['report', '--mongo', db.uri, '--out', file, '--labels', labels]);
        assert.strictEqual(bad.code, 2);
        assert.match(bad.stderr, /"booking"\.label must be a text/);
        assert.match((await run(['report', '--mongo', db.uri, '--json', '--labels', labels])).stderr, /--labels goes with --out/);
    });

    it('escapes names the bot chose (flow ids, reasons)', function () {
        const evil = '<img src=x onerror=alert(1)>';
        const data: DropOffReport = {
            since: null,
            until: UNTIL,
            generatedAt: UNTIL,
            builtInReasons: ['timeout'],
            flows: [
                {
                    flowId: evil,
                    runs: 1,
                    started: 1,
                    completed: 0,
                    abandoned: 1,
                    handedOff: 0,
                    completionRate: 0,
                    funnel: [{ step: evil, reached: 1, meanMs: 1000 }],
                    abandonedByStep: { [evil]: 1 },
                    abandonedByReason: { [evil]: 1 },
                    abandonedByStepAndReason: [{ step: evil, reason: evil, count: 1 }],
                    reminded: 0,
                    answeredAfterReminder: 0,
                    recoveredAfterReminder: 0,
                    skippedForFatigue: 0,
                    experiment: { holdout: { runs: 0, recovered: 0 }, reminded: { runs: 0, recovered: 0 }, lift: null, ci95: null },
                    steps: [
                        {
                            step: evil,
                            skippedForFatigue: 1,
                            experiment: { holdout: { runs: 1, recovered: 0 }, reminded: { runs: 1, recovered: 1 }, lift: 1, ci95: [-0.2, 1] },
                        },
                    ],
                    resumed: 0,
                    completedAfterResume: 0,
                    extensions: 0,
                    medianTimeToAbandonMs: 1000,
                    trend: [],
                },
            ],
        };
        const html = reportPage(data);
        assert.ok(!html.includes('<img'), 'a name is never markup');
        assert.ok(textOf(html).includes(evil));
    });

    it('refuses a wrong command line with status 2 and says what to do', async function () {
        assert.match((await run(['report', '--json'])).stderr, /--mongo <uri> is needed, or the MONGODB_URI environment variable/);
        assert.strictEqual((await run(['report', '--mongo', db.uri, '--json', '--csv'])).code, 2);
        assert.match((await run(['report', '--mongo', db.uri, '--since', 'yesterday'])).stderr, /neither a duration .* nor a date/);
        assert.match((await run(['report', '--mongo', db.uri, '--bogus'])).stderr, /unknown option "--bogus"/);
        assert.match((await run(['--help'])).stdout, /report {12}The drop-off report/);
    });

    it('prints a text summary without a format flag', async function () {
        const { code, stdout } = await run(['report', '--mongo', db.uri, ...period]);
        assert.strictEqual(code, 0);
        assert.match(stdout, /booking: started 9, completed 5, abandoned 6 \(timeout 3, invalidInput 1, handoff 1, paymentFailed 1\)/);
    });
});
