import assert from 'assert';
import { spawnSync } from 'child_process';
import { mkdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { consumerFolder, readmeBlock, ROOT } from './readmeBlocks';

describe("the README's testing example (botbuilder-inactivity/testing)", function () {
    this.timeout(60_000);

    let dir: string;
    before(() => {
        dir = consumerFolder();
    });
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('passes under mocha as pasted, in a bot project of its own', () => {
        const project = join(dir, 'bot');
        mkdirSync(join(project, 'test'), { recursive: true });
        writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'profile-bot', version: '1.0.0', private: true }));
        writeFileSync(join(project, 'test', 'profileDialog.test.js'), readmeBlock('testing-example: test/profileDialog.test.js'));
        // `npx mocha test/profileDialog.test.js` in that project, with mocha's defaults (no .mocharc of ours).
        const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--no-config', '--reporter', 'spec', 'test/profileDialog.test.js'], {
            cwd: project,
            encoding: 'utf8',
            timeout: 50_000,
        });
        const output = `${run.stdout}${run.stderr}`;
        assert.strictEqual(run.status, 0, output);
        assert.match(output, /\b3 passing\b/, output);
        assert.doesNotMatch(output, /failing|pending/, output);
        // Advancing the test clock is instant: three flows that wait 5 and 15 minutes take well under the default 2 s each.
        assert.doesNotMatch(output, /\(\d{4,}ms\)/, `no test took a second or more:\n${output}`);
    });
});
