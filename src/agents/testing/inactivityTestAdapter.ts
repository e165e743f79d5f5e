import { randomUUID } from 'crypto';
import { Activity, ActivityTypes } from '@microsoft/agents-activity';
import type { ConversationReference } from '@microsoft/agents-activity';
import { CloudAdapter, TurnContext } from '@microsoft/agents-hosting';
import type { ResourceResponse } from '@microsoft/agents-hosting';

/** The fields of a user's activity for {@link InactivityTestAdapter.send}. */
export interface UserActivityFields {
    /** The message's text. */
    text?: string;
    /** A button's value (a `messageBack` click carries it). */
    value?: unknown;
    /** The user's locale; default: the adapter reference's. */
    locale?: string;
    /** The activity's type. Default `'message'`. */
    type?: string;
    /** An event's name. */
    name?: string;
}

/** What a user's turn of {@link InactivityTestAdapter.send} carries: a text, or the fields of an activity. */
export type UserMessage = string | UserActivityFields;

/** Options of {@link InactivityTestAdapter}. */
export interface InactivityTestAdapterOptions {
    /** The bot's logic for user turns, for example `(context) => agent.run(context)`. Default: does nothing. */
    logic?: (context: TurnContext) => Promise<void>;
    /**
     * The conversation the turns belong to. Default: channel `test`, service URL `https://test.example`,
     * conversation `conversation-1`, user `user-1`, agent `agent-1`, locale `en-US`.
     */
    reference?: Partial<ConversationReference>;
}

const DEFAULT_REFERENCE: ConversationReference = {
    channelId: 'test',
    serviceUrl: 'https://test.example',
    conversation: { id: 'conversation-1' },
    user: { id: 'user-1', name: 'User', role: 'user' },
    agent: { id: 'agent-1', name: 'Agent', role: 'bot' },
    locale: 'en-US',
};

/**
 * An Agents SDK `CloudAdapter` for unit tests of a bot that uses the plugin: turns run through the adapter's
 * middleware on a real `TurnContext`, and what the bot sends is recorded instead of posted to a channel (the
 * Agents SDK has no `TestAdapter`). Proactive turns (`continueConversation`, the plugin's reminders) are
 * CloudAdapter's own, so the identity rules of a real bot apply (`''` is refused; `{}` is an anonymous bot).
 *
 * ```ts
 * const adapter = new InactivityTestAdapter();
 * const agent = new AgentApplication({ storage, adapter });
 * adapter.logic = (context) => agent.run(context);
 * adapter.use(inactivity);
 * await inactivity.start();
 * const replies = await adapter.send('hi');          // what the bot sent in this turn
 * await scheduler.advance('5 minutes');
 * const [reminder] = adapter.takeSent();             // what the timer sent
 * ```
 *
 * A turn's error is thrown by `send()` (the adapter's `onTurnError` rethrows it), not answered with an apology.
 */
export class InactivityTestAdapter extends CloudAdapter {
    /** Every activity the bot sent, in order, including proactive ones. */
    readonly sent: Activity[] = [];
    /** The conversation of the turns {@link InactivityTestAdapter.send} runs. */
    readonly reference: ConversationReference;
    /** The bot's logic for user turns. */
    logic: (context: TurnContext) => Promise<void>;
    private taken = 0;

    /**
     * @param options See {@link InactivityTestAdapterOptions}.
     */
    constructor(options: InactivityTestAdapterOptions = {}) {
        super();
        this.logic = options.logic ?? (async () => undefined);
        this.reference = { ...DEFAULT_REFERENCE, ...options.reference };
        this.onTurnError = async (_context, error) => {
            throw error;
        };
    }

    /**
     * Runs a user's turn through the middleware and the bot's logic, as the channel would deliver the message.
     *
     * @param message A text, or the fields of the message (a button's `value`, a `locale`).
     * @returns What the bot sent during this turn (also what a timer sent before it, not yet taken).
     */
    async send(message: UserMessage): Promise<Activity[]> {
        const fields = typeof message === 'string' ? { text: message } : message;
        const activity = Activity.fromObject({
            type: fields.type ?? ActivityTypes.Message,
            id: randomUUID(),
            timestamp: new Date(),
            ...fields,
        }).applyConversationReference(this.reference, true);
        const context = new TurnContext(this, activity);
        await this.runMiddleware(context, this.logic);
        return this.takeSent();
    }

    /**
     * What the bot sent since the last `send()` or `takeSent()` (a timer's reminder, for example).
     *
     * @returns The activities, oldest first.
     */
    takeSent(): Activity[] {
        const out = this.sent.slice(this.taken);
        this.taken = this.sent.length;
        return out;
    }

    /**
     * Records the activities instead of posting them (trace activities are dropped, as CloudAdapter drops them
     * outside the Emulator).
     *
     * @param _context The turn.
     * @param activities What the bot sends.
     * @returns An id per activity.
     */
    override async sendActivities(_context: TurnContext, activities: Activity[]): Promise<ResourceResponse[]> {
        return activities.map((activity) => {
            if (activity.type !== (ActivityTypes.Trace as string)) {
                this.sent.push(activity);
            }
            return { id: randomUUID() };
        });
    }
}
