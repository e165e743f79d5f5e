import assert from 'assert';
import type { Activity } from 'botbuilder';
import { DEFAULTS, toMilliseconds } from '../../src';
import { EmulatorClient, EmulatorConversation } from '../support/emulator';
import { HttpBot, startHttpBot } from '../support/httpBot';
import { freshDb } from '../support/mongo';
import { TcpProxy } from '../support/tcpProxy';

/** How long MongoDB stalls. */
const STALL_MS = 10_000;
/** User turns during the stall, each starting a flow (so each needs MongoDB: a saved-flow lookup and an arm). */
const TURNS = 20;
/** The shipped default: the longest a turn waits for MongoDB, once per outage. */
const SCHEDULER_TIMEOUT_MS = toMilliseconds(DEFAULTS.schedulerTimeout, 'schedulerTimeout');
/** Short enough that most stall-time reminders are due before MongoDB answers again. */
const REMINDER_AFTER_MS = 4000;
/** What a turn may cost on top of a normal one, apart from the first of the outage (a loaded 2-core machine). */
const SLACK_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isQuestion = (a: Partial<Activity>) => a.type === 'message' && /^What's the client's name\?/.test(a.text ?? '');
const isReminder = (a: Partial<Activity>) => a.type === 'message' && /^Still there\?/.test(a.text ?? '');

/** How the stall ends: MongoDB answers what it held (`resume`), or the connections were lost meanwhile (`cut`). */
type StallEnd = 'resume' | 'cut';

/** What one outage run measured. */
interface OutageFigures {
    normal: number;
    during: Array<{ c: EmulatorConversation; ms: number; replied: boolean; at: number }>;
    lastTurnEnd: number;
    stalledAt: number;
    resumedAt: number;
    reminders: Array<Array<{ at: number }>>;
    lateness: number[];
    errors: Error[];
    turnErrors: Error[];
    apologies: number;
}

/**
 * Starts the bot with the plugin's connection through a proxy, makes 5 normal turns, stalls MongoDB for
 * {@link STALL_MS} while {@link TURNS} users each start a flow, ends the stall, and waits for the reminders.
 */
async function runOutage(end: StallEnd): Promise<OutageFigures> {
    const errors: Error[] = [];
    const turnErrors: Error[] = [];
    const mongo = await freshDb();
    const proxy = TcpProxy.forMongoUri(mongo.uri);
    await proxy.start();
    let bot: HttpBot | undefined;
    let channel: EmulatorClient | undefined;
    try {
        bot = await startHttpBot({
            mongoUri: mongo.uri,
            pluginMongoUri: proxy.proxied(mongo.uri),
            inactivity: { reminderAfter: REMINDER_AFTER_MS, closeAfter: '2 minutes' },
            onError: (e) => void errors.push(e),
            onTurnError: (e) => void turnErrors.push(e),
        });
        const ch = (channel = new EmulatorClient(bot.messagesUrl));
        await ch.start();
        const turn = async (c: EmulatorConversation): Promise<{ ms: number; replied: boolean }> => {
            const started = Date.now();
            await c.say('add client');
            const ms = Date.now() - started;
            // say() returns once the bot has answered the HTTP request, after its replies were posted; a
            // conversation has only this one turn.
            return { ms, replied: c.received.some((r) => isQuestion(r.activity)) };
        };

        // Normal turns first, with the same work (a flow begins: saved-flow lookup, arm), for the added latency.
        const baseline: number[] = [];
        for (let i = 0; i < 5; i++) {
            const t = await turn(ch.conversation());
            assert.ok(t.replied, 'a baseline turn got its reply');
            baseline.push(t.ms);
        }
        const normal = [...baseline].sort((a, b) => a - b)[2];
        // Their reminders come before the stall, so that the stall's are the only ones due after it.
        await sleep(REMINDER_AFTER_MS + 1000);

        proxy.stall();
        const stalledAt = Date.now();
        const during: OutageFigures['during'] = [];
        for (let i = 0; i < TURNS; i++) {
            // Spread over the stall, one after the other (a turn waiting on MongoDB delays the next ones).
            await sleep(Math.max(0, stalledAt + 200 + i * ((STALL_MS - 1000) / TURNS) - Date.now()));
            const c = ch.conversation();
            const at = Date.now();
            during.push({ c, at, ...(await turn(c)) });
        }
        const lastTurnEnd = Date.now();
        await sleep(Math.max(0, stalledAt + STALL_MS - Date.now()));
        if (end === 'resume') {
            proxy.resume();
        } else {
            proxy.cut();
        }
        const resumedAt = Date.now();

        // Every flow armed during the stall gets its reminder, with no message from its user.
        const deadline = resumedAt + REMINDER_AFTER_MS + 8000;
        while (Date.now() < deadline && !during.every((d) => d.c.received.some((r) => isReminder(r.activity)))) {
            await sleep(100);
        }
        await sleep(1500); // time for a second copy to show up
        const reminders = during.map((d) => d.c.received.filter((r) => isReminder(r.activity)));
        const lateness = during.map((d, i) => (reminders[i][0] ? reminders[i][0].at - Math.max(resumedAt, d.at + d.ms + REMINDER_AFTER_MS) : NaN));
        const apologies = ch.received.filter((r) => /^Sorry, something went wrong/.test(r.activity.text ?? '')).length;
        return { normal, during, lastTurnEnd, stalledAt, resumedAt, reminders, lateness, errors, turnErrors, apologies };
    } finally {
        proxy.resume();
        await channel?.stop();
        await bot?.stop();
        await proxy.stop();
        await mongo.close();
    }
}

function report(tag: string, f: OutageFigures): void {
    const added = f.during.map((d) => d.ms - f.normal);
    const [first, ...rest] = added;
    const late = f.lateness.filter((l) => !Number.isNaN(l));
    console.log(
        `  [${tag}] normal turn ${f.normal} ms (median of 5); stall ${STALL_MS / 1000} s, ${TURNS} turns during it, the last ending ${((f.lastTurnEnd - f.stalledAt) / 1000).toFixed(1)} s into it`
    );
    console.log(
        `  [${tag}] replies ${f.during.filter((d) => d.replied).length}/${TURNS}; added latency: first turn ${first} ms (schedulerTimeout ${SCHEDULER_TIMEOUT_MS} ms), others max ${Math.max(...rest)} ms, total ${added.reduce((a, b) => a + b, 0)} ms (20 turns minus 20 normal ones)`
    );
    console.log(
        `  [${tag}] reminders after recovery: ${f.reminders.filter((r) => r.length === 1).length}/${TURNS} once, ${f.reminders.filter((r) => r.length > 1).length} twice, ${f.reminders.filter((r) => r.length === 0).length} missing; at most ${late.length ? Math.max(...late) : NaN} ms after max(due, recovery)`
    );
    console.log(`  [${tag}] onError: ${f.errors.length} (${[...new Set(f.errors.map((e) => e.message.slice(0, 70)))].join(' | ')})`);
}

function check(f: OutageFigures): void {
    const added = f.during.map((d) => d.ms - f.normal);
    const [first, ...rest] = added;
    assert.deepStrictEqual(
        f.during.filter((d) => !d.replied).map((d) => d.c.id),
        [],
        'no turn without its reply'
    );
    assert.ok(f.lastTurnEnd < f.stalledAt + STALL_MS, 'all turns ran during the stall');
    assert.ok(
        first >= SCHEDULER_TIMEOUT_MS - 300 && first <= SCHEDULER_TIMEOUT_MS + SLACK_MS,
        `the first turn waits about schedulerTimeout (added ${first} ms)`
    );
    assert.ok(Math.max(...rest) < SLACK_MS, `no other turn waits for MongoDB (added ${rest.join(', ')} ms)`);
    assert.deepStrictEqual(
        f.reminders.map((r) => r.length),
        f.during.map(() => 1),
        'each flow armed during the stall gets its reminder once after recovery'
    );
    assert.ok(Math.max(...f.lateness) <= 3000, `the reminders come within 3 s of due or of recovery (${f.lateness.join(', ')} ms)`);
    assert.deepStrictEqual(f.turnErrors, [], "nothing reached the adapter's onTurnError");
    assert.strictEqual(f.apologies, 0, 'no apology');
    assert.strictEqual(f.errors.filter((e) => /MongoDB did not answer/.test(e.message)).length, 1, 'the outage reported once');
}

describe("A MongoDB outage: the plugin's connection stalls for 10 s behind a TCP proxy during 20 user turns (the bot's state in MongoStorage on a direct connection)", function () {
    this.timeout(60_000);

    it('MongoDB answers again: every turn answered, only the first waits (~schedulerTimeout), the reminders of flows armed during the stall come after it without a new message', async () => {
        const figures = await runOutage('resume');
        report('outage', figures);
        check(figures);
    });

    it('the connections were lost meanwhile (the arms made during the stall never land): the same, through the re-arm on recovery', async () => {
        const figures = await runOutage('cut');
        report('outage, connections lost', figures);
        check(figures);
    });
});
