/**
 * The shapes of the Bot Framework activity protocol the core reads and writes, as plain structural types: both
 * botbuilder's and the Microsoft 365 Agents SDK's objects fit them, so the core imports neither SDK.
 */

/** A user or bot on a channel. */
export interface ChannelAccountLike {
    /** The channel's id for it. */
    id: string;
    /** Its display name. */
    name?: string;
    /** `user` or `bot`. */
    role?: string;
    /** Its Microsoft Entra object id, on Teams. */
    aadObjectId?: string;
}

/** A conversation on a channel. */
export interface ConversationLike {
    /** The channel's id for it. */
    id: string;
    /** Its name. */
    name?: string;
    /** Whether more than two people are in it. */
    isGroup?: boolean;
    /** `personal`, `groupChat` or `channel` on Teams. */
    conversationType?: string;
    /** The tenant, on Teams. */
    tenantId?: string;
}

/**
 * Where a conversation can be written to later: what the plugin stores for a timer's proactive turn. botbuilder
 * names the bot `bot`, the Agents SDK `agent`; a binding normalises what it reads into this shape and back.
 */
export interface ConversationRef {
    /** The channel. */
    channelId?: string;
    /** The channel's endpoint for proactive messages. */
    serviceUrl?: string;
    /** The conversation. */
    conversation?: ConversationLike;
    /** The user. */
    user?: ChannelAccountLike;
    /** The bot (botbuilder's name). */
    bot?: ChannelAccountLike;
    /** The bot (the Agents SDK's name). */
    agent?: ChannelAccountLike;
    /** The user's locale. */
    locale?: string;
    /** The activity it was taken from. */
    activityId?: string;
}

/** Buttons shown under a message until the user answers. */
export interface SuggestedActionsLike {
    /** The ids of the recipients who see them (empty: everyone). */
    to: string[];
    /** The buttons. */
    actions: CardActionLike[];
}

/** A card action (a button). */
export interface CardActionLike {
    /** `messageBack`, `imBack`, `postBack`... */
    type: string;
    /** The button's caption. */
    title: string;
    /** Text sent back. */
    text?: string;
    /** What the transcript shows for the click. */
    displayText?: string;
    /** Value sent back. */
    value?: unknown;
}

/** An attachment of an activity (a card). */
export interface AttachmentLike {
    /** Its media type, e.g. `application/vnd.microsoft.card.hero`. */
    contentType: string;
    /** The card. */
    content?: unknown;
}

/** An activity, incoming or outgoing, with the fields the core uses. */
export interface ActivityLike {
    /** `message`, `event`, `typing`, `endOfConversation`... */
    type?: string;
    /** Message text. */
    text?: string;
    /** A button's value, or an event's. */
    value?: unknown;
    /** An event's name. */
    name?: string;
    /** An end of conversation's code. */
    code?: string;
    /** The channel. */
    channelId?: string;
    /** The locale. */
    locale?: string;
    /** Who sent it. */
    from?: ChannelAccountLike;
    /** Who receives it. */
    recipient?: ChannelAccountLike;
    /** The conversation. */
    conversation?: ConversationLike;
    /** `expectingInput` when a prompt asks. */
    inputHint?: string;
    /** The activity it answers. */
    replyToId?: string;
    /** When it was sent. */
    timestamp?: Date;
    /** Attachments (cards). */
    attachments?: AttachmentLike[];
    /** The channel's endpoint. */
    serviceUrl?: string;
    /** Its id. */
    id?: string;
    /** Buttons the channel shows under the message until the user answers (follow-ups send their buttons so). */
    suggestedActions?: SuggestedActionsLike;
    /** The user's IANA time zone, where the channel sends it. */
    localTimezone?: string | null;
}

/** What a channel answers to a send. */
export interface ResourceResponseLike {
    /** The id it gave the activity. */
    id: string;
}

/** Called with the activities a turn is about to send; call `next()` to send them. */
export type SendHandler<C> = (context: C, activities: ActivityLike[], next: () => Promise<ResourceResponseLike[]>) => Promise<ResourceResponseLike[]>;

/**
 * The turn the core works in: botbuilder's and the Agents SDK's `TurnContext` both fit (their `turnState` is a
 * `Map`).
 */
export interface TurnContextLike {
    /** The activity that began the turn. */
    readonly activity: ActivityLike;
    /** Per-turn values. */
    readonly turnState: Map<unknown, unknown>;
    /** The adapter running the turn. */
    readonly adapter?: unknown;
    /** Sends one activity. */
    sendActivity(activity: ActivityLike | string): Promise<ResourceResponseLike | undefined>;
    /** Sends activities in order. */
    sendActivities(activities: ActivityLike[]): Promise<ResourceResponseLike[]>;
    /** Sees (and may change) every set of activities the turn sends. */
    onSendActivities(handler: SendHandler<TurnContextLike>): unknown;
}

/** botbuilder's `BotTelemetryClient`, as far as the plugin uses it. */
export interface TelemetryClientLike {
    /** Sends one custom event. */
    trackEvent(event: { name: string; properties?: Record<string, unknown>; metrics?: Record<string, number> }): void;
}
