import * as fs from 'fs';
import * as path from 'path';
import { canonicalTag, checkValueTypes, compareWithBase, JsonObject, LocaleProblem, problem } from '../../core/texts/localeRules';
import { loadLocaleFile } from './loadLocaleFile';
import { checkFolderName, isDirectory, namespaceFiles, relative } from './localeFolder';

/** The language every other language folder is compared with, unless `baseLanguage` says otherwise. */
export const DEFAULT_BASE_LANGUAGE = 'en';

/** The result of {@link checkLocales}. */
export interface LocaleFindings {
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
 * process.stdout.write(formatFindings(report));
 * process.exitCode = report.ok ? 0 : 1;
 * ```
 * @param dir The locales folder.
 * @param options See {@link CheckLocalesOptions}.
 * @returns Every problem found; `ok` is true when there is none.
 */
export function checkLocales(dir: string, options: CheckLocalesOptions = {}): LocaleFindings {
    const root = path.resolve(dir);
    const base = options.baseLanguage ?? DEFAULT_BASE_LANGUAGE;
    const problems: LocaleProblem[] = [];

    if (!isDirectory(root)) {
        problems.push(problem({ language: '', file: dir }, { severity: 'error', kind: 'missingFolder', message: `folder not found: ${root}` }));
        return finish({ dir: root, baseLanguage: base, languages: [], namespaces: [] }, problems);
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
            problem(
                { language: base, file: base },
                { severity: 'error', kind: 'missingBaseLanguage', message: `no "${base}" folder to compare with in ${root}` }
            )
        );
        return finish({ dir: root, baseLanguage: base, languages, namespaces: [] }, problems);
    }
    const namespaces = namespaceFiles(path.join(root, base));
    if (namespaces.length === 0) {
        problems.push(
            problem(
                { language: base, file: base },
                { severity: 'error', kind: 'missingBaseLanguage', message: `the "${base}" folder has no <namespace>.json file` }
            )
        );
        return finish({ dir: root, baseLanguage: base, languages, namespaces: [] }, problems);
    }

    const baseFiles = new Map<string, JsonObject>();
    for (const ns of namespaces) {
        const file = relative(base, ns);
        const loaded = loadLocaleFile(root, file, base);
        if ('problem' in loaded) {
            problems.push(loaded.problem);
            continue;
        }
        checkValueTypes(loaded.data, { language: base, file, prefix: '', problems });
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
                problems.push(problem({ language, file }, { severity: 'error', kind: 'missingFile', message }));
                continue;
            }
            const loaded = loadLocaleFile(root, file, language);
            if ('problem' in loaded) {
                problems.push(loaded.problem);
                continue;
            }
            const baseData = baseFiles.get(ns);
            if (baseData) {
                problems.push(...compareWithBase(baseData, loaded.data, { base, language, file }));
            } else {
                // en's own file is broken (already reported): the most we can do is flag non-strings here.
                checkValueTypes(loaded.data, { language, file, prefix: '', problems });
            }
        }
        for (const ns of present) {
            if (!namespaces.includes(ns)) {
                const message = `extra file: ${base} has no ${ns}.json`;
                problems.push(problem({ language, file: relative(language, ns) }, { severity: 'warning', kind: 'extraFile', message }));
            }
        }
    }
    return finish({ dir: root, baseLanguage: base, languages, namespaces }, problems);
}

/** What a report says besides its problems. */
type FindingsScope = Pick<LocaleFindings, 'dir' | 'baseLanguage' | 'languages' | 'namespaces'>;

function finish(scope: FindingsScope, problems: LocaleProblem[]): LocaleFindings {
    const { baseLanguage } = scope;
    const rank = (language: string): number => (language === '' ? 0 : language === baseLanguage ? 1 : 2);
    // A stable sort keeps each language's problems in file and key order.
    const sorted = [...problems].sort((a, b) => rank(a.language) - rank(b.language) || a.language.localeCompare(b.language));
    const errorCount = sorted.filter((p) => p.severity === 'error').length;
    return {
        ...scope,
        problems: sorted,
        errorCount,
        warningCount: sorted.length - errorCount,
        ok: sorted.length === 0,
    };
}
