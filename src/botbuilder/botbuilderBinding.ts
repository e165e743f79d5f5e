import { ActionTypes, Activity, CardFactory, ConversationReference, EndOfConversationCodes, EventFactory, MessageFactory, TurnContext } from 'botbuilder';
import type { ActivityLike, ConversationRef, TurnContextLike } from '../core/ports/activity';
import type { BotBinding, ButtonSpec, ButtonStyle, EndKind } from '../core/ports/botBinding';
import { turnOffConnectorRetries } from './connectorRetries';

/** The part of a bot adapter the plugin needs to write to a conversation later (CloudAdapter has it). */
export interface ProactiveAdapter {
    /** Runs `logic` in a new turn for the conversation `reference` points at. */
    continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
}

const END_CODES: Record<EndKind, string> = {
    timedOut: EndOfConversationCodes.BotTimedOut,
    unknown: EndOfConversationCodes.Unknown,
    userCancelled: EndOfConversationCodes.UserCancelled,
};

/** The core's view of botbuilder: references, proactive turns and the activities the plugin builds. */
export class BotbuilderBinding implements BotBinding {
    /**
     * @param adapter The adapter that runs proactive turns.
     * @param botAppId The bot's app id for them (`''` for the Emulator and credential-less bots).
     */
    constructor(
        private readonly adapter: ProactiveAdapter,
        private readonly botAppId: string
    ) {}

    /** @inheritdoc */
    referenceOf(activity: ActivityLike): ConversationRef {
        return TurnContext.getConversationReference(activity as Partial<Activity>);
    }

    /** @inheritdoc */
    continueConversation(reference: ConversationRef, logic: (context: TurnContextLike) => Promise<void>): Promise<void> {
        // A reference written by the Agents SDK binding names the bot `agent`.
        const ref = reference.bot || !reference.agent ? reference : { ...reference, bot: reference.agent };
        return this.adapter.continueConversationAsync(this.botAppId, ref as Partial<ConversationReference>, logic);
    }

    /**
     * messageBack buttons: they send the payload as `value` and show the title in the transcript. As a hero card
     * they stay clickable in Web Chat, the Emulator and Teams after later messages; as suggested actions the
     * channel removes them once used.
     *
     * @inheritdoc
     */
    messageWithButtons(text: string, buttons: ButtonSpec[], style: ButtonStyle = 'card'): ActivityLike {
        const actions = buttons.map((b) => ({ type: ActionTypes.MessageBack, title: b.title, text: b.title, displayText: b.title, value: b.value }));
        const activity =
            style === 'suggestedActions'
                ? MessageFactory.suggestedActions(actions, text)
                : MessageFactory.attachment(CardFactory.heroCard('', undefined, actions), text);
        activity.inputHint = 'expectingInput';
        return activity;
    }

    /** @inheritdoc */
    handoffEvent(context: TurnContextLike, handoffContext: object, transcript: ActivityLike[]): ActivityLike {
        return EventFactory.createHandoffInitiation(context as TurnContext, handoffContext, { activities: transcript as Activity[] });
    }

    /** @inheritdoc */
    endCode(kind: EndKind): string {
        return END_CODES[kind];
    }

    /** @inheritdoc */
    singleAttemptSends(context: TurnContextLike): void {
        turnOffConnectorRetries(context as TurnContext);
    }

    /** @inheritdoc */
    addressed(context: TurnContextLike, activity: ActivityLike): ActivityLike {
        return TurnContext.applyConversationReference(
            activity as Partial<Activity>,
            TurnContext.getConversationReference(context.activity as Partial<Activity>)
        );
    }
}
