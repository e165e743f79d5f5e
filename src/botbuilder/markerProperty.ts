import type { ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { TurnContextLike } from '../core/ports/activity';
import type { MarkerStore } from '../core/ports/markerStore';

/** The property of the bot's conversation state that holds the flow the bot marked with `flows.step()`. */
export const MARKER_PROPERTY = 'botbuilder-inactivity-flow';

/**
 * The flow a bot marked, as a property of its `ConversationState`: saved by the same saves as the plugin's
 * record (the bot's, the plugin's at the end of a user turn, a timer's conditional claim).
 */
export class ConversationStateMarkerStore implements MarkerStore {
    private readonly property: StatePropertyAccessor<unknown>;

    /**
     * @param conversationState The bot's conversation state.
     */
    constructor(conversationState: ConversationState) {
        this.property = conversationState.createProperty<unknown>(MARKER_PROPERTY);
    }

    /** @inheritdoc */
    get(context: TurnContextLike): Promise<unknown> {
        return this.property.get(context as TurnContext);
    }

    /** @inheritdoc */
    async set(context: TurnContextLike, flow: unknown): Promise<void> {
        if (flow === undefined) {
            await this.property.delete(context as TurnContext);
        } else {
            await this.property.set(context as TurnContext, flow);
        }
    }
}
