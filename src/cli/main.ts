import * as path from 'path';
import { checkLocales, formatReport } from './checkLocales';
import { followUpsCommand, FOLLOW_UPS_USAGE } from './followUpsCommand';
import { REPORT_USAGE, reportCommand } from './reportCommand';

/**
 * The `locales/` folder shipped with this package, used when `--dir` is not given.
 * Resolved from the compiled file: `dist/src/cli/main.js` -> `../../../locales`.
 */
export const DEFAULT_LOCALES_DIR = path.resolve(__dirname, '..', '..', '..', 'locales');

/** The text printed by `--help`, and after a usage error. */
export const USAGE = `Usage: botbuilder-inactivity <command> [options]

Commands:
  check-locales     Compare every language folder with en: missing or extra keys,
                    {{placeholders}} that differ, missing plural forms, missing files,
                    values that are not text, and JSON syntax errors (with line and column).
${FOLLOW_UPS_USAGE}

${REPORT_USAGE}
Options for check-locales:
  --dir <folder>    Folder laid out as <folder>/<language>/<namespace>.json
                    (default: the locales/ folder shipped with botbuilder-inactivity)
  -h, --help        Show this help.

Exit status: 0 when every language matches en (check-locales) or the report was made,
1 when problems were found or the database could not be read, 2 when the command line is wrong.
`;

/** Where {@link main} writes; injected so tests can capture the output. */
export interface CliWriters {
    /** Receives the report and the help text. Default: `process.stdout`. */
    stdout(text: string): void;
    /** Receives usage errors. Default: `process.stderr`. */
    stderr(text: string): void;
}

const processWriters: CliWriters = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
};

/**
 * Runs the `botbuilder-inactivity` command line.
 *
 * @example
 * ```ts
 * process.exitCode = main(['check-locales', '--dir', './locales']);
 * ```
 * @param argv The arguments after the program name (`process.argv.slice(2)`).
 * @param writers Where to write; defaults to the process's stdout and stderr.
 * @returns The exit status: 0 when clean, 1 when problems were found, 2 on a usage error (a promise of it for
 *   `followups` and `report`, which talk to MongoDB).
 */
export function main(argv: readonly string[], writers: CliWriters = processWriters): number | Promise<number> {
    const [command, ...rest] = argv;
    if (command === '--help' || command === '-h' || command === 'help') {
        writers.stdout(USAGE);
        return 0;
    }
    if (command === undefined) {
        return usageError(writers, 'no command given.');
    }
    if (command === 'followups') {
        return followUpsCommand(rest, writers);
    }
    if (command === 'report') {
        return rest.includes('--help') || rest.includes('-h') ? (writers.stdout(USAGE), 0) : reportCommand(rest, writers);
    }
    if (command !== 'check-locales') {
        return usageError(writers, `unknown command "${command}".`);
    }

    let dir = DEFAULT_LOCALES_DIR;
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (arg === '--help' || arg === '-h') {
            writers.stdout(USAGE);
            return 0;
        }
        if (arg === '--dir') {
            const value = rest[i + 1];
            if (value === undefined || value.startsWith('-')) {
                return usageError(writers, '--dir needs a folder, for example --dir ./locales.');
            }
            dir = path.resolve(value);
            i++;
        } else if (arg.startsWith('--dir=')) {
            dir = path.resolve(arg.slice('--dir='.length));
        } else {
            return usageError(writers, `unknown option "${arg}" for check-locales.`);
        }
    }

    const report = checkLocales(dir);
    writers.stdout(formatReport(report));
    return report.ok ? 0 : 1;
}

function usageError(writers: CliWriters, message: string): number {
    writers.stderr(`botbuilder-inactivity: ${message}\n\n${USAGE}`);
    return 2;
}
