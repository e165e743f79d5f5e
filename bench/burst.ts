/**
 * A burst: `timers` conversations whose reminders all come due at the same moment, sent by `processes` bot
 * processes sharing the database (each a full sample bot with the plugin; see support/burstWorker.ts). Measures
 * when the first and the last reminder went out, reminders per second, duplicates and skipped reminders, and what
 * each reminder cost: the bots' CPU, database commands and writes, and the server's CPU (CongoDB runs in its own
 * process; with MONGODB_URI, from serverStatus when the server reports it).
 */
import { fork, ChildProcess } from 'child_process';
import { join } from 'path';
import { MongoClient } from 'mongodb';
import { conversationId, directLineActivity } from './support/bot';
import type { WorkerReport } from './support/burstWorker';
import { BenchServer, benchDbName, startServer } from './support/server';
import { median, round, sleep } from './support/stats';
import { storedTimerData, TIMER_JOB_NAME, timerId, timerReference } from '../src/scheduling/timerDocument';
import { TIMER_DATA_VERSION } from '../src/core/ports/timerScheduler';
import { runAsScript } from './support/script';

/** What {@link measureBurst} measured. */
export interface BurstResult {
    timers: number;
    processes: number;
    /** Reminders sent, each conversation counted once. */
    reminded: number;
    /** Conversations reminded more than once. */
    duplicates: number;
    /** Conversations never reminded within the time limit. */
    skipped: number;
    /** First and last reminder after the due time, ms; median. */
    firstMs: number;
    medianMs: number;
    lastMs: number;
    /** Reminders sent more than 10 s after the due time (a stall: the bound). */
    over10s: number;
    /** Reminders per second from the due time to the last one, all processes; per process. */
    perSecond: number;
    perSecondPerProcess: number;
    /** The bot processes' CPU per reminder, ms (driver and Agenda included; the server excluded). */
    botCpuPerReminderMs: number;
    /** The part of it spent in the kernel (socket I/O), ms per reminder. */
    botSystemCpuPerReminderMs: number;
    /** Database commands (round trips) per reminder, the bot's own state excluded (it is in memory here). */
    roundTripsPerReminder: number;
    /** Commands that changed a document, per reminder. */
    writesPerReminder: number;
    /** Mean round trip of those commands, ms (driver, network, server queueing and work). */
    meanRoundTripMs: number;
    /** The server's CPU per reminder, ms (undefined when it does not say). */
    serverCpuPerReminderMs?: number;
    byCommand: Record<string, number>;
    /** Where the bot's CPU went, ms per reminder (profiled runs only). */
    profile?: Record<string, number>;
}

/** Options of {@link measureBurst}. */
export interface BurstOptions {
    timers: number;
    processes?: number;
    /** Profile the bot process's CPU by where the code lives (one process only). */
    profile?: boolean;
    /** Give up waiting this long after the due time. Default 10 minutes. */
    timeoutMs?: number;
}

const REMINDER_AFTER_MS = 60_000;

/**
 * @param server The database server.
 * @param options See {@link BurstOptions}.
 */
export async function measureBurst(server: BenchServer, options: BurstOptions): Promise<BurstResult> {
    const { timers } = options;
    const processes = options.processes ?? 1;
    const dbName = benchDbName(`burst${timers}x${processes}`);
    const uri = server.uriFor(dbName);
    const client = new MongoClient(uri);
    await client.connect();
    const workers: ChildProcess[] = [];
    try {
        for (let p = 0; p < processes; p++) {
            const worker = fork(join(__dirname, 'support', 'burstWorker.js'), [], {
                env: {
                    ...process.env,
                    BURST_WORKER: JSON.stringify({
                        uri,
                        count: timers,
                        reminderAfterMs: REMINDER_AFTER_MS,
                        profile: Boolean(options.profile) && processes === 1,
                    }),
                },
                stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
                // E.g. BENCH_WORKER_ARGV='--cpu-prof --cpu-prof-dir=/tmp/prof' to look inside a worker.
                execArgv: ['--expose-gc', ...(process.env.BENCH_WORKER_ARGV ? process.env.BENCH_WORKER_ARGV.split(' ') : [])],
            });
            workers.push(worker);
        }
        await Promise.all(workers.map((w) => nextMessage(w, 'loaded')));
        // Each worker answers how many reminders it sent so far.
        // Due after the seeding, the inserts and one whole polling interval: some regular poll locks them ahead.
        const dueAt = Date.now() + 9000;
        await Promise.all(workers.map((w) => (w.send({ type: 'seed', dueAt }), nextMessage(w, 'seeded'))));
        const jobs = client.db(dbName).collection('inactivityJobs');
        for (let i = 0; i < timers; i += 1000) {
            const docs = [];
            for (let j = i; j < Math.min(timers, i + 1000); j++) {
                const id = conversationId('burst', j);
                const activity = directLineActivity(id, '');
                const reference = timerReference({
                    channelId: activity.channelId,
                    serviceUrl: activity.serviceUrl,
                    conversation: activity.conversation,
                    user: activity.from,
                    bot: activity.recipient,
                    locale: activity.locale,
                });
                const data = { v: TIMER_DATA_VERSION, key: `directline/${id}`, reference };
                docs.push({ _id: timerId(data.key), name: TIMER_JOB_NAME, data: storedTimerData(data), nextRunAt: new Date(dueAt) });
            }
            await jobs.insertMany(docs, { ordered: false });
        }
        if (Date.now() > dueAt - 5000) {
            console.error(`  [burst] the timers were stored only ${dueAt - Date.now()} ms before they were due`);
        }
        await sleep(Math.max(0, dueAt - Date.now()));
        const serverCpu0 = await server.cpuMs();
        const deadline = dueAt + (options.timeoutMs ?? 600_000);
        let lastChange = Date.now();
        let seen = 0;
        while (Date.now() < deadline) {
            await sleep(250);
            const sent = await Promise.all(workers.map((w) => askProgress(w)));
            const total = sent.reduce((a, b) => a + b, 0);
            if (total !== seen) {
                seen = total;
                lastChange = Date.now();
            }
            if (total >= timers && Date.now() - lastChange > 1500) break;
            if (Date.now() - lastChange > 60_000) break;
        }
        const serverCpu1 = await server.cpuMs();
        if (seen < timers) {
            // A stall: how the timers still unsent are held (a sent one was re-armed 10 minutes on).
            const left = await jobs
                .find({ name: TIMER_JOB_NAME, nextRunAt: { $lte: new Date(dueAt) } }, { projection: { lockedAt: 1, lastModifiedBy: 1, nextRunAt: 1 } })
                .toArray();
            for (const j of left.slice(0, 5)) {
                const lockedAt = j.lockedAt instanceof Date ? `${j.lockedAt.getTime() - dueAt} ms after due` : 'not locked';
                console.error(`  [burst] unsent ${String(j._id)}: locked ${lockedAt} by ${String(j.lastModifiedBy)}; ${left.length} unsent in all`);
            }
        }
        const reports = await Promise.all(
            workers.map((w) => (w.send({ type: 'finish' }), nextMessage<{ report: WorkerReport }>(w, 'done').then((m) => m.report)))
        );
        const firstSends = new Map<string, number>();
        const counts = new Map<string, number>();
        for (const r of reports) {
            for (const [id, at] of r.sends) {
                counts.set(id, (counts.get(id) ?? 0) + 1);
                firstSends.set(id, Math.min(firstSends.get(id) ?? Infinity, at));
            }
        }
        const lateness = [...firstSends.values()].map((at) => at - dueAt);
        const last = Math.max(...lateness);
        const sum = (f: (r: WorkerReport) => number) => reports.reduce((a, r) => a + f(r), 0);
        const byCommand: Record<string, number> = {};
        for (const r of reports) for (const [k, v] of Object.entries(r.byCommand)) byCommand[k] = (byCommand[k] ?? 0) + v;
        const reminded = firstSends.size;
        const profile = reports[0].profile
            ? Object.fromEntries(Object.entries(reports[0].profile).map(([k, v]) => [k, round(v / Math.max(1, reminded), 3)]))
            : undefined;
        return {
            timers,
            processes,
            reminded,
            duplicates: [...counts.values()].filter((c) => c > 1).length,
            skipped: timers - reminded,
            firstMs: Math.min(...lateness),
            medianMs: round(median(lateness), 0),
            lastMs: last,
            over10s: lateness.filter((l) => l > 10_000).length,
            perSecond: round(reminded / Math.max(0.001, last / 1000), 1),
            perSecondPerProcess: round(reminded / Math.max(0.001, last / 1000) / processes, 1),
            botCpuPerReminderMs: round(sum((r) => r.cpuMs) / Math.max(1, reminded), 3),
            botSystemCpuPerReminderMs: round(sum((r) => r.systemMs) / Math.max(1, reminded), 3),
            roundTripsPerReminder: round(sum((r) => r.commands) / Math.max(1, reminded), 2),
            writesPerReminder: round(sum((r) => r.writes) / Math.max(1, reminded), 2),
            meanRoundTripMs: round(
                sum((r) => r.roundTripMs) /
                    Math.max(
                        1,
                        sum((r) => r.commands)
                    ),
                2
            ),
            serverCpuPerReminderMs:
                serverCpu0 !== undefined && serverCpu1 !== undefined ? round((serverCpu1 - serverCpu0) / Math.max(1, reminded), 2) : undefined,
            byCommand,
            profile,
        };
    } finally {
        await Promise.all(
            workers.map(async (w) => {
                const end = Date.now() + 15_000;
                while (w.exitCode === null && w.signalCode === null && Date.now() < end) await sleep(50);
                if (w.exitCode === null && w.signalCode === null) {
                    console.error('  [burst] a worker did not exit; killed');
                    w.kill();
                }
            })
        );
        await client
            .db(dbName)
            .dropDatabase()
            .catch(() => undefined);
        await client.close();
    }
}

function nextMessage<T = unknown>(worker: ChildProcess, type: string): Promise<T> {
    return new Promise((resolve, reject) => {
        const onMessage = (m: { type: string }) => {
            if (m.type === type) {
                worker.off('message', onMessage);
                worker.off('exit', onExit);
                resolve(m as T);
            }
        };
        const onExit = (code: number) => reject(new Error(`a burst worker exited (${code}) before '${type}'`));
        worker.on('message', onMessage);
        worker.once('exit', onExit);
    });
}

function askProgress(worker: ChildProcess): Promise<number> {
    const answer = nextMessage<{ sent: number }>(worker, 'progress').then((m) => m.sent);
    worker.send({ type: 'progress' });
    return answer;
}

/**
 * Bursts in a row, for a stall that shows in some runs only (issue #17: 20 runs of the 4-process burst, none more
 * than 10 s late): `npm run build && node dist/bench/burst.js --processes=4 --runs=20 [--timers=1000]`. Prints
 * each run's last reminder after the due time and how many came more than 10 s late.
 */
async function main(): Promise<number> {
    const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    const runs = Number(arg('runs') ?? 20);
    const options = { timers: Number(arg('timers') ?? 1000), processes: Number(arg('processes') ?? 4) };
    const server = await startServer();
    const lasts: number[] = [];
    let stalls = 0;
    try {
        for (let run = 1; run <= runs; run++) {
            const r = await measureBurst(server, options);
            lasts.push(r.lastMs);
            // A reminder still missing when the burst gave up (60 s without progress) waited longer still.
            stalls += r.over10s > 0 || r.skipped > 0 ? 1 : 0;
            const load = (await import('os')).loadavg()[0].toFixed(1);
            console.log(
                `run ${run}/${runs}: ${r.reminded}/${r.timers} reminded on ${r.processes} processes, last ${r.lastMs} ms after due, ${r.over10s} over 10 s, ${r.duplicates} twice, ${r.skipped} skipped (load ${load})`
            );
        }
        console.log(
            `${server.kind} ${server.version}: ${runs} runs, ${stalls} with a stall (a reminder over 10 s late or never sent); last reminder max ${Math.max(...lasts)} ms, median ${round(median(lasts), 0)} ms`
        );
        return stalls === 0 ? 0 : 1;
    } finally {
        await server.stop();
    }
}

runAsScript(module, main);
