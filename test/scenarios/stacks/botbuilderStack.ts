import { Activity, ConversationState, MemoryStorage, TurnContext } from 'botbuilder';
import { FollowUpService } from '../../../src/botbuilder/followUpService';
import { ComponentDialog, DialogSet, DialogState, DialogTurnStatus, TextPrompt, WaterfallDialog } from 'botbuilder-dialogs';
import type { Db } from 'mongodb';
import { InactivityMiddleware, InactivityOptions } from '../../../src';
import type { InactivityPolicy } from '../../../src/core/policy/policy';
import { click, InactivityTestAdapter, TestScheduler } from '../../../src/testing';
import { added, FOLLOW_UP, QUESTIONS, ScenarioBot, Sent, Stack, STEPS, T0 } from '../scenarioBot';

type Step = (typeof STEPS)[number];

/** The add-client flow as a component dialog: a waterfall of text prompts (the email one validates). */
class AddClientDialog extends ComponentDialog {
    constructor(onAdded: (context: TurnContext, name: string) => Promise<void>) {
        super('addClient');
        this.addDialog(new TextPrompt('name'));
        this.addDialog(new TextPrompt('email', async (prompt) => prompt.recognized.succeeded && /@/.test(prompt.recognized.value ?? '')));
        this.addDialog(new TextPrompt('phone'));
        this.addDialog(
            new WaterfallDialog('steps', [
                async (step) => step.prompt('name', QUESTIONS.name),
                async (step) => {
                    (step.values as Record<string, unknown>).name = step.result;
                    return step.prompt('email', { prompt: QUESTIONS.email, retryPrompt: QUESTIONS.email });
                },
                async (step) => {
                    (step.values as Record<string, unknown>).email = step.result;
                    return step.prompt('phone', QUESTIONS.phone);
                },
                async (step) => {
                    await step.context.sendActivity(added((step.values as Record<string, string>).name));
                    await onAdded(step.context, (step.values as Record<string, string>).name);
                    return step.endDialog();
                },
            ])
        );
        this.initialDialogId = 'steps';
    }
}

/** What the markers bot keeps in its own state. */
interface AddClientState {
    step?: Step;
    values: Record<string, string>;
}

function driver(
    adapter: InactivityTestAdapter,
    scheduler: TestScheduler,
    parts: { inactivity: InactivityMiddleware; followUps: FollowUpService; handled: string[]; errors: Error[] }
): ScenarioBot {
    let seen = 0;
    const user = { id: 'user1', name: 'User' };
    return {
        handled: parts.handled,
        errors: parts.errors,
        say: async (text) => {
            await adapter.receiveActivity({ type: 'message', text, from: user, locale: 'en-US' });
        },
        click: async (action) => {
            await click(adapter, action).startTest();
        },
        advance: async (duration) => {
            await scheduler.advance(duration);
        },
        take: () => {
            const out = adapter.sent.slice(seen).map((a: Partial<Activity>): Sent => ({ type: a.type ?? '', text: a.text, name: a.name }));
            seen = adapter.sent.length;
            adapter.activeQueue.length = 0;
            return out;
        },
        buttons: () => {
            for (let i = adapter.sent.length - 1; i >= 0; i--) {
                const actions =
                    adapter.sent[i].attachments?.flatMap((a) => (a.content as { buttons?: Array<{ title: string }> } | undefined)?.buttons ?? []) ?? [];
                if (actions.length) {
                    return actions.map((b) => b.title);
                }
            }
            return [];
        },
        sendDueFollowUps: () => parts.followUps.runDue(),
        stop: async () => {
            await parts.followUps.stop();
            await parts.inactivity.stop();
        },
    };
}

function plugin(setup: { db: Db; policy: InactivityPolicy }, options: Partial<InactivityOptions> & Pick<InactivityOptions, 'adapter' | 'conversationState'>) {
    const scheduler = new TestScheduler({ startAt: T0 });
    const errors: Error[] = [];
    const inactivity = new InactivityMiddleware({
        ...setup.policy,
        scheduler,
        mongo: setup.db,
        now: scheduler.now,
        onError: (e) => void errors.push(e),
        ...options,
    });
    // Follow-ups on the same database and clock, sent when the test asks (runDue), through the same adapter.
    const followUps = new FollowUpService({
        adapter: options.adapter,
        mongo: setup.db,
        send: false,
        quietHours: null,
        frequencyCap: 0,
        followUpAfter: FOLLOW_UP.after,
        now: scheduler.now,
        onError: (e) => void errors.push(e),
    });
    const followUp = (context: TurnContext, name: string) =>
        followUps
            .schedulePostEvent({
                reference: TurnContext.getConversationReference(context.activity),
                eventAt: new Date(scheduler.now()),
                eventId: name,
                template: FOLLOW_UP.template,
                variables: { name },
            })
            .then(() => undefined);
    return { scheduler, errors, inactivity, followUps, followUp };
}

/** Starts the plugin and the follow-ups, each with its middleware on the adapter. */
async function startBoth(adapter: InactivityTestAdapter, parts: { inactivity: InactivityMiddleware; followUps: FollowUpService }): Promise<void> {
    adapter.use(parts.inactivity);
    adapter.use(parts.followUps.middleware());
    await parts.inactivity.start();
    await parts.followUps.start();
}

/** botbuilder with botbuilder-dialogs: the plugin reads the dialog stack. */
export const botbuilderDialogs: Stack = {
    name: 'botbuilder + dialogs',
    async create(setup) {
        const conversationState = new ConversationState(new MemoryStorage());
        const dialogState = conversationState.createProperty<DialogState>('DialogState');
        // The plugin's parts are made once the adapter is: the dialog's last step reaches them through this.
        const ref: { followUp?: (context: TurnContext, name: string) => Promise<void> } = {};
        const dialog = new AddClientDialog((context, name) => ref.followUp?.(context, name) ?? Promise.resolve());
        const dialogs = new DialogSet(dialogState).add(dialog);
        const handled: string[] = [];
        const adapter = new InactivityTestAdapter(async (context) => {
            handled.push(context.activity.text ?? '');
            const dc = await dialogs.createContext(context);
            const result = await dc.continueDialog();
            if (result.status === DialogTurnStatus.empty && /add client/i.test(context.activity.text ?? '')) {
                await dc.beginDialog('addClient');
            }
            await conversationState.saveChanges(context);
        });
        // The waterfall's last step only says "added": the flow asks three questions.
        const flows = { addClient: { stepNames: [...STEPS], stepCount: STEPS.length } };
        const { scheduler, errors, inactivity, followUps, followUp } = plugin(setup, { adapter, conversationState, dialogState, dialog, flows });
        ref.followUp = followUp;
        await startBoth(adapter, { inactivity, followUps });
        return driver(adapter, scheduler, { inactivity, followUps, handled, errors });
    },
};

/** botbuilder without dialogs: the bot keeps its own step and marks it with `flows.step()`. */
export const botbuilderMarkers: Stack = {
    name: 'botbuilder + markers',
    async create(setup) {
        const conversationState = new ConversationState(new MemoryStorage());
        const own = conversationState.createProperty<AddClientState>('addClient');
        const handled: string[] = [];
        // The bot's handler and hooks reach the middleware made below.
        const ref: { inactivity?: InactivityMiddleware; followUp?: (context: TurnContext, name: string) => Promise<void> } = {};
        const ask = async (context: TurnContext, state: AddClientState) => {
            const step = state.step as Step;
            await context.sendActivity(QUESTIONS[step]);
            await ref.inactivity?.flows.step(context, {
                flowId: 'addClient',
                stepId: step,
                index: STEPS.indexOf(step) + 1,
                of: STEPS.length,
                values: state.values,
                prompt: QUESTIONS[step],
            });
        };
        const adapter = new InactivityTestAdapter(async (context) => {
            const text = context.activity.text ?? '';
            handled.push(text);
            const state = await own.get(context, { values: {} });
            if (!state.step) {
                if (/add client/i.test(text)) {
                    await own.set(context, { step: 'name', values: {} });
                    await ask(context, { step: 'name', values: {} });
                }
            } else if (state.step === 'email' && !/@/.test(text)) {
                // The bot validates itself and reports the invalid answer; at the last one it does not ask again.
                const outcome = await ref.inactivity?.reportInvalid(context);
                if (!outcome?.final) {
                    await ask(context, state);
                }
            } else {
                state.values[state.step] = text;
                const next = STEPS[STEPS.indexOf(state.step) + 1] as Step | undefined;
                if (next) {
                    state.step = next;
                    await ask(context, state);
                } else {
                    await context.sendActivity(added(state.values.name));
                    await own.delete(context);
                    await ref.inactivity?.flows.end(context);
                    await ref.followUp?.(context, state.values.name);
                }
            }
            await conversationState.saveChanges(context);
        });
        const created = plugin(setup, {
            adapter,
            conversationState,
            onStartOver: async (context) => {
                await own.set(context, { step: 'name', values: {} });
                await ask(context, { step: 'name', values: {} });
            },
            onResume: async (context, flow) => {
                await own.set(context, { step: flow.stepId as Step, values: flow.values as Record<string, string> });
            },
            onEnd: async (context) => {
                await own.delete(context);
            },
        });
        const inactivity = created.inactivity;
        ref.inactivity = inactivity;
        ref.followUp = created.followUp;
        await startBoth(adapter, { inactivity, followUps: created.followUps });
        return driver(adapter, created.scheduler, { inactivity, followUps: created.followUps, handled, errors: created.errors });
    },
};
