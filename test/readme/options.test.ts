import assert from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import { DEFAULTS } from '../../src/core/policy/options';
import { ROOT } from './readmeBlocks';

/** The README's Options block: the `new InactivityMiddleware({ ... })` code block under `## Options`. */
function optionsBlock(): string {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const at = readme.indexOf('\n## Options\n');
    assert.ok(at >= 0, 'README.md has an "## Options" section');
    const match = /^```ts\n(new InactivityMiddleware\(\{[\s\S]*?)^```$/m.exec(readme.slice(at));
    assert.ok(match, 'the Options section has a ```ts block beginning `new InactivityMiddleware({`');
    return match[1];
}

/** `key: value, // comment` lines of the block, by key. */
function entries(block: string): Map<string, { value: string; comment: string }> {
    const out = new Map<string, { value: string; comment: string }>();
    for (const line of block.split('\n')) {
        const m = /^ {4}(\w+)(?::\s*(.*?))?,?\s*\/\/\s*(.*)$/.exec(line);
        if (m) {
            out.set(m[1], { value: (m[2] ?? m[1]).replace(/,$/, '').trim(), comment: m[3] });
        }
    }
    return out;
}

/** A default as the README writes it: strings in single quotes, `{}`, numbers, booleans, null. */
function literal(value: unknown): string {
    return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

describe("the README's Options block, DEFAULTS and manifest.json agree", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as {
        options: { properties: Record<string, unknown> };
        codeOnlyOptions: string[];
    };
    const options = [...Object.keys(manifest.options.properties), ...manifest.codeOnlyOptions];
    const block = entries(optionsBlock());

    it('lists every option, and no option the plugin does not have', () => {
        assert.deepStrictEqual(
            options.filter((o) => !block.has(o)),
            [],
            'options missing from the README (add them to the block)'
        );
        assert.deepStrictEqual(
            [...block.keys()].filter((k) => !options.includes(k)),
            [],
            'names in the README that are not options'
        );
    });

    it('gives every default of DEFAULTS, marked `// default`', () => {
        const wrong = Object.entries(DEFAULTS)
            .map(([key, value]) => ({ key, expected: literal(value), shown: block.get(key) }))
            .filter(({ expected, shown }) => !shown || shown.value !== expected || !/^default\b/.test(shown.comment))
            .map(({ key, expected, shown }) => `${key}: README shows ${shown ? `${shown.value} // ${shown.comment}` : 'nothing'}, DEFAULTS has ${expected}`);
        assert.deepStrictEqual(wrong, []);
    });
});
