import { Db, MongoClient } from 'mongodb';
import { InactivitySchedulerError } from './errors';

/**
 * Where the plugin keeps its data: a MongoDB connection string, a connected `MongoClient` (its default
 * database is used), or a `Db`.
 */
export type MongoSource = string | MongoClient | Db;

/** A database the plugin may use, and whether the plugin opened (and so must close) its client. */
export interface MongoHandle {
    /** The database holding the plugin's collections. */
    db: Db;
    /** Closes the client if the plugin opened it; does nothing otherwise. */
    close(): Promise<void>;
}

/** How long to wait for a server before a connection attempt fails, when the plugin opens the connection. */
export const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5000;

/**
 * Opens (or adopts) a database. Only a connection string makes the plugin own a client; a given client or
 * `Db` stays the caller's to close.
 *
 * @param source A connection string, a `MongoClient` or a `Db`.
 * @returns The database and a `close` that closes only what was opened here.
 * @throws InactivitySchedulerError when a connection string cannot be connected to.
 */
export async function openMongo(source: MongoSource): Promise<MongoHandle> {
    if (source instanceof Db) {
        return { db: source, close: async () => undefined };
    }
    if (source instanceof MongoClient) {
        return { db: source.db(), close: async () => undefined };
    }
    const client = new MongoClient(source, { serverSelectionTimeoutMS: DEFAULT_SERVER_SELECTION_TIMEOUT_MS });
    try {
        await client.connect();
    } catch (err) {
        await client.close().catch(() => undefined);
        throw new InactivitySchedulerError(
            `Could not connect to MongoDB at ${redactUri(source)}: ${(err as Error).message}. Check that the server runs and that the 'mongo' option is right.`,
            { cause: err }
        );
    }
    return { db: client.db(), close: () => client.close() };
}

/**
 * Hides the password of a connection string so it can be logged.
 *
 * @param uri A MongoDB connection string.
 * @returns The same string with any password replaced by `***`.
 */
export function redactUri(uri: string): string {
    return uri.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
