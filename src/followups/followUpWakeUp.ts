import { randomUUID } from 'crypto';
import createDebug from 'debug';
import { hostname } from 'os';
import type { Agenda, Job } from 'agenda' with { 'resolution-mode': 'import' };
import type { Collection, Db } from 'mongodb';
import { createAgenda } from '../scheduling/createAgenda';
import { JobAnnouncer } from '../scheduling/jobAnnouncer';
import { checkQueueWhenDue } from '../scheduling/earlyTimeout';
import { TIMER_LEASE_MS, TIMER_TOUCH_MS } from '../scheduling/agendaSchedulerOptions';
import { guardLockQueries } from '../scheduling/lockQueries';
import type { LockQueryState } from '../scheduling/lockQueries';
import { LockKeepAlive } from '../scheduling/timerRun';
import type { SharedAgenda } from '../scheduling/sharedAgenda';
import { followUpId } from '../mongo/followUpId';
import type { Warn } from './followUpWarnings';

const debug = createDebug('botbuilder-inactivity:followups');

/** The Agenda job that wakes the service when the earliest pending follow-up is due (one job, re-armed). */
export const FOLLOW_UP_JOB_NAME = 'bbi:followups';

/** The wake-up job never sleeps longer than this, so a wake-up lost to a race costs at most this much lateness. */
const MAX_SLEEP_MS = 15 * 60_000;

/**
 * The wake-up job's lease, as the timers': its lock keeps other instances off it for this from its due time or its
 * last touch, whichever is later; a run touches it every {@link TIMER_TOUCH_MS} while it sends. The lock queries
 * are the timers' (see `guardLockQueries`).
 */
const WAKE_LEASE_MS = TIMER_LEASE_MS;

/**
 * How often an instance with its own Agenda looks at the wake-up's lock: an expired lease (its holder died) or a
 * wake-up handed back and due is locked at once instead of at the next poll (30 s by default). One read by `_id`.
 * A dead holder's wake-up is thus taken over within lease + this = 6 s of its due time or its last touch.
 */
const WAKE_WATCH_MS = 3000;

/** How long past one watch (or, shared, one poll) a stopping instance still sends what falls due, ms. */
const HAND_OVER_GRACE_MS = 1000;

/** How often a stopping instance looks whether another has taken the wake-up over, ms. */
const HAND_OVER_CHECK_MS = 250;

/**
 * Agenda's own lock lifetime for the wake-up: its bookkeeping only (other instances honour the lease); longer than
 * a poll, or a wake-up locked ahead would be dropped as expired before it runs.
 */
function agendaLockLifetime(processEvery: number): number {
    return Math.max(60_000, 2 * processEvery);
}

/** The fixed `_id` of the wake-up job. */
const WAKE_ID = followUpId('wake');

/** What {@link FollowUpWakeUp.open} needs. */
export interface WakeUpSetup {
    /** The database. */
    db: Db;
    /** The collection prefix: the own Agenda's jobs live in `<prefix>FollowUpJobs`. */
    prefix: string;
    /** The InactivityMiddleware's Agenda to define the job on, when shared. */
    shared?: SharedAgenda;
    /** False: no job is run here, the wake-up is only moved (a front end, the CLI). */
    send: boolean;
    /** The own Agenda's polling interval, ms. */
    processEvery: number;
    /** The clock. */
    now: () => number;
    /** The error path. */
    warn: Warn;
    /** Sends what is due (one run at a time). */
    drain: () => Promise<void>;
    /** When the earliest pending follow-up is due. */
    nextDue: () => Promise<Date | undefined>;
}

/**
 * The one Agenda job that wakes the senders: it sends what is due, then sleeps until the next follow-up is due (at
 * most 15 minutes). On its own Agenda (built by `createAgenda` on the service's database) or, shared, on the
 * InactivityMiddleware's, where it is one more job name in the middleware's jobs collection.
 */
export class FollowUpWakeUp {
    private agenda?: Agenda;
    private ownsAgenda = false;
    /** The timers' lock queries, guarding the wake-up too (its lease). */
    private lockState?: LockQueryState;
    /** Whose locks are this instance's (Agenda's `lastModifiedBy`). */
    private owner: string | null = null;
    /** The lease watch (own Agenda only). */
    private watch?: NodeJS.Timeout;
    /** Set by {@link FollowUpWakeUp.handOver}: no run begins here, a run under way leaves the wake-up due. */
    private handingOver = false;
    /** The touches of the run under way here, if any. */
    private keepAlive?: LockKeepAlive;
    private announcer?: JobAnnouncer;
    private jobs: Collection[] = [];
    private setup?: WakeUpSetup;
    /**
     * The earliest wake-up asked for on this instance from the start of a run until its completion write: that write
     * sets the time the run chose, so a wake-up asked for between the run's end and the write is made again after it.
     */
    private wokenDuringRun?: number;
    private readonly onComplete = (job: Job, remote?: boolean) => {
        // Another process's run (a state notification) carries no attrs: its own instance handles it.
        if (remote || !job.attrs) {
            return;
        }
        const woken = this.wokenDuringRun;
        this.wokenDuringRun = undefined;
        const next = job.attrs.nextRunAt ? new Date(job.attrs.nextRunAt).getTime() : undefined;
        if (woken !== undefined && Number.isFinite(woken) && (next === undefined || woken < next)) {
            this.wake(new Date(woken));
        } else if (next !== undefined) {
            this.announce(new Date(next));
        }
    };

    /**
     * Tells this instance's Agenda the wake-up is due at `at` (it locks the job ahead when that comes before its
     * next poll), and has it look at its queue just after `at`: Agenda sets one timer for a job it locked ahead,
     * and when that timer fires a millisecond early (Node rounds) the job waits for the next poll instead.
     */
    private announce(at: Date): void {
        if (!this.agenda) {
            return;
        }
        this.announcer?.announce(FOLLOW_UP_JOB_NAME, at);
        checkQueueWhenDue(() => this.agenda, at);
    }

    /** Where the wake-up job's document is (read by health: the senders' last and next wake-up). */
    get jobCollections(): readonly Collection[] {
        return this.jobs;
    }

    /** Whether this instance runs the wake-up job. */
    get running(): boolean {
        return Boolean(this.agenda);
    }

    /** Defines (and, on its own Agenda, starts) the wake-up job; with `send: false` only finds the wake-up to move. */
    async open(setup: WakeUpSetup): Promise<void> {
        this.setup = setup;
        const shared = setup.shared?.agenda;
        const sharedJobs = shared && (shared.db as { collection?: Collection }).collection;
        const ownJobs = setup.db.collection(`${setup.prefix}FollowUpJobs`);
        const jobs = sharedJobs ?? ownJobs;
        // Without a job of its own (a front end, the CLI) the service moves the senders' wake-up wherever they keep
        // it: on their own Agenda, or on the InactivityMiddleware's (`<prefix>Jobs`).
        this.jobs = setup.send ? [jobs] : sharedJobs ? [jobs] : [ownJobs, setup.db.collection(`${setup.prefix}Jobs`)];
        if (!setup.send) {
            return;
        }
        let agenda: Agenda;
        if (shared && sharedJobs) {
            agenda = shared;
            this.announcer = setup.shared?.announcer;
        } else {
            const own = await createAgenda({
                db: setup.db,
                collection: ownJobs.collectionName,
                processEvery: setup.processEvery,
                maxConcurrency: 1,
                name: `bbi-followups@${hostname().slice(0, 24)}:${process.pid}:${randomUUID().slice(0, 4)}`,
                onError: setup.warn,
            });
            agenda = own.agenda;
            this.announcer = new JobAnnouncer(own.channel, setup.processEvery, 'followups');
            this.ownsAgenda = true;
        }
        // A wake-up asked for while the job ran was written over by the run's completion (and its notification
        // found the job locked): the completion carries it, and is announced again when due before the next poll.
        agenda.on(`complete:${FOLLOW_UP_JOB_NAME}`, this.onComplete);
        agenda.define(FOLLOW_UP_JOB_NAME, (job: Job) => this.onWake(job), {
            concurrency: 1,
            lockLifetime: agendaLockLifetime(agenda.attrs.processEvery),
            removeOnComplete: false,
        });
        // The timers' lock queries: a lock expires a lease after the due time or the last touch, not after Agenda's
        // lock lifetime. Shared, the middleware's queries look for expired leases every 2 s of polls; on the own
        // Agenda only when the watch finds one (a poll finding nothing stays one command).
        const { toJobId } = await import('agenda');
        this.lockState = guardLockQueries(agenda, {
            names: [FOLLOW_UP_JOB_NAME],
            toJobId,
            expiredEvery: Number.POSITIVE_INFINITY,
            leaseMs: WAKE_LEASE_MS,
        });
        this.owner = agenda.attrs.name || null;
        this.handingOver = false;
        // The one wake-up document, created once by whichever instance comes first (its _id is fixed).
        await jobs.updateOne(
            { _id: WAKE_ID },
            {
                $setOnInsert: {
                    name: FOLLOW_UP_JOB_NAME,
                    type: 'normal',
                    data: {},
                    priority: 0,
                    nextRunAt: new Date(setup.now()),
                    lockedAt: null,
                    disabled: false,
                },
            },
            { upsert: true }
        );
        this.agenda = agenda;
        if (this.ownsAgenda) {
            await agenda.start();
            const watchJobs = jobs;
            this.watch = setInterval(() => void this.watchLease(watchJobs).catch((err: unknown) => debug('lease watch failed: %O', err)), WAKE_WATCH_MS);
            this.watch.unref();
        } else {
            this.announcer?.announce(FOLLOW_UP_JOB_NAME, new Date());
        }
    }

    /** Moves the wake-up earlier when `at` comes before it; tells this instance's Agenda when due before its next poll. */
    wake(at: Date): void {
        const setup = this.setup;
        // The wake-up never sleeps longer than MAX_SLEEP_MS: a later time cannot move it (a re-engagement in 30
        // days, say), and the update would be a command that matches nothing.
        if (!setup || at.getTime() - setup.now() > MAX_SLEEP_MS) {
            return;
        }
        if (this.wokenDuringRun !== undefined) {
            this.wokenDuringRun = Math.min(this.wokenDuringRun, at.getTime());
        }
        for (const jobs of this.jobs) {
            jobs.updateOne({ _id: WAKE_ID, $or: [{ nextRunAt: null }, { nextRunAt: { $gt: at } }] }, { $set: { nextRunAt: at } })
                .then(() => this.announce(at))
                .catch((err: unknown) => setup.warn(err));
        }
    }

    /**
     * Looks at the wake-up's lock (one read by `_id`): locks it at once when its lease expired (its holder died), or
     * when nobody holds it and it is due before the next watch (handed back by a stopping instance).
     */
    private async watchLease(jobs: Collection): Promise<void> {
        const doc = await jobs.findOne<{ lockedAt?: Date | null; nextRunAt?: Date | null }>({ _id: WAKE_ID }, { projection: { lockedAt: 1, nextRunAt: 1 } });
        if (!doc?.nextRunAt || this.handingOver) {
            return;
        }
        const now = Date.now();
        const due = doc.nextRunAt.getTime();
        if (doc.lockedAt) {
            if (now - Math.max(doc.lockedAt.getTime(), due) > WAKE_LEASE_MS) {
                debug('the wake-up lease expired (held since %s): taking it over', doc.lockedAt.toISOString());
                this.lockState?.lookForExpired(FOLLOW_UP_JOB_NAME);
                this.announcer?.announce(FOLLOW_UP_JOB_NAME, new Date(now));
            }
        } else if (due - now <= WAKE_WATCH_MS) {
            this.announce(new Date(Math.max(now, due)));
        }
    }

    /**
     * The first part of a stop (a deploy's SIGTERM), so that no follow-up waits on this instance: no run of the
     * wake-up begins here any more, and its lock, if this instance holds it, is handed back due now (a run under
     * way leaves it due when it completes); until another instance holds the wake-up, or one watch (shared: one
     * poll) and a second have passed, this instance still sends what falls due (another's watch or poll locks the
     * wake-up by then). Claims not yet being sent are handed back by the sender's `stopClaiming()`, next.
     */
    async handOver(): Promise<void> {
        const agenda = this.agenda;
        const setup = this.setup;
        if (!agenda || !setup || this.handingOver) {
            return;
        }
        this.handingOver = true;
        clearInterval(this.watch);
        // A run under way here stops touching the lock it hands back (its sends go on under their own claims).
        await this.keepAlive?.stop();
        if (this.ownsAgenda) {
            await this.lockState?.pause();
        } else {
            delete agenda.definitions[FOLLOW_UP_JOB_NAME];
        }
        const [jobs] = this.jobs;
        const handedBack = await jobs.updateOne(
            { _id: WAKE_ID, lockedAt: { $ne: null }, lastModifiedBy: this.owner },
            { $set: { lockedAt: null, nextRunAt: new Date(setup.now()) } }
        );
        debug('stopping: wake-up lock %s', handedBack.modifiedCount ? 'handed back' : 'not held here');
        const until = Date.now() + (this.ownsAgenda ? WAKE_WATCH_MS : agenda.attrs.processEvery) + HAND_OVER_GRACE_MS;
        while (Date.now() < until) {
            const [next, holder] = await Promise.all([
                setup.nextDue(),
                jobs.findOne<{ lockedAt?: Date | null; lastModifiedBy?: string | null }>({ _id: WAKE_ID }),
            ]);
            if (!next || next.getTime() > until || (holder?.lockedAt && holder.lastModifiedBy !== this.owner)) {
                // Nothing falls due before another instance looks, or another holds the wake-up: it sends from now on.
                return;
            }
            if (next.getTime() <= setup.now()) {
                await setup.drain();
            } else {
                await new Promise((resolve) => setTimeout(resolve, HAND_OVER_CHECK_MS));
            }
        }
    }

    /**
     * Stops waking: its own Agenda is drained (sends under way finish); on a shared Agenda the job is taken off it
     * (a run under way finishes; the middleware's `stop()` drains that Agenda). Call {@link FollowUpWakeUp.handOver}
     * first to hand the wake-up over at once.
     */
    async stop(): Promise<void> {
        const agenda = this.agenda;
        this.agenda = undefined;
        clearInterval(this.watch);
        this.watch = undefined;
        if (!agenda) {
            return;
        }
        agenda.off(`complete:${FOLLOW_UP_JOB_NAME}`, this.onComplete);
        if (this.ownsAgenda) {
            this.ownsAgenda = false;
            await agenda.drain({ timeout: 30_000, closeConnection: false }).catch(() => undefined);
        } else {
            delete agenda.definitions[FOLLOW_UP_JOB_NAME];
        }
        debug('wake-up stopped');
    }

    /** The wake-up job: sends what is due, then sleeps until the next one is due (at most `MAX_SLEEP_MS`). */
    private async onWake(job: Job): Promise<void> {
        const setup = this.setup as WakeUpSetup;
        if (this.handingOver) {
            // Locked before the hand-over began: left due, unlocked by the completion write, for another instance.
            job.attrs.nextRunAt = new Date(setup.now());
            return;
        }
        this.wokenDuringRun = Number.POSITIVE_INFINITY;
        // Agenda cleared nextRunAt as the run began; the lease counts from the due time or the last touch, so the
        // run's own time goes back first: a run that dies is then taken over a lease after its last touch.
        job.attrs.nextRunAt = new Date(setup.now());
        await job.touch();
        // Each follow-up is claimed on its own as well (with a lease of its own, kept by the sender).
        const keepAlive = new LockKeepAlive(job, TIMER_TOUCH_MS);
        this.keepAlive = keepAlive;
        try {
            await setup.drain();
        } finally {
            this.keepAlive = undefined;
            await keepAlive.stop();
        }
        if (this.handingOver) {
            job.attrs.nextRunAt = new Date(setup.now());
            return;
        }
        const next = await setup.nextDue();
        const cap = setup.now() + MAX_SLEEP_MS;
        const woken = this.wokenDuringRun ?? Number.POSITIVE_INFINITY;
        job.attrs.nextRunAt = new Date(Math.max(setup.now(), Math.min(next?.getTime() ?? cap, cap, woken)));
        // From here to the completion write, a wake-up is made again once the write is done (onComplete).
        this.wokenDuringRun = Number.POSITIVE_INFINITY;
    }
}
