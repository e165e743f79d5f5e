/**
 * What an instance costs the database with no traffic: the plugin started with its defaults on an empty database,
 * every command its client sends counted over a window (Agenda's polls, the lock-expiry check, the expiry sweep's
 * lease). The driver's own heartbeats are not commands and are not counted.
 */
import { MongoClient } from 'mongodb';
import { benchBot } from './support/bot';
import { CommandCounter } from './support/commandCounter';
import { BenchServer, benchDbName } from './support/server';
import { round, sleep } from './support/stats';

/** What {@link measureIdle} measured. */
export interface IdleResult {
    seconds: number;
    instances: number;
    commands: number;
    perSecondPerInstance: number;
    byCommand: Record<string, number>;
}

/**
 * @param server The database server.
 * @param seconds The window. Default 30 (six default polls).
 * @param instances Bot instances on the database. Default 1.
 */
export async function measureIdle(server: BenchServer, seconds = 30, instances = 1): Promise<IdleResult> {
    const dbName = benchDbName('idle');
    const client = new MongoClient(server.uriFor(dbName), { monitorCommands: true });
    await client.connect();
    const counter = new CommandCounter(client);
    const bots = [];
    try {
        for (let i = 0; i < instances; i++) {
            bots.push(await benchBot({ plugin: { mongo: client.db(dbName) } }));
        }
        await sleep(500);
        counter.reset();
        await sleep(seconds * 1000);
        const byCommand: Record<string, number> = {};
        for (const c of counter.commands) byCommand[`${c.name} ${c.collection}`] = (byCommand[`${c.name} ${c.collection}`] ?? 0) + 1;
        return {
            seconds,
            instances,
            commands: counter.commands.length,
            perSecondPerInstance: round(counter.commands.length / seconds / instances, 3),
            byCommand,
        };
    } finally {
        counter.close();
        await Promise.all(bots.map((b) => b.stop()));
        await client
            .db(dbName)
            .dropDatabase()
            .catch(() => undefined);
        await client.close();
    }
}
