import assert from 'assert';
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

// Compiled to dist/test/: the package root is two folders up.
const ROOT = join(__dirname, '..', '..');

describe('the API reference (npm run docs)', function () {
    // TypeDoc reads the sources with the compiler: about 10 s.
    this.timeout(120_000);

    let out: string;
    let run: { status: number | null; output: string };

    before(() => {
        out = mkdtempSync(join(tmpdir(), 'inactivity-docs-'));
        // The same configuration as `npm run docs` (typedoc.json), written elsewhere so docs/api is left alone.
        const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out], {
            cwd: ROOT,
            encoding: 'utf8',
            timeout: 110_000,
        });
        run = { status: result.status, output: `${result.stdout}${result.stderr}` };
    });
    after(() => rmSync(out, { recursive: true, force: true }));

    // The README and the guides name `npm run docs` instead of linking into docs/api/, which is generated, not
    // published: test/readme/links.test.ts keeps it so.
    it('renders with no warning: every export, option and field has TSDoc, every link resolves', () => {
        assert.strictEqual(run.status, 0, run.output);
        assert.doesNotMatch(run.output, /warning/i, run.output);
        assert.ok(existsSync(join(out, 'classes', 'botbuilder-inactivity.InactivityMiddleware.html')));
        assert.ok(existsSync(join(out, 'classes', 'botbuilder-inactivity_testing.TestScheduler.html')), 'the testing entry point is documented too');
    });
});
