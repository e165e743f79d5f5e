import assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkLocales, formatFindings, LocaleProblem } from '../../src/cli/checkLocales';
import { main } from '../../src/cli/main';

// Compiled to dist/test/cli/: the package root is three folders up.
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');
const SHIPPED_LOCALES = path.join(PACKAGE_ROOT, 'locales');
const BIN = path.join(PACKAGE_ROOT, 'bin', 'botbuilder-inactivity.js');

type Tree = { [key: string]: unknown };

function run(argv: string[]): { code: number; stdout: string; stderr: string } {
    let stdout = '';
    let stderr = '';
    const code = main(argv, {
        stdout: (text) => {
            stdout += text;
        },
        stderr: (text) => {
            stderr += text;
        },
    });
    // check-locales answers synchronously (only followups, which talks to MongoDB, returns a promise).
    return { code: code as number, stdout, stderr };
}

/** The output line for a problem, so a test can check that language, file and key are on the same line. */
function lineWith(output: string, ...parts: string[]): string | undefined {
    return output.split('\n').find((line) => parts.every((part) => line.includes(part)));
}

function find(problems: LocaleProblem[], fields: Partial<LocaleProblem>): LocaleProblem | undefined {
    return problems.find((p) => Object.entries(fields).every(([name, value]) => p[name as keyof LocaleProblem] === value));
}

describe('check-locales', () => {
    let dir: string;

    const file = (language: string, ns = 'inactivity'): string => path.join(dir, language, `${ns}.json`);
    const read = (language: string): Tree => JSON.parse(fs.readFileSync(file(language), 'utf8')) as Tree;
    const write = (language: string, data: Tree): void => fs.writeFileSync(file(language), `${JSON.stringify(data, null, 2)}\n`);
    const edit = (language: string, change: (data: Tree & Record<string, Tree>) => void): void => {
        const data = read(language) as Tree & Record<string, Tree>;
        change(data);
        write(language, data);
    };

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inactivity-locales-'));
        fs.cpSync(SHIPPED_LOCALES, dir, { recursive: true });
    });

    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it('passes the shipped locales with exit status 0', () => {
        const report = checkLocales(SHIPPED_LOCALES);
        assert.deepStrictEqual(report.problems, []);
        assert.deepStrictEqual(report.languages, ['es', 'pt-BR']);

        const { code, stdout, stderr } = run(['check-locales']);
        assert.strictEqual(code, 0, stdout);
        assert.strictEqual(stderr, '');
        assert.match(stdout, /All 2 languages match en/);
    });

    it('ships es and pt-BR with every key en has, and the many plural forms', () => {
        const en = read('en') as Record<string, Tree>;
        for (const language of ['es', 'pt-BR']) {
            const data = read(language) as Record<string, Tree>;
            assert.deepStrictEqual(Object.keys(data), Object.keys(en), language);
            assert.strictEqual(data.duration.minutes_many, '{{count}} de minutos', language);
        }
    });

    it('names pt-BR and the key path of a deleted key, and es and the key path of a renamed placeholder', () => {
        edit('pt-BR', (data) => {
            delete data.reminder.textWithStep;
        });
        edit('es', (data) => {
            data.close.text = String(data.close.text).replace('{{window}}', '{{ventana}}');
        });

        const { code, stdout } = run(['check-locales', '--dir', dir]);

        assert.strictEqual(code, 1, stdout);
        assert.ok(lineWith(stdout, 'pt-BR', 'pt-BR/inactivity.json', 'reminder.textWithStep', 'missing key', '(en: "Still there?'), stdout);
        assert.ok(lineWith(stdout, 'es', 'es/inactivity.json', 'close.text', '{{window}}', '{{ventana}}'), stdout);
        assert.match(stdout, /2 problems \(2 errors\) in es, pt-BR/);
    });

    it('checks the follow-up texts (followups.json) like the inactivity texts: keys, placeholders and plural forms per language', () => {
        const editFollowUps = (language: string, change: (data: Record<string, Tree>) => void): void => {
            const data = JSON.parse(fs.readFileSync(file(language, 'followups'), 'utf8')) as Record<string, Tree>;
            change(data);
            fs.writeFileSync(file(language, 'followups'), JSON.stringify(data, null, 2));
        };
        editFollowUps('en', (data) => {
            data.postEvent.sessionsLeft_one = '{{count}} session left with {{name}}';
            data.postEvent.sessionsLeft_other = '{{count}} sessions left with {{name}}';
        });
        editFollowUps('pt-BR', (data) => {
            delete data.reengagement.pastCustomer;
            data.postEvent.sessionsLeft_one = '{{count}} sessão com {{name}}';
            data.postEvent.sessionsLeft_many = '{{count}} de sessões com {{name}}';
            data.postEvent.sessionsLeft_other = '{{count}} sessões com {{name}}';
        });
        editFollowUps('es', (data) => {
            data.postEvent.low = String(data.postEvent.low).replace('{{name}}', '{{nombre}}');
            data.postEvent.sessionsLeft_one = 'Te queda {{count}} sesión con {{name}}';
            data.postEvent.sessionsLeft_other = 'Te quedan {{count}} sesiones con {{name}}';
        });

        const { code, stdout } = run(['check-locales', '--dir', dir]);

        assert.strictEqual(code, 1, stdout);
        assert.ok(lineWith(stdout, 'pt-BR/followups.json', 'reengagement.pastCustomer', 'missing key'), stdout);
        assert.ok(lineWith(stdout, 'es/followups.json', 'postEvent.low', '{{name}}', '{{nombre}}'), stdout);
        assert.ok(lineWith(stdout, 'es/followups.json', 'postEvent.sessionsLeft_many', 'missing plural form "many"'), stdout);
        assert.match(stdout, /3 problems \(3 errors\) in es, pt-BR/);
    });

    it('reports a JSON syntax error with its line and column', () => {
        // Line 3 loses its trailing comma, so the parser stops at the quote that opens line 4, column 5.
        const broken = fs.readFileSync(file('es'), 'utf8').replace('"¿Sigues ahí? Estabas {{activity}}.",', '"¿Sigues ahí? Estabas {{activity}}."');
        fs.writeFileSync(file('es'), broken);

        const report = checkLocales(dir);
        const error = find(report.problems, { language: 'es', kind: 'syntaxError' });
        assert.ok(error, formatFindings(report));
        assert.strictEqual(error.line, 4);
        assert.strictEqual(error.column, 5);

        const { code, stdout } = run(['check-locales', '--dir', dir]);
        assert.strictEqual(code, 1);
        assert.ok(lineWith(stdout, 'es/inactivity.json:4:5', 'line 4, column 5'), stdout);
    });

    it('finds the line and column of errors Node reports without a position (trailing comma, single quotes)', () => {
        fs.writeFileSync(file('es'), '{\n  "a": ["x",\n  ],\n  "b": 1\n}\n');
        fs.writeFileSync(file('pt-BR'), '{\n  "a": \'x\'\n}\n');

        const report = checkLocales(dir);

        const es = find(report.problems, { language: 'es', kind: 'syntaxError' });
        assert.deepStrictEqual([es?.line, es?.column], [3, 3], formatFindings(report));
        const pt = find(report.problems, { language: 'pt-BR', kind: 'syntaxError' });
        assert.deepStrictEqual([pt?.line, pt?.column], [2, 8], formatFindings(report));
    });

    it('reports an empty file and a file that is not an object', () => {
        fs.writeFileSync(file('es'), '\n');
        fs.writeFileSync(file('pt-BR'), '["Continuar"]');

        const report = checkLocales(dir);

        assert.ok(find(report.problems, { language: 'es', kind: 'emptyFile' }), formatFindings(report));
        assert.ok(find(report.problems, { language: 'pt-BR', kind: 'notAnObject' }), formatFindings(report));
        assert.strictEqual(report.ok, false);
    });

    it('reports a plural category the language needs but lacks (es without _many)', () => {
        edit('es', (data) => {
            delete data.duration.hours_many;
        });

        const { code, stdout } = run(['check-locales', '--dir', dir]);

        assert.strictEqual(code, 1);
        assert.ok(lineWith(stdout, 'es/inactivity.json', 'duration.hours_many', 'missing plural form "many"'), stdout);
    });

    it('reports a whole plural family that is missing, naming the forms the language needs', () => {
        edit('pt-BR', (data) => {
            delete data.duration.minutes_one;
            delete data.duration.minutes_many;
            delete data.duration.minutes_other;
        });

        const report = checkLocales(dir);

        const missing = find(report.problems, { language: 'pt-BR', key: 'duration.minutes', kind: 'missingKey' });
        assert.ok(missing, formatFindings(report));
        assert.match(missing.message, /minutes_one, minutes_many, minutes_other/);
    });

    it('compares a plural form en does not have (_many) with the placeholders of the en key', () => {
        edit('es', (data) => {
            data.duration.minutes_many = '{{cuenta}} de minutos';
        });

        const report = checkLocales(dir);

        const mismatch = find(report.problems, { language: 'es', key: 'duration.minutes_many' });
        assert.strictEqual(mismatch?.kind, 'placeholderMismatch', formatFindings(report));
        assert.match(mismatch.message, /missing \{\{count\}\}; unexpected \{\{cuenta\}\}/);
    });

    it('reports an extra key, and a plural form the language never uses as a warning, but not _zero', () => {
        edit('pt-BR', (data) => {
            data.reminder.textLater = 'Até logo!';
            data.duration.days_few = '{{count}} dias';
            data.duration.days_zero = 'nenhum dia';
        });

        const report = checkLocales(dir);
        const { code, stdout } = run(['check-locales', '--dir', dir]);

        assert.ok(lineWith(stdout, 'pt-BR', 'reminder.textLater', 'extra key'), stdout);
        const few = find(report.problems, { key: 'duration.days_few' });
        assert.deepStrictEqual([few?.kind, few?.severity], ['extraPluralForm', 'warning']);
        assert.strictEqual(find(report.problems, { key: 'duration.days_zero' }), undefined, stdout);
        assert.strictEqual(report.problems.length, 2, stdout);
        assert.strictEqual(code, 1);
    });

    it('flags values that are not strings, in en and in translations', () => {
        edit('es', (data) => {
            data.buttons.continue = 42;
            data.stale.button = ['Ese botón', 'ya no está activo'];
        });
        edit('en', (data) => {
            data.fallback.text = null;
        });

        const report = checkLocales(dir);

        assert.ok(find(report.problems, { language: 'es', key: 'buttons.continue', kind: 'notAString' }), formatFindings(report));
        assert.ok(find(report.problems, { language: 'es', key: 'stale.button', kind: 'notAString' }));
        assert.ok(find(report.problems, { language: 'en', key: 'fallback.text', kind: 'notAString' }));
    });

    it('reports a missing namespace file', () => {
        fs.writeFileSync(path.join(dir, 'en', 'extra.json'), '{ "hello": "Hello" }');

        const report = checkLocales(dir);

        assert.ok(find(report.problems, { language: 'es', file: 'es/extra.json', kind: 'missingFile' }), formatFindings(report));
        assert.ok(find(report.problems, { language: 'pt-BR', file: 'pt-BR/extra.json', kind: 'missingFile' }));
    });

    it('warns about a folder spelt pt_BR, and fails for twins read as one language or a name that is no tag', () => {
        fs.renameSync(path.join(dir, 'pt-BR'), path.join(dir, 'pt_BR'));
        let report = checkLocales(dir);
        const spelling = find(report.problems, { language: 'pt_BR', kind: 'badFolderName' });
        assert.strictEqual(spelling?.severity, 'warning', formatFindings(report));
        assert.match(spelling.message, /rename it to pt-BR/);
        // Still compared with en, with pt-BR's plural rules: no missing _many.
        assert.strictEqual(report.problems.length, 1, formatFindings(report));

        fs.cpSync(path.join(dir, 'pt_BR'), path.join(dir, 'pt-br'), { recursive: true });
        fs.mkdirSync(path.join(dir, '1x'));
        report = checkLocales(dir);
        const twin = find(report.problems, { language: 'pt-br', kind: 'badFolderName' });
        assert.strictEqual(twin?.severity, 'error', formatFindings(report));
        assert.match(twin.message, /both pt-br\/ and pt_BR\/ as pt-BR/);
        const notATag = find(report.problems, { language: '1x', kind: 'badFolderName' });
        assert.strictEqual(notATag?.severity, 'error', formatFindings(report));
    });

    it('reports a folder without en', () => {
        fs.rmSync(path.join(dir, 'en'), { recursive: true });

        const { code, stdout } = run(['check-locales', '--dir', dir]);

        assert.strictEqual(code, 1);
        assert.match(stdout, /no "en" folder/);
    });

    it('exits 2 with the usage for an unknown command, no command or a bad option, and 0 for --help', () => {
        const unknown = run(['check-locale']);
        assert.strictEqual(unknown.code, 2);
        assert.match(unknown.stderr, /unknown command "check-locale"/);
        assert.match(unknown.stderr, /Usage: botbuilder-inactivity/);
        assert.strictEqual(unknown.stdout, '');

        assert.strictEqual(run([]).code, 2);
        assert.strictEqual(run(['check-locales', '--dir']).code, 2);
        assert.strictEqual(run(['check-locales', '--lang', 'es']).code, 2);

        const help = run(['--help']);
        assert.strictEqual(help.code, 0);
        assert.match(help.stdout, /check-locales/);
        assert.strictEqual(run(['check-locales', '--help']).code, 0);
    });

    it('runs as the package bin with the right exit status', () => {
        const bin = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

        const clean = bin('check-locales', '--dir', dir);
        assert.strictEqual(clean.status, 0, clean.stdout + clean.stderr);
        assert.match(clean.stdout, /match en/);

        edit('pt-BR', (data) => {
            delete data.buttons.startFresh;
        });
        const broken = bin('check-locales', `--dir=${dir}`);
        assert.strictEqual(broken.status, 1, broken.stdout + broken.stderr);
        assert.ok(lineWith(broken.stdout, 'pt-BR', 'buttons.startFresh', 'missing key'), broken.stdout);

        const unknown = bin('frobnicate');
        assert.strictEqual(unknown.status, 2);
        assert.match(unknown.stderr, /Usage:/);
    });
});
