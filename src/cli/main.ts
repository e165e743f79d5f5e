import { InactivityConfigError } from '../core/errors';
import { CHECK_LOCALES_USAGE, checkLocalesCommand } from './checkLocales';
import { CliContext, CliWriters, processWriters } from './cliContext';
import { FOLLOW_UPS_USAGE, followUpsCommand } from './followUpsCommand';
import { REPORT_USAGE, reportCommand } from './reportCommand';

export type { CliWriters } from './cliContext';

const EXIT_STATUS = `Exit status: 0 when every language matches en (check-locales) or the command did its work,
1 when problems were found, a follow-up could not be changed or the database could not be read,
2 when the command line is wrong.
`;

/** The text printed by `--help`, and after a usage error. */
export const USAGE = `Usage: botbuilder-inactivity <command> [options]
       botbuilder-inactivity <command> --help

Commands:
${CHECK_LOCALES_USAGE}
${FOLLOW_UPS_USAGE}
${REPORT_USAGE}
${EXIT_STATUS}`;

/** A command: what it runs and the usage printed after a usage error. */
interface Command {
    run(argv: readonly string[], cli: CliContext): number | Promise<number>;
    usage: string;
}

const COMMANDS: Record<string, Command> = {
    'check-locales': { run: checkLocalesCommand, usage: CHECK_LOCALES_USAGE },
    followups: { run: followUpsCommand, usage: FOLLOW_UPS_USAGE },
    report: { run: reportCommand, usage: REPORT_USAGE },
};

/**
 * Runs the `botbuilder-inactivity` command line. Every command reads its flags with the same rules
 * (`util.parseArgs`); a wrong command line is an `InactivityConfigError`, printed with the command's usage
 * (no stack trace) and exit status 2.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['report', '--since', '30d', '--json']); // --mongo or MONGODB_URI
 * ```
 * @param argv The arguments after the program name (`process.argv.slice(2)`).
 * @param writers Where to write; defaults to the process's stdout and stderr.
 * @param env The environment, read for `MONGODB_URI`; defaults to `process.env`.
 * @returns The exit status: 0 when clean, 1 when problems were found, 2 on a usage error. A number for
 *   `check-locales` and `--help`, a promise of it for `followups` and `report`, which talk to MongoDB.
 */
export function main(argv: readonly string[], writers: CliWriters = processWriters, env: NodeJS.ProcessEnv = process.env): number | Promise<number> {
    const [name, ...rest] = argv;
    if (name === '--help' || name === '-h' || name === 'help') {
        writers.stdout(USAGE);
        return 0;
    }
    const command = name === undefined ? undefined : Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined) {
        writers.stderr(`botbuilder-inactivity: ${name === undefined ? 'no command given' : `unknown command "${name}"`}.\n\n${USAGE}`);
        return 2;
    }
    const usageError = (err: unknown): number => {
        if (!(err instanceof InactivityConfigError)) {
            throw err;
        }
        writers.stderr(`botbuilder-inactivity ${name}: ${err.message}\n\nUsage:\n${command.usage}\nSee botbuilder-inactivity --help.\n`);
        return 2;
    };
    const cli: CliContext = { writers, env, now: Date.now };
    try {
        const status = command.run(rest, cli);
        return typeof status === 'number' ? status : status.catch(usageError);
    } catch (err) {
        return usageError(err);
    }
}
