import * as fs from 'fs';
import * as path from 'path';
import { InactivityConfigError } from '../core/errors';
import { parseDateOrDuration } from '../core/util/dateOrDuration';
import { MongoHandle, openMongo } from '../mongo/mongoConnection';
import { reportCsv } from '../report/csv';
import { FlowLabels, reportPage } from '../report/htmlPage';
import { readLabelsFile } from '../report/labelsFile';
import { DropOffReport, report } from '../report/report';
import type { CliContext } from './cliContext';
import { collectionPrefix, expectArguments, MONGO_FLAGS, mongoUri, parseCommandLine } from './commandLine';

/** The help of the `report` command, part of the CLI's usage text. */
export const REPORT_USAGE = `  report            The drop-off report of the flow runs in MongoDB: per flow, the funnel,
                    abandonment by step and by reason, reminder recovery, resumes, median
                    time to abandon and a per-day trend.

Options for report:
  --mongo <uri>     MongoDB connection string naming the bot's database
                    (default: the MONGODB_URI environment variable)
  --since <when>    Runs that ended since a duration ago (30d, 12h, 2 weeks) or a date
                    (2026-11-01). Default: all.
  --until <when>    Runs that ended before then (same forms). Default: now.
  --flow <id>       Only this flow (its dialog id).
  --prefix <name>   The plugin's collectionPrefix (default: inactivity, so inactivityRuns).
  --out <file>      Write the report as one self-contained HTML page.
  --labels <file>   With --out: the designers' labels of flows and steps, a JSON file
                    { "addClient": { "label": "Add a client", "steps": { "name": "Client's name" } } };
                    the page shows them with the ids beside them.
  --json            Print the report as JSON.
  --csv             Print the report as CSV (one row per number).
  -h, --help        Show this help.
  Without --out, --json or --csv, a short text summary is printed.
`;

const REPORT_FLAGS = {
    ...MONGO_FLAGS,
    since: { type: 'string', hint: '<when>' },
    until: { type: 'string', hint: '<when>' },
    flow: { type: 'string', hint: '<id>' },
    out: { type: 'string', hint: '<file>' },
    labels: { type: 'string', hint: '<file>' },
    csv: { type: 'boolean' },
} as const;

interface ReportArgs {
    mongo: string;
    since?: Date;
    until?: Date;
    flowId?: string;
    prefix: string;
    out?: string;
    labels?: Record<string, FlowLabels>;
    format: 'text' | 'json' | 'csv' | 'html';
}

/**
 * Runs `botbuilder-inactivity report`.
 *
 * @param argv The arguments after `report`.
 * @param cli Where to write, the environment (`MONGODB_URI`) and the clock (for `--since 30d`).
 * @returns 0 on success (or after `--help`), 1 when the database cannot be read.
 * @throws InactivityConfigError for a wrong command line (the CLI's exit status 2).
 */
export async function reportCommand(argv: readonly string[], cli: CliContext): Promise<number> {
    const args = readArgs(argv, cli);
    if (args === 'help') {
        cli.writers.stdout(`Usage: botbuilder-inactivity report [options]\n\n${REPORT_USAGE}`);
        return 0;
    }
    let data: DropOffReport;
    let handle: MongoHandle | undefined;
    try {
        // openMongo keeps the password out of its errors.
        handle = await openMongo(args.mongo);
        data = await report(handle.db, { since: args.since, until: args.until, flowId: args.flowId, collection: `${args.prefix}Runs` });
    } catch (err) {
        cli.writers.stderr(`botbuilder-inactivity report: could not read the flow runs: ${(err as Error).message}\n`);
        return 1;
    } finally {
        await handle?.close().catch(() => undefined);
    }
    cli.writers.stdout(render(data, args));
    return 0;
}

function render(data: DropOffReport, args: ReportArgs): string {
    switch (args.format) {
        case 'json':
            return `${JSON.stringify(data, null, 2)}\n`;
        case 'csv':
            return reportCsv(data);
        case 'html': {
            const file = path.resolve(args.out as string);
            fs.writeFileSync(file, reportPage(data, { labels: args.labels }));
            return `Wrote ${file} (${data.flows.length} flow${data.flows.length === 1 ? '' : 's'}).\n`;
        }
        default:
            return textSummary(data);
    }
}

function readArgs(argv: readonly string[], cli: CliContext): ReportArgs | 'help' {
    const { help, values, positionals } = parseCommandLine(argv, REPORT_FLAGS);
    if (help) {
        return 'help';
    }
    expectArguments(positionals, 0, 'report takes no arguments, only options');
    const formats = (['out', 'json', 'csv'] as const).filter((f) => values[f] !== undefined).map((f) => `--${f}`);
    if (formats.length > 1) {
        throw new InactivityConfigError(`give one of --out, --json and --csv, not ${formats.join(' and ')}.`);
    }
    if (values.labels !== undefined && values.out === undefined) {
        throw new InactivityConfigError('--labels goes with --out: the labels are shown on the HTML page.');
    }
    const now = cli.now();
    const since = values.since === undefined ? undefined : parseDateOrDuration(values.since, { name: '--since', now });
    const until = values.until === undefined ? undefined : parseDateOrDuration(values.until, { name: '--until', now });
    if (since && until && since >= until) {
        throw new InactivityConfigError(`--since must be before --until; got ${since.toISOString()} and ${until.toISOString()}.`);
    }
    return {
        mongo: mongoUri(values.mongo, cli.env),
        since,
        until,
        flowId: values.flow,
        prefix: collectionPrefix(values.prefix),
        out: values.out,
        ...(values.labels !== undefined ? { labels: readLabelsFile(values.labels) } : {}),
        format: values.out !== undefined ? 'html' : values.json ? 'json' : values.csv ? 'csv' : 'text',
    };
}

function textSummary(data: DropOffReport): string {
    const lines = [`Flow runs that ended ${data.since ? data.since.toISOString().slice(0, 10) : 'any time'} – ${data.until.toISOString().slice(0, 10)}:`];
    if (data.flows.length === 0) {
        lines.push('  none.');
    }
    for (const f of data.flows) {
        const reasons = Object.entries(f.abandonedByReason)
            .map(([r, n]) => `${r} ${n}`)
            .join(', ');
        lines.push(
            `  ${f.flowId}: started ${f.started}, completed ${f.completed}, abandoned ${f.abandoned}${reasons ? ` (${reasons})` : ''}; reminded ${f.reminded}, recovered ${f.recoveredAfterReminder}; resumed ${f.resumed}, completed after resume ${f.completedAfterResume}`
        );
    }
    return `${lines.join('\n')}\n`;
}
