import { CloudAdapter, ConfigurationBotFrameworkAuthentication, ConversationState, TurnContext } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import express from 'express';
import { Server } from 'http';
import { FollowUpService, InactivityMiddleware, Localizer, MongoStorage } from '../src';
import { AddClientDialog } from './addClientDialog';
import { SampleBot } from './sampleBot';
import { SampleConfig } from './sampleConfig';
import { closeServer, listen, mountReport, SAMPLE_LOCALES, SAMPLE_POLICY_FILE, SampleExtension } from './sampleHttp';
import { openSampleMongo } from './sampleMongo';
import { requireAdminToken } from './adminToken';
import { mountFollowUpHealth, sampleFollowUpOptions } from './sampleFollowUps';

export type { SampleExtension } from './sampleHttp';

/** A running sample bot. */
export interface RunningSample {
    /** The HTTP server. */
    server: Server;
    /** Its port. */
    port: number;
    /** The Emulator's endpoint. */
    messagesUrl: string;
    /** Which MongoDB it uses. */
    mongo: { uri: string; embedded: boolean };
    /** The plugin instance. */
    inactivity: InactivityMiddleware;
    /** The follow-up service, unless `INACTIVITY_FOLLOWUPS=off`. */
    followUps?: FollowUpService;
    /** The Express app, for more routes (the browser page). */
    app: express.Express;
    /** Stops everything the sample started. */
    stop(): Promise<void>;
}

/**
 * Starts the sample bot: Bot Framework at `/api/messages` (no credentials unless `MicrosoftAppId` and
 * `MicrosoftAppPassword` are set), the inactivity plugin and the conversation state on one MongoDB client
 * (embedded server when `MONGODB_URI` is unset).
 *
 * @param config Settings, usually from {@link readSampleConfig}.
 * @param extensions Extra routes, such as the browser page.
 * @param log Where start-up lines go.
 * @returns The running sample.
 */
export async function startSample(
    config: SampleConfig,
    extensions: SampleExtension[] = [],
    log: (line: string) => void = () => undefined
): Promise<RunningSample> {
    // One client, one connection pool, for the plugin's timers and the bot's state.
    const mongo = await openSampleMongo(config.mongoUri);
    const { client } = mongo;

    const auth = new ConfigurationBotFrameworkAuthentication(
        config.appId ? { MicrosoftAppId: config.appId, MicrosoftAppPassword: config.appPassword, MicrosoftAppType: 'MultiTenant' } : {}
    );
    const adapter = new CloudAdapter(auth);
    const texts = new Localizer({ extraPaths: [SAMPLE_LOCALES] });
    adapter.onTurnError = async (context, error) => {
        console.error('[sample] turn error:', error);
        await context.sendActivity(texts.t(context.activity.locale, 'sample:error')).catch(() => undefined);
    };

    // Durable state: a restart keeps every open flow, which the plugin's durable timers need.
    const conversationState = new ConversationState(new MongoStorage({ mongo: client }));
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    const dialog = new AddClientDialog(texts);
    const inactivity = new InactivityMiddleware({
        adapter,
        conversationState,
        dialogState,
        dialog,
        mongo: client,
        botAppId: config.appId,
        policyFile: config.policyFile ?? SAMPLE_POLICY_FILE,
        localesPath: SAMPLE_LOCALES,
        ...(config.reminderAfter !== undefined ? { reminderAfter: config.reminderAfter } : {}),
        ...(config.closeAfter !== undefined ? { closeAfter: config.closeAfter } : {}),
        ...(config.finalAction ? { finalAction: config.finalAction } : {}),
        ...(config.resumeWindow !== undefined ? { resumeWindow: config.resumeWindow } : {}),
        ...(config.typingGrace !== undefined ? { typingGrace: config.typingGrace } : {}),
        ...(config.holdout !== undefined ? { holdout: config.holdout } : {}),
        onError: (err) => console.error(`[sample] inactivity: ${err.message}${err.cause ? ` (${(err.cause as Error).message})` : ''}`),
        // A flow event hook: a real bot would tell a person; the sample logs the user struggling with a step.
        onFlowEvent: (event) => {
            if (event.type === 'escalated') {
                log(
                    `[sample] ${event.userId ?? 'a user'} is struggling with step ${event.stepId ?? '?'} of ${event.flowId} (conversation ${event.conversationId})`
                );
            }
        },
    });
    adapter.use(inactivity);
    await inactivity.start();
    // Follow-ups on the inactivity plugin's connection, Agenda and onError: a check-in after "add client", a
    // re-engagement after a silence.
    const followUps = config.followUps ? new FollowUpService({ adapter, inactivity, ...sampleFollowUpOptions(config, texts) }) : undefined;
    if (followUps) {
        await followUps.start();
        adapter.use(followUps.middleware());
    }
    const bot = new SampleBot(conversationState, dialogState, dialog, texts, inactivity, followUps);
    const run = (context: TurnContext) => bot.run(context);

    const app = express();
    app.use(express.json({ limit: '1mb' }));
    app.post('/api/messages', (req, res) => {
        adapter.process(req, res, run).catch((err: unknown) => {
            console.error('[sample] could not process an activity:', err);
            if (!res.headersSent) {
                res.status(500).end();
            }
        });
    });
    // Operator routes: behind INACTIVITY_ADMIN_TOKEN when it is set (a bot of your own: behind its own authentication).
    const adminOnly = requireAdminToken(config.adminToken);
    mountFollowUpHealth(app, { followUps, guard: adminOnly });
    // The drop-off report of this bot's flows (the plugin's records live in the client's default database).
    mountReport(app, { db: client.db(), guard: adminOnly, texts, policyFile: config.policyFile });
    for (const extend of extensions) {
        await extend(app, { port: config.port });
    }
    const { server, port } = await listen(app, config.port);
    log(`Sample bot listening on http://localhost:${port}/api/messages (Bot Framework Emulator: leave App ID and password empty).`);
    log(`Drop-off report of the flows walked so far: http://localhost:${port}/report`);
    log(mongo.describe());
    return {
        server,
        port,
        messagesUrl: `http://localhost:${port}/api/messages`,
        mongo: { uri: mongo.uri, embedded: mongo.embedded },
        inactivity,
        ...(followUps ? { followUps } : {}),
        app,
        stop: async () => {
            await closeServer(server);
            // The follow-ups first: their job runs on the inactivity plugin's Agenda.
            await followUps?.stop();
            await inactivity.stop();
            await mongo.close();
        },
    };
}
