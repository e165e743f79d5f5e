/**
 * What a kill -9 in the middle of a proactive send costs. Two bot processes (the sample's parts, conversation
 * state in MongoStorage, timers in Agenda, all on one MongoDB) share the work; the users talk to the first, which
 * sends reminders and goodbyes to a channel that takes each one's POST and never answers. While those sends hang
 * the first process is killed with SIGKILL and started again (a replacement); the second takes the dead process's
 * timers over once their lease runs out (TIMER_LEASE_MS after their due time or last touch, then its next poll).
 * The run counts what the channel receives, per conversation:
 *
 * - `reminder`: the reminder was in flight at the kill. It must not come again (at most once); the flow must
 *   go on to its close after the takeover.
 * - `close`: the goodbye was in flight at the kill. It must not come again; the abandonment is recorded once.
 * - `armed`: the timer was armed but not due at the kill. Its reminder must come once, from the new process,
 *   then its close.
 *
 *     node dist/bench/crash.js [--trials=20] [--conversations=5]
 *
 * Exits with status 1 when a message came twice, a flow did not go on, or an abandonment was not recorded once.
 * Runs on MONGODB_URI when set, otherwise on an embedded CongoDB server.
 */
import type { Activity } from 'botbuilder';
import { ChildProcess, spawn } from 'child_process';
import { MongoClient } from 'mongodb';
import { join } from 'path';
import { EmbeddedMongo, freePort, startEmbeddedMongo } from '../samples/embeddedMongo';
import { DEFAULT_PROCESS_EVERY_MS, TIMER_LEASE_MS } from '../src/scheduling/agendaScheduler';
import { EmulatorClient, EmulatorConversation } from '../test/support/emulator';
import { exited, until } from './support/waiting';
import { sleep } from './support/stats';
import { runAsScript } from './support/script';

/** The kinds of conversation in a trial (see the file's comment). */
export type CrashGroup = 'reminder' | 'close' | 'armed';

/** What one conversation received, counted at the channel (every POST, answered or not). */
export interface CrashConversation {
    group: CrashGroup;
    id: string;
    reminders: number;
    goodbyes: number;
    /** Reasons of its abandonment events. */
    events: string[];
    /** "Sorry, something went wrong" from the bot's onTurnError. */
    apologies: number;
    /** Whether it ended as the trial expects. */
    ok: boolean;
    /** What was wrong, when not ok. */
    problem?: string;
}

/** One trial's figures. */
export interface CrashTrialResult {
    conversations: CrashConversation[];
    /** Conversations that received one stage message more than once. */
    duplicates: number;
    /** From the kill to the new process answering HTTP, ms. */
    restartMs: number;
    /** How late each `armed` reminder came after its due time (it fell due 2 s after the kill), ms. */
    armedLateMs: number[];
    /** From the kill to the new process taking over the first locked timer (its first POST), ms. */
    takeoverMs: number;
    /** Lines the bot processes wrote to stderr (reported errors). */
    stderr: string[];
}

/** Options of {@link runCrashTrial}. */
export interface CrashTrialOptions {
    /** The server and database, as a connection string with a database name (dropped by the caller). */
    mongoUri: string;
    /** Conversations per group. Default 3. */
    conversations?: number;
}

/**
 * The bot's policy, one step per group. `armed` stops at the first step (`name`), whose reminder is due 3 s later,
 * 2 s after the kill: the dying process may have locked it ahead of time, and then another process must take it
 * over (within TIMER_LEASE_MS of its due time, then a poll); its lateness is measured.
 * `close` stops at `type`: no reminder, the close 1.5 s later. `reminder` stops at `contact`: the reminder 1 s
 * later (a close, not the sample's handoff: code steps replace the policy file's by key). The groups that go
 * further pass earlier steps quickly; a later step's sooner due time moves their timer earlier.
 */
const POLICY = {
    reminderAfter: 1000,
    closeAfter: 30_000,
    flows: {
        addClient: {
            steps: {
                name: { reminderAfter: 3000 },
                type: { remind: false, closeAfter: 1500 },
                contact: { reminderAfter: 1000, finalAction: 'close' as const },
            },
        },
    },
};
/** How long after the kill the channel is watched: the lease, a poll, the closes still to come, and time for a second copy. */
const WATCH_MS = TIMER_LEASE_MS + DEFAULT_PROCESS_EVERY_MS + 40_000;

const isReminder = (a: Partial<Activity>) => a.type === 'message' && /^Still there\?/.test(a.text ?? '');
const isGoodbye = (a: Partial<Activity>) => a.type === 'message' && /^I closed this/.test(a.text ?? '');
const isApology = (a: Partial<Activity>) => /^Sorry, something went wrong/.test(a.text ?? '');

/**
 * Runs one trial: start the bot, bring each conversation to its stage, kill -9 the bot while the in-flight
 * sends hang, start it again, watch the channel for {@link WATCH_MS}.
 *
 * @param options See {@link CrashTrialOptions}.
 * @returns What the channel received.
 */
export async function runCrashTrial(options: CrashTrialOptions): Promise<CrashTrialResult> {
    const n = options.conversations ?? 3;
    const port = await freePort();
    const channel = new EmulatorClient(`http://127.0.0.1:${port}/api/messages`);
    const stderr: string[] = [];
    const groups = new Map<string, CrashGroup>();
    let killedAt: number | undefined;
    // Before the kill, the first reminder or goodbye of each conversation is taken and never answered.
    channel.faults = (activity) => (killedAt === undefined && (isReminder(activity) || isGoodbye(activity)) ? 'hang' : undefined);
    await channel.start();
    const env = { ...process.env, CRASH_BOT: JSON.stringify({ mongoUri: options.mongoUri, port, inactivity: POLICY }) };
    let bot = await startBot(env, stderr);
    // The second instance: it takes over what the first held when that one dies.
    const standbyConfig = { mongoUri: options.mongoUri, port: await freePort(), inactivity: POLICY };
    const standby = await startBot({ ...process.env, CRASH_BOT: JSON.stringify(standbyConfig) }, stderr);
    const client = new MongoClient(options.mongoUri, { serverSelectionTimeoutMS: 5000 });
    try {
        await client.connect();
        const conversations: Array<{ group: CrashGroup; c: EmulatorConversation }> = [];
        const dueAt = new Map<string, number>();
        const open = async (group: CrashGroup) => {
            const c = channel.conversation();
            groups.set(c.id, group);
            conversations.push({ group, c });
            await c.say('add client');
            dueAt.set(c.id, Date.now() + POLICY.flows.addClient.steps.name.reminderAfter);
            if (group !== 'armed') {
                await c.say('John Doe');
            }
            if (group === 'reminder') {
                await c.say('Personal training');
            }
        };
        await Promise.all(Array.from({ length: n }, () => [open('reminder'), open('close')]).flat());
        // The armed ones last, a second before the kill: their reminders come due 2 s after it.
        await until(() => inFlight() >= 2 * n, 15_000, 'the reminders and goodbyes to be in flight');
        await Promise.all(Array.from({ length: n }, () => open('armed')));
        await sleep(1000);
        killedAt = Date.now();
        bot.kill('SIGKILL');
        await exited(bot);
        bot = await startBot(env, stderr);
        const restartMs = Date.now() - killedAt;
        const events = client.db().collection('inactivityEvents');
        const done = async () => {
            for (const { c } of conversations) {
                const got = posts(c.id);
                const recorded = await events.countDocuments({ conversationId: c.id });
                if (recorded === 0 || got.goodbyes === 0) {
                    return false;
                }
            }
            return true;
        };
        const deadline = killedAt + WATCH_MS;
        while (Date.now() < deadline && !(await done())) {
            await sleep(250);
        }
        // Time for a second copy to show up.
        await sleep(Math.min(3000, Math.max(0, deadline - Date.now())));
        const firstAfter = channel.attempts.find((a) => a.at > (killedAt as number) && groups.get(a.activity.conversation?.id ?? '') === 'reminder');
        const result: CrashConversation[] = [];
        for (const { group, c } of conversations) {
            const got = posts(c.id);
            const reasons = (await events.find({ conversationId: c.id }).toArray()).map((e) => String(e.reason));
            const problem = judge(group, got, reasons);
            result.push({ group, id: c.id, ...got, events: reasons, ok: !problem, ...(problem ? { problem } : {}) });
        }
        const armedLateMs = conversations
            .filter(({ group }) => group === 'armed')
            .map(({ c }) => {
                const first = channel.attempts.find((a) => a.activity.conversation?.id === c.id && isReminder(a.activity));
                return first ? first.at - (dueAt.get(c.id) as number) : Number.NaN;
            });
        return {
            conversations: result,
            armedLateMs,
            duplicates: result.filter((r) => r.reminders > 1 || r.goodbyes > 1).length,
            restartMs,
            takeoverMs: firstAfter ? firstAfter.at - killedAt : NaN,
            stderr,
        };
    } finally {
        bot.kill('SIGKILL');
        standby.kill('SIGKILL');
        await Promise.all([exited(bot), exited(standby)]);
        await channel.stop();
        await client.close();
    }

    function posts(id: string) {
        const mine = channel.attempts.filter((a) => a.activity.conversation?.id === id).map((a) => a.activity);
        return { reminders: mine.filter(isReminder).length, goodbyes: mine.filter(isGoodbye).length, apologies: mine.filter(isApology).length };
    }

    /** Reminders and goodbyes of the `reminder` and `close` groups the channel holds (an `armed` one may hang too, under load). */
    function inFlight(): number {
        return channel.attempts.filter((a) => a.answer === 'hang' && groups.get(a.activity.conversation?.id ?? '') !== 'armed').length;
    }
}

function judge(group: CrashGroup, got: { reminders: number; goodbyes: number; apologies: number }, reasons: string[]): string | undefined {
    if (got.apologies > 0) {
        return `the user got ${got.apologies} apologies`;
    }
    switch (group) {
        case 'reminder':
            // The reminder in flight at the kill is not sent again; the flow goes on to its close.
            return got.reminders === 1 && got.goodbyes === 1 && reasons.join() === 'timeout'
                ? undefined
                : `reminders ${got.reminders}, goodbyes ${got.goodbyes}, events ${reasons.join() || 'none'}`;
        case 'close':
            // The goodbye in flight at the kill is not sent again; the abandonment is recorded once.
            return got.reminders === 0 && got.goodbyes === 1 && reasons.join() === 'timeout'
                ? undefined
                : `reminders ${got.reminders}, goodbyes ${got.goodbyes}, events ${reasons.join() || 'none'}`;
        case 'armed':
            // Armed before the kill: the new process sends its reminder once, then the close.
            return got.reminders === 1 && got.goodbyes === 1 && reasons.join() === 'timeout'
                ? undefined
                : `reminders ${got.reminders}, goodbyes ${got.goodbyes}, events ${reasons.join() || 'none'}`;
    }
}

async function startBot(env: NodeJS.ProcessEnv, stderr: string[]): Promise<ChildProcess> {
    const child = spawn(process.execPath, [join(__dirname, '..', 'test', 'support', 'crashBot.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(...chunk.split('\n').filter(Boolean)));
    await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`The bot did not start in 20 s: ${stderr.join(' | ')}`)), 20_000);
        child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
            if (chunk.includes('ready ')) {
                clearTimeout(timer);
                resolve();
            }
        });
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`The bot exited with ${code} before it was ready: ${stderr.join(' | ')}`));
        });
    });
    return child;
}

/**
 * One line per group: conversations, how many came out right, and the counts a duplicate would show in.
 *
 * @param results The trials.
 * @returns Lines to print.
 */
export function summarize(results: CrashTrialResult[]): string[] {
    const all = results.flatMap((r) => r.conversations);
    const lines = (['reminder', 'close', 'armed'] as const).map((group) => {
        const rows = all.filter((r) => r.group === group);
        const sum = (k: 'reminders' | 'goodbyes') => rows.reduce((s, r) => s + r[k], 0);
        const what = { reminder: 'reminder in flight at the kill', close: 'goodbye in flight at the kill', armed: 'timer armed, not due, at the kill' }[group];
        return `${what.padEnd(34)} ${String(rows.length).padStart(3)} conversations: reminders ${sum('reminders')}, goodbyes ${sum('goodbyes')}; as expected ${rows.filter((r) => r.ok).length}/${rows.length}`;
    });
    const takeovers = results.map((r) => (r.takeoverMs / 1000).toFixed(1)).join(', ');
    const late = results.flatMap((r) => r.armedLateMs);
    const lateMax = late.some((ms) => Number.isNaN(ms)) ? 'a reminder missing' : `${(Math.max(...late) / 1000).toFixed(1)} s`;
    const restarts = results.map((r) => (r.restartMs / 1000).toFixed(1)).join(', ');
    lines.push(
        `received twice: ${results.reduce((s, r) => s + r.duplicates, 0)} of ${all.length} conversations; restart ${restarts} s; first post of an in-flight conversation ${takeovers} s after the kill`
    );
    lines.push(`reminders falling due 2 s after the kill (${late.length}): sent at most ${lateMax} after their due time by the other processes`);
    return lines;
}

async function main(): Promise<number> {
    let trials = 20;
    let conversations = 5;
    for (const arg of process.argv.slice(2)) {
        const [name, value] = arg.split('=');
        if (name === '--trials' && Number(value) >= 1) trials = Number(value);
        else if (name === '--conversations' && Number(value) >= 1) conversations = Number(value);
        else throw new RangeError(`Unknown argument ${arg}. Use --trials=N --conversations=N.`);
    }
    let embedded: EmbeddedMongo | undefined;
    const base = process.env.MONGODB_URI ?? (embedded = await startEmbeddedMongo()).uri;
    const results: CrashTrialResult[] = [];
    try {
        for (let i = 0; i < trials; i++) {
            const url = new URL(base);
            url.pathname = `/bbi_crash_${process.pid}_${i}`;
            try {
                results.push(await runCrashTrial({ mongoUri: url.toString(), conversations }));
            } finally {
                const client = new MongoClient(url.toString());
                await client
                    .db()
                    .dropDatabase()
                    .catch(() => undefined);
                await client.close();
            }
            console.log(
                `trial ${i + 1}/${trials}: ${
                    results[i].conversations
                        .filter((c) => !c.ok)
                        .map((c) => `${c.group} ${c.problem}`)
                        .join('; ') || 'as expected'
                }`
            );
        }
    } finally {
        await embedded?.stop();
    }
    console.log(
        `kill -9 during proactive sends, ${trials} trials × ${conversations} conversations per group, on ${embedded ? 'the embedded CongoDB' : 'MONGODB_URI'}`
    );
    for (const line of summarize(results)) {
        console.log(`  ${line}`);
    }
    const ok = results.every((r) => r.conversations.every((c) => c.ok));
    console.log(ok ? '  OK: nothing received twice; every flow went on' : '  FAIL');
    return ok ? 0 : 1;
}

runAsScript(module, main);
