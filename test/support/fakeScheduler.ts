import type { DueTimerHandler, TimerData, TimerScheduler } from '../../src/core/ports/timerScheduler';

/** An in-memory {@link TimerScheduler} for unit tests: timers fire only when a test calls `fire`. */
export class FakeScheduler implements TimerScheduler {
    /** Armed timers by key; `attempt` counts a retry after the handler threw, as Agenda's failCount does. */
    readonly armed = new Map<string, { data: TimerData; dueAt: Date; attempt?: number }>();
    /** Errors the handler threw (each asks for a retry). */
    readonly thrown: Error[] = [];
    /** Retries after a first attempt, as the plugin gives Agenda (`sendRetries`). */
    retries = 5;
    /** How many times `arm` wrote. */
    writes = 0;
    /** Make `arm` fail with this error, or never settle with 'hang'. */
    failWith?: Error | 'hang';
    private onDue?: DueTimerHandler;

    /** @inheritdoc */
    async start(onDue: DueTimerHandler): Promise<void> {
        this.onDue = onDue;
    }

    /** @inheritdoc */
    arm(data: TimerData, dueAt: Date): Promise<void> {
        if (this.failWith === 'hang') {
            return new Promise(() => undefined);
        }
        if (this.failWith) {
            return Promise.reject(this.failWith);
        }
        this.writes++;
        this.armed.set(data.key, { data, dueAt });
        return Promise.resolve();
    }

    /** @inheritdoc */
    async cancel(key: string): Promise<void> {
        this.armed.delete(key);
    }

    /** @inheritdoc */
    async stop(): Promise<void> {
        this.onDue = undefined;
    }

    /** The only armed timer (fails when there is not exactly one). */
    only(): { data: TimerData; dueAt: Date } {
        if (this.armed.size !== 1) {
            throw new Error(`expected one armed timer, found ${this.armed.size}`);
        }
        return [...this.armed.values()][0];
    }

    /**
     * Fires a timer as the scheduler would, re-arming it when the handler returns a date.
     *
     * @param key The timer's key; default the only one.
     * @returns The next due date, if any.
     */
    async fire(key?: string): Promise<Date | undefined> {
        const k = key ?? [...this.armed.keys()][0];
        const timer = this.armed.get(k);
        if (!timer || !this.onDue) {
            throw new Error(`no armed timer ${k}`);
        }
        this.armed.delete(k);
        const attempt = timer.attempt ?? 1;
        let next: Date | undefined;
        try {
            next = await this.onDue({ data: timer.data, firedAt: new Date(), attempt, lastAttempt: attempt > this.retries });
        } catch (err) {
            this.thrown.push(err as Error);
            // Agenda's backoff: the same timer again, one attempt later (unless an arm() moved it meanwhile).
            if (attempt <= this.retries && !this.armed.has(k)) {
                this.armed.set(k, { data: timer.data, dueAt: timer.dueAt, attempt: attempt + 1 });
            }
            return undefined;
        }
        if (next && !this.armed.has(k)) {
            this.armed.set(k, { data: timer.data, dueAt: next });
        }
        return next;
    }
}
