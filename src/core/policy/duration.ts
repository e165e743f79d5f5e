import { InactivityConfigError } from '../errors';
import { quoteKey, quoteValue } from '../util/quote';

/**
 * A duration: milliseconds as a number, or a string with a unit such as `'90 seconds'`, `'5 minutes'`,
 * `'1.5 hours'`, `'24h'` or `'500ms'` (units in any case; a string without a unit is refused).
 */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
    ms: 1,
    millisecond: 1,
    milliseconds: 1,
    s: 1000,
    sec: 1000,
    secs: 1000,
    second: 1000,
    seconds: 1000,
    m: 60_000,
    min: 60_000,
    mins: 60_000,
    minute: 60_000,
    minutes: 60_000,
    h: 3_600_000,
    hr: 3_600_000,
    hrs: 3_600_000,
    hour: 3_600_000,
    hours: 3_600_000,
    d: 86_400_000,
    day: 86_400_000,
    days: 86_400_000,
    w: 604_800_000,
    week: 604_800_000,
    weeks: 604_800_000,
};

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?\s*$/i;

/** A number written as text with no unit ('5'): once read as 5 ms, which nobody who writes it means. */
const NO_UNIT = /^\s*\d+(?:\.\d+)?\s*$/;

/**
 * Says why a value is not a {@link Duration}, as the end of a sentence that begins with the field's name.
 *
 * @param value The value given.
 * @returns E.g. `is '5', which has no unit: write '5 seconds' or '5 minutes', or give milliseconds as a number`.
 */
export function durationProblem(value: unknown): string {
    if (typeof value === 'string' && NO_UNIT.test(value)) {
        const n = quoteKey(value.trim());
        return `is '${n}', which has no unit: write '${n} seconds' or '${n} minutes', or give milliseconds as a number (${n})`;
    }
    return `must be milliseconds (a number >= 0) or a string such as '90 seconds', '5 minutes' or '24 hours'; got ${quoteValue(value)}`;
}

/**
 * Converts a {@link Duration} to milliseconds. Units are case-insensitive ('5 Minutes', '24 HOURS'); a string
 * needs one ('5' is refused: milliseconds are given as a number).
 *
 * @param value The duration as given by a user.
 * @param field The option's name, used in the error message.
 * @returns Whole milliseconds, never negative.
 * @throws InactivityConfigError when the value is not a non-negative number or a known `<number> <unit>` string.
 */
export function toMilliseconds(value: unknown, field: string): number {
    if (typeof value === 'number') {
        if (Number.isFinite(value) && value >= 0) {
            return Math.round(value);
        }
    } else if (typeof value === 'string') {
        const match = PATTERN.exec(value);
        const factor = match?.[2] === undefined ? undefined : UNIT_MS[match[2].toLowerCase()];
        if (match && factor !== undefined) {
            return Math.round(Number(match[1]) * factor);
        }
    }
    throw new InactivityConfigError(`${field} ${durationProblem(value)}.`);
}
