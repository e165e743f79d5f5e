/**
 * One bot process of a burst (forked by bench/burst.ts): the sample bot with the plugin on the shared database,
 * its conversations' state seeded in its own MemoryStorage (every process holds every conversation, so whichever
 * takes a timer can run it; a reminder sent by two processes shows as a duplicate in the coordinator's count).
 *
 * Messages: `{ type: 'seed', dueAt }` → seeds, answers `seeded`; `{ type: 'finish' }` → answers `done` with what
 * it sent and what it cost, and exits.
 */
import { Session } from 'inspector';
import { MemoryStorage } from 'botbuilder';
import { MongoClient } from 'mongodb';
import { benchBot, BenchBot, seedConversations } from './bot';
import { CommandCounter } from './commandCounter';
import { cpuMs } from './stats';

interface Init {
    uri: string;
    count: number;
    reminderAfterMs: number;
    profile: boolean;
}

/** What a worker reports when it finishes. */
export interface WorkerReport {
    sends: Array<[string, number]>;
    /** This process's CPU from the end of the seeding (the timers are stored and due a few seconds later) to the finish, ms. */
    cpuMs: number;
    /** The part of it spent in the kernel (socket I/O, mostly), ms. */
    systemMs: number;
    commands: number;
    writes: number;
    byCommand: Record<string, number>;
    /** Sum of the round trips of its commands, ms. */
    roundTripMs: number;
    /** Self time by where the code lives, ms (profiled runs only). */
    profile?: Record<string, number>;
}

async function main(): Promise<void> {
    const init = JSON.parse(process.env.BURST_WORKER ?? '{}') as Init;
    const client = new MongoClient(init.uri, { monitorCommands: true });
    await client.connect();
    const counter = new CommandCounter(client);
    const storage = new MemoryStorage();
    const sends: Array<[string, number]> = [];
    let bot: BenchBot | undefined;
    let cpuAtStart = cpuMs();
    let systemAtStart = process.cpuUsage().system / 1000;
    let session: Session | undefined;
    bot = await benchBot({ storage, plugin: { mongo: client, reminderAfter: init.reminderAfterMs, closeAfter: '10 minutes' } });
    bot.adapter.onSend = (activities, context) => {
        for (const a of activities) {
            if (a.type === 'message' && a.text?.startsWith('Still there?')) {
                sends.push([context.activity.conversation?.id ?? '?', Date.now()]);
            }
        }
    };
    process.on('message', (message: { type: string; dueAt?: number }) => {
        void (async () => {
            if (message.type === 'progress') {
                process.send?.({ type: 'progress', sent: sends.length });
            } else if (message.type === 'seed') {
                const dueAt = message.dueAt as number;
                await seedConversations(storage, init.count, dueAt, init.reminderAfterMs);
                // The seeding's garbage is the bench's, not the reminders' (the worker runs with --expose-gc).
                (globalThis as { gc?: () => void }).gc?.();
                // Counted from here: the polls that lock the timers ahead of their due time are part of the cost.
                counter.reset();
                cpuAtStart = cpuMs();
                systemAtStart = process.cpuUsage().system / 1000;
                if (init.profile) {
                    session = new Session();
                    session.connect();
                    session.post('Profiler.enable', () => session?.post('Profiler.start'));
                }
                process.send?.({ type: 'seeded' });
            } else if (message.type === 'finish') {
                const cpu = cpuMs() - cpuAtStart;
                const systemMs = process.cpuUsage().system / 1000 - systemAtStart;
                await counter.settled(1000);
                const profile = session ? await stopProfile(session) : undefined;
                const byCommand: Record<string, number> = {};
                for (const c of counter.commands) byCommand[`${c.name} ${c.collection}`] = (byCommand[`${c.name} ${c.collection}`] ?? 0) + 1;
                const report: WorkerReport = {
                    sends,
                    cpuMs: cpu,
                    systemMs,
                    commands: counter.commands.length,
                    writes: counter.writes.length,
                    byCommand,
                    roundTripMs: counter.totalMs,
                    profile,
                };
                const stopping = bot;
                bot = undefined;
                process.send?.({ type: 'done', report }, () => {
                    void Promise.resolve(stopping?.stop())
                        .catch(() => undefined)
                        .finally(() => client.close().finally(() => process.exit(0)));
                });
            }
        })();
    });
    process.send?.({ type: 'loaded' });
}

/** Self time per place in the code: the plugin, Agenda, the MongoDB driver, botbuilder, the bench, Node itself. */
function stopProfile(session: Session): Promise<Record<string, number>> {
    return new Promise((resolve) => {
        session.post('Profiler.stop', (err, result) => {
            const out: Record<string, number> = {};
            if (err || !result) {
                resolve(out);
                return;
            }
            const { profile } = result;
            const byId = new Map(profile.nodes.map((n) => [n.id, n]));
            const deltas = profile.timeDeltas ?? [];
            const top = new Map<string, number>();
            (profile.samples ?? []).forEach((id, i) => {
                const node = byId.get(id);
                const where = categorize(node?.callFrame.url ?? '', node?.callFrame.functionName ?? '');
                out[where] = (out[where] ?? 0) + (deltas[i] ?? 0) / 1000;
                const fn = `${where} ${node?.callFrame.functionName} ${(node?.callFrame.url ?? '').split('/').slice(-2).join('/')}:${node?.callFrame.lineNumber}`;
                top.set(fn, (top.get(fn) ?? 0) + (deltas[i] ?? 0) / 1000);
            });
            if (process.env.BENCH_PROFILE_TOP) {
                console.error(
                    [...top]
                        .sort((a, b) => b[1] - a[1])
                        .slice(0, Number(process.env.BENCH_PROFILE_TOP))
                        .map(([k, v]) => `${v.toFixed(0).padStart(6)} ms ${k}`)
                        .join('\n')
                );
            }
            session.disconnect();
            resolve(out);
        });
    });
}

function categorize(url: string, fn: string): string {
    if (fn === '(idle)') return 'idle';
    if (url.includes('/dist/src/')) return 'plugin';
    // Agenda logs through `debug`, creating a logger (and asking whether stderr is a TTY) on every call.
    if (/node_modules\/(agenda|@agendajs|date\.js|cron-parser|human-interval|luxon|debug)\//.test(url) || fn === 'isTTY') return 'agenda';
    if (
        /node_modules\/(mongodb|bson|mongodb-connection-string-url)\//.test(url) ||
        /^node:(net|stream|internal\/stream|internal\/net)/.test(url) ||
        fn === 'writeBuffer' ||
        fn === 'writev'
    )
        return 'driver';
    if (/node_modules\/(botbuilder|botframework|@microsoft)/.test(url)) return 'botbuilder';
    if (url.includes('/dist/bench/') || url.includes('/dist/samples/') || /node_modules\/(i18next)\//.test(url)) return 'bench bot';
    if (fn === '(garbage collector)') return 'gc';
    return 'node';
}

void main();
