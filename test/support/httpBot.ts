import { CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import express from 'express';
import { Server } from 'http';
import { MongoClient } from 'mongodb';
import { AgendaScheduler, InactivityMiddleware, InactivityOptions, Localizer, MongoStorage, TimerRetryPolicy } from '../../src';
import { AddClientDialog } from '../../samples/addClientDialog';
import { SampleBot } from '../../samples/sampleBot';
import { SAMPLE_LOCALES, SAMPLE_POLICY } from './testBot';

/** A bot built like the sample (samples/sampleServer.ts) from the sample's parts, with options the sample does not expose. */
export interface HttpBot {
    /** The Emulator's endpoint. */
    messagesUrl: string;
    /** The plugin. */
    inactivity: InactivityMiddleware;
    /** The scheduler, when `retry` was given (its `jobs` collection shows the timers). */
    scheduler?: AgendaScheduler;
    /** The client of the bot's state (and of the plugin, unless `pluginMongoUri` was given). */
    client: MongoClient;
    /** Stops the server, the plugin and the client. */
    stop(): Promise<void>;
}

/** Options of {@link startHttpBot}. */
export interface HttpBotOptions {
    /** The MongoDB (with its database name) for the bot's state (MongoStorage) and the plugin. */
    mongoUri: string;
    /**
     * A separate connection string for the plugin (its timers, snapshots and events), for instance through a
     * proxy that can stall; the bot's state stays on `mongoUri`. Default: the plugin shares the state's client.
     */
    pluginMongoUri?: string;
    /** HTTP port; default a free one. */
    port?: number;
    /** Plugin options over the sample's. */
    inactivity?: Partial<InactivityOptions>;
    /**
     * Agenda's backoff for failed sends. The middleware exposes only `sendRetries` (with ~2 s to 32 s waits);
     * given this, the bot builds its AgendaScheduler itself with these waits, as a bot may.
     */
    retry?: Partial<TimerRetryPolicy>;
    /** Where errors the plugin reports go (the sample prints them). */
    onError?: (err: Error) => void;
    /** Where errors reaching the adapter's onTurnError go (the sample apologises to the user there). */
    onTurnError?: (err: Error) => void;
}

/**
 * Starts the sample bot's parts as samples/sampleServer.ts assembles them: CloudAdapter without credentials
 * (as the Emulator needs), conversation state in {@link MongoStorage} on the plugin's client, the add-client
 * dialog, the sample's policy file and texts, and the sample's onTurnError, which tells the user "Sorry,
 * something went wrong on my side".
 *
 * @param options See {@link HttpBotOptions}.
 * @returns The running bot.
 */
export async function startHttpBot(options: HttpBotOptions): Promise<HttpBot> {
    const client = new MongoClient(options.mongoUri, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
    const texts = new Localizer({ extraPaths: [SAMPLE_LOCALES] });
    adapter.onTurnError = async (context, error) => {
        options.onTurnError?.(error);
        await context.sendActivity(texts.t(context.activity.locale, 'sample:error')).catch(() => undefined);
    };
    const conversationState = new ConversationState(new MongoStorage({ mongo: client }));
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    const dialog = new AddClientDialog(texts);
    const pluginMongo = options.pluginMongoUri ?? client;
    const scheduler = options.retry
        ? new AgendaScheduler({ mongo: options.pluginMongoUri ?? client.db(), retry: options.retry, onError: (e) => options.onError?.(e) })
        : undefined;
    const inactivity = new InactivityMiddleware({
        adapter,
        conversationState,
        dialogState,
        dialog,
        mongo: pluginMongo,
        ...(scheduler ? { scheduler } : {}),
        policyFile: SAMPLE_POLICY,
        localesPath: SAMPLE_LOCALES,
        onError: (err) => options.onError?.(err),
        ...options.inactivity,
    });
    adapter.use(inactivity);
    await inactivity.start();
    const bot = new SampleBot(conversationState, dialogState, dialog, texts);
    const app = express();
    app.use(express.json({ limit: '1mb' }));
    app.post('/api/messages', (req, res) => {
        adapter
            .process(req, res, (context) => bot.run(context))
            .catch(() => {
                if (!res.headersSent) {
                    res.status(500).end();
                }
            });
    });
    const server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(options.port ?? 0, '127.0.0.1', () => resolve(s)).on('error', reject);
    });
    const port = (server.address() as { port: number }).port;
    return {
        messagesUrl: `http://127.0.0.1:${port}/api/messages`,
        inactivity,
        scheduler,
        client,
        stop: async () => {
            await new Promise<void>((resolve) => server.close(() => resolve()));
            server.closeAllConnections?.();
            await inactivity.stop();
            await client.close();
        },
    };
}
