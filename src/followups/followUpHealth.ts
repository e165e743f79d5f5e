import type { Collection } from 'mongodb';
import type { FollowUpHealth, FollowUpWorkers } from './followUpOptions';
import type { Warn } from './followUpWarnings';
import type { FollowUpStore } from '../mongo/followUpStore';
import type { SweepReport } from '../mongo/sweepLog';
import { FOLLOW_UP_JOB_NAME } from './followUpWakeUp';

/**
 * A sender wakes at least every 15 minutes (the wake-up's longest sleep) plus its Agenda's poll: not seen for 20
 * minutes, no instance sends.
 */
const WORKERS_SILENT_AFTER_MS = 20 * 60_000;

/** No sender seen. */
const NO_WORKERS: FollowUpWorkers = { lastWakeUpAt: null, nextWakeUpAt: null, wakingNow: false, lastSentAt: null, alive: false };

/** The health of a service whose database does not answer (or that is not started). */
export const DOWN: FollowUpHealth = {
    lastSweeps: [],
    status: 'down',
    running: false,
    workers: NO_WORKERS,
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
 * @param state `running` (whether this instance runs the wake-up job), `now` and `jobs`: the collections that
 *   may hold the wake-up job (the senders' own Agenda's, the InactivityMiddleware's).
 * @param warn Hears a database failure (the health is then `down`).
 * @returns The health.
 */
export async function readHealth(
    store: FollowUpStore,
    state: { running: boolean; now: Date; jobs: readonly Collection[]; sweeps: () => Promise<SweepReport[]> },
    warn: Warn
): Promise<FollowUpHealth> {
    const { running, now } = state;
    const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const c = store.collection;
    try {
        const [pending, executedToday, failed, overdue, oldest, recent, lastSweeps, wakeUps] = await Promise.all([
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
            Promise.all(
                state.jobs.map((jobs) =>
                    jobs.find<WakeUpDocument>({ name: FOLLOW_UP_JOB_NAME }, { projection: { lastFinishedAt: 1, nextRunAt: 1, lockedAt: 1 } }).toArray()
                )
            ).then((found) => found.flat()),
        ]);
        const oldestOverdueMs = oldest[0] ? now.getTime() - oldest[0].scheduledAt.getTime() : 0;
        const lateness = recent.map((d) => Math.max(0, (d.executedAt?.getTime() ?? 0) - d.scheduledAt.getTime())).sort((a, b) => a - b);
        const p95LatenessMs = lateness.length ? lateness[Math.min(lateness.length - 1, Math.ceil(lateness.length * 0.95) - 1)] : 0;
        const status = oldestOverdueMs > 5 * 60_000 || failed > 0 ? 'degraded' : 'ok';
        const workers = workersOf(wakeUps, { now, lastSentAt: recent[0]?.executedAt ?? null });
        return { status, running, workers, pending, executedToday, failed, overdue, oldestOverdueMs, p95LatenessMs, lastSweeps };
    } catch (err) {
        warn(err);
        return { ...DOWN, running };
    }
}

/** The wake-up job's document, as Agenda keeps it. */
interface WakeUpDocument {
    lastFinishedAt?: Date | null;
    nextRunAt?: Date | null;
    lockedAt?: Date | null;
}

/**
 * The senders' state from the wake-up job's documents (one per jobs collection in use): the latest finished run,
 * the earliest next one, whether one is locked.
 */
function workersOf(docs: WakeUpDocument[], seen: { now: Date; lastSentAt: Date | null }): FollowUpWorkers {
    const latest = (dates: Array<Date | null | undefined>, pick: (a: number, b: number) => number): Date | null => {
        const times = dates.filter((d): d is Date => d instanceof Date).map((d) => d.getTime());
        return times.length ? new Date(times.reduce(pick)) : null;
    };
    const lastWakeUpAt = latest(
        docs.map((d) => d.lastFinishedAt),
        Math.max
    );
    return {
        lastWakeUpAt,
        nextWakeUpAt: latest(
            docs.map((d) => d.nextRunAt),
            Math.min
        ),
        wakingNow: docs.some((d) => d.lockedAt instanceof Date),
        lastSentAt: seen.lastSentAt,
        alive: lastWakeUpAt !== null && seen.now.getTime() - lastWakeUpAt.getTime() <= WORKERS_SILENT_AFTER_MS,
    };
}
