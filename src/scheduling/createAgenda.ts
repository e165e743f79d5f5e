import createDebug from 'debug';
import type { Agenda, NotificationChannel } from 'agenda' with { 'resolution-mode': 'import' };
import type { Db } from 'mongodb';

const debug = createDebug('botbuilder-inactivity:scheduler');

/** What {@link createAgenda} builds an Agenda from. */
export interface AgendaSetup {
    /** The database the jobs live in (the plugin's connection: the Agenda opens none of its own). */
    db: Db;
    /** The jobs collection. */
    collection: string;
    /** Agenda's polling interval, ms (numbers only: Agenda 6 misparses string durations under 1 s). */
    processEvery: number;
    /** Agenda's cap on jobs running at once in this process, over every job's own concurrency. */
    maxConcurrency: number;
    /** The name Agenda writes as `lastModifiedBy` on the jobs it locks. Default Agenda's own. */
    name?: string;
    /**
     * The one reporter of errors Agenda raises outside of any call (a lost connection, a failed lock query).
     * Agenda's own listener is empty: without this they would vanish.
     */
    onError: (err: Error) => void;
}

/** An Agenda built by {@link createAgenda}, with the notification channel its owner announces jobs on. */
export interface PluginAgenda {
    /** The Agenda, ready (its backend connected), not started. */
    agenda: Agenda;
    /**
     * Its in-memory notification channel: a job saved by this process due before the next poll is announced on
     * it and locked at once, instead of up to `processEvery` late.
     */
    channel: NotificationChannel;
}

/**
 * Builds the plugin's Agenda on a database it already has: the MongoDB backend on `setup.db` (so no second
 * connection), Agenda's own index not created (the plugin's lock queries use their own), one-off jobs kept on
 * completion (the plugin deletes its own), an in-memory notification channel carrying job notifications only,
 * and the error listener wired to `setup.onError`. The timers ({@link AgendaScheduler}) and the follow-ups each
 * define their jobs on it; a bot that runs both shares one.
 *
 * @example
 * ```ts
 * const { agenda, channel } = await createAgenda({ db, collection: 'inactivityJobs', processEvery: 5000, maxConcurrency: 50, onError: report });
 * agenda.define('my-job', handler);
 * await agenda.start();
 * ```
 * @param setup Where the jobs live, how often to poll, and who hears errors.
 * @returns The ready Agenda and its channel.
 */
export async function createAgenda(setup: AgendaSetup): Promise<PluginAgenda> {
    const { Agenda, InMemoryNotificationChannel } = await import('agenda');
    const { MongoBackend } = await import('@agendajs/mongo-backend');
    const channel = jobNotificationsOnly(new InMemoryNotificationChannel());
    const agenda = new Agenda({
        ...(setup.name ? { name: setup.name } : {}),
        // Agenda's own index ({ name, nextRunAt, priority, lockedAt, disabled }) serves none of the plugin's
        // queries (see LOCK_INDEX): not created.
        backend: new MongoBackend({ mongo: setup.db, collection: setup.collection, ensureIndex: false }),
        processEvery: setup.processEvery,
        notificationChannel: channel,
        removeOnComplete: false,
        // Agenda's own cap (20 by default) would silently cap the jobs' concurrency below their own.
        maxConcurrency: setup.maxConcurrency,
    });
    agenda.on('error', (err: Error) => {
        debug('agenda error: %O', err);
        setup.onError(err);
    });
    await agenda.ready;
    return { agenda, channel };
}

/**
 * The channel without Agenda's job state notifications (start, success, complete, ... of every run), which carry
 * events to other processes: in memory they reach only this process, which ignores its own, at a cost per run.
 */
function jobNotificationsOnly(channel: NotificationChannel): NotificationChannel {
    Object.assign(channel, { publishState: undefined, subscribeState: undefined });
    return channel;
}
