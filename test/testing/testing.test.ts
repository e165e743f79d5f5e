import assert from 'assert';
import { Activity, ConversationState, MemoryStorage, TestAdapter } from 'botbuilder';
import { ComponentDialog, DialogSet, DialogState, DialogTurnStatus, NumberPrompt, TextPrompt, WaterfallDialog } from 'botbuilder-dialogs';
import { InactivityMiddleware, InactivityOptions } from '../../src';
import { TIMER_DATA_VERSION, TimerData } from '../../src/core/ports/timerScheduler';
import { click, clickContinue, clickResume, clickStartFresh, clickStartOver, findButton, InactivityTestAdapter, TestScheduler } from '../../src/testing';
import { freshDb } from '../support/mongo';

const T0 = Date.UTC(2026, 10, 22, 9, 0, 0);

function timer(key: string): TimerData {
    return { v: TIMER_DATA_VERSION, key, reference: { channelId: 'test', conversation: { id: key } } };
}

/** A bot developer's own dialog: a component with a two-step waterfall, as in Microsoft's samples. */
class ProfileDialog extends ComponentDialog {
    constructor() {
        super('profileDialog');
        this.addDialog(new TextPrompt('name'));
        this.addDialog(new NumberPrompt('age'));
        this.addDialog(
            new WaterfallDialog('steps', [
                async (step) => step.prompt('name', 'What is your name?'),
                async (step) => step.prompt('age', `How old are you, ${step.result}?`),
            ])
        );
        this.initialDialogId = 'steps';
    }
}

/** The bot on the testing helpers. */
async function profileBot(options: Partial<InactivityOptions> = {}) {
    const conversationState = new ConversationState(new MemoryStorage());
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    const dialog = new ProfileDialog();
    const dialogs = new DialogSet(dialogState).add(dialog);
    const adapter = new InactivityTestAdapter(async (context) => {
        const dc = await dialogs.createContext(context);
        const result = await dc.continueDialog();
        if (result.status === DialogTurnStatus.empty) {
            await dc.beginDialog('profileDialog');
        } else if (result.status === DialogTurnStatus.complete) {
            await context.sendActivity('Thanks!');
        }
        await conversationState.saveChanges(context);
    });
    const scheduler = new TestScheduler({ startAt: T0 });
    const errors: Error[] = [];
    const inactivity = new InactivityMiddleware({
        adapter,
        conversationState,
        dialogState,
        dialog,
        scheduler,
        now: scheduler.now,
        onError: (e) => {
            errors.push(e);
        },
        ...options,
    });
    adapter.use(inactivity);
    await inactivity.start();
    return { adapter, scheduler, inactivity, errors };
}

const startsWith = (prefix: string) => (activity: Partial<Activity>) =>
    assert.ok(activity.text?.startsWith(prefix), `expected "${prefix}…", got ${JSON.stringify(activity.text ?? activity.type)}`);

describe('botbuilder-inactivity/testing', () => {
    describe('TestScheduler', () => {
        it('fires what is due, in due-time order, each at its own time on the test clock', async () => {
            const scheduler = new TestScheduler({ startAt: T0 });
            const fires: Array<[string, number, number]> = [];
            await scheduler.start(async (t) => {
                fires.push([t.data.key, scheduler.now() - T0, t.firedAt.getTime() - T0]);
                return undefined;
            });
            await scheduler.arm(timer('late'), new Date(T0 + 3000));
            await scheduler.arm(timer('early'), new Date(T0 + 1000));
            await scheduler.arm(timer('later'), new Date(T0 + 9000));
            assert.strictEqual(await scheduler.advance('5 seconds'), 2);
            assert.deepStrictEqual(fires, [
                ['early', 1000, 1000],
                ['late', 3000, 3000],
            ]);
            assert.strictEqual(scheduler.now(), T0 + 5000, 'the clock ends at the end of the span');
            assert.deepStrictEqual(scheduler.timers, [{ key: 'later', dueAt: new Date(T0 + 9000) }]);
        });

        it('fires a timer re-armed by its handler within the same advance, and keeps one re-armed past it', async () => {
            const scheduler = new TestScheduler({ startAt: T0 });
            const fires: number[] = [];
            await scheduler.start(async () => {
                fires.push(scheduler.now() - T0);
                return new Date(scheduler.now() + 4000);
            });
            await scheduler.arm(timer('a'), new Date(T0 + 1000));
            await scheduler.advance(10_000);
            assert.deepStrictEqual(fires, [1000, 5000, 9000]);
            assert.deepStrictEqual(scheduler.timers, [{ key: 'a', dueAt: new Date(T0 + 13_000) }]);
        });

        it('keeps the time armed while a handler ran over the handler result', async () => {
            const scheduler = new TestScheduler({ startAt: T0 });
            await scheduler.start(async (t) => {
                await scheduler.arm(t.data, new Date(T0 + 60_000));
                return new Date(T0 + 2000);
            });
            await scheduler.arm(timer('a'), new Date(T0 + 1000));
            await scheduler.advance('1 second');
            assert.deepStrictEqual(scheduler.timers, [{ key: 'a', dueAt: new Date(T0 + 60_000) }]);
        });

        it('tells the test to start the middleware when a timer comes due before start()', async () => {
            const scheduler = new TestScheduler({ startAt: T0 });
            await scheduler.arm(timer('a'), new Date(T0 + 1000));
            await assert.rejects(scheduler.advance('1 minute'), /not started.*start\(\)/);
        });
    });

    describe('on a bot with a two-step waterfall', () => {
        it('reminds only once reminderAfter has passed on the test clock, and Continue asks the same question again', async () => {
            const { adapter, scheduler, inactivity, errors } = await profileBot();
            await adapter.send('hi').assertReply('What is your name?');
            await adapter.send('Ada').assertReply('How old are you, Ada?');
            await scheduler.advance('4 minutes');
            await adapter.assertNoReply();
            await scheduler.advance('1 minute');
            await adapter.assertReply(startsWith('Still there?')).assertNoReply('one reminder only', 10);
            await clickContinue(adapter).assertReply("Great, let's pick up where we left off.").assertReply('How old are you, Ada?');
            await adapter.send('36').assertReply('Thanks!');
            // The flow ended: a timer still armed from before finds nothing to do.
            await scheduler.advance('1 hour');
            await adapter.assertNoReply();
            await inactivity.stop();
            assert.deepStrictEqual(errors, []);
        });

        it('Start over goes back to the first question; a later silence closes the flow', async () => {
            const { adapter, scheduler, inactivity } = await profileBot();
            await adapter.send('hi').assertReply('What is your name?');
            await adapter.send('Ada').assertReply('How old are you, Ada?');
            await scheduler.advance('5 minutes');
            await adapter.assertReply(startsWith('Still there?'));
            await clickStartOver(adapter).assertReply("No problem, let's start over.").assertReply('What is your name?');
            // One advance runs the reminder and then the close it armed.
            await scheduler.advance('15 minutes');
            await adapter
                .assertReply(startsWith('Still there?'))
                .assertReply(startsWith('I closed this'))
                .assertReply((a) => assert.strictEqual(a.type, 'endOfConversation'));
            await inactivity.stop();
        });

        it('click() names the buttons it found when the one asked for is not there', async () => {
            const { adapter, scheduler, inactivity } = await profileBot();
            await adapter.send('hi').assertReply('What is your name?');
            assert.throws(() => clickContinue(adapter), /no botbuilder-inactivity button for 'continue'\. Buttons seen: none/);
            await scheduler.advance('5 minutes');
            await adapter.assertReply(startsWith('Still there?'));
            assert.throws(() => clickResume(adapter), /Buttons seen: "Continue", "Start over"/);
            assert.strictEqual(findButton(adapter.sent, 'startOver')?.button.title, 'Start over');
            assert.throws(() => click(new TestAdapter(async () => undefined), 'continue'), /does not record what the bot sent/);
            await inactivity.stop();
        });

        it('clicks Resume and Start fresh on the "Welcome back" offer when the middleware has MongoDB', async () => {
            const { db, close } = await freshDb();
            try {
                const { adapter, scheduler, inactivity } = await profileBot({ mongo: db });
                await adapter.send('hi').assertReply('What is your name?');
                await adapter.send('Ada').assertReply('How old are you, Ada?');
                await scheduler.advance('15 minutes');
                await adapter
                    .assertReply(startsWith('Still there?'))
                    .assertReply(startsWith('I closed this'))
                    .assertReply((a) => assert.strictEqual(a.type, 'endOfConversation'));
                await adapter.send('hello again').assertReply('What is your name?').assertReply(startsWith('Welcome back!'));
                await clickResume(adapter).assertReply(startsWith('Here we go')).assertReply('How old are you, Ada?');
                await adapter.send('36').assertReply('Thanks!');

                // The offer again, after another close; this time the user starts fresh.
                await adapter.send('hi').assertReply('What is your name?');
                await adapter.send('Bob').assertReply('How old are you, Bob?');
                await scheduler.advance('15 minutes');
                await adapter
                    .assertReply(startsWith('Still there?'))
                    .assertReply(startsWith('I closed this'))
                    .assertReply((a) => assert.strictEqual(a.type, 'endOfConversation'));
                await adapter.send('hi').assertReply('What is your name?').assertReply(startsWith('Welcome back!'));
                await clickStartFresh(adapter).assertReply('OK, starting fresh.');
                await inactivity.stop();
            } finally {
                await close();
            }
        });
    });
});
