/**
 * What the plugin adds to a user turn: the sample's add-client flow (4 turns) on a bare bot, with the plugin
 * (Agenda on the server), with the plugin on a scheduler that stores nothing (its own logic alone), and with the
 * naive per-turn upsert (`agenda.create().unique().schedule().save()`), interleaved flow by flow (in an order that
 * changes from flow to flow) so that all see the same load. Wall time per turn (median, first turn of a
 * flow and later turns) and this process's CPU per turn (the server runs in another process). In the same loop, the
 * same flow on the Agents SDK (an AgentApplication on a CloudAdapter, its step marked with `flows.step()`) bare and
 * with the Agents binding's plugin on the same server: what the plugin adds there, beside botbuilder's.
 */
import { MongoClient } from 'mongodb';
import { agentsBenchBot } from './support/agentsBot';
import { benchBot, conversationId, flowTurns, NAIVE_JOB, NullScheduler } from './support/bot';
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

/** The Agents SDK beside botbuilder: the same flow, bare and with the Agents binding's plugin, in the same loop. */
export interface AgentsTurnFigures {
    bare: TurnFigures;
    plugin: TurnFigures;
    /** Plugin minus bare, on the Agents SDK. */
    addedMedianMs: number;
    addedCpuMs: number;
    /** What the plugin adds on the Agents SDK over what it adds on botbuilder (issue 16: within 1.2). */
    ratioVsBotbuilder: { median: number; cpu: number };
}

/** What {@link measurePerTurn} measured. */
export interface PerTurnResult {
    flows: number;
    turns: number;
    bare: TurnFigures;
    plugin: TurnFigures;
    /** The plugin with a scheduler that stores nothing and no database: its own logic only. */
    pluginOnly: TurnFigures;
    naive: TurnFigures;
    /** The plugin's own part (no database) over the bare bot. */
    ownAddedMedianMs: number;
    ownAddedCpuMs: number;
    /** This process's CPU per database command the plugin sends (driver and network), ms. */
    cpuPerCommandMs: number;
    /** Plugin minus bare. */
    addedMedianMs: number;
    addedCpuMs: number;
    /** Plugin: first turn of a flow minus later turns (medians). */
    firstTurnExtraMs: number;
    /** Plugin: this process's CPU on a first turn minus a later turn (means): the driver's commands and the plugin's logic. */
    firstTurnExtraCpuMs: number;
    /**
     * The plugin's own logic (no database): how much more CPU it adds to a first turn than to a later one, over
     * what the bare bot's own first turns cost (means).
     */
    ownFirstTurnExtraCpuMs: number;
    /** The same for wall time (medians). */
    ownFirstTurnExtraMs: number;
    /** The server's answer to one small command (a find on an empty collection), median of 20: one round trip. */
    roundTripMs: number;
    /** Plugin over naive (whole turn). */
    ratioVsNaive: { median: number; cpu: number };
    /** The same flow on the Agents SDK. */
    agents: AgentsTurnFigures;
}

const VARIANTS = ['bare', 'plugin', 'pluginOnly', 'naive', 'agentsBare', 'agentsPlugin'] as const;
type Variant = (typeof VARIANTS)[number];
/** Each variant's conversations: ids of the same length. */
const TAGS: Record<Variant, string> = { bare: 'bare', plugin: 'plug', pluginOnly: 'pono', naive: 'naiv', agentsBare: 'agba', agentsPlugin: 'agpl' };

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
    const bots: Record<Variant, { say(id: string, text: string): Promise<void>; stop(): Promise<void> }> = {
        bare: await benchBot(),
        plugin: await benchBot({ plugin: { mongo: db } }),
        pluginOnly: await benchBot({ plugin: { scheduler: new NullScheduler() } }),
        naive: await benchBot({ naive: { agenda: naiveAgenda, delayMs: 5 * 60_000 } }),
        agentsBare: await agentsBenchBot(),
        agentsPlugin: await agentsBenchBot({ mongo: db }),
    };
    const samples = Object.fromEntries(VARIANTS.map((v) => [v, []])) as unknown as Record<
        Variant,
        Array<{ first: boolean; ms: number; cpu: number; commands: number }>
    >;
    const roundTrips: number[] = [];
    try {
        const warmup = Math.min(20, flows);
        // The order of the variants changes from flow to flow (a fixed shuffle): whatever one leaves behind (its
        // garbage, a driver callback) lands on each of the others equally often, not always on the next one.
        let seed = 9;
        const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
        for (let i = 0; i < warmup + flows; i++) {
            const order = VARIANTS.map((v) => [random(), v] as const)
                .sort((a, b) => a[0] - b[0])
                .map(([, v]) => v);
            for (const variant of order) {
                const id = conversationId(TAGS[variant], i);
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
    const figures = (variant: Variant): TurnFigures => {
        const all = samples[variant];
        return {
            medianMs: round(median(all.map((s) => s.ms)), 3),
            p95Ms: round(
                percentile(
                    all.map((s) => s.ms),
                    0.95
                ),
                3
            ),
            firstTurnMedianMs: round(median(all.filter((s) => s.first).map((s) => s.ms)), 3),
            laterTurnsMedianMs: round(median(all.filter((s) => !s.first).map((s) => s.ms)), 3),
            cpuPerTurnMs: round(all.reduce((sum, s) => sum + s.cpu, 0) / all.length, 3),
            commandsPerTurn: round(all.reduce((sum, s) => sum + s.commands, 0) / all.length, 3),
        };
    };
    const firstExtraCpu = (variant: Variant): number =>
        mean(samples[variant].filter((x) => x.first).map((x) => x.cpu)) - mean(samples[variant].filter((x) => !x.first).map((x) => x.cpu));
    const bare = figures('bare');
    const plugin = figures('plugin');
    const naive = figures('naive');
    const pluginOnly = figures('pluginOnly');
    const agents = { bare: figures('agentsBare'), plugin: figures('agentsPlugin') };
    const agentsAdded = { median: agents.plugin.medianMs - agents.bare.medianMs, cpu: agents.plugin.cpuPerTurnMs - agents.bare.cpuPerTurnMs };
    const commands = samples.plugin.reduce((sum, x) => sum + x.commands, 0);
    return {
        flows,
        turns: samples.plugin.length,
        bare,
        plugin,
        pluginOnly,
        naive,
        ownAddedMedianMs: round(pluginOnly.medianMs - bare.medianMs, 3),
        ownAddedCpuMs: round(pluginOnly.cpuPerTurnMs - bare.cpuPerTurnMs, 3),
        cpuPerCommandMs: round(((plugin.cpuPerTurnMs - pluginOnly.cpuPerTurnMs) * samples.plugin.length) / Math.max(1, commands), 3),
        addedMedianMs: round(plugin.medianMs - bare.medianMs, 3),
        addedCpuMs: round(plugin.cpuPerTurnMs - bare.cpuPerTurnMs, 3),
        firstTurnExtraMs: round(plugin.firstTurnMedianMs - plugin.laterTurnsMedianMs, 3),
        firstTurnExtraCpuMs: round(firstExtraCpu('plugin'), 3),
        ownFirstTurnExtraCpuMs: round(firstExtraCpu('pluginOnly') - firstExtraCpu('bare'), 3),
        ownFirstTurnExtraMs: round(pluginOnly.firstTurnMedianMs - pluginOnly.laterTurnsMedianMs - (bare.firstTurnMedianMs - bare.laterTurnsMedianMs), 3),
        roundTripMs: round(median(roundTrips), 3),
        ratioVsNaive: { median: round(plugin.medianMs / naive.medianMs, 2), cpu: round(plugin.cpuPerTurnMs / naive.cpuPerTurnMs, 2) },
        agents: {
            ...agents,
            addedMedianMs: round(agentsAdded.median, 3),
            addedCpuMs: round(agentsAdded.cpu, 3),
            ratioVsBotbuilder: {
                median: round(agentsAdded.median / (plugin.medianMs - bare.medianMs), 2),
                cpu: round(agentsAdded.cpu / (plugin.cpuPerTurnMs - bare.cpuPerTurnMs), 2),
            },
        },
    };
}
