import type { ConversationRef } from '../ports/activity';
import { definedOnly } from '../util/definedOnly';

/**
 * The part of a conversation reference a timer keeps: channel, service URL, conversation (id, tenant, group,
 * type), bot id, user id and locale. Names, roles, `activityId` and everything else are dropped.
 *
 * @param reference The conversation's full reference.
 * @returns The reference `continueConversationAsync` is given when the timer fires.
 */
export function timerReference<R extends ConversationRef>(reference: R): R {
    const conversation = reference.conversation;
    const bot = botOf(reference);
    const kept: ConversationRef = {
        channelId: reference.channelId,
        serviceUrl: reference.serviceUrl,
        conversation: definedOnly({
            id: conversation?.id,
            tenantId: conversation?.tenantId,
            isGroup: conversation?.isGroup === true ? true : undefined,
            conversationType: conversation?.conversationType,
        }) as ConversationRef['conversation'],
        // One name whichever SDK wrote it: the binding that runs the timer names it its own way.
        bot: bot?.id !== undefined ? { id: bot.id } : undefined,
        user: reference.user?.id !== undefined ? { id: reference.user.id } : undefined,
        locale: reference.locale,
    };
    return definedOnly(kept) as R;
}

/**
 * The bot of a reference, under botbuilder's name (`bot`) or the Agents SDK's (`agent`).
 *
 * @param reference A stored or incoming reference.
 * @returns The bot's account, if the reference names one.
 */
export function botOf(reference: ConversationRef): ConversationRef['bot'] {
    return reference.bot ?? reference.agent;
}
