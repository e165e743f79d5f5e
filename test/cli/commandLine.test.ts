import assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseCommandLine } from '../../src/cli/commandLine';
import { main } from '../../src/cli/main';
import { InactivityConfigError } from '../../src/core/errors';
import { freshDb } from '../support/mongo';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
const BIN = path.join(PACKAGE_ROOT, 'bin', 'botbuilder-inactivity.js');
const ID = '0123456789abcdef01234567';
/** Nothing listens on port 1: a command that got this far would fail with status 1, not 2. */
const NOWHERE = 'mongodb://127.0.0.1:1/x';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, env);
    return { code, stdout, stderr };
}

/** Every command and sub-action, with the arguments it needs. */
const COMMANDS: string[][] = [
    ['check-locales'],
    ['report'],
    ['followups', 'list'],
    ['followups', 'cancel', ID],
    ['followups', 'reschedule', ID, '2 hours'],
    ['followups', 'health'],
];
const MONGO_COMMANDS = COMMANDS.filter((c) => c[0] !== 'check-locales');

describe('CLI: one command line for every command', function () {
    this.timeout(30_000);

    it('prints the usage for --help and -h on every command and sub-action, exit status 0, even beside a bad flag', async () => {
        for (const command of [...COMMANDS, ['followups']]) {
            for (const help of [['--help'], ['-h'], ['--bogus', '--help']]) {
                const argv = [...command, ...help];
                const out = await run(argv);
                assert.strictEqual(out.code, 0, `${argv.join(' ')}: ${out.stderr}`);
                assert.strictEqual(out.stderr, '', argv.join(' '));
                assert.match(out.stdout, /^Usage/, argv.join(' '));
                assert.match(out.stdout, new RegExp(`  ${command[0]}`), argv.join(' '));
            }
        }
    });

    it('refuses an unknown flag on every command with exit status 2, what is wrong and the usage on stderr', async () => {
        for (const command of COMMANDS) {
            for (const bogus of ['--bogus', '--bogus=1', '-x']) {
                const argv = [...command, '--mongo', NOWHERE, bogus].filter(
                    (a, i) => command[0] !== 'check-locales' || (i !== command.length && i !== command.length + 1)
                );
                const out = await run(argv);
                assert.strictEqual(out.code, 2, `${argv.join(' ')}: ${out.stderr}`);
                assert.match(out.stderr, new RegExp(`^botbuilder-inactivity ${command[0]}: unknown option "${bogus}"\\.\\n\\nUsage:\\n`), argv.join(' '));
                assert.strictEqual(out.stdout, '');
            }
        }
    });

    it('refuses a flag without its value, and a value given to a switch, on every command (exit status 2)', async () => {
        const cases: Array<[string[], RegExp]> = [
            [['check-locales', '--dir'], /--dir needs a value, as in --dir <folder>\./],
            [['check-locales', '--dir', '--help-me'], /--dir needs a value/],
            [['report', '--since'], /--since needs a value, as in --since <when>\./],
            [['report', '--mongo', '--json'], /--mongo needs a value, as in --mongo <uri>\./],
            [['report', '--json=yes', '--mongo', NOWHERE], /--json takes no value; got "--json=yes"\./],
            [['followups', 'list', '--user'], /--user needs a value/],
            [['followups', 'list', '--mongo='], /--mongo needs a value/],
            [['followups', 'health', '--user', 'u', '--mongo', NOWHERE], /unknown option "--user"/],
            [['followups', 'health', '--json=1', '--mongo', NOWHERE], /--json takes no value/],
        ];
        for (const [argv, message] of cases) {
            const out = await run(argv);
            assert.strictEqual(out.code, 2, `${argv.join(' ')}: ${out.stderr}`);
            assert.match(out.stderr, message, argv.join(' '));
            assert.match(out.stderr, /Usage:/, argv.join(' '));
        }
    });

    it('asks for --mongo or MONGODB_URI, naming both, on every command that reads MongoDB', async () => {
        for (const command of MONGO_COMMANDS) {
            const out = await run(command, {});
            assert.strictEqual(out.code, 2, command.join(' '));
            assert.match(out.stderr, /--mongo <uri> is needed, or the MONGODB_URI environment variable/, command.join(' '));
        }
    });

    it('reads MONGODB_URI on every command that reads MongoDB, when --mongo is not given', async () => {
        const mongo = await freshDb();
        try {
            const env = { MONGODB_URI: mongo.uri };
            const report = await run(['report', '--json'], env);
            assert.strictEqual(report.code, 0, report.stderr);
            assert.deepStrictEqual(JSON.parse(report.stdout).flows, []);
            const list = await run(['followups', 'list', '--json'], env);
            assert.strictEqual(list.code, 0, list.stderr);
            assert.deepStrictEqual(JSON.parse(list.stdout), []);
            // Status 1 and the database's answer: the command reached the database, not a usage error.
            const cancel = await run(['followups', 'cancel', ID], env);
            assert.deepStrictEqual([cancel.code, cancel.stdout], [1, `${ID} was not cancelled: not found, or no longer pending.\n`], cancel.stderr);
            const reschedule = await run(['followups', 'reschedule', ID, '2 hours'], env);
            assert.deepStrictEqual(
                [reschedule.code, reschedule.stdout],
                [1, `${ID} was not rescheduled: not found, or being sent right now.\n`],
                reschedule.stderr
            );
            const health = await run(['followups', 'health', '--json'], env);
            assert.strictEqual(health.code, 0, health.stderr);
            assert.strictEqual(JSON.parse(health.stdout).status, 'ok');
            // --mongo wins over MONGODB_URI.
            assert.strictEqual((await run(['followups', 'health', '--mongo', mongo.uri], { MONGODB_URI: NOWHERE })).code, 0);
        } finally {
            await mongo.close();
        }
    });

    it('reports bad input from the installed bin with status 2 and no stack trace', () => {
        for (const argv of [
            ['report', '--since', 'yesterday', '--mongo', NOWHERE],
            ['followups', 'list', '--limit', '0', '--mongo', NOWHERE],
            ['report', '--prefix', '1x', '--mongo', NOWHERE],
        ]) {
            const out = spawnSync(process.execPath, [BIN, ...argv], { encoding: 'utf8' });
            assert.strictEqual(out.status, 2, argv.join(' ') + out.stderr);
            assert.doesNotMatch(out.stderr, /^\s+at /m, 'no stack trace');
            assert.doesNotMatch(out.stderr, /InactivityConfigError|Error:/);
        }
    });

    it('raises InactivityConfigError naming the flag and the value', () => {
        assert.throws(
            () => parseCommandLine(['--lang', 'es'], { dir: { type: 'string' } }),
            (err: unknown) => err instanceof InactivityConfigError && /unknown option "--lang"/.test(err.message)
        );
        assert.throws(
            () => parseCommandLine(['--json=no'], { json: { type: 'boolean' } }),
            (err: unknown) => err instanceof InactivityConfigError && /--json takes no value; got "--json=no"/.test(err.message)
        );
        assert.deepStrictEqual(parseCommandLine(['a', '--dir=x', '--', '--b'], { dir: { type: 'string' } }), {
            help: false,
            values: { dir: 'x' },
            positionals: ['a', '--b'],
        });
    });

    it('keeps src/cli free of import cycles and every file under 400 lines', () => {
        const root = path.join(PACKAGE_ROOT, 'src', 'cli');
        const files = fs
            .readdirSync(root, { recursive: true, encoding: 'utf8' })
            .filter((f) => f.endsWith('.ts'))
            .map((f) => path.join(root, f));
        const resolve = (from: string, spec: string): string | undefined => {
            const base = path.resolve(path.dirname(from), spec);
            return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => files.includes(f));
        };
        const imports = new Map(
            files.map((f) => {
                const text = fs.readFileSync(f, 'utf8');
                assert.ok(text.split('\n').length <= 400, `${f} has more than 400 lines`);
                const specs = [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => resolve(f, m[1])).filter((x): x is string => x !== undefined);
                return [f, specs];
            })
        );
        const visit = (file: string, trail: string[]): void => {
            assert.ok(!trail.includes(file), `import cycle: ${[...trail, file].map((f) => path.relative(root, f)).join(' -> ')}`);
            for (const next of imports.get(file) ?? []) visit(next, [...trail, file]);
        };
        files.forEach((f) => visit(f, []));
    });
});
