/**
 * The holdout's interval checked by simulation: `runs` flow runs that went quiet past the reminder time, split by the
 * plugin's own hash (`holdoutDraw`) at `holdout`, each coming back with a known chance (lower when held out); the
 * report's lift and Newcombe interval computed from the counts; repeated `repetitions` times. About 95 of 100
 * intervals should cover the true effect. One repetition also goes through the records and `report()` on the
 * database, which must give the same numbers.
 *
 *     npm run bench -- --only=holdout
 *     npm run build && node dist/bench/holdout.js
 */
import { MongoClient } from 'mongodb';
import { FLOW_RUN_VERSION, FlowRunRecord } from '../src/core/records/flowRun';
import { holdoutDraw } from '../src/core/records/holdout';
import { MongoFlowRunStore } from '../src/mongo/flowRunStore';
import { newcombeInterval } from '../src/report/newcombe';
import { report } from '../src/report/report';
import { BenchServer, benchDbName } from './support/server';
import { round } from './support/stats';

/** What to simulate. */
export interface HoldoutSimulation {
    /** Runs that went quiet past the reminder time, per repetition. Default 1,000. */
    runs?: number;
    /** Repetitions. Default 100. */
    repetitions?: number;
    /** The held-out share. Default 0.2. */
    holdout?: number;
    /** Chance that a held-out run comes back. Default 0.25. */
    holdoutRate?: number;
    /** Chance that a reminded run comes back. Default 0.40 (a true lift of 0.15). */
    remindedRate?: number;
    /** Seed of the simulation's random numbers (run ids and comebacks). Default 1. */
    seed?: number;
}

/** One repetition's counts. */
export interface SimulatedExperiment {
    holdout: { runs: number; recovered: number };
    reminded: { runs: number; recovered: number };
    lift: number | null;
    ci95: [number, number] | null;
}

/** What {@link simulateHoldout} measured. */
export interface HoldoutResult {
    runs: number;
    repetitions: number;
    holdout: number;
    trueLift: number;
    /** Intervals that covered the true lift. */
    covered: number;
    meanLift: number;
    /** Standard deviation of the measured lift across repetitions. */
    liftSd: number;
    meanCiWidth: number;
    meanHeldOut: number;
    /** The first repetition, as the report shows it. */
    first: SimulatedExperiment;
    /** Whether the first repetition's records, stored and reported by `report()`, gave the same numbers (bench only). */
    reportAgrees?: boolean;
}

/** mulberry32: a small seeded generator, so a run of the simulation is the same every time. */
function generator(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

interface SimulatedRun {
    conversation: string;
    runId: string;
    heldOut: boolean;
    recovered: boolean;
}

function simulateRuns(o: Required<HoldoutSimulation>, random: () => number, repetition: number): SimulatedRun[] {
    return Array.from({ length: o.runs }, (_, i) => {
        const conversation = `sim/conv-${repetition}-${i}`;
        const runId = Math.floor(random() * 2 ** 52).toString(16);
        const heldOut = holdoutDraw('', conversation, runId) < o.holdout;
        return { conversation, runId, heldOut, recovered: random() < (heldOut ? o.holdoutRate : o.remindedRate) };
    });
}

function experimentOf(runs: SimulatedRun[]): SimulatedExperiment {
    const group = (heldOut: boolean) => {
        const these = runs.filter((r) => r.heldOut === heldOut);
        return { runs: these.length, recovered: these.filter((r) => r.recovered).length };
    };
    const holdout = group(true);
    const reminded = group(false);
    const ci95 = newcombeInterval({ x: reminded.recovered, n: reminded.runs }, { x: holdout.recovered, n: holdout.runs });
    return { holdout, reminded, lift: ci95 ? reminded.recovered / reminded.runs - holdout.recovered / holdout.runs : null, ci95 };
}

function withDefaults(options: HoldoutSimulation): Required<HoldoutSimulation> {
    return { runs: 1000, repetitions: 100, holdout: 0.2, holdoutRate: 0.25, remindedRate: 0.4, seed: 1, ...options };
}

/**
 * Simulates the experiment `repetitions` times and counts the intervals that cover the true lift.
 *
 * @param options What to simulate.
 * @returns The coverage and the lifts measured.
 */
export function simulateHoldout(options: HoldoutSimulation = {}): HoldoutResult {
    const o = withDefaults(options);
    const random = generator(o.seed);
    const trueLift = o.remindedRate - o.holdoutRate;
    const lifts: number[] = [];
    const widths: number[] = [];
    let covered = 0;
    let heldOut = 0;
    let first: SimulatedExperiment | undefined;
    for (let rep = 0; rep < o.repetitions; rep++) {
        const e = experimentOf(simulateRuns(o, random, rep));
        first ??= e;
        heldOut += e.holdout.runs;
        if (e.lift === null || e.ci95 === null) {
            continue;
        }
        lifts.push(e.lift);
        widths.push(e.ci95[1] - e.ci95[0]);
        if (e.ci95[0] <= trueLift && trueLift <= e.ci95[1]) {
            covered += 1;
        }
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
    const meanLift = mean(lifts);
    return {
        runs: o.runs,
        repetitions: o.repetitions,
        holdout: o.holdout,
        trueLift: round(trueLift, 4),
        covered,
        meanLift: round(meanLift, 4),
        liftSd: round(Math.sqrt(mean(lifts.map((l) => (l - meanLift) ** 2))), 4),
        meanCiWidth: round(mean(widths), 4),
        meanHeldOut: round(heldOut / o.repetitions, 1),
        first: first as SimulatedExperiment,
    };
}

/** One simulated run as the plugin records it: quiet at step `name`, reminded or held out, back or not. */
function recordOf(run: SimulatedRun, endedAt: Date): FlowRunRecord {
    const at = new Date(endedAt.getTime() - 60_000);
    return {
        v: FLOW_RUN_VERSION,
        runId: run.runId,
        flowId: 'simulated',
        outcome: run.recovered ? 'completed' : 'abandoned',
        ...(run.recovered ? {} : { reason: 'timeout' }),
        startedAt: new Date(endedAt.getTime() - 120_000),
        endedAt,
        durationMs: 120_000,
        steps: [{ step: 'name', index: 0, ms: 120_000 }],
        reminders: run.heldOut ? [] : [{ at, step: 'name', index: 0, answered: run.recovered }],
        ...(run.heldOut ? { skippedReminders: [{ at, reason: 'holdout', step: 'name', index: 0, answered: run.recovered }] } : {}),
        heldOut: run.heldOut,
        reminded: !run.heldOut,
        answeredAfterReminder: !run.heldOut && run.recovered,
        resumed: false,
        extensions: 0,
        channelId: 'sim',
    };
}

/**
 * The simulation, and its first repetition stored as records and read back by `report()`.
 *
 * @param server The bench's database server.
 * @param options What to simulate.
 * @returns The figures.
 */
export async function measureHoldout(server: BenchServer, options: HoldoutSimulation = {}): Promise<HoldoutResult> {
    const result = simulateHoldout(options);
    const o = withDefaults(options);
    const runs = simulateRuns(o, generator(o.seed), 0);
    const client = await MongoClient.connect(server.uriFor(benchDbName('holdout')));
    try {
        const db = client.db();
        await db.dropDatabase();
        const store = new MongoFlowRunStore(db);
        await store.init();
        const endedAt = new Date();
        await db.collection('inactivityRuns').insertMany(runs.map((r) => ({ ...recordOf(r, endedAt) })));
        const flow = (await report(db, { flowId: 'simulated' })).flows[0];
        const step = flow?.steps.find((s) => s.step === 'name');
        result.reportAgrees =
            JSON.stringify(flow?.experiment) === JSON.stringify(result.first) && JSON.stringify(step?.experiment) === JSON.stringify(result.first);
        await db.dropDatabase();
    } finally {
        await client.close();
    }
    return result;
}

if (require.main === module) {
    process.stdout.write(`${JSON.stringify(simulateHoldout(), null, 2)}\n`);
}
