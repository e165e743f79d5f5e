import assert from 'assert';
import { Activity, ConversationState, MemoryStorage, ResourceResponse, StoreItems, TurnContext } from 'botbuilder';
import { ComponentDialog, DialogSet, DialogState, DialogTurnStatus, TextPrompt, WaterfallDialog } from 'botbuilder-dialogs';
import { InactivityMiddleware, InactivityOptions } from '../../../src';
import { InactivityState, readState, STATE_PROPERTY } from '../../../src/core/turn/inactivityState';
import { InactivityTestAdapter, TestScheduler } from '../../../src/testing';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const SEC = 1000;
const MIN = 60 * SEC;
const GRACE = 30 * SEC;
const ROUNDS = 200;

/** A global order of what happened, across the storage and the channel. */
let seq = 0;

/** Waits 0 to `max` turns of the event loop, at random: the two turns interleave differently each round. */
async function jitter(max = 4): Promise<void> {
    for (let i = Math.floor(Math.random() * (max + 1)); i > 0; i--) {
        await new Promise<void>((resolve) => setImmediate(resolve));
    }
}

/** MemoryStorage (eTags enforced), with random delays when asked, logging every write it stored in order. */
class LoggingStorage extends MemoryStorage {
    readonly stored: Array<{ seq: number; plugin?: InactivityState }> = [];
    jitter = false;
    /** Makes reads fail, as a storage that is down does. */
    down = false;

    override async read(keys: string[]): Promise<StoreItems> {
        if (this.down) throw new Error('storage unreachable');
        if (this.jitter) await jitter();
        return super.read(keys);
    }

    override async write(changes: StoreItems): Promise<void> {
        if (this.jitter) await jitter();
        await super.write(changes);
        for (const item of Object.values(changes)) {
            this.stored.push({ seq: ++seq, plugin: readState((item as Record<string, unknown>)[STATE_PROPERTY]) });
        }
        if (this.jitter) await jitter();
    }
}

/** InactivityTestAdapter logging each message sent with the test clock's time and the global order. */
class TimedAdapter extends InactivityTestAdapter {
    readonly log: Array<{ seq: number; at: number; text: string }> = [];
    clock: () => number = () => 0;

    override sendActivities(context: TurnContext, activities: Array<Partial<Activity>>): Promise<ResourceResponse[]> {
        for (const a of activities) {
            if (a.type === 'message') this.log.push({ seq: ++seq, at: this.clock(), text: a.text ?? '' });
        }
        return super.sendActivities(context, activities);
    }

    /** Runs an activity as given (TestAdapter's own `receiveActivity` replaces a `from` with role `bot` by the user). */
    async receiveAsIs(activity: Partial<Activity>): Promise<void> {
        const full = TurnContext.applyConversationReference({ ...activity }, this.conversation, true);
        await this.runMiddleware(new TurnContext(this, { ...full, from: activity.from ?? full.from }), async () => undefined);
    }
}

/** A two-question flow, as in Microsoft's samples. */
class ProfileDialog extends ComponentDialog {
    constructor() {
        super('profileDialog');
        this.addDialog(new TextPrompt('name'));
        this.addDialog(
            new WaterfallDialog('steps', [async (step) => step.prompt('name', 'What is your name?'), async (step) => step.prompt('name', 'And your city?')])
        );
        this.initialDialogId = 'steps';
    }
}

/** The bot on InactivityTestAdapter and TestScheduler; it saves its state on every turn, typing ones too. */
async function typingBot(options: Partial<InactivityOptions> = {}) {
    const storage = new LoggingStorage();
    const conversationState = new ConversationState(storage);
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    const dialog = new ProfileDialog();
    const dialogs = new DialogSet(dialogState).add(dialog);
    const botSaw: string[] = [];
    const adapter = new TimedAdapter(async (context) => {
        botSaw.push(context.activity.type);
        if (context.activity.type === 'message') {
            const dc = await dialogs.createContext(context);
            const result = await dc.continueDialog();
            if (result.status === DialogTurnStatus.empty) {
                await dc.beginDialog('profileDialog');
            }
        }
        if (!storage.down) await conversationState.saveChanges(context);
    });
    const scheduler = new TestScheduler({ startAt: T0 });
    adapter.clock = scheduler.now;
    const errors: Error[] = [];
    const inactivity = new InactivityMiddleware({
        adapter,
        conversationState,
        dialogState,
        dialog,
        scheduler,
        now: scheduler.now,
        reminderAfter: '5 minutes',
        closeAfter: '15 minutes',
        onError: (e) => {
            errors.push(e);
        },
        ...options,
    });
    adapter.use(inactivity);
    await inactivity.start();
    const typing = (from?: Partial<Activity['from']>) =>
        from ? adapter.receiveAsIs({ type: 'typing', from: from as Activity['from'] }) : adapter.receiveActivity({ type: 'typing' });
    const reminders = () => adapter.log.filter((l) => /^Still there\?/.test(l.text));
    return { adapter, scheduler, storage, inactivity, errors, typing, reminders, botSaw };
}

type Bot = Awaited<ReturnType<typeof typingBot>>;

/** The user begins the flow; the clock then stands `before` ms ahead of the reminder's due time. */
async function inFlow(bot: Bot, before: number): Promise<number> {
    await bot.adapter.send('hi').assertReply('What is your name?');
    const due = bot.scheduler.timers[0].dueAt.getTime();
    await bot.scheduler.advance(due - before - bot.scheduler.now());
    return due;
}

describe('Typing holds the reminder (typingGrace)', function () {
    this.timeout(120_000);

    it('a timer firing within the grace after the user typed re-arms without sending; the reminder comes once the grace is over', async () => {
        const bot = await typingBot();
        const due = await inFlow(bot, 10 * SEC);
        const typedAt = bot.scheduler.now();
        await bot.typing();
        assert.strictEqual(await bot.scheduler.advance(10 * SEC), 1, 'the timer fired at its due time');
        assert.deepStrictEqual(bot.reminders(), [], 'no reminder 10 s after the user typed');
        const rearmed = bot.scheduler.timers[0].dueAt.getTime();
        assert.ok(rearmed >= typedAt + GRACE && rearmed > due, `re-armed at the end of the hold (${rearmed - typedAt} ms after typing)`);
        await bot.scheduler.advance(rearmed - bot.scheduler.now());
        assert.strictEqual(bot.reminders().length, 1, 'the reminder went out when the hold ended');
        assert.ok(bot.reminders()[0].at - typedAt >= GRACE);
        assert.match(bot.reminders()[0].text, /10 minutes/, 'the reminder still announces the full time before the close');
        await bot.scheduler.advance('10 minutes');
        assert.match(bot.adapter.log[bot.adapter.log.length - 1].text, /closed/i, 'the flow still closes afterwards');
        assert.deepStrictEqual(bot.errors, []);
    });

    it('typing after the reminder holds the close as well; a message ends the hold', async () => {
        const bot = await typingBot();
        await inFlow(bot, 0);
        await bot.scheduler.advance(0);
        assert.strictEqual(bot.reminders().length, 1);
        await bot.adapter.assertReply((a) => assert.match(a.text ?? '', /^Still there\?/));
        const closeDue = bot.scheduler.timers[0].dueAt.getTime();
        await bot.scheduler.advance(closeDue - bot.scheduler.now() - 5 * SEC);
        const typedAt = bot.scheduler.now();
        await bot.typing();
        await bot.scheduler.advance(GRACE - 1);
        assert.ok(!bot.adapter.log.some((l) => /closed/i.test(l.text)), 'no close while the user types');
        await bot.adapter.send('Ada').assertReply('And your city?');
        const next = bot.scheduler.timers[0].dueAt.getTime();
        assert.strictEqual(next, bot.scheduler.now() + 5 * MIN, 'the next reminder counts from the message, not from the hold');
        assert.ok(next > typedAt + GRACE);
        assert.deepStrictEqual(bot.errors, []);
    });

    it("the bot's own typing (role 'bot', or from the bot's id) and typing with typingGrace 0 do not hold the reminder", async () => {
        for (const [options, from] of [
            [{}, { id: 'someone', role: 'bot' }],
            [{}, { id: 'bot', name: 'Bot' }],
            [{ botAppId: 'app-1' }, { id: '28:app-1' }],
            [{ typingGrace: 0 }, undefined],
        ] as const) {
            const bot = await typingBot(options);
            await inFlow(bot, 5 * SEC);
            const writes = bot.storage.stored.length;
            await bot.typing(from);
            assert.strictEqual(bot.storage.stored.length, writes, `no write for ${JSON.stringify({ options, from })}`);
            await bot.scheduler.advance(5 * SEC);
            assert.strictEqual(bot.reminders().length, 1, `reminded on time for ${JSON.stringify({ options, from })}`);
            assert.deepStrictEqual(bot.errors, []);
        }
    });

    it("the typing reaches the bot's logic, also when the storage fails (reported through onError)", async () => {
        const bot = await typingBot();
        await inFlow(bot, 10 * SEC);
        await bot.typing();
        assert.deepStrictEqual(bot.botSaw, ['message', 'typing']);
        assert.strictEqual(bot.errors.length, 0);
        bot.storage.down = true;
        await bot.typing();
        assert.deepStrictEqual(bot.botSaw, ['message', 'typing', 'typing'], 'the bot still got the typing turn');
        assert.strictEqual(bot.errors.length, 1);
        assert.match(bot.errors[0].message, /storage unreachable/);
    });

    it('typing outside a flow writes nothing', async () => {
        const bot = await typingBot();
        for (let i = 0; i < 5; i++) {
            await bot.typing();
            await bot.scheduler.advance(GRACE);
        }
        assert.strictEqual(bot.storage.stored.length, 0);
        assert.deepStrictEqual(bot.errors, []);
    });

    it('a minute of continuous typing (every 3 s) costs at most one write per typingGrace / 2, and no reminder goes out inside the grace', async () => {
        const figures: string[] = [];
        for (const grace of [30 * SEC, 10 * SEC]) {
            const bot = await typingBot({ typingGrace: grace });
            // The user starts typing 20 s before the reminder is due and types for a minute.
            await inFlow(bot, 20 * SEC);
            const writes = bot.storage.stored.length;
            let lastTyping = 0;
            for (let t = 0; t < 60 * SEC; t += 3 * SEC) {
                lastTyping = bot.scheduler.now();
                await bot.typing();
                await bot.scheduler.advance(3 * SEC);
            }
            const perMinute = bot.storage.stored.length - writes;
            figures.push(`typingGrace ${grace / SEC} s: ${perMinute} writes per minute of typing`);
            assert.ok(perMinute >= 1 && perMinute <= Math.ceil(MIN / (grace / 2)), `${perMinute} writes in a minute with a ${grace} ms grace`);
            assert.deepStrictEqual(bot.reminders(), [], 'no reminder while the user types');
            await bot.scheduler.advance('2 minutes');
            const [reminder] = bot.reminders();
            assert.ok(reminder, 'reminded once the user stopped');
            assert.ok(reminder.at >= lastTyping + grace, `the reminder came ${reminder.at - lastTyping} ms after the last typing`);
            assert.ok(reminder.at <= lastTyping + 1.5 * grace + 1, 'and no later than 1.5 × typingGrace after it');
            assert.deepStrictEqual(bot.errors, []);
        }
        console.log(`      ${figures.join('; ')}`);
    });

    it(`typing colliding with the reminder's due time, ${ROUNDS} times: no reminder claimed after the typing was stored, none sent inside the grace afterwards`, async () => {
        const outcomes = { heldFirst: 0, reminderClaimedFirst: 0, remindersInsideGrace: 0 };
        for (let round = 0; round < ROUNDS; round++) {
            const bot = await typingBot();
            await inFlow(bot, 1);
            bot.storage.jitter = true;
            const written = bot.storage.stored.length;
            const typedAt = bot.scheduler.now();
            await Promise.all([(async () => (await jitter(8), bot.scheduler.advance(1)))(), (async () => (await jitter(8), bot.typing()))()]);
            bot.storage.jitter = false;
            const writes = bot.storage.stored.slice(written);
            const held = writes.find((w) => w.plugin?.typing !== undefined);
            const claimed = writes.find((w) => w.plugin?.delivery?.action === 'reminder' && w.plugin.delivery.status === 'sending');
            assert.ok(held, `round ${round}: the typing was stored (over the reminder's claim when that came first)`);
            // Run out the grace and the rest of the ladder: a held timer re-arms, then reminds, then the flow closes.
            await bot.scheduler.advance('20 minutes');
            const reminders = bot.reminders();
            assert.strictEqual(reminders.length, 1, `round ${round}: one reminder (a claim the typing wrote over would send a second)`);
            assert.match(bot.adapter.log[bot.adapter.log.length - 1].text, /closed/i, `round ${round}: then the close`);
            if (claimed && claimed.seq < held.seq) {
                // The reminder was decided before the typing reached the plugin: it crossed, as a message can.
                assert.strictEqual(reminders[0].at, typedAt + 1, `round ${round}: sent by the colliding timer`);
                outcomes.reminderClaimedFirst++;
            } else {
                const afterHold = writes.find((w) => w.seq > held.seq && w.plugin?.delivery?.action === 'reminder');
                assert.strictEqual(afterHold, undefined, `round ${round}: no reminder claimed in the colliding turn after the typing was stored`);
                outcomes.heldFirst++;
                if (reminders[0].at < typedAt + GRACE) outcomes.remindersInsideGrace++;
            }
            assert.deepStrictEqual(bot.errors, [], `round ${round}`);
            await bot.inactivity.stop();
        }
        console.log(`      typing vs the reminder's timer, ${ROUNDS} rounds: ${JSON.stringify(outcomes)}`);
        assert.strictEqual(outcomes.remindersInsideGrace, 0);
        assert.ok(outcomes.heldFirst > 0 && outcomes.reminderClaimedFirst > 0, `both orders happened: ${JSON.stringify(outcomes)}`);
    });
});
