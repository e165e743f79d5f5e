import { Db, MongoClient } from 'mongodb';
import { InactivitySchedulerError } from '../core/errors';

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
    const failed = (err: unknown): InactivitySchedulerError => {
        hideSecrets(err, source);
        return new InactivitySchedulerError(
            `Could not connect to MongoDB at ${redactUri(source)}: ${(err as Error).message}. Check that the server runs and that the 'mongo' option is right.`,
            { cause: err }
        );
    };
    let client: MongoClient;
    try {
        // The driver parses the string here, and its parse errors quote the string, password included.
        client = new MongoClient(source, { serverSelectionTimeoutMS: DEFAULT_SERVER_SELECTION_TIMEOUT_MS });
    } catch (err) {
        throw failed(err);
    }
    try {
        await client.connect();
    } catch (err) {
        await client.close().catch(() => undefined);
        throw failed(err);
    }
    return { db: client.db(), close: () => client.close() };
}

/**
 * Hides the password of a connection string so it can be logged.
 *
 * @param uri A MongoDB connection string.
 * @returns The same string with any password, and any secret passed as an option, replaced by `***`.
 */
export function redactUri(uri: string): string {
    const userInfo = findUserInfo(uri);
    let redacted = uri;
    if (userInfo?.password !== undefined) {
        redacted = `${uri.slice(0, userInfo.passwordStart)}***${uri.slice(userInfo.passwordEnd)}`;
    }
    return redacted.replace(SECRET_OPTIONS, '$1***');
}

/** Options whose value is a secret: a key file password, and AWS credentials in authMechanismProperties. */
const SECRET_OPTIONS = /([?&]tlsCertificateKeyFilePassword=|AWS_SESSION_TOKEN(?::|%3A))[^&,]*/gi;

/**
 * Locates the password of a connection string. The user info ends at the last `@` before the options, so a
 * password with an unescaped `@` or `/` is still covered (over-redacting the host is the safe mistake).
 */
function findUserInfo(uri: string): { password?: string; passwordStart: number; passwordEnd: number } | undefined {
    const scheme = uri.indexOf('://');
    const start = scheme < 0 ? 0 : scheme + 3;
    const query = uri.indexOf('?', start);
    const at = uri.lastIndexOf('@', query < 0 ? uri.length : query);
    if (at < start) {
        return undefined;
    }
    const colon = uri.indexOf(':', start);
    if (colon < 0 || colon > at) {
        return undefined;
    }
    return { password: uri.slice(colon + 1, at), passwordStart: colon + 1, passwordEnd: at };
}

/** Removes the connection string's password from a driver error, whose message may quote the string. */
function hideSecrets(err: unknown, uri: string): void {
    const password = findUserInfo(uri)?.password;
    if (!(err instanceof Error)) {
        return;
    }
    const secrets = new Set([uri, password, safeDecode(password)].filter((s): s is string => Boolean(s)));
    const hide = (text: string): string => {
        let hidden = text;
        for (const secret of secrets) {
            hidden = hidden.split(secret).join(secret === uri ? redactUri(uri) : '***');
        }
        return hidden;
    };
    err.message = hide(err.message);
    if (err.stack) {
        err.stack = hide(err.stack);
    }
}

function safeDecode(text: string | undefined): string | undefined {
    try {
        return text === undefined ? undefined : decodeURIComponent(text);
    } catch {
        return undefined;
    }
}
