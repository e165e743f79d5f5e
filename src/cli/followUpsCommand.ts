import { toMilliseconds } from '../core/policy/duration';
import type { FollowUp, FollowUpStatus, FollowUpType } from '../followups/followUpRecord';
import { FollowUpService } from '../followups/followUpService';

/** Where the `followups` command writes (the CLI's writers). */
export interface FollowUpCliWriters {
    /** Tables, JSON and confirmations. */
    stdout(text: string): void;
    /** Errors. */
    stderr(text: string): void;
}

/** The `followups` part of the CLI's help. */
export const FOLLOW_UPS_USAGE = `  followups list [--user <id>] [--conversation <id>] [--status <status>] [--type <type>] [--limit <n>]
  followups cancel <id>
  followups reschedule <id> <when>     <when>: an ISO date (2030-01-31T09:00:00Z) or a delay from now ('2 hours')
  followups health
                    Inspect and manage follow-ups. Each takes --mongo <uri> (default: MONGODB_URI),
                    --prefix <collection prefix> (default inactivity) and --json (JSON for scripts:
                    list prints an array of { id, type, status, userId, conversationId, scheduledAt,
                    executedAt, attempts }; health prints the object of health()).
`;

const STATUSES: FollowUpStatus[] = ['pending', 'sending', 'executed', 'cancelled', 'failed', 'skipped'];
const TYPES: FollowUpType[] = ['postEvent', 'reengagement', 'checkIn', 'custom'];

/** Thrown for a wrong command line: exit status 2. */
class UsageError extends Error {}

/**
 * Runs `botbuilder-inactivity followups <list|cancel|reschedule|health> ...`.
 *
 * @param argv The arguments after `followups`.
 * @param writers Where to write.
 * @param env The environment (for `MONGODB_URI`).
 * @returns The exit status: 0 done (or `--help` / `-h` printed the usage), 1 not found / not possible / unhealthy,
 *   2 wrong command line.
 */
export async function followUpsCommand(argv: readonly string[], writers: FollowUpCliWriters, env: NodeJS.ProcessEnv = process.env): Promise<number> {
    if (argv.includes('--help') || argv.includes('-h')) {
        writers.stdout(`Usage:\n${FOLLOW_UPS_USAGE}`);
        return 0;
    }
    let parsed: ReturnType<typeof parse>;
    try {
        parsed = parse(argv, env);
    } catch (err) {
        if (err instanceof UsageError) {
            writers.stderr(`botbuilder-inactivity followups: ${err.message}\n\nUsage:\n${FOLLOW_UPS_USAGE}`);
            return 2;
        }
        throw err;
    }
    const { action, args, flags } = parsed;
    const service = new FollowUpService({
        adapter: { continueConversationAsync: async () => undefined },
        mongo: flags.mongo,
        collectionPrefix: flags.prefix,
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
        switch (action) {
            case 'list': {
                const page = await service.list({ userId: flags.user, conversationId: flags.conversation, status: flags.status, type: flags.type, limit: flags.limit });
                const rows = page.items.map(summary);
                writers.stdout(flags.json ? `${JSON.stringify(rows, null, 2)}\n` : table(rows));
                return 0;
            }
            case 'cancel': {
                const done = await service.cancel(args[0]);
                writers.stdout(flags.json ? `${JSON.stringify({ id: args[0], cancelled: done })}\n` : done ? `Cancelled ${args[0]}.\n` : `${args[0]} was not cancelled: not found, or no longer pending.\n`);
                return done ? 0 : 1;
            }
            case 'reschedule': {
                const at = parseWhen(args[1]);
                const done = await service.reschedule(args[0], at);
                writers.stdout(
                    flags.json ? `${JSON.stringify({ id: args[0], rescheduled: done, scheduledAt: at.toISOString() })}\n` : done ? `Rescheduled ${args[0]} to ${at.toISOString()}.\n` : `${args[0]} was not rescheduled: not found, or being sent right now.\n`
                );
                return done ? 0 : 1;
            }
            default: {
                const health = await service.health();
                writers.stdout(flags.json ? `${JSON.stringify(health, null, 2)}\n` : Object.entries(health).map(([k, v]) => `${k.padEnd(16)} ${String(v)}`).join('\n') + '\n');
                return health.status === 'ok' ? 0 : 1;
            }
        }
    } catch (err) {
        writers.stderr(`botbuilder-inactivity followups: ${(err as Error).message}\n`);
        return err instanceof UsageError ? 2 : 1;
    } finally {
        await service.stop();
    }
}

function parse(argv: readonly string[], env: NodeJS.ProcessEnv) {
    const [action, ...rest] = argv;
    if (action !== 'list' && action !== 'cancel' && action !== 'reschedule' && action !== 'health') {
        throw new UsageError(action === undefined ? 'say what to do: list, cancel, reschedule or health.' : `unknown action "${action}".`);
    }
    const flags: { mongo?: string; prefix?: string; json: boolean; user?: string; conversation?: string; status?: FollowUpStatus; type?: FollowUpType; limit?: number } = { json: false };
    const args: string[] = [];
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (arg === '--json') {
            flags.json = true;
            continue;
        }
        if (!arg.startsWith('--')) {
            args.push(arg);
            continue;
        }
        const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
        const value = inline ?? rest[++i];
        if (value === undefined || value === '') {
            throw new UsageError(`--${name} needs a value.`);
        }
        switch (name) {
            case 'mongo':
                flags.mongo = value;
                break;
            case 'prefix':
                flags.prefix = value;
                break;
            case 'user':
                flags.user = value;
                break;
            case 'conversation':
                flags.conversation = value;
                break;
            case 'status':
                if (!STATUSES.includes(value as FollowUpStatus)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}; got "${value}".`);
                flags.status = value as FollowUpStatus;
                break;
            case 'type':
                if (!TYPES.includes(value as FollowUpType)) throw new UsageError(`--type must be one of ${TYPES.join(', ')}; got "${value}".`);
                flags.type = value as FollowUpType;
                break;
            case 'limit':
                if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--limit must be a positive whole number; got "${value}".`);
                flags.limit = Number(value);
                break;
            default:
                throw new UsageError(`unknown option "--${name}".`);
        }
    }
    flags.mongo ??= env.MONGODB_URI;
    if (!flags.mongo) {
        throw new UsageError('--mongo <uri> is needed (or MONGODB_URI).');
    }
    const wanted = action === 'cancel' ? 1 : action === 'reschedule' ? 2 : 0;
    if (args.length !== wanted) {
        throw new UsageError(action === 'cancel' ? 'cancel takes one follow-up id.' : action === 'reschedule' ? 'reschedule takes a follow-up id and a time.' : `${action} takes no arguments; got "${args.join(' ')}".`);
    }
    if (action === 'reschedule') {
        parseWhen(args[1]);
    }
    return { action, args, flags: flags as typeof flags & { mongo: string } };
}

/** An ISO date, or a delay from now ('2 hours', '90 minutes'). */
function parseWhen(text: string): Date {
    if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
        const at = new Date(text);
        if (!Number.isNaN(at.getTime())) return at;
    } else {
        try {
            return new Date(Date.now() + toMilliseconds(text, 'when'));
        } catch {
            // Reported below.
        }
    }
    throw new UsageError(`<when> must be an ISO date such as 2030-01-31T09:00:00Z or a delay such as '2 hours'; got "${text}".`);
}

/** The fields `list --json` prints, in this order. */
function summary(f: FollowUp): { id: string; type: string; status: string; userId: string; conversationId: string; scheduledAt: string; executedAt: string | null; attempts: number } {
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
    const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
    return [line(head), ...cells.map(line)].join('\n') + '\n';
}
