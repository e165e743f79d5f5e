/**
 * What the plugin adds to a user turn: the sample's add-client flow (4 turns) on a bare bot, with the plugin
 * (Agenda on the server), with the plugin on a scheduler that stores nothing (its own logic alone), with the
 * naive per-turn upsert (`agenda.create().unique().schedule().save()`), and the floor: the bare bot sending the
 * plugin's commands itself with the driver. Each variant runs in a process of its own (bench/support/turnWorker.ts:
 * each pays for its own garbage), driven flow by flow in an order that changes from flow to flow, so that all see
 * the same load. Wall time per turn (median, first turn of a flow and later turns) and each process's CPU per turn
 * (the server runs in another process). In the same loop, the same flow on the Agents SDK (an AgentApplication on a
 * CloudAdapter, its step marked with `flows.step()`) bare and with the Agents binding's plugin, and a process that
 * sends one bare `updateOne` and one bare `findOneAndUpdate` per turn: the baseline of a command's cost.
 */
import { MongoClient } from 'mongodb';
import { BenchServer, benchDbName } from './support/server';
import { median, percentile, round } from './support/stats';
import type { GcShiftResult } from './gcShift';
import { runTurns } from './support/turnRunner';
import type { TurnVariant } from './support/turnWorker';

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

/** What a bare command costs the bot's process against the same server in the same run, ms of CPU. */
export interface CommandBaseline {
    /** One `updateOne` (an upsert by `_id`), sent by a process that does nothing else between its turns' commands. */
    updateOneCpuMs: number;
    /** One `findOneAndUpdate` (an upsert by `_id`), the same way. */
    findOneAndUpdateCpuMs: number;
    /** The floor's commands (the plugin's, sent by hand after the bare bot's turn): CPU per command over the bare bot. */
    inTurnCpuMs: number;
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
    /** The bare bot sending the plugin's commands itself with the driver (see bench/support/turnWorker.ts). */
    floor: TurnFigures;
    /** The plugin's own part (no database) over the bare bot. */
    ownAddedMedianMs: number;
    ownAddedCpuMs: number;
    /** The plugin's process's CPU per database command it sends (driver and network), ms: plugin minus its own logic. */
    cpuPerCommandMs: number;
    /** What a bare command costs, in the same run. */
    commandBaseline: CommandBaseline;
    /** {@link cpuPerCommandMs} over the mean of a bare `updateOne` and `findOneAndUpdate` (issue 20: ≤ 1.5). */
    cpuPerCommandRatio: number;
    /** Plugin minus floor, CPU per turn: what the plugin costs beyond its commands at a bare command's cost. */
    overFloorCpuMs: number;
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
    /**
     * Where each process's CPU goes, µs of self time per turn by module (a profiled run of its own, so that the
     * profiler's cost stays out of the figures above): the bare bot, the plugin's logic alone, the plugin, the floor.
     */
    profile?: Partial<Record<Variant, Record<string, number>>>;
    /** Why each variant has its own process: a bare command's CPU back to back, and after a bot's turns in the same process. */
    gcShift?: GcShiftResult;
}

const VARIANTS = ['bare', 'plugin', 'pluginOnly', 'naive', 'floor', 'agentsBare', 'agentsPlugin'] as const satisfies readonly TurnVariant[];
type Variant = (typeof VARIANTS)[number];

/**
 * @param server The database server.
 * @param flows Flows per variant (4 turns each). Default 200.
 * @param profile Profile the CPU of each process (its figures then carry the profiler's cost; see `profile`).
 */
export async function measurePerTurn(server: BenchServer, flows = 200, profile = false): Promise<PerTurnResult> {
    const dbName = benchDbName('turn');
    const uri = server.uriFor(dbName);
    const { samples, reports, bareCommands } = await runTurns(uri, { variants: VARIANTS, flows, profile, baseline: true });
    const roundTrips: number[] = [];
    const client = new MongoClient(uri);
    await client.connect();
    try {
        for (let i = 0; i < 20; i++) {
            const t0 = performance.now();
            await client
                .db()
                .collection('roundTrip')
                .findOne({ _id: i as never });
            roundTrips.push(performance.now() - t0);
        }
        await client.db().dropDatabase();
    } finally {
        await client.close();
    }
    const turnsOf = (variant: Variant) => samples[variant].length;
    const figures = (variant: Variant): TurnFigures => {
        const s = samples[variant];
        return {
            medianMs: round(median(s.map((x) => x.ms)), 3),
            p95Ms: round(
                percentile(
                    s.map((x) => x.ms),
                    0.95
                ),
                3
            ),
            firstTurnMedianMs: round(median(s.filter((x) => x.first).map((x) => x.ms)), 3),
            laterTurnsMedianMs: round(median(s.filter((x) => !x.first).map((x) => x.ms)), 3),
            // The whole process from the mark to the finish: the turns, the garbage they leave, the background work.
            cpuPerTurnMs: round(reports[variant].cpuMs / turnsOf(variant), 3),
            commandsPerTurn: round(reports[variant].commands / turnsOf(variant), 3),
        };
    };
    const firstExtraCpu = (variant: Variant): number =>
        mean(samples[variant].filter((x) => x.first).map((x) => x.cpu)) - mean(samples[variant].filter((x) => !x.first).map((x) => x.cpu));
    const bare = figures('bare');
    const plugin = figures('plugin');
    const naive = figures('naive');
    const pluginOnly = figures('pluginOnly');
    const floor = figures('floor');
    const agents = { bare: figures('agentsBare'), plugin: figures('agentsPlugin') };
    const agentsAdded = { median: agents.plugin.medianMs - agents.bare.medianMs, cpu: agents.plugin.cpuPerTurnMs - agents.bare.cpuPerTurnMs };
    const perCommand = (over: TurnFigures, under: TurnFigures): number => (over.cpuPerTurnMs - under.cpuPerTurnMs) / Math.max(0.001, over.commandsPerTurn ?? 0);
    const cpuPerCommandMs = perCommand(plugin, pluginOnly);
    const commandBaseline: CommandBaseline = {
        updateOneCpuMs: round(mean(bareCommands.updateOne), 3),
        findOneAndUpdateCpuMs: round(mean(bareCommands.findOneAndUpdate), 3),
        inTurnCpuMs: round(perCommand(floor, bare), 3),
    };
    const profiled = (variant: Variant): Record<string, number> =>
        Object.fromEntries(
            Object.entries(reports[variant].profile ?? {})
                .filter(([where]) => where !== 'idle')
                .map(([where, ms]) => [where, round((ms * 1000) / turnsOf(variant), 1)] as const)
                .sort((a, b) => b[1] - a[1])
        );
    return {
        profile: profile ? { bare: profiled('bare'), pluginOnly: profiled('pluginOnly'), plugin: profiled('plugin'), floor: profiled('floor') } : undefined,
        flows,
        turns: turnsOf('plugin'),
        bare,
        plugin,
        pluginOnly,
        naive,
        floor,
        ownAddedMedianMs: round(pluginOnly.medianMs - bare.medianMs, 3),
        ownAddedCpuMs: round(pluginOnly.cpuPerTurnMs - bare.cpuPerTurnMs, 3),
        cpuPerCommandMs: round(cpuPerCommandMs, 3),
        commandBaseline,
        cpuPerCommandRatio: round(cpuPerCommandMs / ((commandBaseline.updateOneCpuMs + commandBaseline.findOneAndUpdateCpuMs) / 2), 2),
        overFloorCpuMs: round(plugin.cpuPerTurnMs - floor.cpuPerTurnMs, 3),
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
