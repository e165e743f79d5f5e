import type { Db } from 'mongodb';
import type { InactivityEngine } from '../core/engine';
import { InactivitySchedulerError } from '../core/errors';
import { toMilliseconds } from '../core/policy/duration';
import { CoreOptions, DEFAULTS } from '../core/policy/options';
import type { TimerScheduler } from '../core/ports/timerScheduler';
import { AgendaScheduler } from '../scheduling/agendaScheduler';
import { MongoFlowRunStore } from './flowRunStore';
import { MongoAbandonmentLog } from './mongoAbandonmentLog';
import { MongoHandle, MongoSource, openMongo } from './mongoConnection';
import { MongoSnapshotStore } from './mongoSnapshotStore';
import { MongoReminderFatigue } from './reminderFatigue';

/** The recurring job that expires saved flows past their resume window and purges records past their retention. */
export const EXPIRE_JOB_NAME = 'botbuilder-inactivity:expire-snapshots';

/** How often saved flows are swept. */
const EXPIRE_EVERY_MS = 3_600_000;

/** The stores {@link PluginStores.start} opened, swept hourly. */
interface OpenedStores {
    snapshots: MongoSnapshotStore;
    flowRuns: MongoFlowRunStore;
    events: MongoAbandonmentLog;
}

/** What {@link PluginStores.start} needs. */
export interface PluginStoresOptions extends CoreOptions<never> {
    /** A MongoDB connection string, `MongoClient` or `Db`; without it only the given scheduler runs. */
    mongo?: MongoSource;
}

/**
 * Starts and stops what a plugin keeps outside the bot's own state, for any binding: the MongoDB connection
 * (when given a connection string), the collections of saved flows, abandonment events and flow-run records, the
 * Agenda scheduler (unless the bot gave one), and the hourly sweep. Closes only what it opened.
 */
export class PluginStores {
    private mongo?: MongoHandle;
    private createdScheduler = false;

    /**
     * @param engine The plugin's engine (its `plugin` gets the stores and the scheduler).
     */
    constructor(private readonly engine: InactivityEngine) {}

    /** The database opened by {@link PluginStores.start}, while it is open. */
    get db(): Db | undefined {
        return this.mongo?.db;
    }

    /**
     * Opens MongoDB and the stores, and starts the scheduler with the engine's timer handler.
     *
     * @param options The binding's options.
     * @throws InactivitySchedulerError when MongoDB cannot be reached.
     */
    async start(options: PluginStoresOptions): Promise<void> {
        const plugin = this.engine.plugin;
        const warn = (err: unknown): void => this.engine.warn(err);
        const prefix = options.collectionPrefix ?? DEFAULTS.collectionPrefix;
        let opened: OpenedStores | undefined;
        if (options.mongo) {
            this.mongo = await openMongo(options.mongo);
            const db = this.mongo.db;
            try {
                const snapshots = new MongoSnapshotStore(db, { collection: `${prefix}Snapshots` });
                const abandonments = new MongoAbandonmentLog(db, {
                    collection: `${prefix}Events`,
                    retention: options.recordRetention ?? DEFAULTS.recordRetention,
                });
                const flowRuns = new MongoFlowRunStore(db, {
                    collection: `${prefix}Runs`,
                    retention: options.recordRetention ?? DEFAULTS.recordRetention,
                    rawUserIds: options.rawUserIds ?? DEFAULTS.rawUserIds,
                    userHashKey: options.userHashKey,
                });
                await Promise.all([snapshots.init(), abandonments.init(), flowRuns.init()]);
                plugin.fatigue = new MongoReminderFatigue(db, `${prefix}ReminderFatigue`);
                plugin.snapshots = snapshots;
                plugin.abandonments = abandonments;
                plugin.flowRuns = flowRuns;
                opened = { snapshots, flowRuns, events: abandonments };
                if (!plugin.scheduler) {
                    plugin.scheduler = new AgendaScheduler({
                        mongo: db,
                        collection: `${prefix}Jobs`,
                        processEvery: toMilliseconds(options.processEvery ?? DEFAULTS.processEvery, 'processEvery'),
                        onError: warn,
                        retry: { retries: options.sendRetries ?? DEFAULTS.sendRetries },
                        runDeadline: plugin.settings.timerDeadline,
                    });
                    this.createdScheduler = true;
                }
            } catch (err) {
                await this.close();
                throw err instanceof InactivitySchedulerError
                    ? err
                    : new InactivitySchedulerError('Could not prepare the MongoDB collections.', { cause: err });
            }
        }
        try {
            await (plugin.scheduler as TimerScheduler).start(this.engine.timerHandler());
        } catch (err) {
            // Nothing may stay open after a failed start: the connection this call opened is closed again.
            await this.close();
            throw err;
        }
        if (opened) {
            await this.startSweep(opened);
        }
    }

    /** Stops the scheduler (running timers finish first) and closes what {@link PluginStores.start} opened. */
    async stop(): Promise<void> {
        await this.engine.plugin.scheduler?.stop();
        await this.close();
    }

    /**
     * Saved flows past their window are marked expired and their data dropped, and flow-run records and
     * abandonment events past their retention deleted (the TTL indexes do it too where the server has them): now,
     * then hourly on one instance. One recurring task for both: each costs every instance a check a minute.
     */
    private async startSweep(stores: OpenedStores): Promise<void> {
        const plugin = this.engine.plugin;
        const warn = (err: unknown): void => this.engine.warn(err);
        const { snapshots, flowRuns, events } = stores;
        const sweep = async (): Promise<void> => {
            const now = plugin.now();
            await Promise.all([snapshots.expire(now), flowRuns.purge(now), events.purge(new Date(now - flowRuns.retentionMs))]);
        };
        await sweep().catch(warn);
        await plugin.scheduler?.repeat?.(EXPIRE_JOB_NAME, EXPIRE_EVERY_MS, sweep).catch(warn);
    }

    private async close(): Promise<void> {
        if (this.createdScheduler) {
            this.engine.plugin.scheduler = undefined;
            this.createdScheduler = false;
        }
        await this.mongo?.close();
        this.mongo = undefined;
    }
}
