import * as fs from 'fs';
import * as path from 'path';
import { canonicalTag, LocaleProblem, problem } from '../../core/texts/localeRules';

/**
 * Whether a path is a folder.
 *
 * @param dir The path.
 * @returns True when it exists and is a folder.
 */
export function isDirectory(dir: string): boolean {
    try {
        return fs.statSync(dir).isDirectory();
    } catch {
        return false;
    }
}

/**
 * The namespaces of a language folder.
 *
 * @param folder The language folder.
 * @returns Its `<namespace>.json` file names without `.json`, sorted.
 */
export function namespaceFiles(folder: string): string[] {
    return fs
        .readdirSync(folder, { withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
        .map((entry) => entry.name.slice(0, -'.json'.length))
        .sort();
}

/**
 * A namespace file as reports name it.
 *
 * @param language The language folder name.
 * @param namespace The namespace.
 * @returns The path relative to the checked folder with `/` separators: `pt-BR/inactivity.json`.
 */
export function relative(language: string, namespace: string): string {
    return path.posix.join(language, `${namespace}.json`);
}

/**
 * Checks a language folder\'s name the way the plugin reads it.
 *
 * @param language The folder name.
 * @param readAs Every folder name by the language tag the plugin reads it as.
 * @returns A warning for a name read under another spelling (pt_BR), an error for a name that is no language tag
 *   or that is read as the same language as another folder; undefined when the name is right.
 */
export function checkFolderName(language: string, readAs: Map<string, string[]>): LocaleProblem | undefined {
    const folder = `${language}/`;
    const canonical = canonicalTag(language);
    if (canonical === undefined) {
        const message = 'folder name is not a language tag, so the plugin skips it; name it like es or pt-BR';
        return problem({ language, file: folder }, { severity: 'error', kind: 'badFolderName', message });
    }
    const twins = (readAs.get(canonical) ?? []).filter((name) => name !== language);
    if (twins.length > 0) {
        const message =
            `the plugin reads both ${[language, ...twins]
                .sort()
                .map((n) => `${n}/`)
                .join(' and ')} as ${canonical}: ` + "the files of one replace the other's; keep one folder";
        return problem({ language, file: folder }, { severity: 'error', kind: 'badFolderName', message });
    }
    if (canonical !== language) {
        const message = `the plugin reads this folder as ${canonical}; rename it to ${canonical}, the spelling other tools expect`;
        return problem({ language, file: folder }, { severity: 'warning', kind: 'badFolderName', message });
    }
    return undefined;
}
