/**
 * What the plugin adds to a user turn: the sample's add-client flow (4 turns) on a bare bot, with the plugin
 * (Agenda on the server) and with the naive per-turn upsert (`agenda.create().unique().schedule().save()`),
 * interleaved flow by flow so that all three see the same load. Wall time per turn (median, first turn of a
 * flow and later turns) and this process's CPU per turn (the server runs in another process).
 */
import { MongoClient } from 'mongodb';
import { benchBot, BenchBot, conversationId, flowTurns, NAIVE_JOB } from './support/bot';
import { CommandCounter } from './support/commandCounter';
import { BenchServer, benchDbName } from './support/server';
import { cpuMs, median, percentile, round } from './support/stats';

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** One variant's figures, ms. */
export interface TurnFigures {
    medianMs: number;
    p95Ms: number;
    firstTurnMedianMs: number;
    laterTurnsMedianMs: number;
    cpuPerTurnMs: number;
    /** Database commands per turn (the plugin's client; the naive way's Agenda shares the bench client). */
    commandsPerTurn?: number;
}

/** What {@link measurePerTurn} measured. */
export interface PerTurnResult {
    flows: number;
    turns: number;
    bare: TurnFigures;
    plugin: TurnFigures;
    naive: TurnFigures;
    /** Plugin minus bare. */
    addedMedianMs: number;
    addedCpuMs: number;
    /** Plugin: first turn of a flow minus later turns (medians). */
    firstTurnExtraMs: number;
    /** Plugin: this process's CPU on a first turn minus a later turn (means): the plugin's own part of the extra. */
    firstTurnExtraCpuMs: number;
    /** The server's answer to one small command (a find on an empty collection), median of 20: one round trip. */
    roundTripMs: number;
    /** Plugin over naive (whole turn). */
    ratioVsNaive: { median: number; cpu: number };
}

/**
 * @param server The database server.
 * @param flows Flows per variant (4 turns each). Default 200.
 */
export async function measurePerTurn(server: BenchServer, flows = 200): Promise<PerTurnResult> {
    const dbName = benchDbName('turn');
    const client = new MongoClient(server.uriFor(dbName), { monitorCommands: true });
    await client.connect();
    const db = client.db(dbName);
    const counter = new CommandCounter(client);
    const { Agenda } = await import('agenda');
    const { MongoBackend } = await import('@agendajs/mongo-backend');
    const naiveAgenda = new Agenda({ backend: new MongoBackend({ mongo: db, collection: 'naiveJobs' }) });
    naiveAgenda.define(NAIVE_JOB, async () => undefined);
    await naiveAgenda.start();
    const bots: Record<'bare' | 'plugin' | 'naive', BenchBot> = {
        bare: await benchBot(),
        plugin: await benchBot({ plugin: { mongo: db } }),
        naive: await benchBot({ naive: { agenda: naiveAgenda, delayMs: 5 * 60_000 } }),
    };
    const samples: Record<string, Array<{ first: boolean; ms: number; cpu: number; commands: number }>> = { bare: [], plugin: [], naive: [] };
    const roundTrips: number[] = [];
    try {
        const warmup = Math.min(20, flows);
        for (let i = 0; i < warmup + flows; i++) {
            for (const variant of ['bare', 'plugin', 'naive'] as const) {
                const id = conversationId(variant.slice(0, 4), i);
                const turns = flowTurns(i);
                for (let t = 0; t < turns.length; t++) {
                    const commandsBefore = counter.commands.length;
                    const c0 = cpuMs();
                    const t0 = performance.now();
                    await bots[variant].say(id, turns[t]);
                    const ms = performance.now() - t0;
                    const cpu = cpuMs() - c0;
                    if (i >= warmup) {
                        samples[variant].push({ first: t === 0, ms, cpu, commands: counter.commands.length - commandsBefore });
                    }
                }
            }
        }
        for (let i = 0; i < 20; i++) {
            const t0 = performance.now();
            await db.collection('roundTrip').findOne({ _id: i as never });
            roundTrips.push(performance.now() - t0);
        }
    } finally {
        counter.close();
        await Promise.all(Object.values(bots).map((b) => b.stop()));
        await naiveAgenda.stop();
        await db.dropDatabase().catch(() => undefined);
        await client.close();
    }
    const figures = (variant: string): TurnFigures => {
        const all = samples[variant];
        return {
            medianMs: round(median(all.map((s) => s.ms)), 3),
            p95Ms: round(percentile(all.map((s) => s.ms), 0.95), 3),
            firstTurnMedianMs: round(median(all.filter((s) => s.first).map((s) => s.ms)), 3),
            laterTurnsMedianMs: round(median(all.filter((s) => !s.first).map((s) => s.ms)), 3),
            cpuPerTurnMs: round(all.reduce((sum, s) => sum + s.cpu, 0) / all.length, 3),
            commandsPerTurn: round(all.reduce((sum, s) => sum + s.commands, 0) / all.length, 3),
        };
    };
    const bare = figures('bare');
    const plugin = figures('plugin');
    const naive = figures('naive');
    return {
        flows,
        turns: samples.plugin.length,
        bare,
        plugin,
        naive,
        addedMedianMs: round(plugin.medianMs - bare.medianMs, 3),
        addedCpuMs: round(plugin.cpuPerTurnMs - bare.cpuPerTurnMs, 3),
        firstTurnExtraMs: round(plugin.firstTurnMedianMs - plugin.laterTurnsMedianMs, 3),
        firstTurnExtraCpuMs: round(mean(samples.plugin.filter((x) => x.first).map((x) => x.cpu)) - mean(samples.plugin.filter((x) => !x.first).map((x) => x.cpu)), 3),
        roundTripMs: round(median(roundTrips), 3),
        ratioVsNaive: { median: round(plugin.medianMs / naive.medianMs, 2), cpu: round(plugin.cpuPerTurnMs / naive.cpuPerTurnMs, 2) },
    };
}
