import createDebug from 'debug';
import type { Agenda, NotificationChannel } from 'agenda' with { 'resolution-mode': 'import' };

const debug = createDebug('botbuilder-inactivity:scheduler');

/**
 * Tells this process's Agenda about jobs through its notification channel: a job saved here that is due before
 * the next poll is locked at once instead of up to `processEvery` late, and after a run that left more due jobs
 * behind (the lock limit stopped the last lock query) more are locked at once. Without a channel it does nothing.
 */
export class JobAnnouncer {
    private refilling = false;
    private refillAgain = false;

    /**
     * @param channel The Agenda's notification channel, if it has one.
     * @param processEvery The Agenda's polling interval, ms.
     * @param source Who announces (recorded on the notification).
     */
    constructor(
        readonly channel: NotificationChannel | undefined,
        private readonly processEvery: number,
        private readonly source: string
    ) {}

    /**
     * The channel of a ready Agenda, if it has one (Agenda keeps it private).
     *
     * @param agenda The Agenda.
     * @returns Its notification channel, or undefined.
     */
    static channelOf(agenda: Agenda): NotificationChannel | undefined {
        return agenda.hasNotificationChannel() ? (agenda as unknown as { notificationChannel?: NotificationChannel }).notificationChannel : undefined;
    }

    /** Announces a job of `name` due at `nextRunAt`, when that comes before the next poll. */
    announce(name: string, nextRunAt: Date): void {
        const channel = this.channel;
        if (!channel || nextRunAt.getTime() - Date.now() > this.processEvery || channel.state !== 'connected') {
            return;
        }
        channel
            .publish({ jobId: '' as never, jobName: name, nextRunAt, priority: 0, timestamp: new Date(), source: this.source })
            .catch((err: unknown) => debug('notification failed: %O', err));
    }

    /**
     * After a run, has Agenda lock more jobs of `name` at once when the last lock query stopped on the lock limit
     * (more were due): a burst is worked through at the pace of the runs, not of the polls.
     *
     * @param name The job name.
     * @param saturated Whether the last lock query of `name` found a job.
     */
    refill(name: string, saturated: () => boolean): void {
        if (!this.channel || !saturated()) {
            return;
        }
        if (this.refilling) {
            this.refillAgain = true;
            return;
        }
        this.refilling = true;
        this.refillAgain = false;
        this.channel
            .publish({ jobId: '' as never, jobName: name, nextRunAt: new Date(), priority: 0, timestamp: new Date(), source: this.source })
            .catch((err: unknown) => debug('refill failed: %O', err))
            .finally(() => {
                this.refilling = false;
                if (this.refillAgain) {
                    this.refill(name, saturated);
                }
            });
    }
}
