import { DateTime, IANAZone } from 'luxon';
import { InactivityConfigError } from '../core/errors';

/** Quiet hours in the user's local time: no follow-up is sent from `start` until `end` (`'HH:mm'`, may wrap midnight). */
export interface QuietHours {
    /** When quiet hours begin, `'HH:mm'` local. Default `'21:00'`. */
    start: string;
    /** When they end, `'HH:mm'` local. Default `'08:00'`. */
    end: string;
}

/** The default quiet hours: 21:00 to 08:00 in the user's time zone. */
export const DEFAULT_QUIET_HOURS: QuietHours = { start: '21:00', end: '08:00' };

/**
 * True when `zone` is an IANA time zone this runtime knows.
 *
 * @param zone A name such as `'Europe/Lisbon'`.
 * @returns Whether it can be used.
 */
export function isTimeZone(zone: string | undefined): zone is string {
    return typeof zone === 'string' && zone.length > 0 && IANAZone.isValidZone(zone);
}

/**
 * Reads `'HH:mm'`.
 *
 * @param text The time of day.
 * @param field The option's name, for the error.
 * @returns Minutes after midnight.
 * @throws InactivityConfigError naming the field when the text is not a time of day.
 */
export function minutesOfDay(text: string, field: string): number {
    const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) {
        throw new InactivityConfigError(`${field} must be a time of day 'HH:mm' (for example '21:00'); got ${JSON.stringify(text)}.`);
    }
    return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Moves a send out of quiet hours: a time inside them becomes the end of that quiet period, in the user's zone,
 * on the right local day, across daylight-saving changes (the wall clock is what counts).
 *
 * @param at The planned time.
 * @param zone The user's IANA time zone.
 * @param quiet The quiet hours; `null` for none.
 * @returns `at`, or the end of the quiet period it falls in.
 */
export function outsideQuietHours(at: Date, zone: string, quiet: QuietHours | null): Date {
    if (!quiet) {
        return at;
    }
    const start = minutesOfDay(quiet.start, 'quietHours.start');
    const end = minutesOfDay(quiet.end, 'quietHours.end');
    if (start === end) {
        return at;
    }
    const local = DateTime.fromJSDate(at, { zone });
    const minute = local.hour * 60 + local.minute;
    const wraps = start > end;
    const inside = wraps ? minute >= start || minute < end : minute >= start && minute < end;
    if (!inside) {
        return at;
    }
    // The end is today when the quiet period began yesterday evening (or does not wrap), else tomorrow.
    const day = wraps && minute >= start ? local.plus({ days: 1 }) : local;
    const endAt = day.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 });
    return endAt.toJSDate();
}

/**
 * The first time at or after `after` that is `timeOfDay` on the user's wall clock.
 *
 * @param after The earliest time.
 * @param zone The user's IANA time zone.
 * @param timeOfDay `'HH:mm'`.
 * @returns That time.
 */
export function atLocalTime(after: Date, zone: string, timeOfDay: string): Date {
    const minutes = minutesOfDay(timeOfDay, 'localTime');
    const local = DateTime.fromJSDate(after, { zone });
    let at = local.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });
    if (at < local) {
        at = at.plus({ days: 1 }).set({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
    }
    return at.toJSDate();
}

/**
 * The user's local date of `at`, `'YYYY-MM-DD'` (the frequency cap's day).
 *
 * @param at A time.
 * @param zone The user's zone.
 * @returns The local date.
 */
export function localDate(at: Date, zone: string): string {
    return DateTime.fromJSDate(at, { zone }).toISODate() ?? at.toISOString().slice(0, 10);
}

/**
 * The start of the user's local day containing `at`, for the frequency cap.
 *
 * @param at A time.
 * @param zone The user's zone.
 * @returns Local midnight.
 */
export function startOfLocalDay(at: Date, zone: string): Date {
    return DateTime.fromJSDate(at, { zone }).startOf('day').toJSDate();
}
