import createDebug from 'debug';
import type { Agenda, Job } from 'agenda' with { 'resolution-mode': 'import' };
import type { Collection, Db } from 'mongodb';
import { InactivitySchedulerError } from '../errors';
import { MongoHandle, MongoSource, openMongo } from '../mongoConnection';
import { DueTimerHandler, TimerData, TimerScheduler } from './timerScheduler';

const debug = createDebug('botbuilder-inactivity:scheduler');

/** The Agenda job name of the per-conversation inactivity timer. */
export const TIMER_JOB_NAME = 'botbuilder-inactivity:timer';

/** The default collection for jobs when the plugin creates its own Agenda. */
export const DEFAULT_JOBS_COLLECTION = 'inactivityJobs';

/** The default polling interval of an Agenda the plugin creates: keeps a timer within ~0.5 s of its due time. */
export const DEFAULT_PROCESS_EVERY_MS = 500;

/** Options of {@link AgendaScheduler}. */
export interface AgendaSchedulerOptions {
    /** Where jobs live: a connection string, a `MongoClient` or a `Db`. Either this or `agenda`. */
    mongo?: MongoSource;
    /**
     * A ready Agenda instance the bot already runs. The scheduler defines its job on it and never stops it.
     * Its own `processEvery` applies (Agenda's default of 5 s makes short timers up to 5 s late).
     */
    agenda?: Agenda;
    /** Jobs collection when the scheduler creates Agenda. Default `'inactivityJobs'`. */
    collection?: string;
    /** Agenda's polling interval in ms when the scheduler creates Agenda. Default 500. */
    processEvery?: number;
    /** Called with errors Agenda reports outside of any call (lost connection, failed job). */
    onError?: (err: Error) => void;
}

/**
 * A {@link TimerScheduler} on Agenda 6 and MongoDB: one job per conversation, stored durably, locked so that
 * with several bot instances on one database each timer fires exactly once.
 *
 * A unique index on `{ name, data.key }` stops two instances from inserting twin jobs for one conversation.
 */
export class AgendaScheduler implements TimerScheduler {
    private agenda?: Agenda;
    private mongo?: MongoHandle;
    private ownsAgenda = false;
    private started?: Promise<void>;

    /**
     * @param options Where to keep jobs; see {@link AgendaSchedulerOptions}.
     */
    constructor(private readonly options: AgendaSchedulerOptions) {
        if (!options.mongo && !options.agenda) {
            throw new InactivitySchedulerError('AgendaScheduler needs either a `mongo` source or an `agenda` instance.');
        }
    }

    /** @inheritdoc */
    start(onDue: DueTimerHandler): Promise<void> {
        this.started ??= this.open(onDue).catch((err) => {
            this.started = undefined;
            throw err;
        });
        return this.started;
    }

    /** @inheritdoc */
    async arm(data: TimerData, dueAt: Date): Promise<void> {
        const agenda = this.requireAgenda();
        const save = () => agenda.create(TIMER_JOB_NAME, data).unique({ 'data.key': data.key }).schedule(dueAt).save();
        try {
            await save();
        } catch (err) {
            if (!isDuplicateKey(err)) {
                throw new InactivitySchedulerError(`Could not arm the timer for ${data.key}.`, { cause: err });
            }
            // Another instance inserted the same conversation's job between our find and insert: the unique
            // index refused the twin, and the upsert now finds that job and moves it.
            await save();
        }
    }

    /** @inheritdoc */
    async cancel(key: string): Promise<void> {
        try {
            await this.requireAgenda().cancel({ name: TIMER_JOB_NAME, data: { key } });
        } catch (err) {
            throw new InactivitySchedulerError(`Could not cancel the timer for ${key}.`, { cause: err });
        }
    }

    /** @inheritdoc */
    async stop(): Promise<void> {
        const agenda = this.agenda;
        this.agenda = undefined;
        this.started = undefined;
        if (agenda && this.ownsAgenda) {
            await agenda.drain({ timeout: 30_000, closeConnection: false });
        }
        await this.mongo?.close();
        this.mongo = undefined;
    }

    /** The jobs collection, for operators' tools and tests. Undefined before `start()`. */
    get jobs(): Collection | undefined {
        return this.mongo?.db.collection(this.options.collection ?? DEFAULT_JOBS_COLLECTION);
    }

    private async open(onDue: DueTimerHandler): Promise<void> {
        let agenda = this.options.agenda;
        if (!agenda) {
            this.mongo = await openMongo(this.options.mongo as MongoSource);
            try {
                agenda = await this.createAgenda(this.mongo.db);
            } catch (err) {
                await this.mongo.close();
                this.mongo = undefined;
                throw err;
            }
            this.ownsAgenda = true;
        }
        agenda.define(
            TIMER_JOB_NAME,
            async (job: Job<TimerData>) => {
                const next = await onDue({ data: job.attrs.data, firedAt: job.attrs.lastRunAt ?? new Date() });
                if (next) {
                    // Agenda writes nextRunAt when the run completes; setting it here re-arms without a second write.
                    job.attrs.nextRunAt = next;
                }
            },
            { removeOnComplete: true }
        );
        if (this.ownsAgenda) {
            await agenda.start();
        }
        this.agenda = agenda;
        debug('started (own Agenda: %s)', this.ownsAgenda);
    }

    private async createAgenda(db: Db): Promise<Agenda> {
        const collection = this.options.collection ?? DEFAULT_JOBS_COLLECTION;
        await db
            .collection(collection)
            .createIndex(
                { name: 1, 'data.key': 1 },
                { name: 'inactivityTimerKey', unique: true, partialFilterExpression: { name: TIMER_JOB_NAME } }
            )
            .catch((err: unknown) => {
                throw new InactivitySchedulerError(`Could not create the unique timer index on ${collection}.`, { cause: err });
            });
        const { Agenda } = await import('agenda');
        const { MongoBackend } = await import('@agendajs/mongo-backend');
        const agenda = new Agenda({
            backend: new MongoBackend({ mongo: db, collection }),
            processEvery: this.options.processEvery ?? DEFAULT_PROCESS_EVERY_MS,
            removeOnComplete: false,
        });
        agenda.on('error', (err: Error) => {
            debug('agenda error: %O', err);
            this.options.onError?.(new InactivitySchedulerError('The scheduler reported an error.', { cause: err }));
        });
        agenda.on(`fail:${TIMER_JOB_NAME}`, (err: Error) => {
            debug('timer failed: %O', err);
            this.options.onError?.(new InactivitySchedulerError('A timer handler failed.', { cause: err }));
        });
        await agenda.ready;
        return agenda;
    }

    private requireAgenda(): Agenda {
        if (!this.agenda) {
            throw new InactivitySchedulerError('The scheduler is not started: call start() on the middleware first.');
        }
        return this.agenda;
    }
}

function isDuplicateKey(err: unknown): boolean {
    return typeof err === 'object' && err !== null && (err as { code?: number }).code === 11000;
}
