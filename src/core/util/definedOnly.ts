/**
 * A copy without the fields whose value is `undefined`, which BSON would store as `null`: "absent" keeps a
 * single representation, and sparse indexes stay sparse.
 *
 * @param value A document.
 * @returns The same fields, minus the undefined ones (one level deep).
 */
export function definedOnly<T extends object>(value: T): Partial<T> {
    const out: Partial<T> = {};
    for (const [k, v] of Object.entries(value)) {
        if (v !== undefined) {
            (out as Record<string, unknown>)[k] = v;
        }
    }
    return out;
}
