/**
 * How late do timers fire with the shipped defaults? Arms timers due between 0.3 s and 4 s ahead with a default
 * AgendaScheduler, records when each fires, and prints the lateness (fire time minus due time).
 *
 * The product promise is "at most 1 s late": the run exits with status 1 when the worst timer is later than that,
 * or when a timer fired twice or never.
 *
 *     node dist/bench/timerLateness.js [--count=30] [--min=300] [--max=4000] [--spread=5000] [--handler=0] [--streaming-monitor]
 *
 * Lateness depends on when a timer is armed relative to Agenda's scans: one armed just after a scan and due
 * before the next would wait for that next scan without the notification channel. The timers are therefore armed
 * at moments spread over one polling interval (or `--spread`), so the short ones meet that worst case.
 *
 * Runs on MONGODB_URI when set, otherwise on an embedded CongoDB server.
 */
import { MongoClient } from 'mongodb';
import { AgendaScheduler, DEFAULT_PROCESS_EVERY_MS } from '../src/scheduling/agendaScheduler';
import { TIMER_DATA_VERSION } from '../src/core/ports/timerScheduler';
import { EmbeddedMongo, startEmbeddedMongo } from '../samples/embeddedMongo';
import { sleep } from './support/stats';
import { runAsScript } from './support/script';

/** The promise checked by the command line run. */
export const MAX_LATENESS_MS = 1000;

/** Options of {@link measureTimerLateness}. */
export interface TimerLatenessOptions {
    /** How many timers to arm. Default 30. */
    count?: number;
    /** Delay of the soonest timer, in ms. Below one polling interval (500 ms) is Agenda's worst case. Default 300. */
    minDelayMs?: number;
    /** Delay of the latest timer, in ms. Default 4000. */
    maxDelayMs?: number;
    /**
     * Over how long the timers are armed, ms (each at its own moment). Default one polling interval. With many
     * timers on CongoDB, whose commands cost O(N), arming them all at once queues the arms themselves.
     */
    armSpreadMs?: number;
    /**
     * How long each handler takes, in ms (a proactive send). The scheduler runs at most TIMER_CONCURRENCY timers at
     * once per process, so slow handlers with many timers due together add queueing to the lateness. Default 0.
     */
    handlerMs?: number;
    /**
     * The server, as a connection string. Default: `MONGODB_URI`, else an embedded CongoDB started for the run.
     * A database of its own is created on it and dropped afterwards.
     */
    mongoUri?: string;
    /**
     * Keep the driver's streaming heartbeat on CongoDB. CongoDB mishandles it and the driver stalls for up to
     * ~500 ms each second; by default the run asks for polling heartbeats on CongoDB, as a real MongoDB needs no
     * such help. Default false.
     */
    streamingMonitor?: boolean;
}

/** What {@link measureTimerLateness} measured. Lateness figures are in ms, over the timers that fired. */
export interface TimerLatenessResult {
    /** The server the run used, as it describes itself (`buildInfo`). */
    server: 'MongoDB' | 'CongoDB';
    /** Timers armed. */
    count: number;
    /** Timers that fired at least once. */
    fired: number;
    /** Keys of timers that fired more than once. */
    duplicates: string[];
    /** Keys of timers that never fired. */
    missing: string[];
    minMs: number;
    medianMs: number;
    p95Ms: number;
    p99Ms: number;
    maxMs: number;
    /** Every timer's lateness, in arming order (NaN for a timer that never fired). */
    latenessMs: number[];
}

const DEFAULTS = { count: 30, minDelayMs: 300, maxDelayMs: 4000, handlerMs: 0 };

/**
 * Arms `count` timers with delays spread evenly over `[minDelayMs, maxDelayMs]`, at moments spread over one polling
 * interval, with a default {@link AgendaScheduler}; waits until all have fired (and one second more, to catch a
 * second firing), and returns the lateness figures.
 *
 * @param options See {@link TimerLatenessOptions}.
 * @returns The measured figures.
 */
export async function measureTimerLateness(options: TimerLatenessOptions = {}): Promise<TimerLatenessResult> {
    const count = options.count ?? DEFAULTS.count;
    const minDelayMs = options.minDelayMs ?? DEFAULTS.minDelayMs;
    const maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
    if (!Number.isInteger(count) || count < 1 || minDelayMs < 0 || maxDelayMs < minDelayMs) {
        throw new RangeError(`Need count >= 1 and 0 <= minDelayMs <= maxDelayMs; got ${count}, ${minDelayMs}, ${maxDelayMs}.`);
    }

    let embedded: EmbeddedMongo | undefined;
    let baseUri = options.mongoUri ?? process.env.MONGODB_URI;
    if (!baseUri) {
        embedded = await startEmbeddedMongo();
        baseUri = embedded.uri;
    }
    const dbName = `bbi_bench_${process.pid}_${Date.now()}`;
    const probe = new MongoClient(forRun(baseUri, dbName, true), { serverSelectionTimeoutMS: 5000 });
    let scheduler: AgendaScheduler | undefined;
    try {
        const info = await probe.db().admin().command({ buildInfo: 1 });
        const server = info.gitVersion === 'congodb' ? 'CongoDB' : 'MongoDB';
        scheduler = new AgendaScheduler({ mongo: forRun(baseUri, dbName, server === 'CongoDB' && !options.streamingMonitor) });
        const handlerMs = options.handlerMs ?? DEFAULTS.handlerMs;
        return { server, ...(await run(scheduler, count, minDelayMs, maxDelayMs, handlerMs, options.armSpreadMs ?? DEFAULT_PROCESS_EVERY_MS)) };
    } finally {
        await scheduler?.stop();
        await probe
            .db(dbName)
            .dropDatabase()
            .catch(() => undefined);
        await probe.close();
        await embedded?.stop();
    }
}

async function run(
    scheduler: AgendaScheduler,
    count: number,
    minDelayMs: number,
    maxDelayMs: number,
    handlerMs: number,
    armSpreadMs: number
): Promise<Omit<TimerLatenessResult, 'server'>> {
    const dueAt = new Map<string, number>();
    const fires = new Map<string, number[]>();
    await scheduler.start(async ({ data }) => {
        const at = Date.now();
        fires.set(data.key, [...(fires.get(data.key) ?? []), at]);
        await sleep(handlerMs);
        return undefined;
    });
    const keys = Array.from({ length: count }, (_, i) => `bench/timer-${i}`);
    const step = count > 1 ? (maxDelayMs - minDelayMs) / (count - 1) : 0;
    const startedAt = Date.now();
    await Promise.all(
        keys.map(async (key, i) => {
            // Golden-ratio offsets: neighbouring delays are armed at distant phases of the polling interval.
            await sleep(((i * 0.618034) % 1) * armSpreadMs);
            const due = Date.now() + Math.round(minDelayMs + i * step);
            dueAt.set(key, due);
            await scheduler.arm({ v: TIMER_DATA_VERSION, key, reference: { channelId: 'bench' } }, new Date(due));
        })
    );

    const deadline = startedAt + armSpreadMs + maxDelayMs + 3 * MAX_LATENESS_MS + count * handlerMs;
    while (fires.size < count && Date.now() < deadline) {
        await sleep(25);
    }
    // Two polling intervals more: a timer that fires twice does so within them.
    await sleep(MAX_LATENESS_MS);

    const latenessMs = keys.map((key) => {
        const first = fires.get(key)?.[0];
        return first === undefined ? NaN : first - (dueAt.get(key) as number);
    });
    const sorted = latenessMs.filter((ms) => !Number.isNaN(ms)).sort((a, b) => a - b);
    return {
        count,
        fired: sorted.length,
        duplicates: keys.filter((key) => (fires.get(key)?.length ?? 0) > 1),
        missing: keys.filter((key) => !fires.has(key)),
        minMs: sorted[0] ?? NaN,
        medianMs: median(sorted),
        p95Ms: nearestRank(sorted, 0.95),
        p99Ms: nearestRank(sorted, 0.99),
        maxMs: sorted[sorted.length - 1] ?? NaN,
        latenessMs,
    };
}

function median(sorted: number[]): number {
    if (sorted.length === 0) return NaN;
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function nearestRank(sorted: number[], fraction: number): number {
    return sorted.length === 0 ? NaN : sorted[Math.ceil(fraction * sorted.length) - 1];
}

/** The run's own database on the server and, on CongoDB, polling heartbeats (see `streamingMonitor`). */
function forRun(baseUri: string, dbName: string, pollingMonitor: boolean): string {
    const url = new URL(baseUri);
    url.pathname = `/${dbName}`;
    if (pollingMonitor && !url.searchParams.has('serverMonitoringMode')) {
        url.searchParams.set('serverMonitoringMode', 'poll');
    }
    return url.toString();
}

function parseArgs(argv: string[]): TimerLatenessOptions {
    const options: TimerLatenessOptions = {};
    for (const arg of argv) {
        const [name, value] = arg.split('=');
        const number = Number(value);
        if (name === '--count' && Number.isFinite(number)) options.count = number;
        else if (name === '--min' && Number.isFinite(number)) options.minDelayMs = number;
        else if (name === '--max' && Number.isFinite(number)) options.maxDelayMs = number;
        else if (name === '--handler' && Number.isFinite(number)) options.handlerMs = number;
        else if (name === '--spread' && Number.isFinite(number)) options.armSpreadMs = number;
        else if (name === '--streaming-monitor') options.streamingMonitor = true;
        else throw new RangeError(`Unknown argument ${arg}. Use --count=N --min=MS --max=MS --handler=MS --streaming-monitor.`);
    }
    return options;
}

async function main(): Promise<number> {
    const options = parseArgs(process.argv.slice(2));
    const result = await measureTimerLateness(options);
    const heartbeat = result.server === 'CongoDB' ? (options.streamingMonitor ? ', streaming heartbeat' : ', polling heartbeat') : '';
    const handler = options.handlerMs ? `, handlers taking ${options.handlerMs} ms` : '';
    console.log(`timer lateness on ${result.server}${heartbeat}, default AgendaScheduler (processEvery ${DEFAULT_PROCESS_EVERY_MS} ms)${handler}`);
    console.log(`  timers ${result.count}, fired ${result.fired}, fired twice ${result.duplicates.length}, never fired ${result.missing.length}`);
    console.log(`  lateness ms: min ${result.minMs}  median ${result.medianMs}  p95 ${result.p95Ms}  p99 ${result.p99Ms}  max ${result.maxMs}`);
    const ok = result.maxMs <= MAX_LATENESS_MS && result.duplicates.length === 0 && result.missing.length === 0;
    console.log(
        ok ? `  OK: every timer fired once, at most ${MAX_LATENESS_MS} ms late` : `  FAIL: the promise is at most ${MAX_LATENESS_MS} ms late, each timer once`
    );
    return ok ? 0 : 1;
}

runAsScript(module, main);
