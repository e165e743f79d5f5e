import { AgentApplication, CloudAdapter, type AuthConfiguration, type TurnState } from '@microsoft/agents-hosting';
import express from 'express';
import { Server } from 'http';
import { FollowUpService, InactivityMiddleware, Localizer, MongoStorage } from '../../src/agents';
import { SampleConfig } from '../sampleConfig';
import { closeServer, listen, mountReport, SAMPLE_LOCALES, SAMPLE_POLICY_FILE, SampleExtension } from '../sampleHttp';
import { openSampleMongo } from '../sampleMongo';
import { requireAdminToken } from '../adminToken';
import { AddClientFlow } from './addClientFlow';
import { mountFollowUpHealth, sampleFollowUpOptions } from '../sampleFollowUps';

/** A running Agents SDK sample. */
export interface RunningAgentsSample {
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
    /** The agent. */
    agent: AgentApplication<TurnState>;
    /** The Express app. */
    app: express.Express;
    /** Stops everything the sample started. */
    stop(): Promise<void>;
}

/**
 * Starts the add-client sample on the Microsoft 365 Agents SDK: an `AgentApplication` whose route handlers ask the
 * questions and mark each step with `inactivity.flows.step()`, the plugin as the adapter's middleware, timers and
 * state on one MongoDB client (embedded server when `MONGODB_URI` is unset), the same settings, texts, policy file,
 * report and browser page as the botbuilder sample.
 *
 * @param config Settings, from {@link readSampleConfig}.
 * @param extensions Extra routes, such as the browser page.
 * @param log Where start-up lines go.
 * @returns The running sample.
 */
export async function startAgentsSample(
    config: SampleConfig,
    extensions: SampleExtension[] = [],
    log: (line: string) => void = () => undefined
): Promise<RunningAgentsSample> {
    const mongo = await openSampleMongo(config.mongoUri);
    // Without credentials the adapter accepts requests with no Authorization header (not in production), as the
    // Emulator and the local Direct Line send them.
    const auth: AuthConfiguration = config.appId ? { clientId: config.appId, clientSecret: config.appPassword } : {};
    const adapter = new CloudAdapter(auth);
    const texts = new Localizer({ extraPaths: [SAMPLE_LOCALES] });
    adapter.onTurnError = async (context, error) => {
        console.error('[agents sample] turn error:', error);
        await context.sendActivity(texts.t(context.activity.locale, 'sample:error')).catch(() => undefined);
    };

    // Durable state: a restart keeps every open flow, which the plugin's durable timers need. The plugin keeps its
    // record in an item of its own in this storage; the flow keeps where the user is in another.
    const storage = new MongoStorage({ mongo: mongo.client });
    const addClient = new AddClientFlow(texts, storage);
    const inactivity = new InactivityMiddleware({
        adapter,
        storage,
        mongo: mongo.client,
        botAppId: config.appId,
        policyFile: config.policyFile ?? SAMPLE_POLICY_FILE,
        localesPath: SAMPLE_LOCALES,
        ...(config.reminderAfter !== undefined ? { reminderAfter: config.reminderAfter } : {}),
        ...(config.closeAfter !== undefined ? { closeAfter: config.closeAfter } : {}),
        ...(config.finalAction ? { finalAction: config.finalAction } : {}),
        ...(config.resumeWindow !== undefined ? { resumeWindow: config.resumeWindow } : {}),
        ...(config.typingGrace !== undefined ? { typingGrace: config.typingGrace } : {}),
        ...(config.holdout !== undefined ? { holdout: config.holdout } : {}),
        ...addClient.hooks(),
        onError: (err) => console.error(`[agents sample] inactivity: ${err.message}${err.cause ? ` (${(err.cause as Error).message})` : ''}`),
        onFlowEvent: (event) => {
            if (event.type === 'escalated') {
                log(
                    `[agents sample] ${event.userId ?? 'a user'} is struggling with step ${event.stepId ?? '?'} of ${event.flowId} (conversation ${event.conversationId})`
                );
            }
        },
    });
    adapter.use(inactivity);
    // No storage for the app: it keeps nothing in TurnState (see AddClientFlow), so it need not read it every turn.
    // Follow-ups on the inactivity plugin's connection, Agenda and onError, as in the botbuilder sample: "How did
    // the first session go?" after "add client", a re-engagement after a silence.
    const followUps = config.followUps ? new FollowUpService({ adapter, inactivity, ...sampleFollowUpOptions(config, texts) }) : undefined;
    const agent = new AgentApplication<TurnState>({ adapter });
    addClient.addRoutes(agent, { inactivity, followUps });
    try {
        await inactivity.start();
        if (followUps) {
            await followUps.start();
            adapter.use(followUps.middleware());
        }
    } catch (err) {
        await inactivity.stop().catch(() => undefined);
        await mongo.close();
        throw err;
    }

    const app = express();
    app.use(express.json({ limit: '1mb' }));
    app.post('/api/messages', (req: express.Request, res: express.Response) => {
        const body = req.body as { recipient?: unknown } | undefined;
        // The local Direct Line (offline-directline) posts activities without a recipient, which the Agents SDK
        // refuses (-110005 / -120221): the recipient is the bot.
        if (body && typeof body === 'object') {
            body.recipient ??= { id: 'bot', name: 'Bot', role: 'bot' };
        }
        const fail = (err: unknown): void => {
            console.error('[agents sample] could not process an activity:', err);
            if (!res.headersSent) {
                res.status(500).end();
            }
        };
        adapter
            .authorizeRequest(req, res, () => {
                adapter.process(req, res, (context) => agent.run(context)).catch(fail);
            })
            .catch(fail);
    });
    // Operator routes: behind INACTIVITY_ADMIN_TOKEN when it is set (a bot of your own: behind its own authentication).
    const adminOnly = requireAdminToken(config.adminToken);
    mountFollowUpHealth(app, { followUps, guard: adminOnly });
    mountReport(app, { db: mongo.client.db(), guard: adminOnly, texts, policyFile: config.policyFile });
    for (const extend of extensions) {
        await extend(app, { port: config.port });
    }
    const { server, port } = await listen(app, config.port);
    log(`Agents SDK sample listening on http://localhost:${port}/api/messages (Bot Framework Emulator: leave App ID and password empty).`);
    log(`Drop-off report of the flows walked so far: http://localhost:${port}/report`);
    log(mongo.describe());
    return {
        server,
        port,
        messagesUrl: `http://localhost:${port}/api/messages`,
        mongo: { uri: mongo.uri, embedded: mongo.embedded },
        inactivity,
        ...(followUps ? { followUps } : {}),
        agent,
        app,
        stop: async () => {
            await closeServer(server);
            // The follow-ups first: they share the plugin's connection and Agenda.
            await followUps?.stop();
            await inactivity.stop();
            await mongo.close();
        },
    };
}
