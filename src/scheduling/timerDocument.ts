import type { ConversationRef as ConversationReference } from '../core/ports/activity';
import type { ObjectId } from 'mongodb';
import { TIMER_DATA_VERSION, TimerData } from '../core/ports/timerScheduler';
import { hashedId } from '../mongo/collection';
export { timerReference } from '../core/timers/timerReference';
import { botOf } from '../core/timers/timerReference';
import { definedOnly } from '../core/util/definedOnly';

/**
 * The Agenda job name of the per-conversation inactivity timer (version 2 documents). Short on purpose: it is
 * stored in every timer and in every entry of the lock index.
 */
export const TIMER_JOB_NAME = 'bbi:timer';

/**
 * The job name timers had before version 2 (0.1.x). Jobs of that name still fire (their data is read by
 * {@link readTimerData}) and are replaced by a version 2 timer when they re-arm.
 */
export const LEGACY_TIMER_JOB_NAME = 'botbuilder-inactivity:timer';

/**
 * A conversation reference as stored in a timer: only what `continueConversationAsync` needs to reach the
 * conversation again (Teams, Direct Line, Web Chat, the Emulator). Short keys, because one is stored per timer:
 *
 * | key | ConversationReference field |
 * | --- | --- |
 * | `c` | `channelId` |
 * | `s` | `serviceUrl` |
 * | `i` | `conversation.id` |
 * | `t` | `conversation.tenantId` (Teams) |
 * | `g` | `conversation.isGroup` (stored only when true) |
 * | `y` | `conversation.conversationType` (Teams: personal, groupChat, channel) |
 * | `b` | `bot.id` |
 * | `u` | `user.id` |
 * | `l` | `locale` |
 */
export interface StoredReference {
    c: string;
    s?: string;
    i: string;
    t?: string;
    g?: true;
    y?: string;
    b?: string;
    u?: string;
    l?: string;
}

/** What a version 2 timer stores in Agenda's `data`. */
export interface StoredTimerData {
    /** {@link TIMER_DATA_VERSION}. */
    v: number;
    /** The reference, compact. */
    r: StoredReference;
    /** The key, stored only when it is not `<channelId>/<conversationId>` of the reference (never for the middleware's timers). */
    k?: string;
}

/** What a version 1 timer stored (0.1.x): the key, the whole reference and the due time `arm()` asked for. */
interface LegacyTimerData {
    v: 1;
    key: string;
    reference: Partial<ConversationReference>;
    dueAt?: Date;
}

/**
 * The `_id` of a conversation's timer: {@link hashedId} of its key (the first 12 bytes of its SHA-256). The key is then stored nowhere
 * else, the `_id` index (which every MongoDB enforces as unique) keeps one timer per conversation, and arming is
 * a single upsert by `_id`.
 *
 * @param key The timer's key, `<channelId>/<conversationId>`.
 * @returns The timer's `_id`.
 */
export function timerId(key: string): ObjectId {
    return hashedId(key);
}

/**
 * What a timer stores in Agenda's `data` field.
 *
 * @param data The timer's data.
 * @returns The compact, versioned form.
 */
export function storedTimerData(data: TimerData): StoredTimerData {
    const ref = data.reference;
    const conversation = ref.conversation;
    const c = ref.channelId ?? 'unknown';
    const i = conversation?.id ?? 'unknown';
    return {
        v: TIMER_DATA_VERSION,
        ...(data.key === `${c}/${i}` ? {} : { k: data.key }),
        r: definedOnly({
            c,
            s: ref.serviceUrl,
            i,
            t: conversation?.tenantId,
            g: conversation?.isGroup === true ? true : undefined,
            y: conversation?.conversationType,
            b: botOf(ref)?.id,
            u: ref.user?.id,
            l: ref.locale,
        }) as StoredReference,
    };
}

/**
 * Reads a timer's stored data, whichever version wrote it: version 2 (compact, {@link storedTimerData}) and
 * version 1 (0.1.x: `{ v: 1, key, reference, dueAt }`).
 *
 * @param stored Agenda's `data` field of a timer job.
 * @returns The timer's data, or `undefined` when it is not a timer this version can read.
 */
export function readTimerData(stored: unknown): TimerData | undefined {
    if (!stored || typeof stored !== 'object') {
        return undefined;
    }
    const version = (stored as { v?: unknown }).v;
    if (version === 1) {
        const { key, reference } = stored as LegacyTimerData;
        return typeof key === 'string' && reference && typeof reference === 'object' ? { v: 1, key, reference } : undefined;
    }
    if (version === 2) {
        const r = (stored as StoredTimerData).r;
        if (!r || typeof r.c !== 'string' || typeof r.i !== 'string') {
            return undefined;
        }
        const reference = definedOnly({
            channelId: r.c,
            serviceUrl: r.s,
            conversation: definedOnly({ id: r.i, tenantId: r.t, isGroup: r.g, conversationType: r.y }),
            bot: r.b !== undefined ? { id: r.b } : undefined,
            user: r.u !== undefined ? { id: r.u } : undefined,
            locale: r.l,
        }) as Partial<ConversationReference>;
        const k = (stored as StoredTimerData).k;
        return { v: 2, key: typeof k === 'string' ? k : `${r.c}/${r.i}`, reference };
    }
    return undefined;
}
