import * as fs from 'fs';
import * as path from 'path';
import {
    canonicalTag,
    checkValueTypes,
    compareWithBase,
    describe,
    isObject,
    Json,
    JsonObject,
    LocaleProblem,
    LocaleProblemKind,
    problem,
} from '../core/texts/localeRules';

export type { LocaleProblem, LocaleProblemKind, LocaleProblemSeverity } from '../core/texts/localeRules';

/** The language every other language folder is compared with, unless `baseLanguage` says otherwise. */
export const DEFAULT_BASE_LANGUAGE = 'en';

/** The result of {@link checkLocales}. */
export interface LocaleReport {
    /** The checked folder, as an absolute path. */
    dir: string;
    /** The language the others were compared with (`en`). */
    baseLanguage: string;
    /** The other language folders that were compared, sorted. */
    languages: string[];
    /** The namespace names found in the base language folder (`inactivity`), sorted. */
    namespaces: string[];
    /** Every problem found, grouped by language (folder-wide first, then the base language, then the others). */
    problems: LocaleProblem[];
    /** How many problems are errors. */
    errorCount: number;
    /** How many problems are warnings. */
    warningCount: number;
    /** True when there is no problem at all. */
    ok: boolean;
}

/** Options for {@link checkLocales}. */
export interface CheckLocalesOptions {
    /**
     * The language folder that is the source of truth.
     *
     * @default 'en'
     */
    baseLanguage?: string;
}

/**
 * Compares every language folder in `dir` with the base language (`en`), namespace file by namespace file.
 *
 * The folder is laid out as `<dir>/<language>/<namespace>.json` in the i18next v4 JSON format. The check finds
 * missing and extra keys, `{{placeholder}}` and `$t(nesting)` names that differ from en's, plural forms a
 * language needs (per `Intl.PluralRules`) but lacks, plural forms it never uses, values that are not strings,
 * missing namespace files, empty files and JSON syntax errors with their line and column.
 *
 * It only reads files; it never writes or prints anything.
 *
 * @example
 * ```ts
 * const report = checkLocales('./locales');
 * process.stdout.write(formatReport(report));
 * process.exitCode = report.ok ? 0 : 1;
 * ```
 * @param dir The locales folder.
 * @param options See {@link CheckLocalesOptions}.
 * @returns Every problem found; `ok` is true when there is none.
 */
export function checkLocales(dir: string, options: CheckLocalesOptions = {}): LocaleReport {
    const root = path.resolve(dir);
    const base = options.baseLanguage ?? DEFAULT_BASE_LANGUAGE;
    const problems: LocaleProblem[] = [];

    if (!isDirectory(root)) {
        problems.push(problem('error', 'missingFolder', '', dir, `folder not found: ${root}`));
        return finish(root, base, [], [], problems);
    }
    const folders = fs
        .readdirSync(root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
        .map((entry) => entry.name)
        .sort();
    const languages = folders.filter((name) => name !== base);
    const readAs = new Map<string, string[]>();
    for (const name of folders) {
        const tag = canonicalTag(name);
        if (tag !== undefined) {
            readAs.set(tag, [...(readAs.get(tag) ?? []), name]);
        }
    }

    if (!folders.includes(base)) {
        problems.push(
            problem('error', 'missingBaseLanguage', base, base, `no "${base}" folder to compare with in ${root}`)
        );
        return finish(root, base, languages, [], problems);
    }
    const namespaces = namespaceFiles(path.join(root, base));
    if (namespaces.length === 0) {
        problems.push(
            problem('error', 'missingBaseLanguage', base, base, `the "${base}" folder has no <namespace>.json file`)
        );
        return finish(root, base, languages, [], problems);
    }

    const baseFiles = new Map<string, JsonObject>();
    for (const ns of namespaces) {
        const file = relative(base, ns);
        const loaded = loadFile(root, file, base);
        if ('problem' in loaded) {
            problems.push(loaded.problem);
            continue;
        }
        checkValueTypes(loaded.data, base, file, '', problems);
        baseFiles.set(ns, loaded.data);
    }

    for (const language of languages) {
        const folderProblem = checkFolderName(language, readAs);
        if (folderProblem) {
            problems.push(folderProblem);
        }
        const present = namespaceFiles(path.join(root, language));
        for (const ns of namespaces) {
            const file = relative(language, ns);
            if (!present.includes(ns)) {
                const message = `missing file (${relative(base, ns)} has no translation)`;
                problems.push(problem('error', 'missingFile', language, file, message));
                continue;
            }
            const loaded = loadFile(root, file, language);
            if ('problem' in loaded) {
                problems.push(loaded.problem);
                continue;
            }
            const baseData = baseFiles.get(ns);
            if (baseData) {
                problems.push(...compareWithBase(baseData, loaded.data, { base, language, file }));
            } else {
                // en's own file is broken (already reported): the most we can do is flag non-strings here.
                checkValueTypes(loaded.data, language, file, '', problems);
            }
        }
        for (const ns of present) {
            if (!namespaces.includes(ns)) {
                const message = `extra file: ${base} has no ${ns}.json`;
                problems.push(problem('warning', 'extraFile', language, relative(language, ns), message));
            }
        }
    }
    return finish(root, base, languages, namespaces, problems);
}

/**
 * Turns a {@link LocaleReport} into text for a terminal: one line per problem, grouped by language, columns
 * aligned, then a summary line. Ends with a newline.
 *
 * @example
 * ```text
 * pt-BR  pt-BR/inactivity.json  reminder.text  missing key (en: "Still there? You were {{activity}}.")
 *
 * 1 problem (1 error) in pt-BR; 2 languages checked against en.
 * ```
 * @param report What {@link checkLocales} returned.
 * @returns The text to print.
 */
export function formatReport(report: LocaleReport): string {
    const languageCount = `${report.languages.length} language${report.languages.length === 1 ? '' : 's'}`;
    if (report.ok) {
        if (report.languages.length === 0) {
            return `No language folders besides ${report.baseLanguage} in ${report.dir}.\n`;
        }
        return `All ${languageCount} match ${report.baseLanguage}: ${report.languages.join(', ')}.\n`;
    }

    const rows = report.problems.map((p) => ({
        language: p.language || '-',
        file: p.line !== undefined ? `${p.file}:${p.line}:${p.column}` : p.file,
        key: p.key ?? '',
        message: p.severity === 'warning' ? `${p.message} [warning]` : p.message,
        group: p.language,
    }));
    const width = (pick: (row: (typeof rows)[number]) => string): number =>
        Math.max(...rows.map((row) => pick(row).length));
    const languageWidth = width((row) => row.language);
    const fileWidth = width((row) => row.file);
    const keyWidth = width((row) => row.key);

    const lines: string[] = [];
    let previousGroup: string | undefined;
    for (const row of rows) {
        if (previousGroup !== undefined && row.group !== previousGroup) {
            lines.push('');
        }
        previousGroup = row.group;
        const keyColumn = keyWidth > 0 ? `${row.key.padEnd(keyWidth)}  ` : '';
        lines.push(`${row.language.padEnd(languageWidth)}  ${row.file.padEnd(fileWidth)}  ${keyColumn}${row.message}`);
    }

    const count = report.problems.length;
    const parts = [
        report.errorCount > 0 ? `${report.errorCount} error${report.errorCount === 1 ? '' : 's'}` : '',
        report.warningCount > 0 ? `${report.warningCount} warning${report.warningCount === 1 ? '' : 's'}` : '',
    ].filter(Boolean);
    const where = [...new Set(report.problems.map((p) => p.language || report.dir))].join(', ');
    lines.push('');
    lines.push(
        `${count} problem${count === 1 ? '' : 's'} (${parts.join(', ')}) in ${where}; ` +
            `${languageCount} checked against ${report.baseLanguage}.`
    );
    return `${lines.join('\n')}\n`;
}

function finish(
    dir: string,
    baseLanguage: string,
    languages: string[],
    namespaces: string[],
    problems: LocaleProblem[]
): LocaleReport {
    const rank = (language: string): number => (language === '' ? 0 : language === baseLanguage ? 1 : 2);
    // A stable sort keeps each language's problems in file and key order.
    const sorted = [...problems].sort(
        (a, b) => rank(a.language) - rank(b.language) || a.language.localeCompare(b.language)
    );
    const errorCount = sorted.filter((p) => p.severity === 'error').length;
    return {
        dir,
        baseLanguage,
        languages,
        namespaces,
        problems: sorted,
        errorCount,
        warningCount: sorted.length - errorCount,
        ok: sorted.length === 0,
    };
}

function isDirectory(dir: string): boolean {
    try {
        return fs.statSync(dir).isDirectory();
    } catch {
        return false;
    }
}

function namespaceFiles(folder: string): string[] {
    return fs
        .readdirSync(folder, { withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
        .map((entry) => entry.name.slice(0, -'.json'.length))
        .sort();
}

function relative(language: string, namespace: string): string {
    return path.posix.join(language, `${namespace}.json`);
}

function loadFile(root: string, file: string, language: string): { data: JsonObject } | { problem: LocaleProblem } {
    const fail = (kind: LocaleProblemKind, message: string, at?: { line: number; column: number }) => ({
        problem: { ...problem('error', kind, language, file, message), ...at },
    });
    const text = fs.readFileSync(path.join(root, ...file.split('/')), 'utf8');
    if (text.trim() === '') {
        return fail('emptyFile', 'the file is empty; it must hold a JSON object of keys');
    }
    if (text.charCodeAt(0) === 0xfeff) {
        const message = 'the file starts with a byte-order mark; save it as UTF-8 without BOM';
        return fail('syntaxError', `JSON syntax error at line 1, column 1: ${message}`, { line: 1, column: 1 });
    }
    let data: Json;
    try {
        data = JSON.parse(text) as Json;
    } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const at = locateSyntaxError(text, message);
        const where = `line ${at.line}, column ${at.column}`;
        return fail('syntaxError', `JSON syntax error at ${where}: ${cleanSyntaxMessage(message)}`, at);
    }
    if (!isObject(data)) {
        return fail('notAnObject', `the file holds ${describe(data)}; it must hold a JSON object of keys`);
    }
    return { data };
}

/**
 * Finds where JSON.parse gave up. Node 20 says "at position N" for most errors; newer V8 adds "(line L column C)";
 * "Unexpected token" and "Unexpected end" messages carry no position, so a small scanner finds it instead.
 */
function locateSyntaxError(text: string, message: string): { line: number; column: number } {
    const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
    if (lineColumn) {
        return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
    }
    const position = /at position (\d+)/.exec(message);
    const index = position ? Number(position[1]) : (firstJsonErrorIndex(text) ?? text.length);
    const before = text.slice(0, index);
    const line = before.split('\n').length;
    const column = index - (before.lastIndexOf('\n') + 1) + 1;
    return { line, column };
}

function cleanSyntaxMessage(message: string): string {
    return message
        .replace(/, ".*" is not valid JSON$/s, '')
        .replace(/ in JSON at position \d+.*$/s, '')
        .trim();
}

/** Returns the index of the first character that makes `text` invalid JSON, or undefined when it is valid. */
function firstJsonErrorIndex(text: string): number | undefined {
    let i = 0;
    const fail = (): never => {
        throw new ScanError(i);
    };
    const whitespace = (): void => {
        while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
    };
    const literal = (word: string): void => {
        for (const ch of word) {
            if (text[i] !== ch) fail();
            i++;
        }
    };
    const string = (): void => {
        i++; // opening quote
        for (;;) {
            if (i >= text.length) fail();
            const ch = text[i];
            if (ch === '"') {
                i++;
                return;
            }
            if (ch.charCodeAt(0) < 0x20) fail();
            if (ch === '\\') {
                i++;
                if (text[i] === 'u') {
                    for (let k = 0; k < 4; k++) {
                        i++;
                        if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
                    }
                } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) {
                    fail();
                }
            }
            i++;
        }
    };
    const digits = (): void => {
        if (!/[0-9]/.test(text[i] ?? '')) fail();
        while (/[0-9]/.test(text[i] ?? '')) i++;
    };
    const number = (): void => {
        if (text[i] === '-') i++;
        if (text[i] === '0') i++;
        else digits();
        if (text[i] === '.') {
            i++;
            digits();
        }
        if (text[i] === 'e' || text[i] === 'E') {
            i++;
            if (text[i] === '+' || text[i] === '-') i++;
            digits();
        }
    };
    const value = (): void => {
        whitespace();
        const ch = text[i];
        if (ch === '{') {
            i++;
            whitespace();
            if (text[i] === '}') {
                i++;
                return;
            }
            for (;;) {
                whitespace();
                if (text[i] !== '"') fail();
                string();
                whitespace();
                if (text[i] !== ':') fail();
                i++;
                value();
                whitespace();
                if (text[i] === ',') {
                    i++;
                    continue;
                }
                if (text[i] === '}') {
                    i++;
                    return;
                }
                fail();
            }
        } else if (ch === '[') {
            i++;
            whitespace();
            if (text[i] === ']') {
                i++;
                return;
            }
            for (;;) {
                value();
                whitespace();
                if (text[i] === ',') {
                    i++;
                    continue;
                }
                if (text[i] === ']') {
                    i++;
                    return;
                }
                fail();
            }
        } else if (ch === '"') {
            string();
        } else if (ch === '-' || /[0-9]/.test(ch ?? '')) {
            number();
        } else if (ch === 't') {
            literal('true');
        } else if (ch === 'f') {
            literal('false');
        } else if (ch === 'n') {
            literal('null');
        } else {
            fail();
        }
    };
    try {
        value();
        whitespace();
        if (i < text.length) fail();
        return undefined;
    } catch (err) {
        if (err instanceof ScanError) {
            return err.index;
        }
        throw err;
    }
}

class ScanError {
    constructor(readonly index: number) {}
}

function checkFolderName(language: string, readAs: Map<string, string[]>): LocaleProblem | undefined {
    const folder = `${language}/`;
    const canonical = canonicalTag(language);
    if (canonical === undefined) {
        const message = 'folder name is not a language tag, so the plugin skips it; name it like es or pt-BR';
        return problem('error', 'badFolderName', language, folder, message);
    }
    const twins = (readAs.get(canonical) ?? []).filter((name) => name !== language);
    if (twins.length > 0) {
        const message =
            `the plugin reads both ${[language, ...twins].sort().map((n) => `${n}/`).join(' and ')} as ${canonical}: ` +
            'the files of one replace the other\'s; keep one folder';
        return problem('error', 'badFolderName', language, folder, message);
    }
    if (canonical !== language) {
        const message = `the plugin reads this folder as ${canonical}; rename it to ${canonical}, the spelling other tools expect`;
        return problem('warning', 'badFolderName', language, folder, message);
    }
    return undefined;
}
