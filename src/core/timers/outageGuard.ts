import createDebug from 'debug';
import { InactivitySchedulerError } from '../errors';
import { withinDatabaseTimeout } from '../util/withinDatabaseTimeout';
import { withTimeout } from '../util/withTimeout';
import type { TimerData, TimerScheduler } from '../ports/timerScheduler';

const debug = createDebug('botbuilder-inactivity:outage');

/** How often the guard checks whether MongoDB answers again during an outage. */
export const OUTAGE_PROBE_EVERY_MS = 1000;

/** Conversations whose arm waits for the end of an outage, at most (the oldest are dropped past this). */
const MAX_PENDING_ARMS = 100_000;

/** Errors thrown while an outage is known: already reported once, so `onError` does not hear of each turn. */
export class OutageSkipError extends InactivitySchedulerError {
    /** Marks the error as reported with its outage. */
    readonly quiet = true;
}

/** Options of {@link OutageGuard}. */
export interface OutageGuardOptions {
    /** How long a call may wait for MongoDB (`schedulerTimeout`). */
    timeout: number;
    /** The scheduler, once started. */
    scheduler: () => TimerScheduler | undefined;
    /** Where the start and the end of an outage are reported. */
    warn: (err: Error) => void;
    /** How often to check for the end of an outage. Default {@link OUTAGE_PROBE_EVERY_MS}. */
    probeEvery?: number;
}

/**
 * Keeps user turns from waiting on a MongoDB that is down or stalled. The first call that times out or loses
 * the connection waits at most `timeout` and starts an outage, reported once; while it lasts every call fails at
 * once (a turn waits no more), and the timers that could not be armed are kept in memory. A probe checks every
 * second; when MongoDB answers again those conversations are armed without waiting for their users' next
 * messages. What is kept in memory is lost if the process stops during the outage: those conversations are
 * armed again at their next message.
 */
export class OutageGuard {
    private since?: number;
    private readonly pending = new Map<string, { data: TimerData; dueAt: Date }>();
    private probe?: NodeJS.Timeout;
    private probing = false;
    private skipped = 0;

    /**
     * @param options See {@link OutageGuardOptions}.
     */
    constructor(private readonly options: OutageGuardOptions) {}

    /** True while an outage is known. */
    get isDown(): boolean {
        return this.since !== undefined;
    }

    /** Conversations waiting to be armed when MongoDB is back. */
    get pendingArms(): number {
        return this.pending.size;
    }

    /**
     * Waits for a database call at most `timeout`; fails at once during an outage.
     *
     * @param work The call, already started.
     * @param what What it does, for messages ("look up a saved flow").
     * @returns Its result.
     */
    async call<T>(work: Promise<T>, what: string): Promise<T> {
        if (this.isDown) {
            work.catch(() => undefined);
            this.skipped++;
            throw new OutageSkipError(`MongoDB is unavailable (since ${new Date(this.since as number).toISOString()}): did not ${what}.`);
        }
        try {
            return await withinDatabaseTimeout(work, this.options.timeout, what);
        } catch (err) {
            if (isOutage(err)) {
                this.begin(err as Error);
                // A call that answers after all shows MongoDB is back, sooner than the next probe would.
                work.then(
                    () => void this.recover(),
                    () => undefined
                );
                throw new OutageSkipError((err as Error).message, { cause: err });
            }
            throw err;
        }
    }

    /**
     * Arms a timer within the time limit; during an outage (or when this call starts one) keeps it to arm when
     * MongoDB is back, and throws.
     *
     * @param data The timer's data.
     * @param dueAt When it is due.
     */
    async arm(data: TimerData, dueAt: Date): Promise<void> {
        const scheduler = this.options.scheduler();
        if (!scheduler) {
            throw new InactivitySchedulerError('InactivityMiddleware received a turn before start() was called: call `await inactivity.start()` at start-up.');
        }
        try {
            await this.call(scheduler.arm(data, dueAt), 'arm the timer');
            this.pending.delete(data.key);
        } catch (err) {
            if (this.isDown) {
                this.keep(data, dueAt);
            }
            throw err;
        }
    }

    /**
     * Removes a timer; during an outage only forgets a pending arm (the timer, if armed, finds no flow and ends).
     *
     * @param key The timer's key.
     */
    async cancel(key: string): Promise<void> {
        this.pending.delete(key);
        const scheduler = this.options.scheduler();
        if (scheduler) {
            await this.call(scheduler.cancel(key), 'cancel the timer');
        }
    }

    /** Stops probing; pending arms are dropped. */
    stop(): void {
        clearInterval(this.probe);
        this.probe = undefined;
        this.since = undefined;
        this.pending.clear();
    }

    private keep(data: TimerData, dueAt: Date): void {
        this.pending.delete(data.key);
        if (this.pending.size >= MAX_PENDING_ARMS) {
            this.pending.delete(this.pending.keys().next().value as string);
        }
        this.pending.set(data.key, { data, dueAt });
    }

    private begin(err: Error): void {
        if (this.isDown) {
            return;
        }
        this.since = Date.now();
        this.skipped = 0;
        debug('outage begins: %s', err.message);
        this.options.warn(
            new InactivitySchedulerError(
                `MongoDB did not answer (${err.message}). Until it does, turns go on without waiting for it; timers that could not be armed are armed when it is back.`,
                { cause: err }
            )
        );
        this.probe = setInterval(() => void this.check(), this.options.probeEvery ?? OUTAGE_PROBE_EVERY_MS);
        this.probe.unref();
    }

    private async check(): Promise<void> {
        const scheduler = this.options.scheduler();
        if (this.probing || !this.isDown || !scheduler) {
            return;
        }
        this.probing = true;
        try {
            const first = this.pending.values().next().value;
            const probe = scheduler.ping ? scheduler.ping() : first ? scheduler.arm(first.data, first.dueAt) : Promise.resolve();
            await withTimeout(probe, this.options.timeout, () => new Error(`no answer in ${this.options.timeout} ms`));
        } catch (err) {
            debug('still down: %s', (err as Error).message);
            return;
        } finally {
            this.probing = false;
        }
        await this.recover();
    }

    /** MongoDB answers again: the outage ends and the timers kept in memory are armed. */
    private async recover(): Promise<void> {
        const scheduler = this.options.scheduler();
        if (!this.isDown || !scheduler) {
            return;
        }
        const downFor = Date.now() - (this.since as number);
        this.since = undefined;
        clearInterval(this.probe);
        this.probe = undefined;
        let armed = 0;
        for (const { data, dueAt } of [...this.pending.values()]) {
            try {
                await this.call(scheduler.arm(data, dueAt), 'arm the timer');
                this.pending.delete(data.key);
                armed++;
            } catch {
                break;
            }
        }
        debug('outage over after %d ms: %d timers armed, %d calls skipped', downFor, armed, this.skipped);
    }
}

/** A call that timed out or lost its connection: the database, not the request, is the problem. */
function isOutage(err: unknown): boolean {
    for (
        let e = err as { name?: string; message?: string; code?: string; cause?: unknown } | undefined, depth = 0;
        e && depth < 5;
        e = e.cause as typeof e, depth++
    ) {
        if (/^Gave up waiting for MongoDB/.test(e.message ?? '')) {
            return true;
        }
        if (
            /MongoServerSelectionError|MongoNetwork|MongoTopologyClosed|MongoNotConnected|PoolCleared|MongoPoolClosed/.test(e.name ?? '') ||
            /ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(e.code ?? '')
        ) {
            return true;
        }
    }
    return false;
}
