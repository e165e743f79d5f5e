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
import { startProfile, stopProfile } from './profile';
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
                    await startProfile(session);
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

void main();
