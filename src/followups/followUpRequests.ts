import { createHash } from 'crypto';
import { InactivityConfigError } from '../core/errors';
import { toMilliseconds } from '../core/policy/duration';
import type { FollowUpStore } from '../mongo/followUpStore';
import type { CheckInFollowUp, CustomFollowUp, PostEventFollowUp, ReengagementFollowUp, ScheduleResult } from './followUpOptions';
import { REENGAGEMENT_TEMPLATE } from './followUpTexts';
import type { FollowUpSettings } from './followUpSettings';
import type { NewFollowUp } from './followUpWrites';
import { userOf, zoneOf, ZoneSource } from './requestUser';
import { atLocalTime, localDate } from './userTime';

/** What turning a schedule request into a new follow-up needs. */
export interface RequestContext {
    /** The service's settings. */
    settings: FollowUpSettings;
    /** Where a user's time zone is found. */
    zones: ZoneSource;
    /** The clock. */
    now: () => number;
    /** The store, once the service is started. */
    store: () => Promise<FollowUpStore>;
}

/**
 * A post-event follow-up: at `eventAt + after`, or at `localTime` on the user's clock. Key:
 * `postEvent:<user>:<eventId or eventAt>`; another post-event follow-up of the same user within `dedupeWindow` is
 * a duplicate.
 *
 * @param request The bot's request.
 * @param ctx Settings, time zones, clock and store.
 * @returns The follow-up to insert, or the duplicate found.
 * @throws InactivityConfigError for an `eventAt` that is not a valid Date.
 */
export async function postEventFollowUp(request: PostEventFollowUp, ctx: RequestContext): Promise<NewFollowUp | ScheduleResult> {
    if (!(request.eventAt instanceof Date) || Number.isNaN(request.eventAt.getTime())) {
        throw new InactivityConfigError(`schedulePostEvent needs eventAt as a valid Date; got ${String(request.eventAt)}.`);
    }
    const after = request.after !== undefined ? toMilliseconds(request.after, 'after') : ctx.settings.followUpAfter;
    const userId = userOf(request);
    const zone = await zoneOf(ctx.zones, userId, request);
    let at = new Date(request.eventAt.getTime() + after);
    if (request.localTime) {
        at = atLocalTime(at, zone, request.localTime);
    }
    const key = request.key ?? `postEvent:${userId}:${request.eventId ?? request.eventAt.toISOString()}`;
    if (!request.key && ctx.settings.dedupeWindow > 0) {
        const near = await (await ctx.store()).findNear(userId, 'postEvent', at, ctx.settings.dedupeWindow);
        if (near) {
            return { id: near, duplicate: true };
        }
    }
    const trigger = { eventId: request.eventId, eventAt: request.eventAt };
    return { type: 'postEvent', key, request, userId, scheduledAt: at, zone, template: templateOf(request), trigger, score: request.score };
}

/**
 * A check-in after a concern. Key: `checkIn:<user>:<local date>`.
 *
 * @param request The bot's request.
 * @param ctx Settings, time zones and clock.
 * @returns The follow-up to insert.
 */
export async function checkInFollowUp(request: CheckInFollowUp, ctx: RequestContext): Promise<NewFollowUp> {
    const userId = userOf(request);
    const zone = await zoneOf(ctx.zones, userId, request);
    const at = request.at ?? new Date(ctx.now() + ctx.settings.checkInAfter);
    const key = request.key ?? `checkIn:${userId}:${localDate(at, zone)}`;
    const template = request.text !== undefined ? templateOf(request) : (request.template ?? 'followups:checkIn');
    return { type: 'checkIn', key, request, userId, scheduledAt: at, zone, template, trigger: {}, score: request.score };
}

/**
 * A follow-up at any time with any template or text. Key: the caller's, else `custom:<user>:<template>:<at>`
 * (`text:<hash of the text>` in place of the template for a literal text).
 *
 * @param request The bot's request.
 * @param ctx Time zones.
 * @returns The follow-up to insert.
 * @throws InactivityConfigError for an `at` that is not a valid Date.
 */
export async function customFollowUp(request: CustomFollowUp, ctx: RequestContext): Promise<NewFollowUp> {
    if (!(request.at instanceof Date) || Number.isNaN(request.at.getTime())) {
        throw new InactivityConfigError(`scheduleCustom needs at as a valid Date; got ${String(request.at)}.`);
    }
    const userId = userOf(request);
    const zone = await zoneOf(ctx.zones, userId, request);
    const what = request.text !== undefined ? `text:${createHash('sha1').update(String(request.text)).digest('hex').slice(0, 12)}` : request.template;
    const key = request.key ?? `custom:${userId}:${what}:${request.at.toISOString()}`;
    return { type: 'custom', key, request, userId, scheduledAt: request.at, zone, template: templateOf(request), trigger: {}, score: request.score };
}

/**
 * The template of a request: `''` for a literal `text`.
 *
 * @throws InactivityConfigError when both `template` and `text` are given.
 */
function templateOf(request: { template?: string; text?: string }): string {
    if (request.text !== undefined && request.template !== undefined) {
        throw new InactivityConfigError('A follow-up takes either `template` (a locale key) or `text` (a literal message), not both.');
    }
    return request.text !== undefined ? '' : (request.template as string);
}

/**
 * A re-engagement from a known last activity: due `after` (default `reengageAfter`) the last activity, or now when
 * that has passed. Key: `reengagement:<user>`.
 *
 * @param request The bot's request.
 * @param ctx Settings, time zones and clock.
 * @returns The follow-up to insert.
 * @throws InactivityConfigError for a `lastActivityAt` that is not a valid Date, or a bad `after`.
 */
export async function reengagementFollowUp(request: ReengagementFollowUp, ctx: RequestContext): Promise<NewFollowUp> {
    const last = request.lastActivityAt;
    if (!(last instanceof Date) || Number.isNaN(last.getTime())) {
        throw new InactivityConfigError(`scheduleReengagement needs lastActivityAt as a valid Date; got ${String(last)}.`);
    }
    const after = request.after !== undefined ? toMilliseconds(request.after, 'after') : ctx.settings.reengageAfter;
    const userId = userOf(request);
    const zone = await zoneOf(ctx.zones, userId, request);
    // A silence that is already long enough is due now: a time in the past would count as overdue in health().
    const at = new Date(Math.max(last.getTime() + after, ctx.now()));
    const key = request.key ?? `reengagement:${userId}`;
    const template = request.text !== undefined ? templateOf(request) : (request.template ?? REENGAGEMENT_TEMPLATE);
    return {
        type: 'reengagement',
        key,
        request,
        userId,
        scheduledAt: at,
        zone,
        template,
        trigger: { silenceMs: after, lastMessageAt: last },
        score: undefined,
    };
}
