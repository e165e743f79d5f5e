import { InactivityConfigError } from '../errors';
import { toMilliseconds } from '../policy/duration';

/** Options of {@link parseDateOrDuration}. */
export interface DateOrDurationOptions {
    /** The flag or field the text came from (`--since`, `<when>`), named in the error. Required. */
    name: string;
    /**
     * Which way a duration counts from now: `'ago'` (`30d` is 30 days before now, as in a report's `--since`) or
     * `'fromNow'` (`'2 hours'` is two hours after now, as in a reschedule).
     *
     * @default 'ago'
     */
    direction?: 'ago' | 'fromNow';
    /**
     * The clock, in epoch milliseconds.
     *
     * @default Date.now()
     */
    now?: number;
}

const DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})/;

/**
 * Reads a time given as a date or as a duration from now: an ISO 8601 date (`2026-11-01`,
 * `2030-01-31T09:00:00Z`), or a duration in the plugin's syntax (`30d`, `12h`, `'2 weeks'`) counted back from now
 * (or forward, with `direction: 'fromNow'`). The one reader of such times for the CLI's `report` and
 * `followups reschedule` and for the sample's `/report` route.
 *
 * @example
 * ```ts
 * parseDateOrDuration('7d', { name: '--since' });                     // 7 days ago
 * parseDateOrDuration('2026-11-01', { name: '--since' });             // 2026-11-01T00:00:00.000Z
 * parseDateOrDuration('2 hours', { name: '<when>', direction: 'fromNow' });
 * ```
 * @param text What the user wrote.
 * @param options The name for the error, the direction and the clock.
 * @returns The time it means.
 * @throws InactivityConfigError naming `options.name` and the text when it is neither a date nor a duration
 *   (a calendar day that does not exist, such as 2026-02-30, included).
 */
export function parseDateOrDuration(text: string, options: DateOrDurationOptions): Date {
    const date = DATE_PREFIX.exec(text);
    if (date) {
        const at = new Date(text);
        if (!Number.isNaN(at.getTime()) && isCalendarDay(Number(date[1]), Number(date[2]), Number(date[3]))) {
            return at;
        }
    } else {
        try {
            const ms = toMilliseconds(text, options.name);
            return new Date((options.now ?? Date.now()) + (options.direction === 'fromNow' ? ms : -ms));
        } catch {
            // Reported below, with both forms.
        }
    }
    throw new InactivityConfigError(`${options.name} "${text}" is neither a duration (30d, 12h, '2 weeks') nor a date (2026-11-01, 2030-01-31T09:00:00Z).`);
}

// Date parsing rolls 2026-02-30 over to March 2; a typo should be refused instead.
function isCalendarDay(year: number, month: number, day: number): boolean {
    const at = new Date(Date.UTC(year, month - 1, day));
    return at.getUTCMonth() === month - 1 && at.getUTCDate() === day;
}
