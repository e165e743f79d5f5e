import type { Db } from 'mongodb';
import { InactivityConfigError } from '../core/errors';
import type { BotBinding } from '../core/ports/botBinding';
import type { Localizer } from '../core/texts/localization';
import { MongoHandle, openMongo } from '../mongo/mongoConnection';
import type { SharedAgenda } from '../scheduling/sharedAgenda';
import type { FollowUpOptions } from './followUpOptions';
import type { Warn } from './followUpWarnings';
import { FollowUpSender } from './followUpSender';
import type { FollowUpSettings } from './followUpSettings';
import { FollowUpStore } from '../mongo/followUpStore';
import { FollowUpUsers } from '../mongo/followUpUsers';
import type { FollowUpWakeUp } from './followUpWakeUp';

/** What a started `FollowUpService` works with. */
export interface RunningFollowUps {
    /** The follow-ups. */
    store: FollowUpStore;
    /** The users. */
    users: FollowUpUsers;
    /** The delivery loop. */
    sender: FollowUpSender;
    /** The database. */
    db: Db;
    /** The connection the service opened itself (closed by its `stop()`); undefined when given or shared. */
    mongo?: MongoHandle;
    /** The InactivityMiddleware's connection, Agenda and error path, when shared. */
    shared?: SharedAgenda;
}

/** What {@link startFollowUps} needs of the service. */
export interface FollowUpStartup {
    /** The options. */
    options: FollowUpOptions;
    /** The bot's SDK follow-ups are sent through; none for a service that only schedules. */
    bot?: BotBinding;
    /** The settings. */
    settings: FollowUpSettings;
    /** The texts. */
    localizer: Localizer;
    /** The clock. */
    now: () => number;
    /** The service's own error path (used when not shared). */
    warn: Warn;
    /** The wake-up job to open. */
    wakeUp: FollowUpWakeUp;
    /** Told of a user who blocked the bot (403). */
    blocked: (userId: string) => void;
}

/**
 * Opens what the service works with: the InactivityMiddleware's connection and Agenda (with `inactivity`, the
 * middleware started first) or its own connection, the indexes, the delivery loop and the wake-up job.
 *
 * @param startup The service's parts.
 * @returns What it opened.
 * @throws InactivityConfigError when `inactivity` has no MongoDB to share.
 */
export async function startFollowUps(startup: FollowUpStartup): Promise<RunningFollowUps> {
    const { options, settings } = startup;
    const shared = await borrow(options);
    // One reporter per bot: shared, what the follow-ups recover from goes where the middleware's errors go.
    const warn = shared?.warn ?? startup.warn;
    const mongo = shared ? undefined : await openMongo(options.mongo as NonNullable<FollowUpOptions['mongo']>);
    try {
        const db: Db = shared?.db ?? (mongo as MongoHandle).db;
        const store = new FollowUpStore(db, `${settings.prefix}FollowUps`);
        await store.ensureIndexes();
        const users = new FollowUpUsers(db, `${settings.prefix}FollowUpUsers`);
        const wake = (at: Date) => startup.wakeUp.wake(at);
        const sender = new FollowUpSender({
            options,
            bot: startup.bot,
            settings,
            localizer: startup.localizer,
            store,
            users,
            db,
            now: startup.now,
            warn,
            wake,
            blocked: startup.blocked,
        });
        // Also without sending: a follow-up scheduled or rescheduled here moves the senders' wake-up.
        await startup.wakeUp.open({
            db,
            prefix: settings.prefix,
            shared,
            send: options.send !== false,
            processEvery: settings.processEvery,
            now: startup.now,
            warn,
            drain: () => sender.drain(),
            nextDue: () => store.nextDue(),
        });
        return { store, users, sender, db, mongo, shared };
    } catch (err) {
        await mongo?.close().catch(() => undefined);
        throw err;
    }
}

/** With `inactivity`: starts the middleware and borrows its connection, Agenda and error path. */
async function borrow(options: FollowUpOptions): Promise<SharedAgenda | undefined> {
    const inactivity = options.inactivity;
    if (!inactivity) {
        return undefined;
    }
    await inactivity.start();
    const shared = inactivity.sharedAgenda();
    if (!shared) {
        throw new InactivityConfigError(
            "FollowUpService `inactivity` shares the InactivityMiddleware's MongoDB, and that middleware has none: give it `mongo`, or give the FollowUpService its own `mongo` instead of `inactivity`."
        );
    }
    return shared;
}
