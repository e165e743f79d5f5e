import type { ConversationRef } from '../core/ports/activity';
import type { FollowUpReference } from './followUpReference';
import { InactivityConfigError } from '../core/errors';
import { timerReference } from '../scheduling/timerDocument';
import { isDuplicateKey } from '../mongo/collection';
import { followUpId } from '../mongo/followUpId';
import type { ScheduleCommon } from './followUpOptions';
import { FOLLOW_UP_VERSION, FollowUpDocument, FollowUpType } from './followUpRecord';
import type { FollowUpStore } from '../mongo/followUpStore';

/** A follow-up to write: what every `schedule…` call resolves its request to. */
export interface NewFollowUp {
    /** Its type. */
    type: FollowUpType;
    /** Its deduplication key. */
    key: string;
    /** The caller's request. */
    request: ScheduleCommon;
    /** The user. */
    userId: string;
    /** When it is due, already out of quiet hours. */
    scheduledAt: Date;
    /** The user's time zone. */
    zone: string;
    /** The template (a locale key). */
    template: string;
    /** What caused it. */
    trigger: FollowUpDocument['trigger'];
    /** The score (0-1), if any. */
    score?: number;
}

/**
 * Checks a follow-up's request.
 *
 * @throws InactivityConfigError naming what is missing or wrong.
 */
export function checkNewFollowUp(followUp: Pick<NewFollowUp, 'request' | 'template' | 'score'>): void {
    const { request, template, score } = followUp;
    if (!request.reference?.conversation?.id) {
        throw new InactivityConfigError('A follow-up needs `reference`: the conversation reference (TurnContext.getConversationReference(activity)).');
    }
    if (request.text === undefined && (typeof template !== 'string' || !template)) {
        throw new InactivityConfigError(`A follow-up needs a template (a locale key) or a text; got template ${JSON.stringify(template)}.`);
    }
    if (score !== undefined && !(score >= 0 && score <= 1)) {
        throw new InactivityConfigError(`score must be a number from 0 to 1; got ${JSON.stringify(score)}.`);
    }
}

/**
 * The document of a new follow-up: pending, or skipped at once for a user who opted out.
 *
 * @param followUp The follow-up.
 * @param state `now`, and whether the user opted out.
 * @returns The document to insert.
 */
export function newFollowUpDocument(followUp: NewFollowUp, state: { now: Date; optedOut: boolean }): FollowUpDocument {
    const { request, scheduledAt, score } = followUp;
    const { now, optedOut } = state;
    const reference = request.reference as FollowUpReference & { conversation: { id: string } };
    const locale = request.locale ?? reference.locale;
    return {
        _id: followUpId(followUp.key),
        v: FOLLOW_UP_VERSION,
        key: followUp.key,
        type: followUp.type,
        status: optedOut ? 'skipped' : 'pending',
        userId: followUp.userId,
        conversationId: reference.conversation.id,
        channelId: reference.channelId ?? '',
        reference: timerReference(reference as ConversationRef),
        scheduledAt,
        template: followUp.template,
        ...(request.text !== undefined ? { customText: request.text } : {}),
        variables: request.variables ?? {},
        ...(request.buttons?.length ? { buttons: request.buttons } : {}),
        ...(score !== undefined ? { score } : {}),
        ...(locale ? { locale } : {}),
        timeZone: followUp.zone,
        trigger: followUp.trigger,
        attempts: 0,
        createdAt: now,
        ...(optedOut ? { skipReason: 'optedOut' as const, finishedAt: now } : {}),
        history: [{ event: optedOut ? 'skipped' : 'scheduled', at: now, scheduledAt }],
    };
}

/** A user's re-engagement to arm or move. */
export interface Reengagement {
    /** The user. */
    userId: string;
    /** The conversation to write into. */
    reference: FollowUpReference;
    /** The user's time zone. */
    zone: string;
    /** The user's locale, when known. */
    locale?: string;
    /** When it is due. */
    at: Date;
    /** Now. */
    now: Date;
    /** The silence it follows, ms. */
    silenceMs: number;
}

/**
 * Arms or moves a user's re-engagement (one record per user, key `reengagement:<user>`), unless it is being sent.
 *
 * @returns True when armed or moved; false when a send of it is under way.
 */
export async function writeReengagement(store: FollowUpStore, r: Reengagement): Promise<boolean> {
    const key = `reengagement:${r.userId}`;
    const locale = r.locale ?? r.reference.locale;
    const fields = {
        v: FOLLOW_UP_VERSION,
        key,
        type: 'reengagement' as const,
        userId: r.userId,
        conversationId: r.reference.conversation?.id ?? '',
        channelId: r.reference.channelId ?? '',
        reference: timerReference(r.reference as ConversationRef),
        template: 'followups:reengagement',
        variables: {},
        timeZone: r.zone,
        trigger: { silenceMs: r.silenceMs, lastMessageAt: r.now },
        ...(locale ? { locale } : {}),
    };
    try {
        const result = await store.collection.updateOne(
            { _id: followUpId(key), status: { $ne: 'sending' } },
            {
                $set: { ...fields, status: 'pending', scheduledAt: r.at, attempts: 0 },
                // A re-engagement the bot scheduled with its own text and buttons becomes the plugin's own again.
                $unset: { lastError: '', skipReason: '', executedAt: '', cancelledAt: '', finishedAt: '', text: '', customText: '', buttons: '' },
                $setOnInsert: { createdAt: r.now },
                $push: { history: { $each: [{ event: 'moved', at: r.now, scheduledAt: r.at }], $slice: -20 } },
            },
            { upsert: true }
        );
        return result.matchedCount > 0 || result.upsertedCount > 0;
    } catch (err) {
        // The upsert met the record in `sending` (the filter did not match, the insert hit its _id): a send is under way.
        if (isDuplicateKey(err)) {
            return false;
        }
        throw err;
    }
}
