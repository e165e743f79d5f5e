/**
 * What a stopped follow-up sender costs (issue #17): three sender processes (`FollowUpService` on one MongoDB,
 * each with its own Agenda at the default 30 s poll, concurrency 2) share the follow-ups. The one holding the
 * wake-up is stopped while it sends: killed with SIGKILL (`kill`) or sent SIGTERM (`term`). The channel is in this
 * process and counts every post, answered or not. Per follow-up:
 *
 * - `inFlight`: its send was under way at the stop (the channel held it). After a kill it must not come again (at
 *   most once: it may have reached the user) and is recorded failed; after a SIGTERM the send finishes (answered
 *   0.3 s later) and it is recorded sent, once.
 * - `queued`: due before the stop, waiting behind the sends in flight on the stopped process. It must be sent once,
 *   within 10 s of the kill (2 s of the SIGTERM).
 * - `due`: due 2 s after the stop. It must be sent once, within 10 s (2 s) of its due time.
 *
 *     node dist/bench/followUpCrash.js [--mode=kill|term] [--trials=20]
 *
 * Exits with status 1 when a follow-up came twice, went missing or came later than its bound. Runs on MONGODB_URI
 * when set, otherwise on an embedded CongoDB server.
 */
import { ChildProcess, fork } from 'child_process';
import { MongoClient } from 'mongodb';
import { join } from 'path';
import { EmbeddedMongo, startEmbeddedMongo } from '../samples/embeddedMongo';
import { FollowUpService } from '../src/botbuilder/followUpService';
import { exited, until } from './support/waiting';
import { sleep } from './support/stats';
import { runAsScript } from './support/script';

/** The kinds of follow-up in a trial (see the file's comment). */
export type FollowUpCrashGroup = 'inFlight' | 'queued' | 'due';

/** How a trial stops the process holding the wake-up. */
export type StopMode = 'kill' | 'term';

/** One follow-up's fate. */
export interface FollowUpCrashRow {
    group: FollowUpCrashGroup;
    /** Posts the channel received for it. */
    posts: number;
    /** Of those, from a process other than the stopped one. */
    byOthers: number;
    /** Its first post after the stop, ms after its bound's start (the stop for inFlight and queued, its due time for due). */
    lateMs: number;
    /** Its status in the database at the end. */
    status: string;
}

/** One trial's figures. */
export interface FollowUpCrashResult {
    mode: StopMode;
    rows: FollowUpCrashRow[];
    /** Follow-ups posted more than once. */
    twice: number;
    /** SIGTERM only: how long the stopped process's `stop()` took, ms. */
    stopMs?: number;
    /** Lines the processes wrote to stderr. */
    stderr: string[];
}

/** Options of {@link runFollowUpCrashTrial}. */
export interface FollowUpCrashOptions {
    /** The server and database, as a connection string with a database name (dropped by the caller). */
    mongoUri: string;
    /** How the holder is stopped. */
    mode: StopMode;
    /** Sender processes. Default 3. */
    processes?: number;
}

/** Follow-ups a sender works on at once: the in-flight group fills them, the queued group waits behind. */
const CONCURRENCY = 2;
/** The `due` group falls due this long after the stop. */
const DUE_AFTER_STOP_MS = 2000;
/** How long after the stop the channel is watched: the bound, and time for a second copy. */
const WATCH_MS = 20_000;

interface Post {
    id: string;
    worker: number;
    seq: number;
    at: number;
}

/**
 * Runs one trial: start the senders, schedule the follow-ups, stop the one holding the wake-up while its sends
 * hang, watch the channel.
 *
 * @param options See {@link FollowUpCrashOptions}.
 * @returns What the channel received.
 */
export async function runFollowUpCrashTrial(options: FollowUpCrashOptions): Promise<FollowUpCrashResult> {
    const stderr: string[] = [];
    const posts: Post[] = [];
    let stoppedAt: number | undefined;
    let stopped = -1;
    let stopMs: number | undefined;
    const workers: ChildProcess[] = [];
    const answer = (p: Post) => workers[p.worker]?.connected && workers[p.worker].send({ type: 'answer', seq: p.seq });
    const env = { ...process.env, FOLLOW_UP_WORKER: JSON.stringify({ mongoUri: options.mongoUri, concurrency: CONCURRENCY }) };
    // Schedules only (a front end): it moves the senders' wake-up as a bot's own service would.
    const scheduler = new FollowUpService({
        mongo: options.mongoUri,
        adapter: { continueConversationAsync: async () => undefined },
        send: false,
        quietHours: null,
        frequencyCap: 0,
        onError: (e) => void stderr.push(String(e)),
    });
    const client = new MongoClient(options.mongoUri, { serverSelectionTimeoutMS: 5000 });
    try {
        await client.connect();
        await scheduler.start();
        for (let w = 0; w < (options.processes ?? 3); w++) {
            const worker = fork(join(__dirname, '..', 'test', 'support', 'followUpCrashWorker.js'), [], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
            worker.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(...chunk.split('\n').filter(Boolean)));
            worker.on('message', (m: { type: string; id: string; seq: number; at: number; ms: number }) => {
                if (m.type === 'post') {
                    const post = { id: m.id, worker: w, seq: m.seq, at: Date.now() };
                    posts.push(post);
                    // Before the stop every send hangs (the in-flight ones); after it the channel answers at once, and
                    // the SIGTERM'd process's sends 0.3 s after the stop (a send left unanswered would time out and
                    // be retried: sent again by design, as a failed send).
                    if (stoppedAt !== undefined && w !== stopped) {
                        answer(post);
                    } else if (stoppedAt !== undefined && options.mode === 'term') {
                        setTimeout(() => answer(post), Math.max(0, stoppedAt + 300 - Date.now()));
                    }
                } else if (m.type === 'stopped') {
                    stopMs = m.ms;
                }
            });
            workers.push(worker);
            await nextMessage(worker, 'ready').catch((err: Error) => {
                throw new Error(`${err.message}: ${stderr.join(' | ')}`);
            });
        }
        const schedule = async (label: string, at: Date) => {
            const made = await scheduler.scheduleCustom({ reference: referenceOf(label), at, text: `Follow-up ${label}` });
            return { label, id: made.id, at: at.getTime() };
        };
        // Twice the senders' concurrency, due now: the holder's two workers take two, whose sends hang; two wait.
        const first = await Promise.all(Array.from({ length: 2 * CONCURRENCY }, (_, i) => schedule(`first-${i}`, new Date(Date.now() + 500))));
        await until(() => posts.length >= CONCURRENCY, 40_000, 'the first sends to be in flight');
        stopped = posts[0].worker;
        const inFlight = new Set(posts.map((p) => p.id));
        const plannedStop = Date.now() + 1000;
        const due = await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => schedule(`due-${i}`, new Date(plannedStop + DUE_AFTER_STOP_MS))));
        await sleep(plannedStop - Date.now());
        stoppedAt = Date.now();
        const holder = workers[stopped];
        // The other processes' sends (none should be in flight yet) are answered from now on.
        posts.filter((p) => p.worker !== stopped).forEach(answer);
        if (options.mode === 'kill') {
            holder.kill('SIGKILL');
        } else {
            holder.kill('SIGTERM');
            // The sends under way finish normally during the stop.
            setTimeout(() => posts.filter((p) => p.worker === stopped).forEach(answer), 300);
        }
        const conversation = (label: string) => `conv-${label}`;
        const expected = [...first, ...due];
        const settled = async () => {
            const statuses = await client
                .db()
                .collection('inactivityFollowUps')
                .countDocuments({ status: { $in: ['executed', 'failed'] } });
            return statuses >= expected.length;
        };
        const deadline = stoppedAt + WATCH_MS;
        while (Date.now() < deadline && !(await settled())) {
            await sleep(250);
        }
        await sleep(Math.min(3000, Math.max(0, deadline - Date.now())));
        const docs = await client.db().collection('inactivityFollowUps').find({}).toArray();
        const rows = expected.map(({ label, id, at }): FollowUpCrashRow => {
            const mine = posts.filter((p) => p.id === conversation(label));
            const group: FollowUpCrashGroup = label.startsWith('due') ? 'due' : inFlight.has(conversation(label)) ? 'inFlight' : 'queued';
            const after = mine.find((p) => p.at >= (stoppedAt as number));
            const from = group === 'due' ? at : (stoppedAt as number);
            return {
                group,
                posts: mine.length,
                byOthers: mine.filter((p) => p.worker !== stopped).length,
                lateMs: after ? after.at - from : Number.NaN,
                status: String(docs.find((d) => d._id.toHexString() === id)?.status),
            };
        });
        return { mode: options.mode, rows, twice: rows.filter((r) => r.posts > 1).length, stopMs, stderr };
    } finally {
        workers.forEach((w) => w.kill('SIGKILL'));
        await Promise.all(workers.map(exited));
        await scheduler.stop();
        await client.close();
    }
}

/** Whether a trial's rows are as its mode expects; the problems otherwise. */
export function judgeFollowUpCrash(result: FollowUpCrashResult): string[] {
    const bound = result.mode === 'kill' ? 10_000 : 2000;
    const problems: string[] = [];
    for (const r of result.rows) {
        if (r.posts > 1) {
            problems.push(`${r.group}: posted ${r.posts} times`);
        } else if (r.group === 'inFlight') {
            // After a kill it may have reached the user: recorded failed, never sent again. After a SIGTERM it finishes.
            const want = result.mode === 'kill' ? 'failed' : 'executed';
            if (r.status !== want) problems.push(`inFlight: ${r.status}, expected ${want}`);
        } else if (r.posts !== 1 || r.status !== 'executed') {
            problems.push(`${r.group}: posted ${r.posts} times, ${r.status}`);
        } else if (!(r.lateMs <= bound)) {
            problems.push(`${r.group}: sent ${(r.lateMs / 1000).toFixed(1)} s late (bound ${bound / 1000} s)`);
        } else if (result.mode === 'kill' && r.byOthers !== 1) {
            problems.push(`${r.group}: not sent by another process`);
        }
    }
    return problems;
}

/**
 * One line per group and one for duplicates.
 *
 * @param results The trials (one mode).
 * @returns Lines to print.
 */
export function summarizeFollowUpCrash(results: FollowUpCrashResult[]): string[] {
    const rows = results.flatMap((r) => r.rows);
    const lines = (['inFlight', 'queued', 'due'] as const).map((group) => {
        const mine = rows.filter((r) => r.group === group);
        const late = mine.map((r) => r.lateMs).filter((ms) => !Number.isNaN(ms));
        const statuses = [...new Set(mine.map((r) => r.status))].join('/');
        const what = { inFlight: 'send under way at the stop', queued: 'due, waiting behind them', due: 'due 2 s after the stop' }[group];
        const lateText =
            group === 'inFlight' ? '' : `; sent at most ${(Math.max(...late) / 1000).toFixed(1)} s after ${group === 'due' ? 'its due time' : 'the stop'}`;
        return `${what.padEnd(28)} ${String(mine.length).padStart(3)} follow-ups: posts ${mine.reduce((s, r) => s + r.posts, 0)}, by another process ${mine.reduce((s, r) => s + r.byOthers, 0)}, ${statuses}${lateText}`;
    });
    lines.push(`posted twice: ${results.reduce((s, r) => s + r.twice, 0)} of ${rows.length}`);
    const stops = results.map((r) => r.stopMs).filter((ms): ms is number => ms !== undefined);
    if (stops.length) {
        lines.push(`stop() of the SIGTERM'd process: ${(Math.min(...stops) / 1000).toFixed(1)}–${(Math.max(...stops) / 1000).toFixed(1)} s`);
    }
    return lines;
}

function referenceOf(label: string) {
    return {
        channelId: 'msteams',
        serviceUrl: 'https://example.invalid/',
        conversation: { id: `conv-${label}`, isGroup: false, conversationType: 'personal', name: '' },
        user: { id: `user-${label}`, name: '' },
        bot: { id: 'bot', name: 'bot' },
        locale: 'en-US',
    };
}

function nextMessage(worker: ChildProcess, type: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const onMessage = (m: { type: string }) => {
            if (m.type === type) {
                worker.off('message', onMessage);
                resolve();
            }
        };
        worker.on('message', onMessage);
        worker.once('exit', (code) => reject(new Error(`a follow-up worker exited (${code}) before '${type}'`)));
    });
}

async function main(): Promise<number> {
    let trials = 20;
    const modes: StopMode[] = [];
    for (const arg of process.argv.slice(2)) {
        const [name, value] = arg.split('=');
        if (name === '--trials' && Number(value) >= 1) trials = Number(value);
        else if (name === '--mode' && (value === 'kill' || value === 'term')) modes.push(value);
        else throw new RangeError(`Unknown argument ${arg}. Use --trials=N --mode=kill|term.`);
    }
    let embedded: EmbeddedMongo | undefined;
    const base = process.env.MONGODB_URI ?? (embedded = await startEmbeddedMongo()).uri;
    let ok = true;
    try {
        for (const mode of modes.length ? modes : (['kill', 'term'] as const)) {
            const results: FollowUpCrashResult[] = [];
            for (let i = 0; i < trials; i++) {
                const url = new URL(base);
                url.pathname = `/bbi_fucrash_${process.pid}_${mode}_${i}`;
                try {
                    results.push(await runFollowUpCrashTrial({ mongoUri: url.toString(), mode }));
                } finally {
                    const c = new MongoClient(url.toString());
                    await c
                        .db()
                        .dropDatabase()
                        .catch(() => undefined);
                    await c.close();
                }
                const problems = judgeFollowUpCrash(results[i]);
                ok &&= problems.length === 0;
                console.log(`${mode} trial ${i + 1}/${trials}: ${problems.join('; ') || 'as expected'}`);
            }
            console.log(
                `${mode === 'kill' ? 'kill -9' : 'SIGTERM'} of the sender holding the wake-up, ${trials} trials, on ${embedded ? 'the embedded CongoDB' : 'MONGODB_URI'}`
            );
            summarizeFollowUpCrash(results).forEach((line) => console.log(`  ${line}`));
        }
    } finally {
        await embedded?.stop();
    }
    console.log(ok ? '  OK: nothing posted twice; every follow-up within its bound' : '  FAIL');
    return ok ? 0 : 1;
}

runAsScript(module, main);
