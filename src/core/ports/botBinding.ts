import type { ActivityLike, ConversationRef, TurnContextLike } from './activity';

/** A button the plugin sends: its caption and the payload it carries back. */
export interface ButtonSpec {
    /** The caption, also shown in the transcript when clicked. */
    title: string;
    /** The payload the click carries back as the activity's `value`. */
    value: object;
}

/**
 * How a message's buttons are sent: `card`, a hero card whose buttons stay clickable after later messages, or
 * `suggestedActions`, buttons under the latest message that the channel removes once one is clicked or the user
 * writes.
 */
export type ButtonStyle = 'card' | 'suggestedActions';

/** Why an `endOfConversation` is sent after a flow ends; each SDK names the codes its own way. */
export type EndKind = 'timedOut' | 'unknown' | 'userCancelled';

/**
 * What the core needs from a bot SDK (botbuilder, the Microsoft 365 Agents SDK): conversation references,
 * proactive turns and the few activities it builds. One object per middleware, made by the binding.
 */
export interface BotBinding {
    /**
     * The conversation reference of an incoming activity, normalised to {@link ConversationRef}.
     *
     * @param activity The turn's activity.
     */
    referenceOf(activity: ActivityLike): ConversationRef;
    /**
     * Runs `logic` in a proactive turn of the conversation `reference` names. Errors thrown by the turn's setup
     * (credentials, the channel) reject the promise.
     *
     * @param reference A stored reference (written by any binding).
     * @param logic The turn's work.
     */
    continueConversation(reference: ConversationRef, logic: (context: TurnContextLike) => Promise<void>): Promise<void>;
    /**
     * A message asking for input, with buttons whose click carries `value` back (messageBack actions): as a hero
     * card, whose buttons stay clickable, or as suggested actions, which the channel removes once used.
     *
     * @param text The message.
     * @param buttons The buttons.
     * @param style `'card'` (the default) or `'suggestedActions'` (see buttonStyleFor).
     */
    messageWithButtons(text: string, buttons: ButtonSpec[], style?: ButtonStyle): ActivityLike;
    /**
     * The `handoff.initiate` event for a human agent, with the recent messages as its transcript.
     *
     * @param context The turn.
     * @param handoffContext What the agent is told (reason, flow, step, locale).
     * @param transcript The recent messages.
     */
    handoffEvent(context: TurnContextLike, handoffContext: object, transcript: ActivityLike[]): ActivityLike;
    /**
     * The SDK's `endOfConversation` code for a way a flow ends.
     *
     * @param kind Timed out, ended for another reason, or cancelled by the user.
     */
    endCode(kind: EndKind): string;
    /**
     * Makes each send of this proactive turn a single HTTP call (the plugin retries durably itself).
     *
     * @param context The timer's proactive turn.
     */
    singleAttemptSends(context: TurnContextLike): void;
    /**
     * An outgoing activity addressed like a reply in this turn (channel, conversation, from/recipient), for a
     * line the plugin adds to a set of activities already on their way.
     *
     * @param context The turn.
     * @param activity What to address.
     */
    addressed(context: TurnContextLike, activity: ActivityLike): ActivityLike;
}
