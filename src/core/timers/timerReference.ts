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
    const kept: ConversationRef = {
        channelId: reference.channelId,
        serviceUrl: reference.serviceUrl,
        conversation: definedOnly({
            id: conversation?.id,
            tenantId: conversation?.tenantId,
            isGroup: conversation?.isGroup === true ? true : undefined,
            conversationType: conversation?.conversationType,
        }) as ConversationRef['conversation'],
        bot: reference.bot?.id !== undefined ? { id: reference.bot.id } : undefined,
        user: reference.user?.id !== undefined ? { id: reference.user.id } : undefined,
        locale: reference.locale,
    };
    return definedOnly(kept) as R;
}
