import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

// Compiled to dist/test/readme/: the package root is three folders up.
export const ROOT = join(__dirname, '..', '..', '..');

/** Fixtures (the rest of a sample-shaped bot) are read from the sources: tsc does not copy them to dist/. */
export const FIXTURES = join(ROOT, 'test', 'readme', 'fixtures');

/**
 * The code of the README's fenced block whose first line is `// <marker>` (for example `quick-start: commonjs`),
 * without that line. Fails when there is not exactly one.
 *
 * @param marker The marker after `// `.
 * @returns The code, as a reader would paste it.
 */
export function readmeBlock(marker: string): string {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/^```(?:js|ts|javascript|typescript)\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    const found = blocks.filter((code) => code.startsWith(`// ${marker}\n`));
    if (found.length !== 1) {
        throw new Error(`README.md has ${found.length} code blocks starting with "// ${marker}"; expected exactly one.`);
    }
    return found[0];
}

/**
 * The first ```json block after a heading of the README.
 *
 * @param heading The heading's text, e.g. `### Component dialogs`.
 * @returns The JSON text.
 */
export function readmeJsonAfter(heading: string): string {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const at = readme.indexOf(`\n${heading}`);
    if (at < 0) {
        throw new Error(`README.md has no heading "${heading}"`);
    }
    const match = /^```json\n([\s\S]*?)^```$/m.exec(readme.slice(at));
    if (!match) {
        throw new Error(`README.md has no json block after "${heading}"`);
    }
    return match[1];
}

/**
 * Replaces `from` with `to` in a README block, failing unless `from` occurs exactly once (so a README edit that
 * moves what a test relies on fails loudly instead of silently testing something else).
 *
 * @param code The block.
 * @param from The text to replace.
 * @param to Its replacement.
 * @returns The changed code.
 */
export function replaceOnce(code: string, from: string, to: string): string {
    const count = code.split(from).length - 1;
    if (count !== 1) {
        throw new Error(`expected "${from}" once in the README block, found it ${count} times`);
    }
    return code.replace(from, to);
}

/**
 * A folder for bots written from the README, where `botbuilder-inactivity` resolves to this package (built in
 * dist/) and every other package to this repository's node_modules, as if installed: its node_modules holds a
 * symlink per package. Nothing of the plugin is stubbed.
 *
 * @returns The folder.
 */
export function consumerFolder(): string {
    const dir = mkdtempSync(join(tmpdir(), 'inactivity-readme-'));
    const modules = join(dir, 'node_modules');
    mkdirSync(modules);
    for (const name of readdirSync(join(ROOT, 'node_modules'))) {
        if (!name.startsWith('.')) {
            symlinkSync(join(ROOT, 'node_modules', name), join(modules, name), 'dir');
        }
    }
    symlinkSync(ROOT, join(modules, 'botbuilder-inactivity'), 'dir');
    return dir;
}
