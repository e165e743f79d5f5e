import type { Collection, Db } from 'mongodb';

/** Which sweep a report is of: the inactivity plugin's (saved flows, runs, events) or the follow-ups'. */
export type SweepName = 'inactivity' | 'followUps';

/** What one sweep did, as `health()` and `followups health` report it. */
export interface SweepReport {
    /** Whose sweep it was. */
    name: SweepName;
    /** When it began. */
    at: Date;
    /** How long it took, ms. */
    ms: number;
    /** The batch size it deleted with. */
    batchSize: number;
    /** What it deleted per collection (`<collection>:expired`: saved flows it marked expired). */
    deleted: Record<string, number>;
    /** The error it stopped at, when it did not finish. */
    error?: string;
}

/**
 * The collection of the last sweeps, one document per sweep name.
 *
 * @param db The database.
 * @param prefix The collection prefix.
 * @returns `<prefix>Sweeps`.
 */
function sweepCollection(db: Db, prefix: string): Collection<SweepReport> {
    return db.collection<SweepReport>(`${prefix}Sweeps`);
}

/**
 * Records a sweep as the last of its name (whichever instance ran it), so that every instance and the CLI report it.
 *
 * @param db The database.
 * @param prefix The collection prefix.
 * @param report What the sweep did.
 */
export async function recordSweep(db: Db, prefix: string, report: SweepReport): Promise<void> {
    // Keyed by a field, not a string `_id` (the embedded server has none): upserted, one per name.
    await sweepCollection(db, prefix).replaceOne({ name: report.name }, report, { upsert: true });
}

/**
 * The last sweep of a name, or `undefined` when none ran yet.
 *
 * @param db The database.
 * @param prefix The collection prefix.
 * @param name Whose sweep.
 * @returns Its report.
 */
export async function lastSweep(db: Db, prefix: string, name: SweepName): Promise<SweepReport | undefined> {
    const found = await sweepCollection(db, prefix)
        .find({ name }, { sort: { at: -1 }, limit: 1, projection: { _id: 0 } })
        .toArray();
    return found[0] ?? undefined;
}

/**
 * Runs a sweep's deletions, timed, and records what it did (also when one failed: what was done by then and the
 * error); the error is thrown again for the caller's error path.
 *
 * @param target Where to record it and under which name.
 * @param run The deletions, each reporting its count into `deleted`.
 * @returns The report.
 */
export async function timedSweep(
    target: { db: Db; prefix: string; name: SweepName; batchSize: number; now: () => number },
    run: (deleted: Record<string, number>) => Promise<void>
): Promise<SweepReport> {
    const started = target.now();
    const t0 = performance.now();
    const deleted: Record<string, number> = {};
    let failure: Error | undefined;
    try {
        await run(deleted);
    } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
    }
    const report: SweepReport = {
        name: target.name,
        at: new Date(started),
        ms: Math.round(performance.now() - t0),
        batchSize: target.batchSize,
        deleted,
        ...(failure ? { error: failure.message } : {}),
    };
    await recordSweep(target.db, target.prefix, report);
    if (failure) {
        throw failure;
    }
    return report;
}
