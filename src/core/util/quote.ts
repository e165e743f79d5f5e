/** The most characters of a value or a key an error message quotes. */
export const QUOTE_LIMIT = 100;

/**
 * Shows a value in an error message: strings and objects as JSON, numbers as written (`NaN`, not `null`), and
 * anything longer than {@link QUOTE_LIMIT} characters cut, with an ellipsis and its full length, so that a
 * megabyte-long value makes a readable message rather than a megabyte-long one.
 *
 * @param value The value found.
 * @returns E.g. `"soon"`, `NaN`, `"aaaa…" (1048576 characters)`.
 */
export function quoteValue(value: unknown): string {
    if (typeof value === 'string') {
        return value.length > QUOTE_LIMIT
            ? `${JSON.stringify(value.slice(0, QUOTE_LIMIT)).slice(0, -1)}…" (${value.length} characters)`
            : JSON.stringify(value);
    }
    let text: string;
    try {
        text =
            typeof value === 'number' || value === undefined || typeof value === 'function' || typeof value === 'bigint' || typeof value === 'symbol'
                ? String(value)
                : JSON.stringify(value);
    } catch {
        text = Object.prototype.toString.call(value); // a cycle
    }
    return text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}… (${text.length} characters)` : text;
}

/**
 * Shows a key (a flow id, a step key) inside a path such as `flows.<id>.steps.<key>`, cut like {@link quoteValue}.
 *
 * @param key The key.
 * @returns The key, or its first {@link QUOTE_LIMIT} characters, an ellipsis and its length.
 */
export function quoteKey(key: string): string {
    return key.length > QUOTE_LIMIT ? `${key.slice(0, QUOTE_LIMIT)}… (${key.length} characters)` : key;
}
