import assert from 'assert';
import { Activity, ActivityHandler, ConversationState, MemoryStorage, StatePropertyAccessor, TurnContext } from 'botbuilder';
import {
    ChoiceFactory,
    ChoicePrompt,
    ComponentDialog,
    ConfirmPrompt,
    DateTimePrompt,
    DialogSet,
    DialogState,
    DialogTurnStatus,
    ListStyle,
    NumberPrompt,
    PromptValidatorContext,
    TextPrompt,
    WaterfallDialog,
    WaterfallStepContext,
} from 'botbuilder-dialogs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FlowDefinition, InactivityMiddleware, InactivityOptions } from '../../../src';
import { FakeScheduler } from '../../support/fakeScheduler';
import { freshDb } from '../../support/mongo';
import { createRig, ProactiveTestAdapter, texts } from '../../support/testBot';

const GENTLE = "Sorry, I didn't get that. Could you try again?";
const EXPLICIT = "That still doesn't look right. ";
const CLOSE_INVALID = "Let's stop here for now, these answers didn't work out. Your answers are saved for 24 hours: start again whenever you're ready.";
const HANDOFF_INVALID = "This seems tricky, so I'm passing you to a person who can help.";
const ESCALATED = "I've let the owner know you're having trouble here, so they can help.";

/** The form's steps, in order: the answers that pass and the ones every prompt type refuses. */
const STEPS = [
    { name: 'name', question: "What's your name?", valid: 'Ann Lee', invalid: 'x', retry: "What's your name?", hint: 'Please type your answer as text.' },
    {
        name: 'age',
        question: 'How old are you?',
        valid: '30',
        invalid: 'old enough',
        retry: 'Please type your age in digits.',
        hint: 'Please answer with a number, for example 42.',
    },
    {
        name: 'color',
        question: 'Pick a colour.',
        valid: 'Green',
        invalid: 'purple',
        retry: 'Pick a colour. (1) Red, (2) Green, or (3) Blue',
        hint: 'Please pick one of the options, or type one of them: Red, Green, Blue.',
    },
    {
        name: 'news',
        question: 'Do you want our newsletter?',
        valid: 'yes',
        invalid: 'perhaps',
        retry: 'Do you want our newsletter? (1) Yes or (2) No',
        hint: 'Please answer yes or no.',
    },
    {
        name: 'when',
        question: 'When should we call?',
        valid: 'tomorrow at 3pm',
        invalid: 'whenever',
        retry: 'When should we call?',
        hint: 'Please give a date or time, for example "tomorrow at 3pm" or "2026-12-01".',
    },
    {
        name: 'guests',
        question: 'How many guests (1 to 10)?',
        valid: '4',
        invalid: '500',
        retry: 'How many guests (1 to 10)?',
        hint: 'Please answer with a number, for example 42.',
    },
] as const;

type StepName = (typeof STEPS)[number]['name'];

/**
 * The form flow: one step per built-in prompt. The name and guests prompts have the bot's own validator; the
 * others refuse unrecognised input by themselves. Only the age prompt has a retryPrompt of its own.
 */
class FormDialog extends ComponentDialog {
    constructor() {
        super('form');
        this.addDialog(new TextPrompt('namePrompt', async (p: PromptValidatorContext<string>) => (p.recognized.value ?? '').trim().length >= 3));
        this.addDialog(new NumberPrompt('agePrompt'));
        this.addDialog(new ChoicePrompt('colorPrompt'));
        this.addDialog(new ConfirmPrompt('newsPrompt'));
        this.addDialog(new DateTimePrompt('whenPrompt'));
        this.addDialog(
            new NumberPrompt(
                'guestsPrompt',
                async (p: PromptValidatorContext<number>) =>
                    p.recognized.succeeded && (p.recognized.value as number) >= 1 && (p.recognized.value as number) <= 10
            )
        );
        this.addDialog(
            new WaterfallDialog('formSteps', [
                (s) => s.prompt('namePrompt', { prompt: STEPS[0].question }),
                (s) => this.keep(s, 'name').prompt('agePrompt', { prompt: STEPS[1].question, retryPrompt: STEPS[1].retry }),
                (s) =>
                    this.keep(s, 'age').prompt('colorPrompt', {
                        prompt: STEPS[2].question,
                        choices: ChoiceFactory.toChoices(['Red', 'Green', 'Blue']),
                        style: ListStyle.inline,
                    }),
                (s) => this.keep(s, 'color').prompt('newsPrompt', { prompt: STEPS[3].question, style: ListStyle.inline }),
                (s) => this.keep(s, 'news').prompt('whenPrompt', { prompt: STEPS[4].question }),
                (s) => this.keep(s, 'when').prompt('guestsPrompt', { prompt: STEPS[5].question }),
                async (s) => {
                    this.keep(s, 'guests');
                    await s.context.sendActivity(`Thanks ${String((s.values as { name?: string }).name)}, all done.`);
                    return s.endDialog();
                },
            ])
        );
        this.initialDialogId = 'formSteps';
    }

    private keep(step: WaterfallStepContext, key: string): WaterfallStepContext {
        (step.values as Record<string, unknown>)[key] = step.result;
        return step;
    }
}

/** A flow that asks the same question (same prompt, same step) again after every valid answer, until 0. */
class TallyDialog extends ComponentDialog {
    constructor() {
        super('tally');
        this.addDialog(new NumberPrompt('amountPrompt'));
        this.addDialog(
            new WaterfallDialog('tallySteps', [
                (s) => s.prompt('amountPrompt', { prompt: 'Next amount? (0 to finish)' }),
                async (s) => {
                    const total = ((s.options as { total?: number }).total ?? 0) + (s.result as number);
                    if (s.result === 0) {
                        await s.context.sendActivity(`Total: ${total}.`);
                        return s.endDialog();
                    }
                    return s.replaceDialog('tallySteps', { total });
                },
            ])
        );
        this.initialDialogId = 'tallySteps';
    }
}

/** A flow whose number prompt has a validator (1 to 120) and a retryPrompt saying so. */
class AgeDialog extends ComponentDialog {
    constructor() {
        super('ages');
        this.addDialog(
            new NumberPrompt(
                'agePrompt',
                async (p: PromptValidatorContext<number>) =>
                    p.recognized.succeeded && (p.recognized.value as number) >= 1 && (p.recognized.value as number) <= 120
            )
        );
        this.addDialog(
            new WaterfallDialog('agesSteps', [
                (s) => s.prompt('agePrompt', { prompt: 'How old are you?', retryPrompt: 'Please give an age between 1 and 120.' }),
                async (s) => {
                    await s.context.sendActivity(`Age ${String(s.result)} noted.`);
                    return s.endDialog();
                },
            ])
        );
        this.initialDialogId = 'agesSteps';
    }
}

/** Runs one flow: "start" begins it; outside it the bot answers with a one-line help. */
class FormBot extends ActivityHandler {
    private readonly dialogs: DialogSet;

    constructor(
        private readonly conversationState: ConversationState,
        dialogState: StatePropertyAccessor<DialogState>,
        flow: ComponentDialog
    ) {
        super();
        this.dialogs = new DialogSet(dialogState).add(flow);
        this.onMessage(async (context, next) => {
            const dc = await this.dialogs.createContext(context);
            const result = await dc.continueDialog();
            if (result.status === DialogTurnStatus.empty) {
                if ((context.activity.text ?? '').trim() === 'start') {
                    await dc.beginDialog(flow.id);
                } else {
                    await context.sendActivity('Say "start" to fill in the form.');
                }
            }
            await next();
        });
    }

    override async run(context: TurnContext): Promise<void> {
        await super.run(context);
        await this.conversationState.saveChanges(context);
    }
}

/** A folder with the bot's own texts, for per-step `messages.hint` keys. */
let localesPath: string;

interface FormRig {
    inactivity: InactivityMiddleware;
    scheduler: FakeScheduler;
    errors: Error[];
    /** Sends a user message; returns what the bot sent in that turn. */
    say(text: string): Promise<Array<Partial<Activity>>>;
    /** Starts the form and answers validly up to (not including) the given step. */
    reach(step: StepName): Promise<void>;
    /** The bot's dialog state as saved (an empty stack when no flow runs). */
    stack(): Promise<DialogState>;
}

const rigs: FormRig[] = [];

async function formRig(form: FlowDefinition = {}, options: Partial<InactivityOptions> = {}, flow: ComponentDialog = new FormDialog()): Promise<FormRig> {
    const conversationState = new ConversationState(new MemoryStorage());
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    const bot = new FormBot(conversationState, dialogState, flow);
    const adapter = new ProactiveTestAdapter((ctx) => bot.run(ctx));
    const scheduler = new FakeScheduler();
    const errors: Error[] = [];
    const clock = { now: Date.UTC(2026, 10, 21, 12, 0, 0) };
    const inactivity = new InactivityMiddleware({
        adapter,
        conversationState,
        dialogState,
        dialog: flow,
        scheduler,
        localesPath,
        flows: { form: { stepNames: STEPS.map((s) => s.name), ...form }, tally: {} },
        now: () => clock.now,
        onError: (e) => {
            errors.push(e);
        },
        ...options,
    });
    adapter.use(inactivity);
    await inactivity.start();
    let seen = 0;
    const rig: FormRig = {
        inactivity,
        scheduler,
        errors,
        async say(text) {
            seen = adapter.activeQueue.length;
            clock.now += 1000;
            await adapter.receiveActivity({ type: 'message', text });
            return adapter.activeQueue.slice(seen);
        },
        async reach(step) {
            assert.deepStrictEqual(texts(await rig.say('start')), [STEPS[0].question]);
            for (const s of STEPS) {
                if (s.name === step) {
                    return;
                }
                await rig.say(s.valid);
            }
        },
        async stack() {
            const ctx = new TurnContext(adapter, { ...adapter.conversation, type: 'message' });
            return await dialogState.get(ctx, { dialogStack: [] });
        },
    };
    rigs.push(rig);
    return rig;
}

const message = (sent: Array<Partial<Activity>>) => texts(sent);

describe('progressive re-prompts', () => {
    before(() => {
        localesPath = mkdtempSync(join(tmpdir(), 'bbi-reprompts-'));
        mkdirSync(join(localesPath, 'en'));
        writeFileSync(
            join(localesPath, 'en', 'form.json'),
            JSON.stringify({
                nameHint: 'Your name needs at least three letters, for example Ann.',
                retry1: "Hmm, that's not quite it.",
                retry2: 'Still not it. {{hint}}',
                told: 'I have told the form owner; someone will look at it.',
            })
        );
    });

    afterEach(async () => {
        for (const rig of rigs.splice(0)) {
            assert.deepStrictEqual(rig.errors, [], 'the plugin reported no error');
            await rig.inactivity.stop();
        }
    });

    after(() => rmSync(localesPath, { recursive: true, force: true }));

    for (const step of STEPS) {
        describe(`${step.name} step (${step.name === 'name' || step.name === 'guests' ? 'with' : 'without'} the bot's validator)`, () => {
            it("1st invalid answer: the gentle line, then the prompt's own retry", async () => {
                const rig = await formRig();
                await rig.reach(step.name);
                assert.deepStrictEqual(message(await rig.say(step.invalid)), [GENTLE, step.retry]);
            });

            it(`2nd invalid answer: ${step.name === 'age' ? "the explicit line with the prompt's own retryPrompt as the hint, said once" : "the explicit line with this prompt type's hint, then the retry"}`, async () => {
                const rig = await formRig();
                await rig.reach(step.name);
                await rig.say(step.invalid);
                const expected = step.name === 'age' ? [EXPLICIT + step.retry] : [EXPLICIT + step.hint, step.retry];
                assert.deepStrictEqual(message(await rig.say(step.invalid)), expected);
            });

            it('3rd invalid answer: no retry; the flow is closed and the user is out of it', async () => {
                const rig = await formRig();
                await rig.reach(step.name);
                await rig.say(step.invalid);
                await rig.say(step.invalid);
                const sent = await rig.say(step.invalid);
                const lines = message(sent);
                assert.strictEqual(lines.length, 1, lines.join('\n'));
                assert.ok(!lines.includes(step.retry) && !lines.includes(step.question), 'the retry is held back');
                assert.ok(
                    sent.some((a) => a.type === 'endOfConversation'),
                    'the conversation is ended'
                );
                assert.deepStrictEqual((await rig.stack()).dialogStack, [], 'the flow is gone');
                assert.deepStrictEqual(message(await rig.say(step.valid)), ['Say "start" to fill in the form.']);
            });
        });
    }

    it('closes with the close text for invalid input, saving the flow for resuming', async () => {
        const mongo = await freshDb();
        try {
            const rig = await formRig({}, { mongo: mongo.db });
            await rig.reach('age');
            await rig.say('old enough');
            await rig.say('old enough');
            assert.deepStrictEqual(message(await rig.say('old enough')), [CLOSE_INVALID]);
            const events = await mongo.db.collection('inactivityEvents').find().toArray();
            assert.deepStrictEqual(
                events.map((e) => [e.reason, e.flowId, e.stepId]),
                [['invalidInput', 'form', 'age']]
            );
            assert.strictEqual(await mongo.db.collection('inactivitySnapshots').countDocuments({ status: 'abandoned', reason: 'invalidInput' }), 1);
            await rig.inactivity.stop();
        } finally {
            await mongo.close();
        }
    });

    it("hands off on the 3rd invalid answer of a step whose finalAction is 'handoff'", async () => {
        const rig = await formRig({ steps: { age: { finalAction: 'handoff' } } });
        await rig.reach('age');
        await rig.say('old enough');
        await rig.say('old enough');
        const sent = await rig.say('old enough');
        assert.deepStrictEqual(message(sent), [HANDOFF_INVALID]);
        const event = sent.find((a) => a.type === 'event');
        assert.strictEqual(event?.name, 'handoff.initiate');
        assert.strictEqual((event?.value as { reason?: string } | undefined)?.reason, 'invalidInput');
        assert.deepStrictEqual((await rig.stack()).dialogStack, []);
    });

    it('other steps keep the default final action', async () => {
        const rig = await formRig({ steps: { age: { finalAction: 'handoff' } } });
        await rig.reach('color');
        await rig.say('purple');
        await rig.say('purple');
        const sent = await rig.say('purple');
        assert.ok(!sent.some((a) => a.type === 'event'), 'no handoff');
        assert.ok(
            sent.some((a) => a.type === 'endOfConversation'),
            'closed'
        );
    });

    it('a valid answer resets the count: invalid, valid, invalid gets the gentle line again', async () => {
        const rig = await formRig();
        await rig.reach('age');
        assert.strictEqual(message(await rig.say('old enough'))[0], GENTLE);
        assert.deepStrictEqual(message(await rig.say('30')), [STEPS[2].retry]);
        assert.deepStrictEqual(message(await rig.say('purple')), [GENTLE, STEPS[2].retry]);
        assert.deepStrictEqual(message(await rig.say('purple')), [EXPLICIT + STEPS[2].hint, STEPS[2].retry]);
    });

    it('a valid answer resets the count even when the same prompt is asked again at the same step (a loop)', async () => {
        const rig = await formRig({}, {}, new TallyDialog());
        const ask = 'Next amount? (0 to finish)';
        assert.deepStrictEqual(message(await rig.say('start')), [ask]);
        // A valid answer is not a re-prompt: the next question comes without any correction line.
        assert.deepStrictEqual(message(await rig.say('5')), [ask]);
        assert.deepStrictEqual(message(await rig.say('lots')), [GENTLE, ask]);
        assert.deepStrictEqual(message(await rig.say('7')), [ask]);
        assert.deepStrictEqual(message(await rig.say('lots')), [GENTLE, ask]);
        assert.deepStrictEqual(message(await rig.say('lots')), [EXPLICIT + STEPS[1].hint, ask]);
        assert.deepStrictEqual(message(await rig.say('0')), ['Total: 12.']);
    });

    it('maxInvalidAttempts of a step overrides the default (2: the 2nd invalid answer ends the flow)', async () => {
        const rig = await formRig({ steps: { color: { maxInvalidAttempts: 2 } } });
        await rig.reach('age');
        // The age step keeps the default of 3.
        await rig.say('old enough');
        assert.deepStrictEqual(message(await rig.say('old enough')), [EXPLICIT + STEPS[1].retry]);
        await rig.say('30');
        assert.deepStrictEqual(message(await rig.say('purple')), [GENTLE, STEPS[2].retry]);
        const sent = await rig.say('purple');
        assert.strictEqual(message(sent).length, 1);
        assert.ok(!message(sent).includes(STEPS[2].retry));
        assert.ok(sent.some((a) => a.type === 'endOfConversation'));
    });

    it('maxInvalidAttempts keyed by 1-based step number or prompt id works too', async () => {
        const byNumber = await formRig({ steps: { '3': { maxInvalidAttempts: 1 } } });
        await byNumber.reach('color');
        assert.ok((await byNumber.say('purple')).some((a) => a.type === 'endOfConversation'));
        const byPrompt = await formRig({ steps: { colorPrompt: { maxInvalidAttempts: 1 } } });
        await byPrompt.reach('color');
        assert.ok((await byPrompt.say('purple')).some((a) => a.type === 'endOfConversation'));
    });

    it("maxInvalidAttempts: 0 turns progressive re-prompts off: only the prompt's own retries, the flow stays", async () => {
        const rig = await formRig({}, { maxInvalidAttempts: 0 });
        await rig.reach('age');
        for (let i = 0; i < 5; i++) {
            assert.deepStrictEqual(message(await rig.say('old enough')), [STEPS[1].retry]);
        }
        assert.deepStrictEqual(message(await rig.say('30')), [STEPS[2].retry]);
    });

    it('maxInvalidAttempts: 0 on one step turns them off there only', async () => {
        const rig = await formRig({ steps: { name: { maxInvalidAttempts: 0 } } });
        await rig.reach('name');
        for (let i = 0; i < 4; i++) {
            assert.deepStrictEqual(message(await rig.say('x')), [STEPS[0].retry]);
        }
        await rig.say('Ann Lee');
        assert.deepStrictEqual(message(await rig.say('old enough')), [GENTLE, STEPS[1].retry]);
    });

    it("a step's messages.hint key replaces the prompt type's hint", async () => {
        const rig = await formRig({ steps: { name: { messages: { hint: 'form:nameHint' } } } });
        await rig.reach('name');
        assert.deepStrictEqual(message(await rig.say('x')), [GENTLE, STEPS[0].retry]);
        assert.deepStrictEqual(message(await rig.say('x')), [`${EXPLICIT}Your name needs at least three letters, for example Ann.`, STEPS[0].retry]);
    });

    // Regression: InactivityRepromptEscalated was declared in manifest.json but never sent.
    it("sends InactivityRepromptEscalated at the explicit line and at the final action, without the user's text", async () => {
        const events: Array<{ name: string; properties?: Record<string, string> }> = [];
        const telemetryClient = {
            trackEvent: (e: (typeof events)[number]) => events.push(e),
            trackDependency() {},
            trackException() {},
            trackTrace() {},
            flush() {},
        };
        const escalations = () => events.filter((e) => e.name === 'InactivityRepromptEscalated').map((e) => e.properties);
        const rig = await formRig({ steps: { color: { maxInvalidAttempts: 4 } } }, { telemetryClient: telemetryClient });
        await rig.reach('color');
        await rig.say('mauve');
        assert.deepStrictEqual(escalations(), [], 'the gentle line is no escalation');
        await rig.say('magenta');
        assert.deepStrictEqual(escalations(), [{ conversationId: 'Convo1', dialogId: 'form', step: '3', attempt: '2', tier: 'explicit' }]);
        await rig.say('vermilion');
        assert.strictEqual(escalations().length, 1, 'a second explicit line is not a new escalation');
        await rig.say('taupe');
        assert.deepStrictEqual(escalations()[1], { conversationId: 'Convo1', dialogId: 'form', step: '3', attempt: '4', tier: 'final' });
        for (const word of ['mauve', 'magenta', 'vermilion', 'taupe']) {
            assert.ok(!JSON.stringify(events).includes(word), `no user text in telemetry (${word})`);
        }
    });

    // Regression: 200 as an age, refused by the bot's validator, got "Please answer with a number, for example 42."
    it("a validator's refusal of a well-typed answer gets the prompt's own retryPrompt as the hint, not the type's example", async () => {
        const rig = await formRig({}, { flows: { ages: {} } }, new AgeDialog());
        assert.deepStrictEqual(message(await rig.say('start')), ['How old are you?']);
        assert.deepStrictEqual(message(await rig.say('200')), [GENTLE, 'Please give an age between 1 and 120.']);
        const second = message(await rig.say('200'));
        assert.deepStrictEqual(second, [`${EXPLICIT}Please give an age between 1 and 120.`]);
        assert.ok(!second.join(' ').includes('for example 42'));
        assert.deepStrictEqual(message(await rig.say('35')), ['Age 35 noted.']);
    });

    describe("a step's own tier texts (messages.retry1, retry2) and the line that tells the user the owner was informed (messages.escalated)", () => {
        it('retry1 and retry2 replace the gentle and the explicit lines at that step only, retry2 with the hint', async () => {
            const rig = await formRig({ steps: { name: { messages: { retry1: 'form:retry1', retry2: 'form:retry2', hint: 'form:nameHint' } }, age: {} } });
            await rig.reach('name');
            assert.deepStrictEqual(message(await rig.say('x')), ["Hmm, that's not quite it.", STEPS[0].retry]);
            assert.deepStrictEqual(message(await rig.say('x')), ['Still not it. Your name needs at least three letters, for example Ann.', STEPS[0].retry]);
            await rig.say('Ann Lee');
            assert.deepStrictEqual(message(await rig.say('old enough')), [GENTLE, STEPS[1].retry], 'the next step keeps the default texts');
        });

        it("retry2 at a prompt with a retryPrompt of its own: the line goes before the prompt's retry, with the type's example as the hint", async () => {
            const rig = await formRig({ steps: { age: { messages: { retry2: 'form:retry2' } } } });
            await rig.reach('age');
            await rig.say('old enough');
            assert.deepStrictEqual(message(await rig.say('old enough')), [`Still not it. ${STEPS[1].hint}`, STEPS[1].retry]);
        });

        it('messages.escalated is sent once, with the explicit line, when the escalated event fires; nothing without it', async () => {
            const escalated: string[] = [];
            const rig = await formRig(
                { steps: { color: { messages: { escalated: 'reprompt.escalated' } } } },
                { onFlowEvent: (e) => void (e.type === 'escalated' && escalated.push(e.stepId ?? '')) }
            );
            await rig.reach('age');
            await rig.say('old enough');
            assert.deepStrictEqual(message(await rig.say('old enough')), [EXPLICIT + STEPS[1].retry], 'the age step names no escalated text');
            assert.deepStrictEqual(escalated, ['age']);
            await rig.say('30');
            assert.deepStrictEqual(message(await rig.say('purple')), [GENTLE, STEPS[2].retry]);
            assert.deepStrictEqual(message(await rig.say('purple')), [EXPLICIT + STEPS[2].hint, ESCALATED, STEPS[2].retry]);
            assert.deepStrictEqual(escalated, ['age', 'color']);
            const last = message(await rig.say('purple'));
            assert.strictEqual(last.length, 1, 'the final action: not told twice');
            assert.match(last[0], /^Let's stop here for now, these answers didn't work out\./);
        });

        it('with maxInvalidAttempts 1 the escalated line goes out alone, before the final action', async () => {
            const rig = await formRig({ steps: { color: { maxInvalidAttempts: 1, finalAction: 'handoff', messages: { escalated: 'form:told' } } } });
            await rig.reach('color');
            const sent = await rig.say('purple');
            assert.deepStrictEqual(message(sent), ['I have told the form owner; someone will look at it.', HANDOFF_INVALID]);
            assert.ok(!message(sent).includes(STEPS[2].retry), 'the retry is held back');
            assert.strictEqual(sent.find((a) => a.type === 'event')?.name, 'handoff.initiate');
        });

        it("refuses a step's tier key that no locale file has, at start-up", async () => {
            await assert.rejects(
                formRig({ steps: { age: { messages: { retry1: 'form:nope' } } } }),
                /flows\.form\.steps\.age\.messages\.retry1 names the text 'form:nope'/
            );
        });
    });

    it('the whole form still completes after some corrections', async () => {
        const rig = await formRig();
        await rig.say('start');
        for (const s of STEPS) {
            await rig.say(s.invalid);
            await rig.say(s.valid);
        }
        assert.deepStrictEqual((await rig.stack()).dialogStack, []);
    });
});

describe('progressive re-prompts in the sample bot', () => {
    it('the contact step (policy file: handoff, hint key) escalates to a handoff on the 3rd invalid contact', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('Maria Silva');
        assert.deepStrictEqual(texts(await rig.say('Group classes')), ['How can we reach Maria Silva? Send an email address or a phone number.']);
        const retry = "That doesn't look like an email address or a phone number.";
        assert.deepStrictEqual(texts(await rig.say('call me maybe')), [GENTLE, retry]);
        assert.deepStrictEqual(texts(await rig.say('at the gym')), [`${EXPLICIT}For example maria@example.com or +1 555 123 4567.`, retry]);
        const sent = await rig.say('nope');
        assert.deepStrictEqual(texts(sent), [HANDOFF_INVALID]);
        const event = sent.find((a) => a.type === 'event');
        assert.strictEqual(event?.name, 'handoff.initiate');
        const transcript = event?.attachments?.find((a) => a.name === 'Transcript')?.content as { activities: Array<{ text: string }> };
        assert.ok(
            transcript.activities.some((a) => a.text === 'at the gym'),
            'the agent sees the failed answers'
        );
        assert.deepStrictEqual(texts(await rig.say('maria@example.com')), ['I can add a client for you: just say "add client".'], 'the flow is over');
        assert.deepStrictEqual(rig.errors, []);
        await rig.inactivity.stop();
    });
});
