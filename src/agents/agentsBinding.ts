import { ActionTypes, Activity, ActivityTypes, EndOfConversationCodes, InputHints } from '@microsoft/agents-activity';
import type { ConversationReference } from '@microsoft/agents-activity';
import { MessageFactory } from '@microsoft/agents-hosting';
import type { TurnContext } from '@microsoft/agents-hosting';
import type { ActivityLike, ConversationRef, TurnContextLike } from '../core/ports/activity';
import type { BotBinding, ButtonSpec, ButtonStyle, EndKind } from '../core/ports/botBinding';
import { agentsReferenceOf, toAgentsReference } from './agentsReference';

/**
 * The part of an Agents SDK adapter the plugin needs to write to a conversation later (`CloudAdapter` has it).
 */
export interface AgentsProactiveAdapter {
    /** Runs `logic` in a new turn, through the adapter's middleware, for the conversation `reference` points at. */
    continueConversation(
        botAppIdOrIdentity: string | { [claim: string]: unknown },
        reference: ConversationReference,
        logic: (context: TurnContext) => Promise<void>
    ): Promise<void>;
}

const END_CODES: Record<EndKind, string> = {
    timedOut: EndOfConversationCodes.AgentTimedOut,
    unknown: EndOfConversationCodes.Unknown,
    userCancelled: EndOfConversationCodes.UserCancelled,
};

/** A hero card's content type (CardFactory's `contentTypes` is typed `any`). */
const HERO_CARD = 'application/vnd.microsoft.card.hero';

/**
 * The core's view of the Microsoft 365 Agents SDK: references (the bot is `agent`), proactive turns and the
 * activities the plugin builds. Activities are built with the SDK's own factories, or field by field, never
 * by spreading an `Activity` (its channel would be lost).
 */
export class AgentsBinding implements BotBinding {
    /**
     * @param adapter The adapter that runs proactive turns.
     * @param botAppId The bot's app id; `''` for an anonymous bot (no credentials, local use).
     */
    constructor(
        private readonly adapter: AgentsProactiveAdapter,
        private readonly botAppId: string
    ) {}

    /** @inheritdoc */
    referenceOf(activity: ActivityLike): ConversationRef {
        return agentsReferenceOf(activity);
    }

    /**
     * Runs `logic` in a proactive turn. The Agents SDK refuses an empty app id (error -120631): an anonymous bot
     * is given an empty identity instead, any other the app id. A reference written by the botbuilder binding
     * (the bot as `bot`) is turned into the Agents SDK's shape.
     *
     * @inheritdoc
     */
    continueConversation(reference: ConversationRef, logic: (context: TurnContextLike) => Promise<void>): Promise<void> {
        const identity = this.botAppId ? this.botAppId : {};
        // The SDK's ChannelAccount has an optional id where the core's shape requires one: the same object.
        return this.adapter.continueConversation(identity, toAgentsReference(reference), (context) => logic(context as unknown as TurnContextLike));
    }

    /**
     * messageBack buttons, as the botbuilder binding sends them: they send the payload as `value` and show the
     * title in the transcript; as a hero card they stay clickable after later messages, as suggested actions the
     * channel removes them once used.
     *
     * @inheritdoc
     */
    messageWithButtons(text: string, buttons: ButtonSpec[], style: ButtonStyle = 'card'): ActivityLike {
        const actions = buttons.map((b) => ({ type: ActionTypes.MessageBack, title: b.title, text: b.title, displayText: b.title, value: b.value }));
        if (style === 'suggestedActions') {
            return MessageFactory.suggestedActions(actions, text, undefined, InputHints.ExpectingInput) as ActivityLike;
        }
        const card = { contentType: HERO_CARD, content: { buttons: actions } };
        return MessageFactory.attachment(card, text, undefined, InputHints.ExpectingInput) as ActivityLike;
    }

    /**
     * The `handoff.initiate` event, built as botbuilder's `EventFactory.createHandoffInitiation` builds it (the
     * Agents SDK has no `EventFactory`): the handoff context as `value`, the transcript as a JSON attachment named
     * `Transcript`, and the conversation it relates to.
     *
     * @inheritdoc
     */
    handoffEvent(context: TurnContextLike, handoffContext: object, transcript: ActivityLike[]): ActivityLike {
        const incoming = context.activity;
        return Activity.fromObject({
            type: ActivityTypes.Event,
            name: 'handoff.initiate',
            value: handoffContext,
            timestamp: new Date(),
            localTimezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
            channelId: incoming.channelId,
            serviceUrl: incoming.serviceUrl,
            conversation: incoming.conversation && { ...incoming.conversation },
            from: incoming.from && { ...incoming.from },
            replyToId: incoming.id,
            relatesTo: toAgentsReference(agentsReferenceOf(incoming)),
            attachments: [{ contentType: 'application/json', name: 'Transcript', content: { activities: transcript } }],
            entities: [],
        }) as ActivityLike;
    }

    /** @inheritdoc */
    endCode(kind: EndKind): string {
        return END_CODES[kind];
    }

    /**
     * Nothing to do: the Agents SDK's connector client makes one HTTP call per send and does not retry (the
     * botbuilder connector's pipeline does, and that binding removes its retry policy). The plugin's own durable
     * retries are the only ones.
     *
     * @inheritdoc
     */
    singleAttemptSends(): void {}

    /**
     * An Agents `Activity` (the connector calls methods on what it sends, `isTargetedActivity()` on Teams), with
     * the turn's reference applied as for a reply.
     *
     * @inheritdoc
     */
    addressed(context: TurnContextLike, activity: ActivityLike): ActivityLike {
        const reference = toAgentsReference(agentsReferenceOf(context.activity));
        return Activity.fromObject(activityFields(activity)).applyConversationReference(reference) as ActivityLike;
    }
}

/** The fields of an activity the plugin builds, copied (an Agents `Activity` must not be spread). */
function activityFields(activity: ActivityLike): Record<string, unknown> {
    const fields: Record<string, unknown> = {};
    for (const key of ['type', 'text', 'value', 'name', 'code', 'locale', 'inputHint', 'attachments'] as const) {
        if (activity[key] !== undefined) {
            fields[key] = activity[key];
        }
    }
    return fields;
}
