import type { Agenda } from 'agenda' with { 'resolution-mode': 'import' };
import type { Db } from 'mongodb';
import type { JobAnnouncer } from './jobAnnouncer';

/**
 * What a started InactivityMiddleware lends to the follow-ups so a bot runs one MongoDB connection, one Agenda and
 * one error reporter for both: its database, its running Agenda (when its timers run on one the plugin can
 * define jobs on), and its `onError` path.
 */
export interface SharedAgenda {
    /** The middleware's database (its connection: the follow-ups open none). */
    db: Db;
    /** The middleware's running Agenda; undefined when its timers run on another scheduler. */
    agenda?: Agenda;
    /** Announces jobs due before that Agenda's next poll on its notification channel. */
    announcer?: JobAnnouncer;
    /** The middleware's error path (`onError`, else a process warning). */
    warn: (err: unknown) => void;
}

/** Lends a {@link SharedAgenda}: the InactivityMiddleware is one. */
export interface SharedAgendaSource {
    /** Starts the lender (idempotent); the follow-ups call it before they borrow. */
    start(): Promise<void>;
    /** What it lends, once started; undefined when it has no MongoDB of its own (no `mongo` option). */
    sharedAgenda(): SharedAgenda | undefined;
}
