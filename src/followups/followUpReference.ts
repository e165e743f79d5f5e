import type { ChannelAccountLike, ConversationLike, ConversationRef } from '../core/ports/activity';

/**
 * A conversation reference of either SDK, as a bot has it: botbuilder's
 * `TurnContext.getConversationReference(activity)` or the Agents SDK's `activity.getConversationReference()` (whose
 * accounts have an optional `id`). The service checks at `schedule…()` that it names a conversation and a user.
 */
export type FollowUpReference = Omit<Partial<ConversationRef>, 'conversation' | 'user' | 'bot' | 'agent'> & {
    /** The conversation. */
    conversation?: Partial<ConversationLike>;
    /** The user. */
    user?: Partial<ChannelAccountLike>;
    /** The bot (botbuilder's name). */
    bot?: Partial<ChannelAccountLike>;
    /** The bot (the Agents SDK's name). */
    agent?: Partial<ChannelAccountLike> | null;
};
