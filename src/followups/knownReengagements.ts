import { InactivityConfigError } from '../core/errors';
import type { FollowUpStore } from '../mongo/followUpStore';
import type { FollowUpUsers } from '../mongo/followUpUsers';
import type { ReengagementFollowUp, ReengagementResult } from './followUpOptions';
import type { FollowUpDocument } from './followUpRecord';
import { reengagementFollowUp, RequestContext } from './followUpRequests';
import { REENGAGEMENT_TEMPLATE } from './followUpTexts';
import { checkNewFollowUp, newFollowUpDocument } from './followUpWrites';
import { userOf } from './requestUser';
import { outsideQuietHours } from './userTime';

/** What scheduling re-engagements from known last activities needs. */
export interface KnownReengagementContext {
    /** Settings, time zones and clock. */
    requests: RequestContext;
    /** The follow-ups. */
    store: FollowUpStore;
    /** The users (their stored time zones and opt-outs, read in one command). */
    users: FollowUpUsers;
    /** Refuses a request whose text cannot be shown (see `checkFollowUpText`). */
    checkText: (request: ReengagementFollowUp, template: string) => void;
    /** Moves the senders' wake-up to `at`. */
    wake: (at: Date) => void;
}

/**
 * Schedules re-engagements from known last activities, in two commands whatever their number (the users, one
 * unordered insert): an import of a bot's records. A request the service refuses (no reference, a bad
 * date, an unknown template) gets its `error`; the others go in; a key that exists (or comes twice) is a duplicate.
 *
 * @param requests The requests.
 * @param ctx The store, users, settings and wake-up.
 * @returns One result per request, in order.
 * @throws What the database throws; a request's own problem is its result's `error` instead.
 */
export async function scheduleKnownReengagements(requests: readonly ReengagementFollowUp[], ctx: KnownReengagementContext): Promise<ReengagementResult[]> {
    const userIds = requests.map((request) => {
        try {
            return userOf(request);
        } catch {
            return undefined;
        }
    });
    const known = await ctx.users.getMany(userIds.filter((u): u is string => u !== undefined));
    const requestContext: RequestContext = {
        ...ctx.requests,
        zones: { ...ctx.requests.zones, stored: async (userId) => known.get(userId)?.timeZone },
    };
    const results: ReengagementResult[] = [];
    const docs: Array<{ doc: FollowUpDocument; at: number }> = [];
    const now = new Date(ctx.requests.now());
    for (const [at, request] of requests.entries()) {
        try {
            ctx.checkText(request, request.template ?? REENGAGEMENT_TEMPLATE);
            const followUp = await reengagementFollowUp(request, requestContext);
            checkNewFollowUp(followUp);
            const scheduledAt = outsideQuietHours(followUp.scheduledAt, followUp.zone, ctx.requests.settings.quietHours);
            const optedOut = Boolean(known.get(followUp.userId)?.optedOutAt);
            docs.push({ doc: newFollowUpDocument({ ...followUp, scheduledAt }, { now, optedOut }), at });
        } catch (err) {
            if (!(err instanceof InactivityConfigError)) {
                throw err;
            }
            results[at] = { error: err };
        }
    }
    const inserted = await ctx.store.insertMany(docs.map((d) => d.doc));
    let earliest: Date | undefined;
    for (const [i, { doc, at }] of docs.entries()) {
        results[at] = inserted[i];
        if (!inserted[i].duplicate && doc.status === 'pending' && (!earliest || doc.scheduledAt < earliest)) {
            earliest = doc.scheduledAt;
        }
    }
    if (earliest) {
        ctx.wake(earliest);
    }
    return results;
}
