import assert from 'assert';
import { Activity, AutoSaveStateMiddleware, MemoryStorage, StoreItems } from 'botbuilder';
import { InactivityDeliveryError } from '../../../src/core/errors';
import { readState, STATE_PROPERTY } from '../../../src/core/turn/inactivityState';
import { mongoRigs } from '../../support/mongoRig';
import { buttons, createRig, Rig, texts } from '../../support/testBot';

/** MemoryStorage that runs `beforeNextWrite` once, just before the next write lands (a turn racing that write). */
class RacingStorage extends MemoryStorage {
    beforeNextWrite?: () => Promise<void>;
    writes = 0;

    override async write(changes: StoreItems): Promise<void> {
        const hook = this.beforeNextWrite;
        this.beforeNextWrite = undefined;
        await hook?.();
        this.writes++;
        return super.write(changes);
    }
}

/** An error shaped like the Bot Framework connector's RestError. */
function channelError(statusCode: number, headers: Record<string, string> = {}): Error {
    return Object.assign(new Error(`channel answered ${statusCode}`), {
        statusCode,
        response: { status: statusCode, headers: { get: (n: string) => headers[n.toLowerCase()] } },
    });
}

async function pluginState(rig: Rig) {
    const storage = (rig.conversationState as unknown as { storage: MemoryStorage }).storage;
    const keys = Object.keys((storage as unknown as { memory: Record<string, string> }).memory).filter((k) =>
        k.includes(`/conversations/${rig.adapter.conversation.conversation.id}`)
    );
    const item = (await storage.read(keys))[keys[0]] as Record<string, unknown> | undefined;
    return { plugin: readState(item?.[STATE_PROPERTY]), dialog: item?.DialogState as { dialogStack: unknown[] } | undefined };
}

const reminders = (activities: Array<Partial<Activity>>) => texts(activities).filter((t) => t.startsWith('Still there?'));
const goodbyes = (activities: Array<Partial<Activity>>) => texts(activities).filter((t) => /I closed this|I've closed|closed/.test(t));

describe('Timer turns claim before they speak', () => {
    it('sends nothing when a user message is stored between the timer reading the state and claiming its stage', async () => {
        const storage = new RacingStorage();
        const rig = await createRig({}, { storage });
        await rig.say('add client');
        await rig.say('John Doe');
        const due = rig.scheduler.only().dueAt.getTime();
        let answer: Array<Partial<Activity>> = [];
        // The timer's first write is its claim: the user's answer lands just before it.
        storage.beforeNextWrite = async () => {
            answer = await rig.say('Personal training');
        };
        const sent = await rig.fireAt();
        assert.deepStrictEqual(reminders(sent), [], 'no reminder after the answer');
        assert.match(texts(answer).join(' '), /reach/i, 'the answer was taken: the next question was asked');
        const { plugin } = await pluginState(rig);
        assert.ok(plugin && plugin.lastUserActivityAt >= due, 'the stored state is the user turn');
        assert.ok(rig.scheduler.only().dueAt.getTime() >= plugin.lastUserActivityAt + 5 * 60_000, 'the timer moved to the newer message');
        assert.deepStrictEqual(rig.errors, []);
    });

    it('with AutoSaveStateMiddleware, an answer given while the reminder is being sent is not overwritten by the timer turn', async () => {
        const storage = new MemoryStorage();
        const rig = await createRig({}, { storage, before: [] });
        // AutoSave after the plugin too, as many bots add it: the timer turn must leave nothing for it to save.
        rig.adapter.use(new AutoSaveStateMiddleware(rig.conversationState));
        await rig.say('add client');
        await rig.say('Group classes');
        let answered: Array<Partial<Activity>> = [];
        rig.adapter.sendHook = async (activities) => {
            if (reminders(activities).length > 0 && answered.length === 0) {
                answered = await rig.say('Group classes');
            }
        };
        const sent = await rig.fireAt();
        rig.adapter.sendHook = undefined;
        assert.strictEqual(reminders(sent).length + reminders(answered).length, 1, 'the reminder went out once');
        assert.match(texts(answered).join(' '), /reach/i);
        // The flow goes on from the answer: the client's name is still the one given first.
        const done = await rig.say('ann@example.com');
        assert.match(texts(done).join(' '), /Group classes/, texts(done).join(' | '));
    });

    it('a close claimed just before the user writes: one goodbye, one snapshot, one event; the flow does not go on', async () => {
        const { setup, closeAll } = mongoRigs();
        try {
            const { rig, db } = await setup({ remind: false });
            await rig.say('add client');
            await rig.say('John Doe');
            let late: Array<Partial<Activity>> = [];
            rig.adapter.sendHook = async (activities) => {
                if (goodbyes(activities).length > 0 && late.length === 0) {
                    late = await rig.say('Personal training');
                }
            };
            const sent = await rig.fireAt();
            rig.adapter.sendHook = undefined;
            assert.strictEqual(goodbyes(sent).length, 1, texts(sent).join(' | '));
            assert.doesNotMatch(texts(late).join(' '), /reach/i, 'no next question after the goodbye');
            assert.strictEqual(await db.collection('inactivitySnapshots').countDocuments({ status: 'abandoned' }), 1);
            assert.strictEqual(await db.collection('inactivityEvents').countDocuments({}), 1);
            const { dialog } = await pluginState(rig);
            assert.deepStrictEqual(dialog?.dialogStack, []);
        } finally {
            await closeAll();
        }
    });

    it('a user message stored before the close is claimed: no goodbye, no snapshot, no event, the flow goes on', async () => {
        const { setup, closeAll } = mongoRigs();
        const storage = new RacingStorage();
        try {
            const { rig, db } = await setup({ remind: false });
            (rig.conversationState as unknown as { storage: MemoryStorage }).storage = storage;
            await rig.say('add client');
            await rig.say('John Doe');
            let answer: Array<Partial<Activity>> = [];
            storage.beforeNextWrite = async () => {
                answer = await rig.say('Personal training');
            };
            const sent = await rig.fireAt();
            assert.deepStrictEqual(goodbyes(sent), []);
            assert.match(texts(answer).join(' '), /reach/i);
            assert.strictEqual(await db.collection('inactivitySnapshots').countDocuments({}), 0);
            assert.strictEqual(await db.collection('inactivityEvents').countDocuments({}), 0);
        } finally {
            await closeAll();
        }
    });

    it('counts silence from the end of the bot reply: a slow turn does not shorten the time to answer', async () => {
        const rig = await createRig();
        await rig.say('add client');
        const t = rig.sampleTexts;
        const original = t.t.bind(t);
        // The bot's own logic takes 40 s (an LLM call, say) while it answers the name.
        t.t = (...args: Parameters<typeof t.t>) => {
            rig.clock.now += 20_000;
            return original(...args);
        };
        const arrived = rig.clock.now;
        await rig.say('John Doe');
        t.t = original;
        const ended = rig.clock.now;
        assert.ok(ended - arrived >= 20_000);
        // The timer armed by the first message fires first: the user wrote since, so it moves, sending nothing.
        assert.deepStrictEqual(await rig.fireAt(), []);
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), ended + 5 * 60_000, 'five minutes from the end of the reply');
    });

    it('a timer firing while the bot is still answering the user (a slow turn) sends nothing and keeps the flow', async () => {
        const rig = await createRig({ remind: false, closeAfter: '1 minute' });
        await rig.say('add client');
        await rig.say('John Doe');
        const timer = rig.scheduler.only();
        rig.clock.now = timer.dueAt.getTime() - 10;
        let fired: Array<Partial<Activity>> | undefined;
        rig.adapter.sendHook = async (activities) => {
            if (!fired && texts(activities).some((t) => /reach/.test(t))) {
                // The bot's reply takes 90 s to go out (longer than closeAfter); another instance fires the timer meanwhile.
                rig.clock.now += 90_000;
                rig.scheduler.armed.set(timer.data.key, timer);
                const before = rig.adapter.activeQueue.length;
                await rig.scheduler.fire(timer.data.key);
                fired = rig.adapter.activeQueue.slice(before);
            }
        };
        const answer = await rig.say('Personal training');
        rig.adapter.sendHook = undefined;
        assert.match(texts(answer).join(' '), /reach/);
        assert.deepStrictEqual(goodbyes(fired ?? []), [], 'no close while the reply was on its way');
        assert.match(texts(await rig.say('ann@example.com')).join(' '), /John Doe/, 'the flow went on');
    });

    it('keeps the timer of a completed flow for the next flow (no write), and lets it end silently when none began', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('John Doe');
        await rig.say('Personal training');
        assert.strictEqual(rig.scheduler.writes, 1);
        const done = await rig.say('john@example.com');
        assert.match(texts(done).join(' '), /John Doe/);
        // A second flow inside the first timer's period: no scheduler write, the same timer serves it.
        await rig.say('add client');
        await rig.say('Jane Roe');
        assert.strictEqual(rig.scheduler.writes, 1, 'no write for the second flow');
        await rig.say('Personal training');
        await rig.say('jane@example.com');
        // The timer fires after both flows completed: it finds no flow, sends nothing and ends.
        assert.deepStrictEqual(await rig.fireAt(), []);
        assert.strictEqual(rig.scheduler.armed.size, 0, 'ended');
        // A later flow arms again.
        await rig.say('add client');
        assert.strictEqual(rig.scheduler.writes, 2);
    });

    it('reports a timer that finds no conversation state once per conversation, naming the likely causes', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('John Doe');
        const timer = rig.scheduler.only();
        // A restart with MemoryStorage: the timer survives, the state does not.
        (rig.conversationState as unknown as { storage: MemoryStorage }).storage = new MemoryStorage();
        assert.deepStrictEqual(await rig.fireAt(), []);
        rig.scheduler.armed.set(timer.data.key, timer);
        assert.deepStrictEqual(await rig.fireAt(), []);
        assert.strictEqual(rig.errors.length, 1, rig.errors.map((e) => e.message).join('\n'));
        assert.match(rig.errors[0].message, /not persistent or not shared/);
        assert.match(rig.errors[0].message, /collectionPrefix/);
    });
});

describe('Proactive sends that fail', () => {
    let turnErrors: Error[];

    async function rigWithFailures(options = {}) {
        const rig = await createRig(options);
        turnErrors = [];
        rig.adapter.onTurnError = async (_context, error) => {
            turnErrors.push(error);
        };
        return rig;
    }

    afterEach(() => assert.deepStrictEqual(turnErrors, [], "the adapter's onTurnError never hears of a background failure"));

    it('retries a reminder after a 503 and goes on with the ladder', async () => {
        const rig = await rigWithFailures();
        await rig.say('add client');
        await rig.say('John Doe');
        let failures = 1;
        rig.adapter.sendHook = () => {
            if (failures-- > 0) throw channelError(503);
        };
        assert.deepStrictEqual(await rig.fireAt(), [], 'nothing reached the user');
        assert.strictEqual(rig.scheduler.thrown.length, 1);
        assert.ok(rig.scheduler.thrown[0] instanceof InactivityDeliveryError);
        assert.strictEqual(rig.scheduler.thrown[0].status, 503);
        assert.strictEqual(rig.errors.length, 1, 'onError got the failed attempt');
        assert.match(rig.errors[0].message, /attempt 1, status 503.*retried/);
        const retried = await rig.fireAt();
        assert.strictEqual(reminders(retried).length, 1, 'the reminder went out on the retry');
        assert.strictEqual(buttons(retried[0]).length, 2);
        const close = rig.scheduler.only();
        const { plugin } = await pluginState(rig);
        assert.strictEqual(close.dueAt.getTime(), (plugin?.lastUserActivityAt ?? 0) + 15 * 60_000, 'the close is armed');
        // Continue from the retried reminder works: its buttons are the claimed ones.
        const cont = buttons(retried[0])[0];
        assert.match(texts(await rig.say(cont.title, cont.value)).join(' '), /pick up where we left off/);
    });

    it('honours nothing it cannot: a 403 closes the flow without a message and records it as undeliverable', async () => {
        const { setup, closeAll } = mongoRigs();
        try {
            const { rig, db } = await setup();
            turnErrors = [];
            await rig.say('add client');
            await rig.say('John Doe');
            rig.adapter.sendHook = () => {
                throw channelError(403);
            };
            assert.deepStrictEqual(await rig.fireAt(), []);
            assert.strictEqual(rig.scheduler.armed.size, 0, 'not retried, nothing left armed');
            const { plugin, dialog } = await pluginState(rig);
            assert.strictEqual(plugin?.flow, undefined);
            assert.deepStrictEqual(dialog?.dialogStack, []);
            const events = await db.collection('inactivityEvents').find().toArray();
            assert.deepStrictEqual(
                events.map((e) => e.reason),
                ['undeliverable']
            );
            assert.strictEqual(await db.collection('inactivitySnapshots').countDocuments({ status: 'abandoned' }), 1, 'the answers are kept for resuming');
            const errs = rig.errors.splice(0);
            assert.strictEqual(errs.length, 1);
            assert.ok(errs[0] instanceof InactivityDeliveryError && errs[0].permanent);
        } finally {
            await closeAll();
        }
    });

    it('a channel that keeps failing gets 1 + sendRetries attempts, then the flow is closed and recorded, never left open', async () => {
        const { setup, closeAll } = mongoRigs();
        try {
            const { rig, db } = await setup({ sendRetries: 2 });
            rig.scheduler.retries = 2;
            turnErrors = [];
            await rig.say('add client');
            await rig.say('John Doe');
            let attempts = 0;
            rig.adapter.sendHook = () => {
                attempts++;
                throw channelError(500);
            };
            for (let i = 0; i < 10 && rig.scheduler.armed.size > 0; i++) {
                await rig.fireAt();
            }
            assert.strictEqual(attempts, 3);
            assert.strictEqual(rig.scheduler.armed.size, 0);
            assert.strictEqual((await pluginState(rig)).plugin?.flow, undefined);
            assert.deepStrictEqual(
                (await db.collection('inactivityEvents').find().toArray()).map((e) => e.reason),
                ['undeliverable']
            );
            assert.strictEqual(rig.errors.splice(0).filter((e) => e instanceof InactivityDeliveryError).length, 3, 'each failed attempt reported');
        } finally {
            await closeAll();
        }
    });

    it('a close that fails once is sent once on the retry and recorded once', async () => {
        const { setup, closeAll } = mongoRigs();
        try {
            const { rig, db } = await setup({ remind: false });
            turnErrors = [];
            await rig.say('add client');
            await rig.say('John Doe');
            let failures = 1;
            rig.adapter.sendHook = () => {
                if (failures-- > 0) throw channelError(429, { 'retry-after': '3' });
            };
            assert.deepStrictEqual(await rig.fireAt(), []);
            assert.strictEqual((rig.scheduler.thrown[0] as InactivityDeliveryError).retryAfterMs, 3000);
            const retried = await rig.fireAt();
            assert.strictEqual(goodbyes(retried).length, 1);
            assert.strictEqual(retried.filter((a) => a.type === 'endOfConversation').length, 1);
            assert.strictEqual(rig.scheduler.armed.size, 0);
            assert.strictEqual(await db.collection('inactivityEvents').countDocuments({ reason: 'timeout' }), 1);
            assert.strictEqual(await db.collection('inactivitySnapshots').countDocuments({}), 1);
            rig.errors.splice(0);
        } finally {
            await closeAll();
        }
    });

    it('a user who writes while a send waits for its retry cancels it: the retry sends nothing', async () => {
        const rig = await rigWithFailures();
        await rig.say('add client');
        await rig.say('John Doe');
        let failures = 1;
        rig.adapter.sendHook = () => {
            if (failures-- > 0) throw channelError(503);
        };
        await rig.fireAt();
        rig.errors.splice(0);
        await rig.say('Personal training');
        const timer = rig.scheduler.only();
        assert.strictEqual((timer as { attempt?: number }).attempt, undefined, 'the user turn re-armed a fresh timer');
        rig.clock.now = timer.dueAt.getTime() - 60_000;
        await rig.scheduler.fire();
        assert.deepStrictEqual(reminders(rig.take()), [], 'the stale reminder is not retried');
    });
});

describe('User turns near a stage while the plugin believes MongoDB is down', () => {
    it('a close claimed while the user answers during a scheduler outage: the answer does not go on from the state read before the close, nor save over it', async () => {
        // Found by the stale race under load: a slow MongoDB call started an outage, and for its duration user
        // turns skipped their conditional write, answered from the state they had read and saved over the close.
        const storage = new RacingStorage();
        const rig = await createRig({ remind: false, schedulerTimeout: 100 }, { storage });
        await rig.say('add client');
        await rig.say('John Doe');
        const [key] = [...rig.scheduler.armed.keys()];
        const due = rig.scheduler.only().dueAt.getTime();
        // Another conversation's arm hangs: the plugin declares an outage, which lasts while arms hang.
        rig.scheduler.failWith = 'hang';
        await rig.say('add client', undefined, { conversationId: 'other', userId: 'other-user' });
        assert.ok(
            rig.errors.some((e) => /MongoDB did not answer/.test(e.message)),
            'the outage began'
        );
        const sent: Array<Partial<Activity>> = [];
        rig.adapter.sendHook = (activities) => void sent.push(...activities);
        // The timer claims the close between the user turn's read and its write (the turn's first write).
        let timerTurn: Promise<unknown> = Promise.resolve();
        storage.beforeNextWrite = async () => {
            timerTurn = rig.scheduler.fire(key);
            await timerTurn;
        };
        // The bot's own logic runs after the timer's turn, whatever the plugin waited for.
        rig.adapter.use({ onTurn: async (context, next) => (context.activity.type === 'message' ? await timerTurn : undefined, await next()) });
        rig.clock.now = due;
        await rig.say('Personal training');
        rig.adapter.sendHook = undefined;
        const answered = texts(sent).some((t) => /reach/i.test(t));
        assert.strictEqual(goodbyes(sent).length, 1, 'the close was claimed first and sent');
        assert.ok(!answered, `no next question after the goodbye (${texts(sent).join(' | ')})`);
        const { plugin, dialog } = await pluginState(rig);
        assert.strictEqual(plugin?.flow, undefined, 'the stored state keeps the close');
        assert.deepStrictEqual(dialog?.dialogStack, [], 'the dialog is not resurrected');
    });
});

describe('User turns near a stage after an arm failed', () => {
    it('a timer armed earlier claims the close while the user answers, after the last arm timed out: the answer does not resurrect the flow', async () => {
        // Found by the stale race under load: an arm that timed out leaves the turn not knowing when the timer
        // fires, and the next answer skipped its conditional write, answered and saved over the close.
        const rig = await createRig({ remind: false, schedulerTimeout: 100 });
        await rig.say('add client');
        const [key] = [...rig.scheduler.armed.keys()];
        const firstDue = rig.scheduler.only().dueAt.getTime();
        // The timer is due but has not run yet when the user answers; re-arming it hangs.
        rig.clock.now = firstDue + 1;
        rig.scheduler.failWith = 'hang';
        await rig.say('John Doe');
        rig.errors.splice(0);
        const sent: Array<Partial<Activity>> = [];
        rig.adapter.sendHook = (activities) => void sent.push(...activities);
        // The old timer runs while the next answer is being handled: after the plugin's part, before the bot's.
        let fired = false;
        rig.adapter.use({
            onTurn: async (context, next) => {
                if (context.activity.type === 'message' && !fired) {
                    fired = true;
                    await rig.scheduler.fire(key);
                }
                await next();
            },
        });
        rig.clock.now += 15 * 60_000;
        await rig.say('Personal training');
        rig.adapter.sendHook = undefined;
        const answered = texts(sent).some((t) => /reach/i.test(t));
        assert.ok(!(answered && goodbyes(sent).length > 0), `the goodbye and the next question are not both sent (${texts(sent).join(' | ')})`);
        const { plugin, dialog } = await pluginState(rig);
        if (goodbyes(sent).length > 0) {
            assert.strictEqual(plugin?.flow, undefined, 'the stored state keeps the close');
            assert.deepStrictEqual(dialog?.dialogStack, [], 'the dialog is not resurrected');
        } else {
            assert.ok(answered, 'the answer was taken');
        }
    });
});
