import { ActionTypes, InputHints, type Activity } from '@microsoft/agents-activity';
import { MessageFactory, type AgentApplication, type Storage, type TurnContext, type TurnState } from '@microsoft/agents-hosting';
import type { InactivityMiddleware, InactivityOptions, Localizer, MarkedFlow } from '../../src/agents';
import { ADD_CLIENT, ADD_CLIENT_STEPS, CANCEL, CANCEL_REASON, CLIENT_TYPES, isContact, START, WAIT, WAIT_FOR } from '../addClientParts';
import { answerFollowUp, SampleFollowUps, scheduleFirstSession } from '../sampleFollowUps';

/** A step of the flow. */
type Step = (typeof ADD_CLIENT_STEPS)[number];

/** What the flow collects. */
interface ClientValues {
    name?: string;
    type?: string;
    contact?: string;
}

/** The conversation's place in the flow, kept in an item of its own in the sample's storage. */
interface AddClientRecord {
    step: Step;
    values: ClientValues;
}

/** The sample's item beside the app's and the plugin's: `<channel>/conversations/<id>/addClient`. */
const ITEM_SUFFIX = 'addClient';

/** The plugin's parts the flow uses: marking steps and giving more time. */
type Inactivity = Pick<InactivityMiddleware, 'flows' | 'extend'>;

/** The bot's hooks the plugin calls when it moves the user in the flow. */
type FlowHooks = Required<Pick<InactivityOptions, 'onContinue' | 'onStartOver' | 'onResume' | 'onEnd'>>;

/**
 * The add-client flow of the Agents SDK sample, with route handlers and no dialogs: the same questions as the
 * botbuilder sample's dialog (name; client type, with buttons; contact, validated; then a summary), each step
 * marked with `inactivity.flows.step()` once it is asked. "add client" begins it; inside it, "cancel" ends it through
 * the plugin with the sample's reason (saved for Resume, recorded) and "give me a minute" gives 10 more minutes.
 *
 * Where the user is lives in an item of the sample's own in the storage, read and written where it changes, not
 * in the app's TurnState: the plugin's hooks (Continue, Start over, Resume, and the end of a flow it closes) run in
 * turns the app never sees (a click the plugin answers, a timer's proactive turn), and agents-hosting 1.8 saves
 * TurnState only when an afterTurn handler asks it to.
 */
export class AddClientFlow {
    private attached?: Inactivity;
    /** The follow-up service, when follow-ups are on: a client added schedules "How did the first session go?". */
    private followUps?: SampleFollowUps;

    /**
     * @param texts The plugin's Localizer with the sample's `sample` namespace added.
     * @param storage The sample's storage (MongoStorage).
     */
    constructor(
        private readonly texts: Localizer,
        private readonly storage: Storage
    ) {}

    /**
     * The hooks to give the plugin's options: Continue asks the step again, Start over begins the flow again,
     * Resume takes the saved step and answers back (the plugin then asks the step), and an end the plugin makes
     * forgets the flow.
     *
     * @returns The hooks.
     */
    hooks(): FlowHooks {
        return {
            onContinue: (context, flow) => this.ask(context, recordOf(flow)),
            onStartOver: (context) => this.begin(context),
            onResume: (context, flow) => this.write(context, recordOf(flow)),
            onEnd: (context) => this.forget(context),
        };
    }

    /**
     * Adds the flow's routes to the app, and the welcome.
     *
     * @param agent The app.
     * @param parts The plugin, to mark steps with and to extend, and the follow-ups when they are on (a client added
     *   schedules "How did the first session go?"; its Great / Not great are answered outside the flow).
     */
    addRoutes(agent: AgentApplication<TurnState>, parts: { inactivity: Inactivity; followUps?: SampleFollowUps }): void {
        this.attached = parts.inactivity;
        this.followUps = parts.followUps;
        agent.onConversationUpdate('membersAdded', (context) => this.welcome(context));
        agent.onMessage(START, (context) => this.start(context));
        agent.onMessage(CANCEL, (context) => this.cancel(context));
        agent.onMessage(WAIT, (context) => this.wait(context));
        agent.onActivity('message', (context) => this.answer(context));
    }

    private get inactivity(): Inactivity {
        if (!this.attached) {
            throw new Error('AddClientFlow.addRoutes(agent, inactivity) must be called before the first turn.');
        }
        return this.attached;
    }

    private async welcome(context: TurnContext): Promise<void> {
        for (const member of context.activity.membersAdded ?? []) {
            if (member.id !== context.activity.recipient?.id) {
                await context.sendActivity(this.text(context, 'welcome'));
            }
        }
    }

    /** "add client": begins the flow; inside it, the words are an answer like any other (as in the dialog). */
    private async start(context: TurnContext): Promise<void> {
        if (await this.read(context)) {
            await this.answer(context);
            return;
        }
        await this.begin(context);
    }

    private async begin(context: TurnContext): Promise<void> {
        const record: AddClientRecord = { step: 'name', values: {} };
        await this.write(context, record);
        await this.ask(context, record);
    }

    /** "cancel": the plugin ends the flow with the sample's reason (answers kept for Resume); onEnd forgets it here. */
    private async cancel(context: TurnContext): Promise<void> {
        if (!(await this.read(context))) {
            await this.answer(context);
            return;
        }
        await this.inactivity.flows.end(context, CANCEL_REASON);
        await this.forget(context);
        await context.sendActivity(this.text(context, 'cancelled'));
    }

    /** "give me a minute": 10 more minutes before the reminder. */
    private async wait(context: TurnContext): Promise<void> {
        if ((await this.read(context)) && (await this.inactivity.extend(context, WAIT_FOR))) {
            await context.sendActivity(this.text(context, 'waiting'));
            return;
        }
        await this.answer(context);
    }

    /** An answer to the step the user is on; outside the flow, the one-line help. */
    private async answer(context: TurnContext): Promise<void> {
        const record = await this.read(context);
        const said = (context.activity.text ?? '').trim();
        if (!record) {
            const thanks = this.followUps && (await answerFollowUp(this.followUps, this.reply(context)));
            await context.sendActivity(thanks ?? this.text(context, 'help'));
            return;
        }
        const { values } = record;
        if (record.step === 'name') {
            if (said) {
                await this.next(context, { step: 'type', values: { ...values, name: said } });
                return;
            }
        } else if (record.step === 'type') {
            const type = this.clientType(context, said);
            if (type) {
                await this.next(context, { step: 'contact', values: { ...values, type } });
                return;
            }
        } else if (isContact(said)) {
            await context.sendActivity(this.text(context, 'addClient.done', { ...values, contact: said }));
            await this.forget(context);
            await this.inactivity.flows.end(context);
            if (this.followUps) {
                await scheduleFirstSession(this.followUps, { reference: context.activity.getConversationReference(), name: values.name });
            }
            return;
        } else {
            // As the dialog's contact prompt: the retry line alone, and the step stays marked.
            await context.sendActivity(MessageFactory.text(this.text(context, 'addClient.retryContact'), undefined, InputHints.ExpectingInput));
            await this.mark(context, record, this.question(context, record));
            return;
        }
        // Not an answer the step takes: the question again, as the dialog's prompts do.
        await this.ask(context, record);
    }

    private async next(context: TurnContext, record: AddClientRecord): Promise<void> {
        await this.write(context, record);
        await this.ask(context, record);
    }

    /** Asks the step's question and marks the step: the plugin's timer runs from it. */
    private async ask(context: TurnContext, record: AddClientRecord): Promise<void> {
        const question = this.question(context, record);
        await context.sendActivity(question);
        await this.mark(context, record, question);
    }

    /** The question's text is the mark's prompt: Continue and Resume ask again through onContinue, with the buttons, in the user's language. */
    private mark(context: TurnContext, record: AddClientRecord, question: Activity): Promise<void> {
        return this.inactivity.flows.step(context, {
            flowId: ADD_CLIENT,
            stepId: record.step,
            index: ADD_CLIENT_STEPS.indexOf(record.step) + 1,
            of: ADD_CLIENT_STEPS.length,
            values: plain(record.values),
            prompt: question.text,
        });
    }

    private question(context: TurnContext, record: AddClientRecord): Activity {
        const name = record.values.name;
        if (record.step === 'name') {
            return MessageFactory.text(this.text(context, 'addClient.askName'), undefined, InputHints.ExpectingInput);
        }
        if (record.step === 'type') {
            const actions = this.clientTypes(context).map((title) => ({ type: ActionTypes.ImBack, title, value: title }));
            return MessageFactory.suggestedActions(actions, this.text(context, 'addClient.askType', { name }), undefined, InputHints.ExpectingInput);
        }
        return MessageFactory.text(this.text(context, 'addClient.askContact', { name }), undefined, InputHints.ExpectingInput);
    }

    /** The client type the user chose: a button's title (any case) or its number. */
    private clientType(context: TurnContext, said: string): string | undefined {
        const types = this.clientTypes(context);
        const byNumber = /^\d+$/.test(said) ? types[Number(said) - 1] : undefined;
        return byNumber ?? types.find((t) => t.toLocaleLowerCase() === said.toLocaleLowerCase());
    }

    private clientTypes(context: TurnContext): string[] {
        return CLIENT_TYPES.map((key) => this.text(context, `addClient.types.${key}`));
    }

    private text(context: TurnContext, key: string, vars: Record<string, unknown> = {}): string {
        return this.texts.t(context.activity.locale, `sample:${key}`, vars);
    }

    /** A user's reply, as the follow-ups' answer reads it. */
    private reply(context: TurnContext) {
        const { text, locale, from } = context.activity;
        return { text, locale, userId: from?.id ?? '', reference: context.activity.getConversationReference(), texts: this.texts };
    }

    private key(context: TurnContext): string {
        const { channelId, conversation } = context.activity;
        return `${channelId ?? ''}/conversations/${conversation?.id ?? ''}/${ITEM_SUFFIX}`;
    }

    private async read(context: TurnContext): Promise<AddClientRecord | undefined> {
        const key = this.key(context);
        const item = (await this.storage.read([key]))[key] as Partial<AddClientRecord> | undefined;
        return item?.step && ADD_CLIENT_STEPS.includes(item.step) ? { step: item.step, values: { ...item.values } } : undefined;
    }

    private write(context: TurnContext, record: AddClientRecord): Promise<void> {
        // No eTag: the last write wins; one conversation's turns do not race in the sample.
        return this.storage.write({ [this.key(context)]: { step: record.step, values: plain(record.values) } });
    }

    private forget(context: TurnContext): Promise<void> {
        return this.storage.delete([this.key(context)]);
    }
}

/** The record a marked flow stands for (Continue and Resume give the step and the answers back). */
function recordOf(flow: MarkedFlow): AddClientRecord {
    const step = ADD_CLIENT_STEPS.find((s) => s === flow.stepId) ?? 'name';
    return { step, values: plain(flow.values) };
}

/** The answers without the ones not given yet: a mark's values are plain JSON. */
function plain(values: ClientValues): Record<string, string> {
    return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
