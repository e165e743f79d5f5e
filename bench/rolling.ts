/**
 * A rolling restart (a deploy) during a burst. `processes` scheduler processes share one database; one of them arms
 * `timers` timers due evenly over `spreadMs`; during those due times the processes are restarted one after another
 * as a deploy does: SIGTERM (the scheduler's `stop()`, then exit), then a fresh process started in its place. Each
 * process's handler stands for a reminder's send (`sendMs` to the channel) and reports it to this coordinator.
 *
 *     npm run bench -- --only=rolling              # 3 processes, 3,000 timers due within a minute
 *     npm run build && node dist/bench/rolling.js [--timers=3000] [--spread=60000] [--processes=3] [--no-restart]
 *
 * Counts: timers never sent (lost), sent more than once (twice), and how late each send came after its due time.
 * Runs on MONGODB_URI when set, otherwise on an embedded CongoDB server in a process of its own.
 */
import { ChildProcess, fork } from 'child_process';
import { join } from 'path';
import { benchDbName, startServer } from './support/server';
import { sleep } from './support/stats';
import { runAsScript } from './support/script';

/** Options of {@link runRolling}. */
export interface RollingOptions {
    /** The server and database, as a connection string with a database name. */
    uri: string;
    /** Timers in the burst. Default 3000. */
    timers?: number;
    /** Their due times spread evenly over this, ms. Default 60000. */
    spreadMs?: number;
    /** Scheduler processes, each restarted once. Default 3. */
    processes?: number;
    /** From the start of the arming to the first due time, ms (arming must end before it). Default 30000. */
    leadMs?: number;
    /** The stand-in send's round trip, ms. Default 20. */
    sendMs?: number;
    /** Whether to restart the processes (false: the same burst with no restart, for comparison). Default true. */
    restart?: boolean;
}

/** What a rolling restart measured. */
export interface RollingResult {
    timers: number;
    processes: number;
    spreadMs: number;
    /** Timers never sent. */
    lost: number;
    /** Timers sent more than once. */
    twice: number;
    /** How late the latest send came after its due time, ms. */
    lateMaxMs: number;
    /** The 99th percentile of the lateness, ms. */
    lateP99Ms: number;
    /** Sends more than 2 s late. */
    lateOver2s: number;
    /** Of those, the ones due within 10 s after a SIGTERM. */
    lateOver2sNearRestart: number;
    /** From the start of the arming to its end, ms (the first due time came `leadMs` after the start). */
    armMs: number;
    /** Each restart: when it came (ms after the first due time), how long the SIGTERM took to exit, and the fresh process to be ready. */
    restarts: Array<{ atMs: number; stopMs: number; exitMs: number; startMs: number }>;
    /** Lines the processes wrote to stderr (reported errors). */
    stderr: string[];
}

interface Worker {
    child: ChildProcess;
    exited: Promise<void>;
    stopMs?: number;
}

/**
 * Runs one rolling restart during a burst.
 *
 * @param options The database and the burst's shape.
 * @returns What was lost, sent twice, and how late.
 */
export async function runRolling(options: RollingOptions): Promise<RollingResult> {
    const timers = options.timers ?? 3000;
    const spreadMs = options.spreadMs ?? 60_000;
    const processes = options.processes ?? 3;
    const leadMs = options.leadMs ?? 30_000;
    const sendMs = options.sendMs ?? 20;
    const sends = new Map<string, number[]>();
    const stderr: string[] = [];
    const start = (): Promise<Worker> => {
        const child = fork(join(__dirname, 'support', 'rollingWorker.js'), [], {
            env: { ...process.env, ROLLING_WORKER: JSON.stringify({ uri: options.uri, sendMs }) },
            stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        });
        const worker: Worker = { child, exited: new Promise((resolve) => child.once('exit', () => resolve())) };
        child.stderr?.on('data', (chunk: Buffer) => stderr.push(...chunk.toString().split('\n').filter(Boolean)));
        child.on('message', (m: { type: string; key?: string; at?: number; stopMs?: number }) => {
            if (m.type === 'sent' && m.key) {
                sends.set(m.key, [...(sends.get(m.key) ?? []), m.at as number]);
            } else if (m.type === 'stopped') {
                worker.stopMs = m.stopMs;
            }
        });
        return new Promise((resolve, reject) => {
            child.on('message', (m: { type: string }) => m.type === 'ready' && resolve(worker));
            child.once('exit', (code) => reject(new Error(`a rolling worker exited before it was ready (${code}): ${stderr.slice(-3).join(' | ')}`)));
        });
    };
    const workers = await Promise.all(Array.from({ length: processes }, start));
    try {
        const armStart = Date.now();
        const firstDue = armStart + leadMs;
        const dueAt = new Map<string, number>();
        for (let i = 0; i < timers; i++) {
            dueAt.set(`bench/rolling/${i}`, firstDue + Math.floor((i * spreadMs) / timers));
        }
        await new Promise<void>((resolve) => {
            workers[0].child.on('message', (m: { type: string }) => m.type === 'armed' && resolve());
            workers[0].child.send({ type: 'arm', timers: [...dueAt] });
        });
        const armMs = Date.now() - armStart;
        const restarts: RollingResult['restarts'] = [];
        for (let i = 0; i < (options.restart === false ? 0 : processes); i++) {
            // Spread over the burst: the first restart after 15% of the due times, the last before 85%.
            const at = firstDue + spreadMs * (0.15 + (0.7 * i) / Math.max(1, processes - 1));
            await sleep(Math.max(0, at - Date.now()));
            const old = workers[i];
            const killedAt = Date.now();
            old.child.kill('SIGTERM');
            await old.exited;
            const exitMs = Date.now() - killedAt;
            workers[i] = await start();
            restarts.push({ atMs: killedAt - firstDue, stopMs: old.stopMs ?? Number.NaN, exitMs, startMs: Date.now() - killedAt - exitMs });
        }
        const deadline = firstDue + spreadMs + 30_000;
        while (Date.now() < deadline && sends.size < timers) {
            await sleep(250);
        }
        // Time for a second copy to show up.
        await sleep(3000);
        const lateness = [...sends].map(([key, at]) => ({ due: dueAt.get(key) as number, late: Math.min(...at) - (dueAt.get(key) as number) }));
        const late = lateness.map((l) => l.late).sort((a, b) => a - b);
        const nearRestart = (due: number) => restarts.some((r) => due - firstDue >= r.atMs && due - firstDue <= r.atMs + 10_000);
        return {
            timers,
            processes,
            spreadMs,
            lost: [...dueAt.keys()].filter((k) => !sends.has(k)).length,
            twice: [...sends.values()].filter((at) => at.length > 1).length,
            lateMaxMs: late.length ? late[late.length - 1] : Number.NaN,
            lateP99Ms: late.length ? late[Math.min(late.length - 1, Math.floor(late.length * 0.99))] : Number.NaN,
            lateOver2s: late.filter((l) => l > 2000).length,
            lateOver2sNearRestart: lateness.filter((l) => l.late > 2000 && nearRestart(l.due)).length,
            armMs,
            restarts,
            stderr,
        };
    } finally {
        for (const w of workers) {
            w.child.kill('SIGKILL');
        }
        await Promise.all(workers.map((w) => w.exited));
    }
}

/**
 * One line of figures.
 *
 * @param r A result.
 * @returns The figures as the README shows them.
 */
export function describeRolling(r: RollingResult): string {
    const stops = r.restarts.map((s) => `${(s.exitMs / 1000).toFixed(1)} s`).join(', ');
    const how = r.restarts.length ? 'restarted one after another (SIGTERM, then a fresh one)' : 'not restarted (the comparison)';
    return `${r.processes} processes ${how} during ${r.timers.toLocaleString('en')} timers due over ${r.spreadMs / 1000} s: lost ${r.lost}, twice ${r.twice}, lateness max ${(r.lateMaxMs / 1000).toFixed(2)} s (p99 ${(r.lateP99Ms / 1000).toFixed(2)} s, ${r.lateOver2s} over 2 s, ${r.lateOver2sNearRestart} of them due within 10 s after a SIGTERM)${stops ? `; each SIGTERM to exit ${stops}` : ''}`;
}

async function main(): Promise<number> {
    const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    const server = await startServer();
    try {
        const r = await runRolling({
            uri: server.uriFor(benchDbName('rolling')),
            timers: Number(arg('timers') ?? 3000),
            spreadMs: Number(arg('spread') ?? 60_000),
            processes: Number(arg('processes') ?? 3),
            restart: !process.argv.includes('--no-restart'),
        });
        console.log(`${server.kind} ${server.version}: ${describeRolling(r)}; arming took ${(r.armMs / 1000).toFixed(1)} s`);
        r.stderr.slice(0, 10).forEach((l) => console.log(`  stderr: ${l}`));
        return r.lost === 0 && r.twice === 0 ? 0 : 1;
    } finally {
        await server.stop();
    }
}

runAsScript(module, main);
