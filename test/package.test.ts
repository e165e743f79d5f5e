import assert from 'assert';
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import ts from 'typescript';

// Compiled to dist/test/: the package root is two folders up. These tests check what a consumer gets from
// the built package, so they need a full `npm run build` (tsc, then tools/write-esm-entry.js).
const ROOT = join(__dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const ESM_ENTRY = join(ROOT, 'dist', 'esm', 'index.mjs');
const ESM_TESTING_ENTRY = join(ROOT, 'dist', 'esm', 'testing.mjs');

/** Runs `node <args>` from the package root, where Node resolves the package's own name through "exports". */
function node(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Parses the JSON the child printed on its last line, or fails showing its stderr. */
function childJson(run: { status: number | null; stdout: string; stderr: string }): Record<string, unknown> {
    assert.strictEqual(run.status, 0, `the child process failed:\n${run.stderr}`);
    return JSON.parse(run.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
}

function assertBuilt(): void {
    assert.ok(existsSync(join(ROOT, 'dist', 'src', 'index.js')), 'dist/src/index.js is missing: run `npm run build`');
    assert.ok(existsSync(ESM_ENTRY), 'dist/esm/index.mjs is missing: run `npm run build` (tsc alone does not write it)');
    assert.ok(existsSync(ESM_TESTING_ENTRY), 'dist/esm/testing.mjs is missing: run `npm run build` (tsc alone does not write it)');
}

describe('the published package', function () {
    this.timeout(60_000);

    before(assertBuilt);

    it("require('botbuilder-inactivity') gives the middleware and the defaults", () => {
        const out = childJson(
            node([
                '-e',
                "const m = require('botbuilder-inactivity'); console.log(JSON.stringify({ mw: typeof m.InactivityMiddleware, reminderAfter: m.DEFAULTS.reminderAfter, file: require.resolve('botbuilder-inactivity') }))",
            ])
        );
        assert.strictEqual(out.mw, 'function');
        assert.strictEqual(out.reminderAfter, '5 minutes');
        assert.strictEqual(out.file, join(ROOT, 'dist', 'src', 'index.js'));
    });

    it("import from 'botbuilder-inactivity' gives the middleware and the defaults, and every CommonJS export", () => {
        const out = childJson(
            node([
                '--input-type=module',
                '-e',
                [
                    "import { InactivityMiddleware, DEFAULTS } from 'botbuilder-inactivity';",
                    "import * as all from 'botbuilder-inactivity';",
                    "import { createRequire } from 'module';",
                    "const cjs = createRequire(process.cwd() + '/')('botbuilder-inactivity');",
                    'console.log(JSON.stringify({ mw: typeof InactivityMiddleware, reminderAfter: DEFAULTS.reminderAfter, same: InactivityMiddleware === cjs.InactivityMiddleware,',
                    "  esm: Object.keys(all).filter((k) => k !== 'default').sort(), cjs: Object.keys(cjs).filter((k) => k !== '__esModule').sort() }));",
                ].join('\n'),
            ])
        );
        assert.strictEqual(out.mw, 'function');
        assert.strictEqual(out.reminderAfter, '5 minutes');
        assert.strictEqual(out.same, true, 'one module instance, not a second copy with its own state');
        assert.deepStrictEqual(out.esm, out.cjs, 'dist/esm/index.mjs re-exports every name (a stale one means: run `npm run build`)');
    });

    it("'botbuilder-inactivity/testing' gives the test helpers to require() and import, one instance for both", () => {
        const out = childJson(
            node([
                '--input-type=module',
                '-e',
                [
                    "import { TestScheduler, InactivityTestAdapter, clickContinue } from 'botbuilder-inactivity/testing';",
                    "import * as all from 'botbuilder-inactivity/testing';",
                    "import { createRequire } from 'module';",
                    "const cjs = createRequire(process.cwd() + '/')('botbuilder-inactivity/testing');",
                    'console.log(JSON.stringify({ scheduler: typeof TestScheduler, adapter: typeof InactivityTestAdapter, click: typeof clickContinue, same: TestScheduler === cjs.TestScheduler,',
                    "  esm: Object.keys(all).filter((k) => k !== 'default').sort(), cjs: Object.keys(cjs).filter((k) => k !== '__esModule').sort() }));",
                ].join('\n'),
            ])
        );
        assert.strictEqual(out.scheduler, 'function');
        assert.strictEqual(out.adapter, 'function');
        assert.strictEqual(out.click, 'function');
        assert.strictEqual(out.same, true);
        assert.deepStrictEqual(out.esm, out.cjs, 'dist/esm/testing.mjs re-exports every name');
    });

    it('loads neither the test helpers nor mocha or sinon from the main entry', () => {
        const out = childJson(
            node([
                '-e',
                "require('botbuilder-inactivity'); console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /[\\/](testing|mocha|sinon)[\\/]/.test(f))))",
            ])
        );
        assert.deepStrictEqual(out, []);
    });

    describe('for a TypeScript consumer', () => {
        let dir: string;
        before(() => {
            dir = mkdtempSync(join(tmpdir(), 'inactivity-consumer-'));
            mkdirSync(join(dir, 'node_modules'));
            symlinkSync(ROOT, join(dir, 'node_modules', PKG.name), 'dir');
        });
        after(() => {
            rmSync(dir, { recursive: true, force: true });
        });

        it('resolves real types through "exports" from CommonJS and ES module code', () => {
            const source = [
                "import { InactivityMiddleware, DEFAULTS, InactivityConfigError, toMilliseconds } from 'botbuilder-inactivity';",
                "import type { InactivityOptions, FinalAction } from 'botbuilder-inactivity';",
                "import { TestScheduler } from 'botbuilder-inactivity/testing';",
                "export const later: Promise<number> = new TestScheduler().advance('5 minutes');",
                "export const ms: number = toMilliseconds(DEFAULTS.reminderAfter, 'reminderAfter');",
                "export const ok: Pick<InactivityOptions, 'finalAction' | 'closeAfter'> = { finalAction: 'handoff', closeAfter: '10 minutes' };",
                'export type Ctor = typeof InactivityMiddleware;',
                "export const err: Error = new InactivityConfigError('x');",
                // Proves the types are real, not `any`: this line must be the only error.
                "export const bad: FinalAction = 'explode';",
            ].join('\n');
            writeFileSync(join(dir, 'consumer.ts'), source);
            writeFileSync(join(dir, 'consumer.mts'), source);
            const program = ts.createProgram([join(dir, 'consumer.ts'), join(dir, 'consumer.mts')], {
                module: ts.ModuleKind.Node16,
                moduleResolution: ts.ModuleResolutionKind.Node16,
                target: ts.ScriptTarget.ES2022,
                strict: true,
                noEmit: true,
                skipLibCheck: true,
                types: [],
            });
            const problems = ts
                .getPreEmitDiagnostics(program)
                .map((d) => `${d.file ? d.file.fileName.slice(dir.length + 1) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`)
                .sort();
            assert.deepStrictEqual(problems, [
                `consumer.mts: Type '"explode"' is not assignable to type 'FinalAction'.`,
                `consumer.ts: Type '"explode"' is not assignable to type 'FinalAction'.`,
            ]);
        });
    });

    describe('npm pack', () => {
        let files: string[];
        before(() => {
            const result = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
            assert.strictEqual(result.status, 0, result.stderr);
            files = (JSON.parse(result.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
        });

        it('ships the code, the texts, the manifest and the CLI', () => {
            for (const file of [
                'dist/src/index.js',
                'dist/src/index.d.ts',
                'dist/esm/index.mjs',
                'dist/src/testing/index.js',
                'dist/esm/testing.mjs',
                'LICENSE',
                'CHANGELOG.md',
                'locales/en/inactivity.json',
                'manifest.json',
                'bin/botbuilder-inactivity.js',
                'package.json',
            ]) {
                assert.ok(files.includes(file), `${file} is in the tarball`);
            }
        });

        it('ships every file package.json points at', () => {
            const targets: string[] = [PKG.main, PKG.types, ...Object.values<string>(PKG.bin)];
            const walk = (value: unknown): void => {
                if (typeof value === 'string') {
                    targets.push(value);
                } else if (value && typeof value === 'object') {
                    Object.values(value).forEach(walk);
                }
            };
            walk(PKG.exports);
            for (const target of targets) {
                const file = target.replace(/^\.\//, '');
                assert.ok(files.includes(file), `${target} (named in package.json) is in the tarball`);
            }
        });

        it('ships no tests, samples, benchmarks or TypeScript sources', () => {
            const unwanted = files.filter((f) => /^(test|samples|bench|src|tools|dist\/test|dist\/samples|dist\/bench|node_modules|\.data)\//.test(f));
            assert.deepStrictEqual(unwanted, []);
        });
    });
});
