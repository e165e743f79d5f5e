import type { TurnContextLike } from './activity';

/**
 * Where the flow a bot marked with `flows.step()` is kept: beside the plugin's record in the conversation's
 * state, so that it is written by the same saves and conditional claims (botbuilder: a property of the bot's
 * `ConversationState`; the Agents SDK: the plugin's own storage item).
 */
export interface MarkerStore {
    /**
     * The marked flow as this turn holds it (loaded on first use), not yet checked.
     *
     * @param context The turn.
     */
    get(context: TurnContextLike): Promise<unknown>;
    /**
     * Replaces it in this turn's cache (`undefined`: no flow); written with the conversation's state.
     *
     * @param context The turn.
     * @param flow The flow.
     */
    set(context: TurnContextLike, flow: unknown): Promise<void>;
}
