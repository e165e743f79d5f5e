/** The normal quantile of a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** Successes out of trials: one group of a comparison. */
export interface Proportion {
    /** Successes. */
    x: number;
    /** Trials. */
    n: number;
}

/**
 * Wilson's score interval of one proportion (Newcombe 1998's method 3).
 *
 * @param p The successes and trials (`n` > 0).
 * @param z The normal quantile. Default {@link Z95}.
 * @returns `[low, high]`.
 */
export function wilsonInterval(p: Proportion, z = Z95): [number, number] {
    const { x, n } = p;
    const z2 = z * z;
    const centre = (x + z2 / 2) / (n + z2);
    const half = (z * Math.sqrt((x * (n - x)) / n + z2 / 4)) / (n + z2);
    return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * The interval of a difference of two independent proportions `a - b` by Newcombe's hybrid score method (Newcombe
 * 1998, "Interval estimation for the difference between independent proportions", method 10): each proportion's
 * Wilson score interval, combined as the square root of the sum of squared distances. It keeps its coverage close
 * to the nominal one with small groups and rates near 0 or 1, where the simple Wald interval does not.
 *
 * @param a The first group (the reminded runs).
 * @param b The second group (the held-out runs).
 * @param z The normal quantile. Default {@link Z95} (a 95% interval).
 * @returns `[low, high]`, or `null` when a group is empty.
 */
export function newcombeInterval(a: Proportion, b: Proportion, z = Z95): [number, number] | null {
    if (a.n <= 0 || b.n <= 0) {
        return null;
    }
    const p1 = a.x / a.n;
    const p2 = b.x / b.n;
    const [l1, u1] = wilsonInterval(a, z);
    const [l2, u2] = wilsonInterval(b, z);
    const d = p1 - p2;
    return [d - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)];
}
