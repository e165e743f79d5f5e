import * as fs from 'fs';
import * as path from 'path';
import { toMilliseconds } from '../core/policy/duration';
import { reportCsv } from '../report/csv';
import { reportPage } from '../report/htmlPage';
import { DropOffReport, report } from '../report/report';
import type { CliWriters } from './main';
import { MongoHandle, openMongo } from '../mongo/mongoConnection';

/** The help of the `report` command, part of the CLI's usage text. */
export const REPORT_USAGE = `  report            The drop-off report of the flow runs in MongoDB: per flow, the funnel,
                    abandonment by step and by reason, reminder recovery, resumes, median
                    time to abandon and a per-day trend.

Options for report:
  --mongo <uri>     MongoDB connection string naming the bot's database (required)
  --since <when>    Runs that ended since a duration ago (30d, 12h, 2 weeks) or a date
                    (2026-11-01). Default: all.
  --until <when>    Runs that ended before then (same forms). Default: now.
  --flow <id>       Only this flow (its dialog id).
  --prefix <name>   The plugin's collectionPrefix (default: inactivity, so inactivityRuns).
  --out <file>      Write the report as one self-contained HTML page.
  --json            Print the report as JSON.
  --csv             Print the report as CSV (one row per number).
  Without --out, --json or --csv, a short text summary is printed.
`;

interface ReportArgs {
    mongo?: string;
    since?: Date;
    until?: Date;
    flowId?: string;
    prefix: string;
    out?: string;
    format: 'text' | 'json' | 'csv' | 'html';
}

/**
 * Runs `botbuilder-inactivity report`.
 *
 * @param argv The arguments after `report`.
 * @param writers Where to write.
 * @param now The clock (epoch ms), for `--since 30d`.
 * @returns 0 on success, 1 when the database cannot be read, 2 on a usage error.
 */
export async function reportCommand(argv: readonly string[], writers: CliWriters, now: number = Date.now()): Promise<number> {
    let args: ReportArgs;
    try {
        args = parseArgs(argv, now);
    } catch (err) {
        writers.stderr(`botbuilder-inactivity report: ${(err as Error).message}\nSee botbuilder-inactivity --help.\n`);
        return 2;
    }
    if (!args.mongo) {
        writers.stderr('botbuilder-inactivity report: --mongo <uri> is required, for example --mongo mongodb://localhost:27017/mybot.\n');
        return 2;
    }
    let data: DropOffReport;
    let handle: MongoHandle | undefined;
    try {
        // openMongo keeps the password out of its errors.
        handle = await openMongo(args.mongo);
        data = await report(handle.db, { since: args.since, until: args.until, flowId: args.flowId, collection: `${args.prefix}Runs` });
    } catch (err) {
        writers.stderr(`botbuilder-inactivity report: could not read the flow runs: ${(err as Error).message}\n`);
        return 1;
    } finally {
        await handle?.close().catch(() => undefined);
    }
    switch (args.format) {
        case 'json':
            writers.stdout(`${JSON.stringify(data, null, 2)}\n`);
            break;
        case 'csv':
            writers.stdout(reportCsv(data));
            break;
        case 'html': {
            const file = path.resolve(args.out as string);
            fs.writeFileSync(file, reportPage(data));
            writers.stdout(`Wrote ${file} (${data.flows.length} flow${data.flows.length === 1 ? '' : 's'}).\n`);
            break;
        }
        default:
            writers.stdout(textSummary(data));
    }
    return 0;
}

function parseArgs(argv: readonly string[], now: number): ReportArgs {
    const args: ReportArgs = { prefix: 'inactivity', format: 'text' };
    const formats: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
        const value = (): string => {
            const v = inline ?? argv[++i];
            if (v === undefined || (inline === undefined && v.startsWith('--'))) {
                throw new Error(`${flag} needs a value.`);
            }
            return v;
        };
        switch (flag) {
            case '--mongo':
                args.mongo = value();
                break;
            case '--since':
                args.since = parseWhen(value(), now, '--since');
                break;
            case '--until':
                args.until = parseWhen(value(), now, '--until');
                break;
            case '--flow':
                args.flowId = value();
                break;
            case '--prefix':
                args.prefix = value();
                if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(args.prefix)) {
                    throw new Error(`--prefix "${args.prefix}" is not a collection prefix (letters, digits and _).`);
                }
                break;
            case '--out':
                args.out = value();
                formats.push('--out');
                args.format = 'html';
                break;
            case '--json':
                formats.push('--json');
                args.format = 'json';
                break;
            case '--csv':
                formats.push('--csv');
                args.format = 'csv';
                break;
            default:
                throw new Error(`unknown option "${argv[i]}".`);
        }
    }
    if (formats.length > 1) {
        throw new Error(`give one of --out, --json and --csv, not ${formats.join(' and ')}.`);
    }
    if (args.since && args.until && args.since >= args.until) {
        throw new Error('--since must be before --until.');
    }
    return args;
}

/** A duration ago (`30d`, `2 weeks`) or a date (`2026-11-01`, ISO 8601). */
function parseWhen(text: string, now: number, flag: string): Date {
    if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
        const date = new Date(text);
        if (Number.isNaN(date.getTime())) {
            throw new Error(`${flag} "${text}" is not a date.`);
        }
        return date;
    }
    try {
        return new Date(now - toMilliseconds(text, flag));
    } catch {
        throw new Error(`${flag} "${text}" is neither a duration (30d, 12h, 2 weeks) nor a date (2026-11-01).`);
    }
}

function textSummary(data: DropOffReport): string {
    const lines = [`Flow runs that ended ${data.since ? data.since.toISOString().slice(0, 10) : 'any time'} – ${data.until.toISOString().slice(0, 10)}:`];
    if (data.flows.length === 0) {
        lines.push('  none.');
    }
    for (const f of data.flows) {
        const reasons = Object.entries(f.abandonedByReason).map(([r, n]) => `${r} ${n}`).join(', ');
        lines.push(`  ${f.flowId}: started ${f.started}, completed ${f.completed}, abandoned ${f.abandoned}${reasons ? ` (${reasons})` : ''}; reminded ${f.reminded}, recovered ${f.recoveredAfterReminder}; resumed ${f.resumed}, completed after resume ${f.completedAfterResume}`);
    }
    return `${lines.join('\n')}\n`;
}
