import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { mongoUri } from '../support/mongo';

// Compiled to dist/test/readme/: the package root is three folders up.
export const ROOT = join(__dirname, '..', '..', '..');

/** Fixtures (the rest of a sample-shaped bot) are read from the sources: tsc does not copy them to dist/. */
export const FIXTURES = join(ROOT, 'test', 'readme', 'fixtures');

/** The documents whose code blocks and headings the tests read: the README, then the guides in docs/. */
export function documents(): { name: string; text: string }[] {
    const guides = existsSync(join(ROOT, 'docs'))
        ? readdirSync(join(ROOT, 'docs'))
              .filter((f) => f.endsWith('.md'))
              .sort()
              .map((f) => `docs/${f}`)
        : [];
    return ['README.md', ...guides].map((name) => ({ name, text: readFileSync(join(ROOT, name), 'utf8') }));
}

/**
 * The code of the fenced block, in the README or a guide in docs/, whose first line is `// <marker>` (for
 * example `quick-start: commonjs`), that line included (a comment, pasted with the rest). Fails unless exactly one
 * block of all those files has it.
 *
 * @param marker The marker after `// `.
 * @returns The code, as a reader would paste it.
 */
export function readmeBlock(marker: string): string {
    const found = documents().flatMap(({ name, text }) =>
        [...text.matchAll(/^```(?:js|ts|javascript|typescript)\n([\s\S]*?)^```$/gm)]
            .map((m) => m[1])
            .filter((code) => code.startsWith(`// ${marker}\n`))
            .map((code) => ({ name, code }))
    );
    if (found.length !== 1) {
        throw new Error(
            `README.md and docs/*.md have ${found.length} code blocks starting with "// ${marker}" (${found.map((f) => f.name).join(', ')}); expected exactly one.`
        );
    }
    return found[0].code;
}

/**
 * The first ```json block after a heading of the README or a guide in docs/.
 *
 * @param heading The heading's text, or its beginning, e.g. `### Component dialogs`; it must begin a line of
 *   exactly one of those files.
 * @returns The JSON text.
 */
export function readmeJsonAfter(heading: string): string {
    const found = documents().filter(({ text }) => text.startsWith(heading) || text.includes(`\n${heading}`));
    if (found.length !== 1) {
        throw new Error(`README.md and docs/*.md have ${found.length} files with a heading "${heading}"; expected exactly one.`);
    }
    const text = found[0].text;
    const at = text.indexOf(`\n${heading}`);
    const match = /^```json\n([\s\S]*?)^```$/m.exec(text.slice(at));
    if (!match) {
        throw new Error(`${found[0].name} has no json block after "${heading}"`);
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

/**
 * A guide's durations shortened so a test sees the reminder (2 s) and the close: the only change a run-as-pasted
 * test makes to the code it takes from the docs.
 *
 * @param code The block's code, with `reminderAfter: '5 minutes'` and `closeAfter: '15 minutes'` once each.
 * @param closeAfter The close to use instead, e.g. `'5 seconds'`.
 * @returns The code with both replaced.
 */
export function shortTimes(code: string, closeAfter: string): string {
    return replaceOnce(
        replaceOnce(code, "reminderAfter: '5 minutes'", "reminderAfter: '2 seconds'"),
        "closeAfter: '15 minutes'",
        `closeAfter: '${closeAfter}'`
    );
}

/**
 * A connection string to a database of its own on the test MongoDB (the embedded server unless MONGODB_URI is set).
 *
 * @param name The database name's prefix.
 * @returns The connection string.
 */
export async function databaseUri(name: string): Promise<string> {
    const url = new URL(await mongoUri());
    url.pathname = `/${name}_${process.pid}_${Date.now()}`;
    return url.toString();
}

/**
 * The environment of a bot started as its user would: the test's, with `PORT`, without the test's MongoDB, debug
 * output or credentials, and with `MONGODB_URI` when given.
 *
 * @param port The port to listen on.
 * @param mongo The bot's MongoDB, if any.
 * @returns The environment.
 */
export function botEnv(port: number, mongo?: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port) };
    for (const name of ['port', 'MONGODB_URI', 'DEBUG', 'NODE_ENV', 'clientId', 'tenantId', 'clientSecret']) {
        delete env[name];
    }
    return mongo ? { ...env, MONGODB_URI: mongo } : env;
}
