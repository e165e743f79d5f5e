import type { LocaleFindings } from './checkLocales';

/**
 * Turns a {@link LocaleFindings} into text for a terminal: one line per problem, grouped by language, columns
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
export function formatFindings(findings: LocaleFindings): string {
    const languageCount = `${findings.languages.length} language${findings.languages.length === 1 ? '' : 's'}`;
    if (findings.ok) {
        if (findings.languages.length === 0) {
            return `No language folders besides ${findings.baseLanguage} in ${findings.dir}.\n`;
        }
        return `All ${languageCount} match ${findings.baseLanguage}: ${findings.languages.join(', ')}.\n`;
    }

    const rows = findings.problems.map((p) => ({
        language: p.language || '-',
        file: p.line !== undefined ? `${p.file}:${p.line}:${p.column}` : p.file,
        key: p.key ?? '',
        message: p.severity === 'warning' ? `${p.message} [warning]` : p.message,
        group: p.language,
    }));
    const width = (pick: (row: (typeof rows)[number]) => string): number => Math.max(...rows.map((row) => pick(row).length));
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

    const count = findings.problems.length;
    const parts = [
        findings.errorCount > 0 ? `${findings.errorCount} error${findings.errorCount === 1 ? '' : 's'}` : '',
        findings.warningCount > 0 ? `${findings.warningCount} warning${findings.warningCount === 1 ? '' : 's'}` : '',
    ].filter(Boolean);
    const where = [...new Set(findings.problems.map((p) => p.language || findings.dir))].join(', ');
    lines.push('');
    lines.push(`${count} problem${count === 1 ? '' : 's'} (${parts.join(', ')}) in ${where}; ` + `${languageCount} checked against ${findings.baseLanguage}.`);
    return `${lines.join('\n')}\n`;
}
