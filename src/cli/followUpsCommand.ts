import { existsSync } from 'fs';
import { InactivityConfigError } from '../core/errors';
import { toMilliseconds } from '../core/policy/duration';
import { parseDateOrDuration } from '../core/util/dateOrDuration';
import type { FollowUpHealth } from '../followups/followUpOptions';
import type { FollowUp, FollowUpStatus, FollowUpType } from '../followups/followUpRecord';
import { FollowUpServiceBase } from '../followups/followUpService';
import type { CliContext } from './cliContext';
import { collectionPrefix, expectArguments, MONGO_FLAGS, mongoUri, parseCommandLine } from './commandLine';
import { importReengagements } from './reengageImport';
import type { SweepReport } from '../mongo/sweepLog';

/** The `followups` part of the CLI's help. */
export const FOLLOW_UPS_USAGE = `  followups list [--user <id>] [--conversation <id>] [--status <status>] [--type <type>] [--limit <n>]
  followups cancel <id>
  followups reschedule <id> <when>     <when>: an ISO date (2030-01-31T09:00:00Z) or a delay from now ('2 hours')
  followups health
  followups reengage --from <file.jsonl> [--after <duration>]
                    Schedule a re-engagement per line of a JSON Lines file, one
                    { "reference": …, "userId": …, "lastActivityAt": "<ISO date>" } a line, due --after
                    (default 30 days) the last activity, at once when that has passed. A bad line is
                    reported with its number and skipped; the rest go in. A user who has a re-engagement
                    already counts as a duplicate, so importing a file twice adds nothing.
                    Inspect and manage follow-ups. Each takes --mongo <uri> (default: the MONGODB_URI
                    environment variable), --prefix <collection prefix> (default inactivity), --json
                    (JSON for scripts: list prints an array of { id, type, status, userId,
                    conversationId, scheduledAt, executedAt, attempts }; health prints the object of
                    health(); reengage prints { lines, scheduled, duplicates, bad: [{ line, error }], ms })
                    and -h, --help.
`;

const STATUSES: FollowUpStatus[] = ['pending', 'sending', 'executed', 'cancelled', 'failed', 'skipped'];
const TYPES: FollowUpType[] = ['postEvent', 'reengagement', 'checkIn', 'custom'];
const ACTIONS = ['list', 'cancel', 'reschedule', 'health', 'reengage'] as const;
type Action = (typeof ACTIONS)[number];

const LIST_FLAGS = {
    ...MONGO_FLAGS,
    user: { type: 'string', hint: '<id>' },
    conversation: { type: 'string', hint: '<id>' },
    status: { type: 'string', hint: '<status>' },
    type: { type: 'string', hint: '<type>' },
    limit: { type: 'string', hint: '<n>' },
} as const;

const REENGAGE_FLAGS = {
    ...MONGO_FLAGS,
    from: { type: 'string', hint: '<file.jsonl>' },
    after: { type: 'string', hint: '<duration>' },
} as const;

interface FollowUpsArgs {
    action: Action;
    mongo: string;
    prefix: string;
    json: boolean;
    /** The follow-up id of cancel and reschedule. */
    id: string;
    /** The new time of reschedule. */
    at?: Date;
    /** The file of reengage. */
    from?: string;
    /** The silence of reengage. */
    after?: string;
    filter: { userId?: string; conversationId?: string; status?: FollowUpStatus; type?: FollowUpType; limit?: number };
}

/**
 * Runs `botbuilder-inactivity followups <list|cancel|reschedule|health|reengage> ...`.
 *
 * @param argv The arguments after `followups`.
 * @param cli Where to write, the environment (`MONGODB_URI`) and the clock (for `reschedule <id> '2 hours'`).
 * @returns The exit status: 0 done (or `--help` / `-h` printed the usage), 1 not found / not possible / unhealthy.
 * @throws InactivityConfigError for a wrong command line (the CLI's exit status 2).
 */
export async function followUpsCommand(argv: readonly string[], cli: CliContext): Promise<number> {
    const args = readArgs(argv, cli);
    const { writers } = cli;
    if (args === 'help') {
        writers.stdout(`Usage:\n${FOLLOW_UPS_USAGE}`);
        return 0;
    }
    // The CLI schedules, lists and cancels; it sends nothing, so it needs no bot SDK.
    const service = new FollowUpServiceBase({
        adapter: undefined,
        mongo: args.mongo,
        collectionPrefix: args.prefix,
        send: false,
        onError: () => undefined,
    });
    try {
        await service.start();
    } catch (err) {
        writers.stderr(`botbuilder-inactivity followups: ${(err as Error).message}\n`);
        return 1;
    }
    try {
        const { text, code } = await perform(service, args, cli);
        writers.stdout(text);
        return code;
    } catch (err) {
        writers.stderr(`botbuilder-inactivity followups: ${(err as Error).message}\n`);
        return 1;
    } finally {
        await service.stop();
    }
}

async function perform(service: FollowUpServiceBase, args: FollowUpsArgs, cli: CliContext): Promise<{ text: string; code: number }> {
    const { id, json } = args;
    switch (args.action) {
        case 'reengage': {
            const done = await importReengagements(service, args.from as string, { after: args.after, now: () => cli.now() });
            for (const bad of done.bad) {
                cli.writers.stderr(`line ${bad.line}: ${bad.error}; skipped.\n`);
            }
            const text = json
                ? `${JSON.stringify(done, null, 2)}\n`
                : `${done.lines} lines in ${(done.ms / 1000).toFixed(1)} s: ${done.scheduled} re-engagements scheduled, ${done.duplicates} duplicates (the user had one already), ${done.bad.length} bad lines skipped.\n`;
            return { text, code: done.bad.length ? 1 : 0 };
        }
        case 'list': {
            const rows = (await service.list(args.filter)).items.map(summary);
            return { text: json ? `${JSON.stringify(rows, null, 2)}\n` : table(rows), code: 0 };
        }
        case 'cancel': {
            const done = await service.cancel(id);
            const text = json
                ? `${JSON.stringify({ id, cancelled: done })}\n`
                : done
                  ? `Cancelled ${id}.\n`
                  : `${id} was not cancelled: not found, or no longer pending.\n`;
            return { text, code: done ? 0 : 1 };
        }
        case 'reschedule': {
            const at = args.at as Date;
            const done = await service.reschedule(id, at);
            const text = json
                ? `${JSON.stringify({ id, rescheduled: done, scheduledAt: at.toISOString() })}\n`
                : done
                  ? `Rescheduled ${id} to ${at.toISOString()}.\n`
                  : `${id} was not rescheduled: not found, or being sent right now.\n`;
            return { text, code: done ? 0 : 1 };
        }
        default: {
            const health = await service.health();
            const text = json ? `${JSON.stringify(health, null, 2)}\n` : healthText(health, cli.now());
            return { text, code: health.status === 'ok' ? 0 : 1 };
        }
    }
}

function readArgs(argv: readonly string[], cli: CliContext): FollowUpsArgs | 'help' {
    const [action, ...rest] = argv;
    if (!ACTIONS.includes(action as Action)) {
        if (parseCommandLine(argv, {}).help) {
            return 'help';
        }
        throw new InactivityConfigError(
            action === undefined
                ? 'say what to do: list, cancel, reschedule, health or reengage.'
                : `unknown action "${action}"; the actions are list, cancel, reschedule, health and reengage.`
        );
    }
    // Only list filters; the other actions refuse its flags rather than ignore them.
    const { help, values, positionals } = parseCommandLine(rest, action === 'list' ? LIST_FLAGS : action === 'reengage' ? REENGAGE_FLAGS : MONGO_FLAGS);
    if (help) {
        return 'help';
    }
    const list = values as { user?: string; conversation?: string; status?: string; type?: string; limit?: string };
    const args: FollowUpsArgs = {
        action: action as Action,
        mongo: '',
        prefix: collectionPrefix(values.prefix),
        json: values.json === true,
        id: positionals[0] ?? '',
        filter: {
            userId: list.user,
            conversationId: list.conversation,
            status: oneOf('--status', list.status, STATUSES),
            type: oneOf('--type', list.type, TYPES),
            limit: positive('--limit', list.limit),
        },
    };
    if (action === 'cancel') {
        expectArguments(positionals, 1, 'cancel takes one follow-up id');
    } else if (action === 'reschedule') {
        expectArguments(positionals, 2, 'reschedule takes a follow-up id and a time');
        args.at = parseDateOrDuration(positionals[1], { name: '<when>', direction: 'fromNow', now: cli.now() });
    } else {
        expectArguments(positionals, 0, `${action} takes no arguments`);
    }
    if (action === 'reengage') {
        const { from, after } = values as { from?: string; after?: string };
        if (!from) {
            throw new InactivityConfigError('reengage needs --from <file.jsonl>: one { "reference": …, "userId": …, "lastActivityAt": … } a line.');
        }
        if (!existsSync(from)) {
            throw new InactivityConfigError(`--from: no file ${from}.`);
        }
        if (after !== undefined) {
            toMilliseconds(after, '--after');
        }
        args.from = from;
        args.after = after;
    }
    args.mongo = mongoUri(values.mongo, cli.env);
    return args;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
    if (value !== undefined && !allowed.includes(value as T)) {
        throw new InactivityConfigError(`${flag} must be one of ${allowed.join(', ')}; got "${value}".`);
    }
    return value as T | undefined;
}

function positive(flag: string, value: string | undefined): number | undefined {
    if (value !== undefined && (!/^\d+$/.test(value) || Number(value) < 1)) {
        throw new InactivityConfigError(`${flag} must be a positive whole number; got "${value}".`);
    }
    return value === undefined ? undefined : Number(value);
}

/** The fields `list --json` prints, in this order. */
function summary(f: FollowUp): {
    id: string;
    type: string;
    status: string;
    userId: string;
    conversationId: string;
    scheduledAt: string;
    executedAt: string | null;
    attempts: number;
} {
    return {
        id: f.id,
        type: f.type,
        status: f.status,
        userId: f.userId,
        conversationId: f.conversationId,
        scheduledAt: f.scheduledAt.toISOString(),
        executedAt: f.executedAt ? f.executedAt.toISOString() : null,
        attempts: f.attempts,
    };
}

function table(rows: Array<ReturnType<typeof summary>>): string {
    if (!rows.length) {
        return 'No follow-ups.\n';
    }
    const head = ['id', 'type', 'status', 'userId', 'conversationId', 'scheduledAt', 'executedAt', 'attempts'];
    const cells = rows.map((r) => [r.id, r.type, r.status, r.userId, r.conversationId, r.scheduledAt, r.executedAt ?? '-', String(r.attempts)]);
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c: string[]) =>
        c
            .map((v, i) => v.padEnd(widths[i]))
            .join('  ')
            .trimEnd();
    return [line(head), ...cells.map(line)].join('\n') + '\n';
}

/** One row of a sweep: `sweep followUps`, `2026-12-07T10:00:00.000Z, 12 ms: inactivityFollowUps 3`. */
function sweepRow(sweep: SweepReport): [string, string] {
    const deleted = Object.entries(sweep.deleted).map(([collection, n]) => `${collection} ${n}`);
    return [
        `sweep ${sweep.name}`,
        `${sweep.at.toISOString()}, ${sweep.ms} ms: ${deleted.join(', ') || 'nothing'}${sweep.error ? ` (stopped: ${sweep.error})` : ''}`,
    ];
}

/**
 * `followups health` as text: `running` says whether this process sends (the CLI never does), `workers` what the
 * database shows of the bot's instances that do.
 */
function healthText(health: FollowUpHealth, now: number): string {
    const { workers } = health;
    const when = (d: Date | null) => (d ? `${d.toISOString()} (${ago(now - d.getTime())})` : 'never');
    const rows: Array<[string, string]> = [
        ['status', health.status],
        ['running', `${health.running} (whether this process sends follow-ups; the CLI only reads: see workers)`],
        [
            'workers',
            workers.alive
                ? `sending: an instance woke ${ago(now - (workers.lastWakeUpAt as Date).getTime())}`
                : 'none seen: no instance woke in the last 20 minutes (they wake at least every 15)',
        ],
        ['  last wake-up', when(workers.lastWakeUpAt)],
        ['  next wake-up', workers.nextWakeUpAt ? workers.nextWakeUpAt.toISOString() : 'none set'],
        ['  waking now', String(workers.wakingNow)],
        ['  last sent', when(workers.lastSentAt)],
        ...(['pending', 'executedToday', 'failed', 'overdue', 'oldestOverdueMs', 'p95LatenessMs'] as const).map((k): [string, string] => [
            k,
            String(health[k]),
        ]),
    ];
    return `${rows
        .concat(health.lastSweeps.map(sweepRow))
        .map(([k, v]) => `${k.padEnd(16)} ${v}`)
        .join('\n')}\n`;
}

function ago(ms: number): string {
    const s = Math.round(ms / 1000);
    if (s < 0) {
        return `in ${-s} s`;
    }
    return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}
