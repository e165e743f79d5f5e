/**
 * Why the per-turn bench runs each variant in its own process: in one process, the garbage a bot's turns leave is
 * collected in tasks V8 runs while the event loop waits for I/O, so the next command sent pays for it. Here one
 * bare `updateOne` is sent back to back, and after four turns of the bare bot (which never wait for I/O): its CPU
 * and the garbage collection that ran while it was under way.
 */
import { PerformanceObserver } from 'perf_hooks';
import { MongoClient } from 'mongodb';
import { benchBot, conversationId, flowTurns } from './support/bot';
import { BenchServer, benchDbName } from './support/server';
import { cpuMs, round } from './support/stats';

/** What {@link measureGcShift} measured, ms per command (means). */
export interface GcShiftResult {
    commands: number;
    backToBack: { cpuMs: number; gcMs: number };
    afterBotTurns: { cpuMs: number; gcMs: number };
}

/**
 * @param server The database server.
 * @param commands Commands of each kind. Default 400.
 */
export async function measureGcShift(server: BenchServer, commands = 400): Promise<GcShiftResult> {
    const client = new MongoClient(server.uriFor(benchDbName('gc')));
    await client.connect();
    const collection = client.db().collection<{ _id: number }>('gcShift');
    const bot = await benchBot();
    let collecting = false;
    let gcMs = 0;
    const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (collecting) gcMs += entry.duration;
    });
    observer.observe({ entryTypes: ['gc'] });
    const once = async (i: number) => {
        collecting = true;
        const c0 = cpuMs();
        await collection.updateOne({ _id: i % 50 }, { $set: { at: new Date(), i } }, { upsert: true });
        const cpu = cpuMs() - c0;
        // GC entries are delivered after the fact: let them arrive before the window closes.
        await new Promise((resolve) => setImmediate(resolve));
        collecting = false;
        return cpu;
    };
    const measure = async (before: (i: number) => Promise<void>) => {
        let cpu = 0;
        gcMs = 0;
        for (let i = 0; i < commands; i++) {
            await before(i);
            cpu += await once(i);
        }
        return { cpuMs: round(cpu / commands, 3), gcMs: round(gcMs / commands, 3) };
    };
    try {
        await measure(async () => undefined); // warm-up
        const backToBack = await measure(async () => undefined);
        const afterBotTurns = await measure(async (i) => {
            for (const text of flowTurns(i)) await bot.say(conversationId('gcsh', i), text);
        });
        return { commands, backToBack, afterBotTurns };
    } finally {
        observer.disconnect();
        await bot.stop();
        await client.db().dropDatabase();
        await client.close();
    }
}
