import { randomUUID } from 'crypto';
import { Activity, ActivityTypes } from '@microsoft/agents-activity';
import { AgentApplication, CloudAdapter, MemoryStorage, TurnContext, TurnState } from '@microsoft/agents-hosting';
import type { ResourceResponse, Storage } from '@microsoft/agents-hosting';
import { InactivityMiddleware, InactivityOptions } from '../../src/agents';
import { Localizer } from '../../src/core/texts/localization';
import { isContact } from '../../samples/addClientParts';
import { directLineActivity, SAMPLE_LOCALES, SAMPLE_POLICY } from './bot';

const START = /^\s*(\/add-client|add (a )?client)\s*[.!]?\s*$/i;
const STEPS = ['name', 'type', 'contact'] as const;
type Step = (typeof STEPS)[number];

/** The add-client flow as the bot keeps it in the app's conversation state. */
interface AddClient {
    step: Step;
    values: Record<string, string>;
}

/** A CloudAdapter that runs Direct Line-shaped user turns through its middleware and drops what the bot sends. */
export class AgentsBenchAdapter extends CloudAdapter {
    /** Called with every activity the bot sends. */
    onSend?: (activities: Activity[]) => void;

    /**
     * Runs one user turn as the channel would deliver it (the JWT check of `process()` aside, which the botbuilder
     * bench's TestAdapter skips too).
     *
     * @param logic The agent's logic.
     * @param id The conversation.
     * @param text The user's message.
     */
    async say(logic: (context: TurnContext) => Promise<void>, id: string, text: string): Promise<void> {
        const activity = Activity.fromObject({ ...directLineActivity(id, text), id: randomUUID(), timestamp: new Date() });
        await this.runMiddleware(new TurnContext(this, activity), logic);
    }

    /** @inheritdoc */
    override async sendActivities(_context: TurnContext, activities: Activity[]): Promise<ResourceResponse[]> {
        this.onSend?.(activities);
        return activities.map(() => ({ id: randomUUID() }));
    }
}

/** One Agents SDK bot of the bench: the sample's add-client flow in route handlers, with the plugin or without. */
export interface AgentsBenchBot {
    adapter: AgentsBenchAdapter;
    inactivity?: InactivityMiddleware;
    /** Sends one user message and waits for the whole turn. */
    say(conversationId: string, text: string): Promise<void>;
    stop(): Promise<void>;
}

/**
 * The sample's add-client flow (name, type, contact; the same texts and the same contact check) on an
 * `AgentApplication` with route handlers, its step in the app's conversation state (loaded and saved by the app
 * every turn, as the botbuilder sample's ConversationState is), marked for the plugin with `flows.step()`.
 *
 * @param plugin The plugin's options (adapter and storage are filled in); none: no plugin.
 * @param storage The app's storage (the plugin's too). Default a MemoryStorage.
 * @returns The bot, started.
 */
export async function agentsBenchBot(plugin?: Partial<InactivityOptions>, storage: Storage = new MemoryStorage()): Promise<AgentsBenchBot> {
    const texts = new Localizer({ extraPaths: [SAMPLE_LOCALES] });
    const adapter = new AgentsBenchAdapter();
    const t = (context: TurnContext, key: string, vars: Record<string, unknown> = {}) => texts.t(context.activity.locale, `sample:addClient.${key}`, vars);
    let inactivity: InactivityMiddleware | undefined;
    if (plugin) {
        inactivity = new InactivityMiddleware({
            adapter,
            storage,
            localesPath: SAMPLE_LOCALES,
            policyFile: SAMPLE_POLICY,
            reminderAfter: '5 minutes',
            closeAfter: '15 minutes',
            onError: (e) => console.error(`  [bench] agents plugin error: ${e.message}`),
            ...plugin,
        });
        adapter.use(inactivity);
        await inactivity.start();
    }
    const ask = async (context: TurnContext, flow: AddClient, text: string) => {
        await context.sendActivity(text);
        await inactivity?.flows.step(context, {
            flowId: 'addClient',
            stepId: flow.step,
            index: STEPS.indexOf(flow.step) + 1,
            of: STEPS.length,
            values: flow.values,
            prompt: text,
        });
    };
    const question = (context: TurnContext, flow: AddClient): string =>
        flow.step === 'name' ? t(context, 'askName') : flow.step === 'type' ? t(context, 'askType', flow.values) : t(context, 'askContact', flow.values);

    const agent = new AgentApplication<TurnState>({ storage, adapter });
    agent.onActivity(ActivityTypes.Message, async (context, state) => {
        const text = (context.activity.text ?? '').trim();
        const flow = state.getValue<AddClient | undefined>('conversation.addClient');
        if (!flow) {
            if (START.test(text)) {
                const begun: AddClient = { step: 'name', values: {} };
                state.setValue('conversation.addClient', begun);
                await ask(context, begun, question(context, begun));
            } else {
                await context.sendActivity(texts.t(context.activity.locale, 'sample:help'));
            }
            return;
        }
        if ((flow.step === 'name' && !text) || (flow.step === 'contact' && !isContact(text))) {
            await ask(context, flow, flow.step === 'contact' ? t(context, 'retryContact') : question(context, flow));
            return;
        }
        flow.values[flow.step] = text;
        const next = STEPS[STEPS.indexOf(flow.step) + 1] as Step | undefined;
        if (next) {
            const moved: AddClient = { step: next, values: flow.values };
            state.setValue('conversation.addClient', moved);
            await ask(context, moved, question(context, moved));
        } else {
            state.deleteValue('conversation.addClient');
            await context.sendActivity(t(context, 'done', flow.values));
            await inactivity?.flows.end(context);
        }
    });
    // AgentApplication 1.8 saves the turn state only after an afterTurn handler that returns true.
    agent.onTurn('afterTurn', async () => true);
    return {
        adapter,
        inactivity,
        say: (id, text) => adapter.say((context) => agent.run(context), id, text),
        stop: async () => {
            await inactivity?.stop();
        },
    };
}
