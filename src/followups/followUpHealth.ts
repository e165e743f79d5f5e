import type { FollowUpHealth } from './followUpOptions';
import type { Warn } from './followUpWarnings';
import type { FollowUpStore } from '../mongo/followUpStore';
import type { SweepReport } from '../mongo/sweepLog';

/** The health of a service whose database does not answer (or that is not started). */
export const DOWN: FollowUpHealth = {
    lastSweeps: [],
    status: 'down',
    running: false,
    pending: 0,
    executedToday: 0,
    failed: 0,
    overdue: 0,
    oldestOverdueMs: 0,
    p95LatenessMs: 0,
};

/**
 * Reads the follow-ups' state: counts by status, how late the oldest overdue one is, the 95th percentile of how
 * late the last sent ones went out.
 *
 * @param store The follow-ups.
 * @param state `running` (whether this instance runs the wake-up job) and `now`.
 * @param report Hears a database failure (the health is then `down`).
 * @returns The health.
 */
export async function readHealth(
    store: FollowUpStore,
    state: { running: boolean; now: Date; sweeps: () => Promise<SweepReport[]> },
    warn: Warn
): Promise<FollowUpHealth> {
    const { running, now } = state;
    const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const c = store.collection;
    try {
        const [pending, executedToday, failed, overdue, oldest, recent, lastSweeps] = await Promise.all([
            c.countDocuments({ status: { $in: ['pending', 'sending'] } }),
            // finishedAt (indexed) is set with executedAt when a follow-up is sent.
            c.countDocuments({ status: 'executed', finishedAt: { $gte: midnight } }),
            c.countDocuments({ status: 'failed', finishedAt: { $gte: midnight } }),
            c.countDocuments({ status: 'pending', scheduledAt: { $lt: now } }),
            c
                .find({ status: 'pending', scheduledAt: { $lt: now } }, { projection: { scheduledAt: 1 } })
                .sort({ scheduledAt: 1 })
                .limit(1)
                .toArray(),
            c
                .find({ status: 'executed' }, { projection: { scheduledAt: 1, executedAt: 1 } })
                .sort({ finishedAt: -1 })
                .limit(1000)
                .toArray(),
            state.sweeps(),
        ]);
        const oldestOverdueMs = oldest[0] ? now.getTime() - oldest[0].scheduledAt.getTime() : 0;
        const lateness = recent.map((d) => Math.max(0, (d.executedAt?.getTime() ?? 0) - d.scheduledAt.getTime())).sort((a, b) => a - b);
        const p95LatenessMs = lateness.length ? lateness[Math.min(lateness.length - 1, Math.ceil(lateness.length * 0.95) - 1)] : 0;
        const status = oldestOverdueMs > 5 * 60_000 || failed > 0 ? 'degraded' : 'ok';
        return { status, running, pending, executedToday, failed, overdue, oldestOverdueMs, p95LatenessMs, lastSweeps };
    } catch (err) {
        warn(err);
        return { ...DOWN, running };
    }
}
