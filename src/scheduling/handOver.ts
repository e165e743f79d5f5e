import createDebug from 'debug';
import type { Agenda } from 'agenda' with { 'resolution-mode': 'import' };
import type { Collection } from 'mongodb';
import { ObjectId } from 'mongodb';
import { releaseLocks } from './lockQueries';
import type { LockQueryState } from './lockQueries';

const debug = createDebug('botbuilder-inactivity:scheduler');

/** How long past one polling interval a stopping instance still waits for the timers it holds to start, ms. */
export const HELD_GRACE_MS = 1000;

/** How often a stopping instance looks whether the timers it holds have started, ms. */
const HELD_CHECK_MS = 25;

/** What {@link handOver} stops. */
export interface HandOverContext {
    /** The scheduler's own Agenda (started by it). */
    agenda: Agenda;
    /** The jobs collection (MongoDB backend), where locks are handed back. */
    jobs?: Collection;
    /** The lock queries of the timers: locking ahead stops first, then all locking. */
    lockState?: LockQueryState;
    /** The timers' job names. */
    names: readonly string[];
    /** Whose locks are this instance's (Agenda's `lastModifiedBy`). */
    owner: string;
    /** Ids of the timers running on this instance. */
    running: ReadonlySet<string>;
    /** From then on no timer starts on this instance (a run not yet begun writes nothing). */
    refuseRuns: () => void;
    /** When `stop()` must have returned (epoch ms). */
    deadline: number;
    /** Hears a failed hand-back. */
    warn: (err: unknown) => void;
}

/**
 * Stops an instance's timers so that none waits on it (a deploy's SIGTERM): no instance polls faster than its
 * `processEvery`, and without change streams no instance can tell another to look now, so a lock handed back
 * while its timer is due would wait for a peer's next poll (up to 5 s with the defaults). Instead:
 *
 * 1. no more timers are locked ahead of their due time (only those already due: its own hand-backs);
 * 2. the timers Agenda holds in memory, all locked ahead of time by at most one polling interval, run here when
 *    due, as if nothing were stopping (until one polling interval and {@link HELD_GRACE_MS} have passed, or the
 *    deadline): the peers' own polls, which lock ahead by one interval, have every other timer in time;
 * 3. no more timers are locked, no other run begins, and every lock of this instance whose run has not begun is
 *    handed back at once (an instance too busy to start them in time hands them to peers; a peer with work
 *    due locks more at once);
 * 4. the runs under way finish, until the deadline; a run still going keeps its lock, which another instance
 *    takes over once nothing touches it for a lease (the scheduler closes its connection next).
 *
 * @param ctx What to stop, and by when.
 */
export async function handOver(ctx: HandOverContext): Promise<void> {
    const { agenda, jobs, names } = ctx;
    ctx.lockState?.lockDueOnly();
    const processor = processorOf(agenda);
    if (processor) {
        const until = Math.min(ctx.deadline, Date.now() + agenda.attrs.processEvery + HELD_GRACE_MS);
        while (waiting(processor, names) > 0 && Date.now() < until) {
            await new Promise((resolve) => setTimeout(resolve, HELD_CHECK_MS));
        }
        debug('stopping: %d timers held were not started in time and are handed back', waiting(processor, names));
    }
    await ctx.lockState?.pause();
    // A lock query that has just returned hands its job to Agenda within a few ticks; no run may begin after this.
    await new Promise((resolve) => setImmediate(resolve));
    ctx.refuseRuns();
    const keep = [...ctx.running].map((id) => new ObjectId(id));
    await (jobs && releaseLocks(jobs, { owner: ctx.owner, keep }))?.catch(ctx.warn);
    await agenda.drain({ timeout: Math.max(0, ctx.deadline - Date.now()), closeConnection: false });
}

/** A job as Agenda's processor holds it (the fields read here). */
interface HeldJob {
    attrs: { _id?: unknown; name: string };
}

/** Agenda's job processor (internal to Agenda 6, which the plugin pins): the jobs it holds locked, and those running. */
interface JobProcessorView {
    lockedJobs: HeldJob[];
    runningJobs: HeldJob[];
}

function processorOf(agenda: Agenda): JobProcessorView | undefined {
    const processor = (agenda as unknown as { jobProcessor?: Partial<JobProcessorView> }).jobProcessor;
    return Array.isArray(processor?.lockedJobs) && Array.isArray(processor?.runningJobs) ? (processor as JobProcessorView) : undefined;
}

/**
 * How many timers Agenda holds locked and has not started (waiting for their time or for a free slot). Its own
 * queue is not read: a job leaves it for a moment each time Agenda looks at it.
 */
function waiting(processor: JobProcessorView, names: readonly string[]): number {
    const running = new Set(timerIds(processor.runningJobs, names));
    return timerIds(processor.lockedJobs, names).filter((id) => !running.has(id)).length;
}

function timerIds(held: HeldJob[], names: readonly string[]): string[] {
    return held.filter((j) => names.includes(j.attrs.name) && j.attrs._id !== undefined).map((j) => String(j.attrs._id));
}
