import type { FollowUpReference } from './followUpReference';
import type { ObjectId } from 'mongodb';

/** The version of a stored follow-up document (`v`), so records can be read after upgrades. */
export const FOLLOW_UP_VERSION = 1;

/**
 * What started a follow-up: `postEvent` (an event such as a booked session, plus a delay), `reengagement` (a user
 * silent for a while), `checkIn` (after a conversation that went badly) or `custom` (any time, any template).
 */
export type FollowUpType = 'postEvent' | 'reengagement' | 'checkIn' | 'custom';

/**
 * Where a follow-up is: `pending` until due, `sending` while one instance holds it (a lease), then `executed`
 * (sent), `cancelled`, `failed` (every attempt refused) or `skipped` (see {@link SkipReason}).
 */
export type FollowUpStatus = 'pending' | 'sending' | 'executed' | 'cancelled' | 'failed' | 'skipped';

/**
 * Why a due follow-up was not sent: `outsideWindow` (the channel allows free-form messages only within a window
 * after the user's last message and no template callback sent it), `capped` (the user's frequency cap was
 * reached), `optedOut` (the user asked to stop), `blocked` (the channel answered 403: the bot was blocked or
 * removed), `template` (its text would have reached the user empty or with a raw `{{placeholder}}`: a template
 * or a variable removed after it was scheduled; reported through `onError` as well).
 */
export type SkipReason = 'outsideWindow' | 'capped' | 'optedOut' | 'blocked' | 'template';

/** One line of a follow-up's history (kept across reschedules). */
export interface FollowUpHistoryEntry {
    /** What happened: `scheduled`, `rescheduled`, `moved`, `retry`, or a final status. */
    event: string;
    /** When. */
    at: Date;
    /** The scheduled time it was moved to, for `rescheduled` / `moved` / `retry`. */
    scheduledAt?: Date;
    /** The error of a failed attempt. */
    error?: string;
}

/** The stored document of one follow-up, in `<prefix>FollowUps`. */
export interface FollowUpDocument {
    /** Derived from the deduplication key (see `followUpId`), so a second insert of the same key fails. */
    _id: ObjectId;
    /** Schema version, {@link FOLLOW_UP_VERSION}. */
    v: number;
    /** The deduplication key: type + user + event, or the caller's own. */
    key: string;
    /** What started it. */
    type: FollowUpType;
    /** Where it is. */
    status: FollowUpStatus;
    /** The user it is for (`from.id` of their messages). */
    userId: string;
    /** The conversation it is sent to. */
    conversationId: string;
    /** The channel (`msteams`, `whatsapp`, ...). */
    channelId: string;
    /** The reference the proactive turn continues. */
    reference: FollowUpReference;
    /** When it is due (after quiet hours). */
    scheduledAt: Date;
    /** The template key, or the base key a score chooses among (`<key>.high|neutral|low`); `''` with `customText`. */
    template: string;
    /** The literal message given as `text` instead of a template (its `{{placeholders}}` filled from `variables`). */
    customText?: string;
    /** The template's `{{variables}}`. */
    variables: Record<string, string | number>;
    /** Buttons, as locale keys (each becomes an imBack with its text). */
    buttons?: string[];
    /** The score a template is chosen by, when the bot passed one. */
    score?: number;
    /** The user's locale when it was scheduled. */
    locale?: string;
    /** The user's IANA time zone. */
    timeZone: string;
    /** Trigger data: the event's id and time, the silence it follows, ... */
    trigger: Record<string, string | number | boolean | Date | undefined>;
    /** Attempts made so far (reset by a reschedule). */
    attempts: number;
    /** The last attempt's error. */
    lastError?: string;
    /** Why it was skipped. */
    skipReason?: SkipReason;
    /** The text sent, once executed. */
    text?: string;
    /** Until when the instance that claimed it holds it (`sending`): a lease, renewed while it holds it. */
    leaseUntil?: Date;
    /**
     * When the claim's send began (`sending`): a claim taken over after its holder died with this set may have reached
     * the user, so it is not sent again (at most once).
     */
    sendStartedAt?: Date;
    /** When it was created. */
    createdAt: Date;
    /** When it was sent. */
    executedAt?: Date;
    /** When it was cancelled. */
    cancelledAt?: Date;
    /** When it reached a final status (executed, cancelled, failed, skipped): the retention period counts from here. */
    finishedAt?: Date;
    /** What happened to it, oldest first. */
    history: FollowUpHistoryEntry[];
}

/** A follow-up as the API returns it: the document with its id as a hex string. */
export interface FollowUp extends Omit<FollowUpDocument, '_id' | 'leaseUntil' | 'sendStartedAt'> {
    /** The follow-up's id (24 hex digits). */
    id: string;
}

/**
 * Reads a stored document into the API's shape.
 *
 * @param doc The stored document.
 * @returns The follow-up.
 */
export function toFollowUp(doc: FollowUpDocument): FollowUp {
    const { _id, leaseUntil: _lease, sendStartedAt: _started, ...rest } = doc;
    return { id: _id.toHexString(), ...rest };
}
