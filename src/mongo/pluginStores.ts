import type { Db } from 'mongodb';
import type { InactivityEngine } from '../core/engine';
import { InactivitySchedulerError } from '../core/errors';
import { toMilliseconds } from '../core/policy/duration';
import { CoreOptions, DEFAULTS } from '../core/policy/options';
import type { TimerScheduler } from '../core/ports/timerScheduler';
import { AgendaScheduler } from '../scheduling/agendaScheduler';
import { MongoActiveFlowStore } from './activeFlowStore';
import { MongoFlowRunStore } from './flowRunStore';
import { MongoAbandonmentLog } from './mongoAbandonmentLog';
import { MongoHandle, MongoSource, openMongo } from './mongoConnection';
import { MongoSnapshotStore } from './mongoSnapshotStore';
import { timedSweep } from './sweepLog';
import { MongoReminderFatigue } from './reminderFatigue';
import { withinDatabaseTimeout } from '../core/util/withinDatabaseTimeout';

/** The recurring job that expires saved flows past their resume window and purges records past their retention. */
export const EXPIRE_JOB_NAME = 'botbuilder-inactivity:expire-snapshots';

/** How often an instance publishes its flows in progress for `activeFlows({ scope: 'all' })`. */
export const PUBLISH_ACTIVE_FLOWS_EVERY_MS = 30_000;

/** The stores {@link PluginStores.start} opened, swept every `sweepEvery`. */
interface OpenedStores {
    db: Db;
    prefix: string;
    snapshots: MongoSnapshotStore;
    flowRuns: MongoFlowRunStore;
    events: MongoAbandonmentLog;
    activeFlows: MongoActiveFlowStore;
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
    private publishing?: ReturnType<typeof setInterval>;
    /** The sweep under way in this instance, if any: `stop()` ends it after its current batch. */
    private sweeping?: Promise<void>;
    private stopping = false;

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
        this.stopping = false;
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
                const activeFlows = new MongoActiveFlowStore(db, { collection: `${prefix}ActiveFlows` });
                await Promise.all([snapshots.init(), abandonments.init(), flowRuns.init(), activeFlows.init()]);
                plugin.fatigue = new MongoReminderFatigue(db, `${prefix}ReminderFatigue`);
                plugin.snapshots = snapshots;
                plugin.abandonments = abandonments;
                plugin.flowRuns = flowRuns;
                plugin.activeFlowStore = activeFlows;
                opened = { db, prefix, snapshots, flowRuns, events: abandonments, activeFlows };
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
            await this.startSweep(opened, options);
            // In process memory, but holding no timer of a conversation: a lost publication is made again 30 s later.
            // Failures in a row (a database outage) are reported once, at the first.
            let failing = false;
            const publish = (): void =>
                void this.engine.publishActiveFlows().then(
                    () => void (failing = false),
                    (err: unknown) => {
                        if (!failing) {
                            warn(err);
                        }
                        failing = true;
                    }
                );
            this.publishing = setInterval(publish, PUBLISH_ACTIVE_FLOWS_EVERY_MS);
            this.publishing.unref();
        }
    }

    /**
     * Stops the scheduler (running timers finish first) and closes what {@link PluginStores.start} opened. The
     * last publication of flows in progress is made first: those flows go on at the other instances.
     */
    async stop(): Promise<void> {
        if (this.publishing) {
            clearInterval(this.publishing);
            this.publishing = undefined;
            // Bounded: a database that does not answer must not hold up the timers' handover that follows.
            const timeout = this.engine.plugin.settings.schedulerTimeout;
            await withinDatabaseTimeout(this.engine.publishActiveFlows(), timeout, 'publish the flows in progress').catch((err: unknown) =>
                this.engine.warn(err)
            );
        }
        // The sweep under way stops after its current delete command, before the connection closes.
        this.stopping = true;
        await this.sweeping?.catch(() => undefined);
        await this.engine.plugin.scheduler?.stop();
        await this.close();
    }

    /**
     * Saved flows past their window are marked expired (and deleted a week later), and flow-run records and
     * abandonment events past their retention deleted (the TTL indexes do it too where the server has them), in
     * batches of `sweepBatchSize`: now, then every `sweepEvery` on one instance. One recurring task for all: each
     * costs every instance a check a minute. What each sweep did is recorded in `<prefix>Sweeps` for `health()`.
     */
    private async startSweep(stores: OpenedStores, options: PluginStoresOptions): Promise<void> {
        const plugin = this.engine.plugin;
        const warn = (err: unknown): void => this.engine.warn(err);
        const { snapshots, flowRuns, events, activeFlows } = stores;
        const batchSize = options.sweepBatchSize ?? DEFAULTS.sweepBatchSize;
        const every = toMilliseconds(options.sweepEvery ?? DEFAULTS.sweepEvery, 'sweepEvery');
        const target = { db: stores.db, prefix: stores.prefix, name: 'inactivity' as const, batchSize, now: () => plugin.now() };
        const keepGoing = () => !this.stopping;
        const run = async (): Promise<void> => {
            await timedSweep(target, async (done) => {
                const now = plugin.now();
                done[`${stores.prefix}Snapshots:expired`] = await snapshots.expire(now);
                done[`${stores.prefix}Snapshots`] = await snapshots.purge(now, batchSize, keepGoing);
                done[`${stores.prefix}Runs`] = await flowRuns.purge(now, batchSize, keepGoing);
                done[`${stores.prefix}Events`] = await events.purge(new Date(now - flowRuns.retentionMs), batchSize, keepGoing);
                done[`${stores.prefix}ActiveFlows`] = await activeFlows.purge(now);
            });
        };
        const sweep = (): Promise<void> => {
            const running = run().finally(() => {
                if (this.sweeping === running) {
                    this.sweeping = undefined;
                }
            });
            this.sweeping = running;
            return running;
        };
        // The first sweep is waited for at most schedulerTimeout: a backlog (the first sweep after an upgrade) goes
        // on in the background while the bot takes turns, and stop() ends it after its current batch.
        const first = sweep().catch(warn);
        await withinDatabaseTimeout(first, plugin.settings.schedulerTimeout, 'sweep').catch(() => undefined);
        await plugin.scheduler?.repeat?.(EXPIRE_JOB_NAME, every, sweep).catch(warn);
    }

    private async close(): Promise<void> {
        if (this.publishing) {
            clearInterval(this.publishing);
            this.publishing = undefined;
        }
        this.engine.plugin.activeFlowStore = undefined;
        if (this.createdScheduler) {
            this.engine.plugin.scheduler = undefined;
            this.createdScheduler = false;
        }
        await this.mongo?.close();
        this.mongo = undefined;
    }
}
