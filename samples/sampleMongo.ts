import { MongoClient } from 'mongodb';
import { EmbeddedMongo, startEmbeddedMongo } from './embeddedMongo';

/** The MongoDB a sample runs on: one client for the plugin's timers and the bot's state. */
export interface SampleMongo {
    /** The connected client. The sample opened it, so the sample closes it (the plugin and MongoStorage leave a given client open). */
    client: MongoClient;
    /** The connection string. */
    uri: string;
    /** Whether it is the embedded wire-protocol server (MONGODB_URI unset). */
    embedded: boolean;
    /** The start-up line that says which MongoDB this is (the password hidden). */
    describe(): string;
    /** Closes the client, then stops the embedded server, if any. */
    close(): Promise<void>;
}

/**
 * Connects the sample's one MongoClient: to `mongoUri`, or, when it is unset, to an embedded wire-protocol
 * server started here. Both samples (botbuilder and the Agents SDK) start this way.
 *
 * @param mongoUri `MONGODB_URI`, or undefined for the embedded server.
 * @returns The connected client and how to close it.
 * @throws Error naming the address (password hidden) when MongoDB cannot be reached.
 */
export async function openSampleMongo(mongoUri: string | undefined): Promise<SampleMongo> {
    let embedded: EmbeddedMongo | undefined;
    const uri = mongoUri ?? (embedded = await startEmbeddedMongo()).uri;
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    try {
        await client.connect();
    } catch (err) {
        await client.close().catch(() => undefined);
        await embedded?.stop();
        throw new Error(`Could not connect to MongoDB at ${redact(uri)}: ${(err as Error).message}`, { cause: err });
    }
    return {
        client,
        uri,
        embedded: Boolean(embedded),
        describe: () =>
            embedded
                ? `MongoDB: MONGODB_URI is not set, so the sample uses its embedded wire-protocol server at ${uri} (in memory; timers and conversation state last while the sample runs).`
                : `MongoDB: ${redact(uri)}`,
        close: async () => {
            await client.close();
            await embedded?.stop();
        },
    };
}

/** A connection string with its password hidden, for logs. */
function redact(uri: string): string {
    return uri.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
