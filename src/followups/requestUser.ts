import type { FollowUpReference } from './followUpReference';
import { InactivityConfigError } from '../core/errors';
import type { FollowUpOptions } from './followUpOptions';
import type { Warn } from './followUpWarnings';
import { isTimeZone } from './userTime';

/**
 * The user a follow-up request is for: its `userId`, else its reference's `user.id`.
 *
 * @throws InactivityConfigError when the request names no user.
 */
export function userOf(request: { reference: FollowUpReference; userId?: string }): string {
    const userId = request.userId ?? request.reference?.user?.id;
    if (!userId) {
        throw new InactivityConfigError('A follow-up needs the user: `userId`, or a `reference` with `user.id`.');
    }
    return userId;
}

/** Where {@link zoneOf} looks for a user's time zone after the request's own. */
export interface ZoneSource {
    /** The bot's resolver (`timeZone` option), if any. */
    resolver?: FollowUpOptions['timeZone'];
    /** The zone recorded for the user (from their messages' `localTimezone`). */
    stored: (userId: string) => Promise<string | undefined>;
    /** The `defaultTimeZone` setting. */
    defaultTimeZone: string;
    /** Hears a resolver that failed. */
    warn: Warn;
}

/**
 * A user's IANA time zone: the request's, else the resolver's, else the one recorded for the user, else the default.
 *
 * @param source The resolver, the stored zones and the default.
 * @param userId The user.
 * @param request The request (its `timeZone` and `reference`).
 * @returns The zone.
 */
export async function zoneOf(source: ZoneSource, userId: string, request: { reference: FollowUpReference; timeZone?: string }): Promise<string> {
    if (isTimeZone(request.timeZone)) {
        return request.timeZone;
    }
    const resolved = await Promise.resolve(source.resolver?.(userId, request.reference)).catch((err: unknown) => {
        source.warn(err);
        return undefined;
    });
    if (isTimeZone(resolved)) {
        return resolved;
    }
    const stored = await source.stored(userId);
    return isTimeZone(stored) ? stored : source.defaultTimeZone;
}
