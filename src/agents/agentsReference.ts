import type { ConversationReference } from '@microsoft/agents-activity';
import type { ActivityLike, ChannelAccountLike, ConversationRef } from '../core/ports/activity';
import { botOf } from '../core/timers/timerReference';
import { definedOnly } from '../core/util/definedOnly';

/** Channels on which a `conversationUpdate`'s id is not one a reply may point at (as the Agents SDK decides). */
const NO_REPLY_TO_UPDATE = new Set(['directline', 'webchat']);

/**
 * The conversation reference of an incoming activity, in the Agents SDK's shape (the bot is `agent`). Fields are
 * copied one by one: an Agents `Activity` keeps its channel in `_channelId` behind a getter, which spreading,
 * `JSON.stringify` and `structuredClone` lose. Unlike `activity.getConversationReference()` it does not throw on
 * an activity without `recipient` (the reference then names no bot).
 *
 * @param activity The turn's activity (an Agents `Activity` or a plain object).
 * @returns A plain reference that survives JSON.
 */
export function agentsReferenceOf(activity: ActivityLike): ConversationRef {
    const channelId = activity.channelId;
    const replyable = activity.type !== 'conversationUpdate' || !NO_REPLY_TO_UPDATE.has(channelId ?? '');
    return definedOnly({
        activityId: replyable ? activity.id : undefined,
        user: accountCopy(activity.from),
        agent: accountCopy(activity.recipient),
        conversation: activity.conversation && { ...activity.conversation },
        channelId,
        locale: activity.locale,
        serviceUrl: activity.serviceUrl,
    });
}

/**
 * A stored reference as the Agents SDK's `continueConversation` wants it: the bot as `agent`, whichever binding
 * wrote it (botbuilder's names it `bot`; without it the proactive turn fails with "Activity Recipient undefined").
 *
 * @param reference A reference from the plugin's record or a timer, written by either binding.
 * @returns A new reference; the argument is not changed.
 */
export function toAgentsReference(reference: ConversationRef): ConversationReference {
    return definedOnly({
        activityId: reference.activityId,
        user: accountCopy(reference.user),
        agent: accountCopy(botOf(reference)),
        conversation: reference.conversation && { ...reference.conversation },
        channelId: reference.channelId,
        locale: reference.locale,
        serviceUrl: reference.serviceUrl,
    }) as ConversationReference;
}

function accountCopy(account: ChannelAccountLike | undefined | null): ChannelAccountLike | undefined {
    return account ? { ...account } : undefined;
}
