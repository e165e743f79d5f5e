import type { ConversationRef } from '../ports/activity';

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

/**
 * A copy of an object without its `undefined` fields (they would be stored as `null` by the driver).
 *
 * @param value The object.
 * @returns The copy.
 */
export function definedOnly<T extends object>(value: T): Partial<T> {
    const out: Partial<T> = {};
    for (const [k, v] of Object.entries(value)) {
        if (v !== undefined) {
            (out as Record<string, unknown>)[k] = v;
        }
    }
    return out;
}
