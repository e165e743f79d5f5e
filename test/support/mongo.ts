import { Db, MongoClient } from 'mongodb';
import { EmbeddedMongo, startEmbeddedMongo } from '../../samples/embeddedMongo';

let embedded: EmbeddedMongo | undefined;
let baseUri: string | undefined;
let counter = 0;

/**
 * The MongoDB every persistence test uses: `MONGODB_URI` when set (a real MongoDB), otherwise one CongoDB
 * wire-protocol server started once for the whole run.
 *
 * @returns A connection string without a database name.
 */
export async function mongoUri(): Promise<string> {
    if (!baseUri) {
        if (process.env.MONGODB_URI) {
            baseUri = process.env.MONGODB_URI;
            console.log(`  [mongo] tests use the real MongoDB at MONGODB_URI (${baseUri.replace(/\/\/[^@]*@/, '//***@')})`);
        } else {
            embedded = await startEmbeddedMongo();
            baseUri = embedded.uri;
            console.log(`  [mongo] tests use the embedded CongoDB wire-protocol server at ${baseUri} (set MONGODB_URI for a real MongoDB)`);
        }
    }
    return baseUri;
}

/** True when the tests run against a real MongoDB (unique and TTL indexes are enforced there). */
export function isRealMongo(): boolean {
    return Boolean(process.env.MONGODB_URI);
}

/**
 * A connected client and a database of its own for one test, dropped by `close()`.
 *
 * @param options `monitorCommands`: record driver command events (to count writes).
 * @returns The client, its fresh database and a close function.
 */
export async function freshDb(options: { monitorCommands?: boolean } = {}): Promise<{ client: MongoClient; db: Db; uri: string; close(): Promise<void> }> {
    const base = await mongoUri();
    const name = `bbi_test_${process.pid}_${Date.now()}_${++counter}`;
    const uri = withDbName(base, name);
    const client = new MongoClient(uri, { monitorCommands: options.monitorCommands ?? false, serverSelectionTimeoutMS: 5000 });
    await client.connect();
    const db = client.db(name);
    return {
        client,
        db,
        uri,
        close: async () => {
            await db.dropDatabase().catch(() => undefined);
            await client.close();
        },
    };
}

/** Stops the embedded server, if one was started. */
export async function stopMongo(): Promise<void> {
    await embedded?.stop();
    embedded = undefined;
    baseUri = undefined;
}

function withDbName(uri: string, name: string): string {
    const url = new URL(uri);
    url.pathname = `/${name}`;
    return url.toString();
}
