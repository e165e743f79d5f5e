import assert from 'assert';
import type { Activity, BotTelemetryClient } from 'botbuilder';
import { InactivityDeliveryError, MongoStorage, TelemetryEvents } from '../../src';
import { readState, STATE_PROPERTY } from '../../src/core/turn/inactivityState';
import { timerId } from '../../src/scheduling/timerDocument';
import { Attempt, ChannelFault, EmulatorClient, EmulatorConversation } from '../support/emulator';
import { HttpBot, startHttpBot } from '../support/httpBot';
import { freshDb } from '../support/mongo';

/** Retries after a failed send, as the middleware's default `sendRetries`. */
const SEND_RETRIES = 5;
/**
 * Agenda's backoff with the default retry count and shape but shorter waits (250 ms, then ×2: 0.25, 0.5, 1, 2,
 * 4 s; the defaults are 2 to 32 s), so that a channel failing six times costs ~10 s of test time, not a minute.
 */
const RETRY = { retries: SEND_RETRIES, delay: 250, factor: 2, maxDelay: 4000, jitter: 0.2 };
/** A short sendTimeout (default 10 s) so that a channel that never answers costs 1 s per attempt. */
const SEND_TIMEOUT_MS = 1000;
/** The sample's reminder after ~1 s. */
const REMINDER_AFTER_MS = 1000;
/** What the sample's onTurnError tells the user; the plugin must never make it appear. */
const SORRY = /^Sorry, something went wrong/;

type Stage = 'reminder' | 'close';

interface FaultCase {
    name: string;
    stage: Stage;
    fault: ChannelFault;
    /** How many of the stage's POSTs fail before the channel accepts one; `Infinity`: always. */
    times: number;
    expected: { attempts: number; outcome: 'delivered' | 'undeliverable' };
}

const retryAfter1s: ChannelFault = { status: 429, headers: { 'Retry-After': '1' } };
/** Longer than sendTimeout: the connector's own retry used to wait it out in the background and deliver a second copy. */
const retryAfter2s: ChannelFault = { status: 429, headers: { 'Retry-After': '2' } };

const CASES: FaultCase[] = [
    { name: '429 Retry-After: 1, once', stage: 'reminder', fault: retryAfter1s, times: 1, expected: { attempts: 2, outcome: 'delivered' } },
    { name: '429 Retry-After: 2 > sendTimeout, once', stage: 'reminder', fault: retryAfter2s, times: 1, expected: { attempts: 2, outcome: 'delivered' } },
    { name: '500, twice', stage: 'reminder', fault: { status: 500 }, times: 2, expected: { attempts: 3, outcome: 'delivered' } },
    { name: '503, twice', stage: 'reminder', fault: { status: 503 }, times: 2, expected: { attempts: 3, outcome: 'delivered' } },
    { name: 'no answer, once', stage: 'reminder', fault: 'hang', times: 1, expected: { attempts: 2, outcome: 'delivered' } },
    { name: '403, always', stage: 'reminder', fault: { status: 403 }, times: Infinity, expected: { attempts: 1, outcome: 'undeliverable' } },
    { name: '500, always', stage: 'reminder', fault: { status: 500 }, times: Infinity, expected: { attempts: SEND_RETRIES + 1, outcome: 'undeliverable' } },
    {
        name: '429 Retry-After: 1, always',
        stage: 'reminder',
        fault: retryAfter1s,
        times: Infinity,
        expected: { attempts: SEND_RETRIES + 1, outcome: 'undeliverable' },
    },
    { name: 'no answer, always', stage: 'reminder', fault: 'hang', times: Infinity, expected: { attempts: SEND_RETRIES + 1, outcome: 'undeliverable' } },
    { name: '503, once', stage: 'close', fault: { status: 503 }, times: 1, expected: { attempts: 2, outcome: 'delivered' } },
    { name: '403, always', stage: 'close', fault: { status: 403 }, times: Infinity, expected: { attempts: 1, outcome: 'undeliverable' } },
];

const isStageMessage = (stage: Stage) => (a: Partial<Activity>) =>
    a.type === 'message' && (stage === 'reminder' ? /^Still there\?/ : /^I closed this/).test(a.text ?? '');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await check();
        if (value !== undefined) {
            return value;
        }
        if (Date.now() > deadline) {
            throw new Error(`Timed out waiting for ${what}`);
        }
        await sleep(100);
    }
}

/** One bot (reminder or close policy) on its own database, its channel, and what it reported. */
interface Rig {
    bot: HttpBot;
    channel: EmulatorClient;
    storage: MongoStorage;
    errors: Error[];
    turnErrors: Error[];
    telemetry: Array<{ name: string; properties?: Record<string, unknown> }>;
    close(): Promise<void>;
}

async function startRig(stage: Stage, cases: Array<{ c: FaultCase; conversation?: EmulatorConversation }>): Promise<Rig> {
    const mongo = await freshDb();
    const errors: Error[] = [];
    const turnErrors: Error[] = [];
    const telemetry: Rig['telemetry'] = [];
    const telemetryClient = {
        trackEvent: (e: { name: string; properties?: Record<string, unknown> }) => void telemetry.push(e),
    } as unknown as BotTelemetryClient;
    const bot = await startHttpBot({
        mongoUri: mongo.uri,
        retry: RETRY,
        inactivity: {
            sendRetries: SEND_RETRIES,
            sendTimeout: SEND_TIMEOUT_MS,
            telemetryClient,
            ...(stage === 'reminder' ? { reminderAfter: REMINDER_AFTER_MS, closeAfter: '2 minutes' } : { remind: false, closeAfter: REMINDER_AFTER_MS }),
        },
        onError: (e) => void errors.push(e),
        onTurnError: (e) => void turnErrors.push(e),
    });
    const channel = new EmulatorClient(bot.messagesUrl);
    // Each conversation's stage message fails `times` times with its fault, then is accepted.
    const failed = new Map<string, number>();
    channel.faults = (activity) => {
        const entry = cases.find((e) => e.conversation?.id === activity.conversation?.id);
        if (!entry || !isStageMessage(entry.c.stage)(activity)) {
            return undefined;
        }
        const n = failed.get(entry.c.name) ?? 0;
        if (n >= entry.c.times) {
            return undefined;
        }
        failed.set(entry.c.name, n + 1);
        return entry.c.fault;
    };
    await channel.start();
    return {
        bot,
        channel,
        storage: new MongoStorage({ mongo: bot.client }),
        errors,
        turnErrors,
        telemetry,
        close: async () => {
            await channel.stop();
            await bot.stop();
            await mongo.close();
        },
    };
}

interface Row {
    c: FaultCase;
    attempts: Attempt[];
    outcome: string;
    msToOutcome: number;
}

describe('Channel faults on proactive sends: the sample bot over HTTP, its channel failing the reminder or the goodbye', function () {
    this.timeout(60_000);

    it(`retries 429 (honouring Retry-After), 500, 503 and a hang up to ${SEND_RETRIES} times, delivers once after recovery, closes as undeliverable after a 403 or the last attempt; never apologises`, async () => {
        const entries = CASES.map((c) => ({ c, conversation: undefined as EmulatorConversation | undefined }));
        const rigs = {
            reminder: await startRig('reminder', entries),
            close: await startRig('close', entries),
        };
        const rows: Row[] = [];
        try {
            // All conversations at once: each case takes its own conversation, and the slowest (six unanswered
            // sends) sets the time of the whole test.
            await Promise.all(
                entries.map(async (entry) => {
                    const rig = rigs[entry.c.stage];
                    const c = (entry.conversation = rig.channel.conversation());
                    await c.say('add client');
                    await c.waitFor((a) => /^What's the client's name\?/.test(a.text ?? ''));
                    const from = await c.say('John Doe');
                    await c.waitFor((a) => /^What kind of client/.test(a.text ?? ''), { from });
                    const stageAttempts = () =>
                        rig.channel.attempts.filter((a) => a.activity.conversation?.id === c.id && isStageMessage(entry.c.stage)(a.activity));
                    const first = await until(`the first ${entry.c.stage} attempt (${entry.c.name})`, () => stageAttempts()[0], 10_000);
                    const outcome = await until(
                        `the outcome of ${entry.c.stage}: ${entry.c.name}`,
                        async () => {
                            const delivered = c.received.find((r) => isStageMessage(entry.c.stage)(r.activity));
                            if (delivered) {
                                return { outcome: 'delivered once', at: delivered.at };
                            }
                            const event = await rig.bot.client.db().collection('inactivityEvents').findOne({ conversationId: c.id });
                            return event ? { outcome: `closed: ${String(event.reason)}`, at: Date.now() } : undefined;
                        },
                        40_000
                    );
                    rows.push({ c: entry.c, attempts: stageAttempts(), outcome: outcome.outcome, msToOutcome: outcome.at - first.at });
                })
            );
            // Nothing more may come: a retry loop would go on after the outcome. Longer than two polls plus the
            // longest wait that could still be pending.
            await sleep(2500);

            console.log('  [faults] fault (stage)                                    attempts  final outcome          time to outcome');
            for (const row of [...rows].sort((a, b) => CASES.indexOf(a.c) - CASES.indexOf(b.c))) {
                const label = `${row.c.name} (${row.c.stage})`.padEnd(50);
                console.log(
                    `  [faults] ${label} ${String(row.attempts.length).padStart(8)}  ${row.outcome.padEnd(22)} ${(row.msToOutcome / 1000).toFixed(1)} s`
                );
            }
            console.log(
                `  [faults] sendRetries ${SEND_RETRIES}, backoff ${RETRY.delay} ms ×${RETRY.factor} ±${RETRY.jitter * 100} %, sendTimeout ${SEND_TIMEOUT_MS} ms`
            );

            for (const entry of entries) {
                const { c } = entry;
                const rig = rigs[c.stage];
                const conversation = entry.conversation as EmulatorConversation;
                const row = rows.find((r) => r.c === c) as Row;
                const attempts = rig.channel.attempts.filter((a) => a.activity.conversation?.id === conversation.id && isStageMessage(c.stage)(a.activity));
                const label = `${c.stage}, ${c.name}`;
                assert.strictEqual(attempts.length, row.attempts.length, `${label}: no attempt after the outcome`);
                assert.strictEqual(attempts.length, c.expected.attempts, `${label}: attempts the channel saw`);
                assert.ok(attempts.length <= SEND_RETRIES + 1, `${label}: at most sendRetries + 1 attempts`);
                const failedAttempts = c.expected.outcome === 'delivered' ? attempts.length - 1 : attempts.length;
                const delivered = conversation.received.filter((r) => isStageMessage(c.stage)(r.activity));
                assert.strictEqual(delivered.length, c.expected.outcome === 'delivered' ? 1 : 0, `${label}: messages the user got`);

                // One InactivityDeliveryError and one InactivitySendFailed per failed attempt, with its status.
                const reported = rig.errors.filter(
                    (e): e is InactivityDeliveryError => e instanceof InactivityDeliveryError && e.message.includes(conversation.id)
                );
                assert.strictEqual(reported.length, failedAttempts, `${label}: onError calls (${reported.map((e) => e.message).join(' | ')})`);
                assert.deepStrictEqual(
                    reported.map((e) => e.attempt),
                    reported.map((_, i) => i + 1),
                    `${label}: attempts numbered 1..n`
                );
                const status = c.fault === 'hang' ? undefined : c.fault.status;
                assert.ok(
                    reported.every((e) => e.status === status),
                    `${label}: each error carries the channel's status (${reported.map((e) => e.status).join(', ')})`
                );
                const tracked = rig.telemetry.filter((t) => t.name === TelemetryEvents.sendFailed && t.properties?.conversationId === conversation.id);
                assert.strictEqual(tracked.length, failedAttempts, `${label}: InactivitySendFailed events`);

                // The user never hears the bot's apology for a failure of the plugin's own messages.
                const all = rig.channel.attempts.filter((a) => a.activity.conversation?.id === conversation.id);
                assert.ok(!all.some((a) => SORRY.test(a.activity.text ?? '')), `${label}: no "Sorry, something went wrong"`);

                const retryAfter = c.fault !== 'hang' && c.fault.headers?.['Retry-After'];
                if (retryAfter) {
                    for (let i = 1; i < attempts.length; i++) {
                        const gap = attempts[i].at - attempts[i - 1].at;
                        assert.ok(gap >= Number(retryAfter) * 1000, `${label}: attempt ${i + 1} came ${gap} ms after a 429 with Retry-After: ${retryAfter}`);
                    }
                }
                if (c.fault === 'hang') {
                    const gap = attempts[1].at - attempts[0].at;
                    assert.ok(gap >= SEND_TIMEOUT_MS, `${label}: the retry came ${gap} ms after an unanswered send (sendTimeout ${SEND_TIMEOUT_MS} ms)`);
                }

                const key = `emulator/conversations/${conversation.id}/`;
                const stored = (await rig.storage.read([key]))[key] as Record<string, unknown> | undefined;
                const plugin = readState(stored?.[STATE_PROPERTY]);
                const dialogStack = (stored?.DialogState as { dialogStack?: unknown[] } | undefined)?.dialogStack ?? [];
                const events = await rig.bot.client.db().collection('inactivityEvents').find({ conversationId: conversation.id }).toArray();
                // Armed: the conversation's timer document with a run time (a timer that ended is deleted or has none).
                const jobs = await rig.bot.client
                    .db()
                    .collection('inactivityJobs')
                    .countDocuments({ _id: timerId(`emulator/${conversation.id}`), nextRunAt: { $ne: null } });
                if (c.expected.outcome === 'undeliverable') {
                    assert.deepStrictEqual(
                        events.map((e) => e.reason),
                        ['undeliverable'],
                        `${label}: one abandonment event, undeliverable`
                    );
                    assert.strictEqual(plugin?.flow, undefined, `${label}: the stored state has no flow`);
                    assert.deepStrictEqual(dialogStack, [], `${label}: the dialog is ended`);
                    assert.strictEqual(jobs, 0, `${label}: the timer is gone`);
                } else if (c.stage === 'close') {
                    assert.deepStrictEqual(
                        events.map((e) => e.reason),
                        ['timeout'],
                        `${label}: the close recorded once, as a timeout`
                    );
                    assert.strictEqual(
                        conversation.received.filter((r) => r.activity.type === 'endOfConversation').length,
                        1,
                        `${label}: one endOfConversation`
                    );
                    assert.strictEqual(jobs, 0, `${label}: the timer is gone`);
                } else {
                    assert.deepStrictEqual(events, [], `${label}: nothing abandoned`);
                    assert.ok(plugin?.flow, `${label}: the flow is still open after the reminder`);
                    assert.strictEqual(jobs, 1, `${label}: the timer is armed for the close`);
                }
            }
            for (const rig of Object.values(rigs)) {
                assert.deepStrictEqual(rig.turnErrors, [], "nothing reached the adapter's onTurnError");
                const others = rig.errors.filter((e) => !(e instanceof InactivityDeliveryError));
                assert.deepStrictEqual(
                    others.map((e) => e.message),
                    [],
                    'no other error reported'
                );
            }
        } finally {
            await rigs.reminder.close();
            await rigs.close.close();
        }
    });
});
