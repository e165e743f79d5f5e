import assert from 'assert';
import { spawnSync } from 'child_process';
import { mkdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { consumerFolder, readmeBlock, readmeJsonAfter, ROOT } from './readmeBlocks';

/**
 * Runs `npx mocha <file>` in a project, with mocha's defaults (no .mocharc of ours), and checks the example's three
 * tests pass, each well under a second (advancing the test clock is instant).
 */
function mochaPasses(project: string, file: string): void {
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--no-config', '--reporter', 'spec', file], {
        cwd: project,
        encoding: 'utf8',
        timeout: 50_000,
    });
    const output = `${run.stdout}${run.stderr}`;
    assert.strictEqual(run.status, 0, output);
    assert.match(output, /\b3 passing\b/, output);
    assert.doesNotMatch(output, /failing|pending/, output);
    // Three flows that wait 5 and 15 minutes take well under the default 2 s each.
    assert.doesNotMatch(output, /\(\d{4,}ms\)/, `no test took a second or more:\n${output}`);
}

describe("the testing guide's example (botbuilder-inactivity/testing, docs/testing.md)", function () {
    this.timeout(60_000);

    let dir: string;
    before(() => {
        dir = consumerFolder();
    });
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('CommonJS: passes under mocha as pasted, in a bot project of its own', () => {
        const project = join(dir, 'bot');
        mkdirSync(join(project, 'test'), { recursive: true });
        writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'profile-bot', version: '1.0.0', private: true }));
        writeFileSync(join(project, 'test', 'profileDialog.test.js'), readmeBlock('testing-example: test/profileDialog.test.js'));
        mochaPasses(project, 'test/profileDialog.test.js');
    });

    it('ES modules: passes under mocha as pasted, in the TypeScript quick start\'s "type": "module" project', () => {
        const project = join(dir, 'esm-bot');
        mkdirSync(join(project, 'test'), { recursive: true });
        writeFileSync(join(project, 'package.json'), readmeJsonAfter('#### `package.json`'));
        writeFileSync(join(project, 'test', 'profileDialog.test.mjs'), readmeBlock('testing-example: test/profileDialog.test.mjs'));
        mochaPasses(project, 'test/profileDialog.test.mjs');
    });
});
