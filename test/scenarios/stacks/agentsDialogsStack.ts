import { ActivityHandler, ConversationState, MemoryStorage, TurnContext } from '@microsoft/agents-hosting';
import { ComponentDialog, DialogSet, DialogState, DialogTurnStatus, TextPrompt, WaterfallDialog } from '@microsoft/agents-hosting-dialogs';
import { InactivityMiddleware } from '../../../src/agents';
import { InactivityTestAdapter, TestScheduler } from '../../../src/agents/testing';
import { added, QUESTIONS, Stack, STEPS, T0 } from '../scenarioBot';
import { agentsDriver, agentsFollowUps, startAgentsParts } from './agentsStack';

/** The add-client flow as an agents-hosting-dialogs component dialog: a waterfall of text prompts (the email one validates). */
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
                    await onAdded(step.context as unknown as TurnContext, (step.values as Record<string, string>).name);
                    return step.endDialog();
                },
            ])
        );
        this.initialDialogId = 'steps';
    }
}

/**
 * The Agents SDK with `@microsoft/agents-hosting-dialogs`: an `ActivityHandler` that runs a dialog from its
 * `ConversationState`, as Microsoft's Agents SDK dialog samples do; the plugin reads the dialog stack. The dialogs
 * package pins its own copy of `agents-hosting` (0.6.22), so its types and 1.8's meet through casts, as in a bot.
 */
export const agentsDialogs: Stack = {
    name: 'Agents SDK + dialogs',
    async create(setup) {
        const storage = new MemoryStorage();
        const conversationState = new ConversationState(storage);
        const dialogState = conversationState.createProperty<DialogState>('DialogState');
        const scheduler = new TestScheduler({ startAt: T0 });
        const adapter = new InactivityTestAdapter({ reference: { user: { id: 'user1', name: 'User', role: 'user' } } });
        const errors: Error[] = [];
        const { followUps, followUp } = agentsFollowUps({ db: setup.db, adapter, scheduler, errors });
        const dialog = new AddClientDialog(followUp);
        const dialogs = new DialogSet(dialogState as never).add(dialog);
        const handled: string[] = [];
        const handler = new ActivityHandler();
        handler.onMessage(async (context, next) => {
            handled.push(context.activity.text ?? '');
            const dc = await dialogs.createContext(context as never);
            const result = await dc.continueDialog();
            if (result.status === DialogTurnStatus.empty && /add client/i.test(context.activity.text ?? '')) {
                await dc.beginDialog('addClient');
            }
            await next();
        });
        // The waterfall's last step only says "added": the flow asks three questions.
        const flows = { addClient: { stepNames: [...STEPS], stepCount: STEPS.length } };
        const inactivity = new InactivityMiddleware({
            ...setup.policy,
            adapter,
            storage,
            conversationState,
            dialogState,
            dialog,
            flows,
            scheduler,
            mongo: setup.db,
            now: scheduler.now,
            onError: (e) => void errors.push(e),
        });
        adapter.logic = async (context) => {
            await handler.run(context);
            await conversationState.saveChanges(context);
        };
        await startAgentsParts(adapter, { inactivity, followUps });
        return agentsDriver(adapter, scheduler, { inactivity, followUps, handled, errors });
    },
};
