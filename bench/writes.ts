/**
 * Scheduler writes per user turn at conversational pace: conversations each run 3 add-client flows of 4 turns,
 * one turn every `paceMs`, well inside one reminder period; then stay quiet until their timers have fired. Every
 * command on the jobs collection that changed a document counts (arms, locks, completion writes, deletes), the
 * timers' firings included; a poll that locks nothing is not a write. The naive way (an upsert after every user
 * message, Agenda's defaults) runs the same conversations at the same time.
 */
import { MongoClient } from 'mongodb';
import { benchBot, conversationId, flowTurns, NAIVE_JOB } from './support/bot';
import { CommandCounter } from './support/commandCounter';
import { BenchServer, benchDbName } from './support/server';
import { round, sleep } from './support/stats';

/** What {@link measureWrites} measured. */
export interface WritesResult {
    conversations: number;
    userTurns: number;
    reminderAfterMs: number;
    paceMs: number;
    plugin: { writes: number; perTurn: number; byCommand: Record<string, number> };
    naive: { writes: number; perTurn: number; byCommand: Record<string, number> };
    /** Naive writes over plugin writes. */
    fewerThanNaive: number;
}

/**
 * @param server The database server.
 * @param options Conversations (default 3), the reminder period (default 15 s) and the pace (default 800 ms).
 */
export async function measureWrites(
    server: BenchServer,
    options: { conversations?: number; reminderAfterMs?: number; paceMs?: number } = {}
): Promise<WritesResult> {
    const conversations = options.conversations ?? 3;
    const reminderAfterMs = options.reminderAfterMs ?? 15_000;
    const paceMs = options.paceMs ?? 800;
    const dbName = benchDbName('writes');
    const client = new MongoClient(server.uriFor(dbName), { monitorCommands: true });
    await client.connect();
    const db = client.db(dbName);
    const plugin = new CommandCounter(client, ['inactivityJobs']);
    const naiveCounter = new CommandCounter(client, ['naiveJobs']);
    const { Agenda } = await import('agenda');
    const { MongoBackend } = await import('@agendajs/mongo-backend');
    const agenda = new Agenda({ backend: new MongoBackend({ mongo: db, collection: 'naiveJobs' }) });
    agenda.define(NAIVE_JOB, async () => undefined);
    await agenda.start();
    const pluginBot = await benchBot({ plugin: { mongo: db, reminderAfter: reminderAfterMs, closeAfter: '10 minutes' } });
    const naiveBot = await benchBot({ naive: { agenda, delayMs: reminderAfterMs } });
    let userTurns = 0;
    try {
        plugin.reset();
        naiveCounter.reset();
        await Promise.all(
            Array.from({ length: conversations }, async (_, c) => {
                await sleep(c * 150);
                for (let flow = 0; flow < 3; flow++) {
                    for (const text of flowTurns(c * 10 + flow)) {
                        await Promise.all([pluginBot.say(conversationId('wp', c), text), naiveBot.say(conversationId('wn', c), text)]);
                        userTurns++;
                        await sleep(paceMs);
                    }
                }
            })
        );
        // Quiet: wait for every timer to fire (the plugin's end; the naive jobs run once and stay, as Agenda leaves them).
        const end = Date.now() + reminderAfterMs + 15_000;
        const done = async () =>
            (await db.collection('inactivityJobs').countDocuments({ name: 'bbi:timer' })) === 0 &&
            (await db.collection('naiveJobs').countDocuments({ name: NAIVE_JOB, lastFinishedAt: { $ne: null } })) === conversations;
        while (!(await done()) && Date.now() < end) {
            await sleep(250);
        }
        await plugin.settled();
        await naiveCounter.settled();
    } finally {
        plugin.close();
        naiveCounter.close();
        await pluginBot.stop();
        await naiveBot.stop();
        await agenda.stop();
        await db.dropDatabase().catch(() => undefined);
        await client.close();
    }
    const summary = (counter: CommandCounter) => {
        const byCommand: Record<string, number> = {};
        for (const w of counter.writes) byCommand[w.name] = (byCommand[w.name] ?? 0) + 1;
        return { writes: counter.writes.length, perTurn: round(counter.writes.length / userTurns, 3), byCommand };
    };
    const p = summary(plugin);
    const n = summary(naiveCounter);
    return { conversations, userTurns, reminderAfterMs, paceMs, plugin: p, naive: n, fewerThanNaive: round(n.writes / Math.max(1, p.writes), 1) };
}
