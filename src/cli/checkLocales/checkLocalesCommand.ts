import * as path from 'path';
import type { CliContext } from '../cliContext';
import { expectArguments, parseCommandLine } from '../commandLine';
import { checkLocales } from './checkLocales';
import { formatFindings } from './formatFindings';

/**
 * The `locales/` folder shipped with this package, used when `--dir` is not given.
 * Resolved from the compiled file: `dist/src/cli/checkLocales/checkLocalesCommand.js` -> `../../../../locales`.
 */
export const DEFAULT_LOCALES_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'locales');

/** The help of the `check-locales` command, part of the CLI's usage text. */
export const CHECK_LOCALES_USAGE = `  check-locales     Compare every language folder with en: missing or extra keys,
                    {{placeholders}} that differ, missing plural forms, missing files,
                    values that are not text, and JSON syntax errors (with line and column).

Options for check-locales:
  --dir <folder>    Folder laid out as <folder>/<language>/<namespace>.json
                    (default: the locales/ folder shipped with botbuilder-inactivity)
  -h, --help        Show this help.
`;

const FLAGS = { dir: { type: 'string', hint: '<folder>' } } as const;

/**
 * Runs `botbuilder-inactivity check-locales`. Synchronous: it only reads files.
 *
 * @param argv The arguments after `check-locales`.
 * @param cli Where to write.
 * @returns 0 when every language matches en (or after `--help`), 1 when problems were found.
 * @throws InactivityConfigError for a wrong command line (the CLI's exit status 2).
 */
export function checkLocalesCommand(argv: readonly string[], cli: CliContext): number {
    const { help, values, positionals } = parseCommandLine(argv, FLAGS);
    if (help) {
        cli.writers.stdout(`Usage: botbuilder-inactivity check-locales [--dir <folder>]\n\n${CHECK_LOCALES_USAGE}`);
        return 0;
    }
    expectArguments(positionals, 0, 'check-locales takes no arguments, only --dir <folder>');
    const report = checkLocales(values.dir === undefined ? DEFAULT_LOCALES_DIR : path.resolve(values.dir));
    cli.writers.stdout(formatFindings(report));
    return report.ok ? 0 : 1;
}
