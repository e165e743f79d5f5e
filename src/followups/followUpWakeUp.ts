import createDebug from 'debug';
import type { Agenda, Job } from 'agenda' with { 'resolution-mode': 'import' };
import type { Collection, Db } from 'mongodb';
import { createAgenda } from '../scheduling/createAgenda';
import { JobAnnouncer } from '../scheduling/jobAnnouncer';
import { checkQueueWhenDue } from '../scheduling/earlyTimeout';
import type { SharedAgenda } from '../scheduling/sharedAgenda';
import { followUpId } from '../mongo/followUpId';
import type { Warn } from './followUpWarnings';

const debug = createDebug('botbuilder-inactivity:followups');

/** The Agenda job that wakes the service when the earliest pending follow-up is due (one job, re-armed). */
export const FOLLOW_UP_JOB_NAME = 'bbi:followups';

/** The wake-up job never sleeps longer than this, so a wake-up lost to a race costs at most this much lateness. */
const MAX_SLEEP_MS = 15 * 60_000;

/**
 * The wake-up job's lock: a run touches it every third of this while it sends, so that another instance takes the
 * job over within this (and its next poll) of a crash, not after the ten minutes of Agenda's default.
 */
const WAKE_LOCK_MS = 30_000;

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
                onError: setup.warn,
            });
            agenda = own.agenda;
            this.announcer = new JobAnnouncer(own.channel, setup.processEvery, 'followups');
            this.ownsAgenda = true;
        }
        // A wake-up asked for while the job ran was written over by the run's completion (and its notification
        // found the job locked): the completion carries it, and is announced again when due before the next poll.
        agenda.on(`complete:${FOLLOW_UP_JOB_NAME}`, this.onComplete);
        agenda.define(FOLLOW_UP_JOB_NAME, (job: Job) => this.onWake(job), { concurrency: 1, lockLifetime: WAKE_LOCK_MS, removeOnComplete: false });
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
     * Stops waking: its own Agenda is drained (sends under way finish); on a shared Agenda the job is taken off it
     * (a run under way finishes; the middleware's `stop()` drains that Agenda).
     */
    async stop(): Promise<void> {
        const agenda = this.agenda;
        this.agenda = undefined;
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
        this.wokenDuringRun = Number.POSITIVE_INFINITY;
        // A long drain (a backlog of follow-ups) keeps its lock; each follow-up is claimed on its own as well.
        const keepAlive = setInterval(() => void job.touch().catch((err: unknown) => debug('wake-up lock not kept: %O', err)), WAKE_LOCK_MS / 3);
        keepAlive.unref();
        try {
            await setup.drain();
        } finally {
            clearInterval(keepAlive);
        }
        const next = await setup.nextDue();
        const cap = setup.now() + MAX_SLEEP_MS;
        const woken = this.wokenDuringRun ?? Number.POSITIVE_INFINITY;
        job.attrs.nextRunAt = new Date(Math.max(setup.now(), Math.min(next?.getTime() ?? cap, cap, woken)));
        // From here to the completion write, a wake-up is made again once the write is done (onComplete).
        this.wokenDuringRun = Number.POSITIVE_INFINITY;
    }
}
