import type { Activity } from '@microsoft/agents-activity';
import { AgentApplication, MemoryStorage, TurnContext } from '@microsoft/agents-hosting';
import type { Db } from 'mongodb';
import { FollowUpService, InactivityMiddleware } from '../../../src/agents';
import { click, InactivityTestAdapter, TestScheduler } from '../../../src/agents/testing';
import type { BotStorage } from '../../../src/mongo/storageDocument';
import { added, FOLLOW_UP, QUESTIONS, ScenarioBot, Sent, Stack, STEPS, T0 } from '../scenarioBot';

type Step = (typeof STEPS)[number];

/** What the bot keeps of the add-client flow. */
interface AddClientState {
    step: Step;
    values: Record<string, string>;
}

/**
 * The bot's own item beside the app's conversation state, `<channel>/conversations/<id>/addClient`: the plugin's
 * hooks run in turns the app does not (a click, a timer), so they cannot reach the app's turn state.
 */
class AddClientStore {
    constructor(private readonly storage: BotStorage) {}

    async get(context: TurnContext): Promise<AddClientState | undefined> {
        const key = this.key(context);
        return (await this.storage.read([key]))[key]?.state as AddClientState | undefined;
    }

    async set(context: TurnContext, state: AddClientState): Promise<void> {
        await this.storage.write({ [this.key(context)]: { state } });
    }

    async delete(context: TurnContext): Promise<void> {
        await this.storage.delete([this.key(context)]);
    }

    private key(context: TurnContext): string {
        return `${context.activity.channelId}/conversations/${context.activity.conversation?.id}/addClient`;
    }
}

/** The Agents SDK without dialogs: an AgentApplication whose route handlers keep their own step and mark it with `flows.step()`. */
export const agentsMarkers: Stack = {
    name: 'Agents SDK + markers',
    async create(setup) {
        const storage = new MemoryStorage();
        const own = new AddClientStore(storage);
        const scheduler = new TestScheduler({ startAt: T0 });
        const adapter = new InactivityTestAdapter({ reference: { user: { id: 'user1', name: 'User', role: 'user' } } });
        const errors: Error[] = [];
        const handled: string[] = [];
        const { followUps, followUp } = agentsFollowUps({ db: setup.db, adapter, scheduler, errors });
        // The route handlers and the hooks reach the middleware made below.
        const ref: { inactivity?: InactivityMiddleware } = {};
        const ask = async (context: TurnContext, state: AddClientState) => {
            await context.sendActivity(QUESTIONS[state.step]);
            await ref.inactivity?.flows.step(context, {
                flowId: 'addClient',
                stepId: state.step,
                index: STEPS.indexOf(state.step) + 1,
                of: STEPS.length,
                values: state.values,
                prompt: QUESTIONS[state.step],
            });
        };
        const begin = async (context: TurnContext) => {
            const state: AddClientState = { step: 'name', values: {} };
            await own.set(context, state);
            await ask(context, state);
        };
        const inactivity = new InactivityMiddleware({
            ...setup.policy,
            adapter,
            storage,
            scheduler,
            mongo: setup.db,
            now: scheduler.now,
            onError: (e) => void errors.push(e),
            onStartOver: begin,
            onResume: async (context, flow) => {
                await own.set(context, { step: flow.stepId as Step, values: flow.values as Record<string, string> });
            },
            onEnd: async (context) => {
                await own.delete(context);
            },
        });
        ref.inactivity = inactivity;

        const agent = new AgentApplication({ storage, adapter });
        const record = async (context: TurnContext) => {
            handled.push(context.activity.text ?? '');
        };
        // "add client" begins the flow when none is in progress; in one, it is an answer like any other.
        agent.onMessage(
            async (context) => /add client/i.test(context.activity.text ?? '') && !(await own.get(context)),
            async (context) => {
                await record(context);
                await begin(context);
            }
        );
        agent.onActivity('message', async (context) => {
            await record(context);
            const text = context.activity.text ?? '';
            const state = await own.get(context);
            if (!state) {
                return;
            }
            if (state.step === 'email' && !/@/.test(text)) {
                // The agent validates itself and reports the invalid answer; at the last one it does not ask again.
                const outcome = await ref.inactivity?.reportInvalid(context);
                if (!outcome?.final) {
                    await ask(context, state);
                }
                return;
            }
            state.values[state.step] = text;
            const next = STEPS[STEPS.indexOf(state.step) + 1] as Step | undefined;
            if (next) {
                const moved = { step: next, values: state.values };
                await own.set(context, moved);
                await ask(context, moved);
            } else {
                await context.sendActivity(added(state.values.name));
                await own.delete(context);
                await inactivity.flows.end(context);
                await followUp(context, state.values.name);
            }
        });
        adapter.logic = (context) => agent.run(context);
        await startAgentsParts(adapter, { inactivity, followUps });
        return agentsDriver(adapter, scheduler, { inactivity, followUps, handled, errors });
    },
};

/**
 * The Agents SDK's follow-up service on the scenario's database and clock (sent when the test asks, through the
 * same adapter), and how the bot schedules the one after a client is added.
 */
export function agentsFollowUps(parts: { db: Db; adapter: InactivityTestAdapter; scheduler: TestScheduler; errors: Error[] }): {
    followUps: FollowUpService;
    followUp: (context: TurnContext, name: string) => Promise<void>;
} {
    const followUps = new FollowUpService({
        adapter: parts.adapter,
        mongo: parts.db,
        send: false,
        quietHours: null,
        frequencyCap: 0,
        followUpAfter: FOLLOW_UP.after,
        now: parts.scheduler.now,
        onError: (e) => void parts.errors.push(e),
    });
    const followUp = async (context: TurnContext, name: string) => {
        await followUps.schedulePostEvent({
            reference: context.activity.getConversationReference(),
            eventAt: new Date(parts.scheduler.now()),
            eventId: name,
            template: FOLLOW_UP.template,
            variables: { name },
        });
    };
    return { followUps, followUp };
}

/** Starts the plugin and the follow-ups, each with its middleware on the agent's adapter. */
export async function startAgentsParts(adapter: InactivityTestAdapter, parts: { inactivity: InactivityMiddleware; followUps: FollowUpService }): Promise<void> {
    adapter.use(parts.inactivity);
    adapter.use(parts.followUps.middleware());
    await parts.inactivity.start();
    await parts.followUps.start();
}

/** The scenarios' view of an Agents SDK bot on the test adapter. */
export function agentsDriver(
    adapter: InactivityTestAdapter,
    scheduler: TestScheduler,
    parts: { inactivity: InactivityMiddleware; followUps: FollowUpService; handled: string[]; errors: Error[] }
): ScenarioBot {
    // send() takes what its turn sent; the scenarios read everything since their last take(), timers' sends too.
    let seen = 0;
    return {
        handled: parts.handled,
        errors: parts.errors,
        say: async (text) => {
            await adapter.send({ text, locale: 'en-US' });
        },
        click: async (action) => {
            await click(adapter, action);
        },
        advance: async (duration) => {
            await scheduler.advance(duration);
        },
        take: () => {
            const out = adapter.sent.slice(seen).map((a: Activity): Sent => ({ type: a.type, text: a.text, name: a.name }));
            seen = adapter.sent.length;
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
