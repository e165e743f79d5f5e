import type { InvalidOutcome, InvalidReport } from '../core/flows/reportInvalid';
import type { Middleware, TurnContext } from '@microsoft/agents-hosting';
import { InactivityEngine } from '../core/engine';
import type { FlowEventHandler } from '../core/lifecycle/flowEvent';
import { FlowMarkers } from '../core/markers/flowMarkers';
import { MarkerFlowSource } from '../core/markers/markerFlowSource';
import type { TurnContextLike } from '../core/ports/activity';
import type { Duration } from '../core/policy/duration';
import type { ExtendOptions } from '../core/lifecycle/extend';
import { DEFAULTS, type CoreOptions } from '../core/policy/options';
import { resolveSettings } from '../core/policy/settings';
import { STATE_PROPERTY } from '../core/turn/inactivityState';
import { PluginStores } from '../mongo/pluginStores';
import { AgendaScheduler } from '../scheduling/agendaScheduler';
import type { SharedAgenda } from '../scheduling/sharedAgenda';
import { AgentsBinding } from './agentsBinding';
import { MARKER_PROPERTY } from './markerProperty';
import { checkAgentsOptions, InactivityOptions } from './options';
import { loadAgentsDialogFlowSource } from './dialogs/loadAgentsDialogFlowSource';
import { StorageConversationStore } from './storageConversationStore';

/**
 * Inactivity and abandonment handling for a Microsoft 365 Agents SDK agent, as an adapter middleware. The bot
 * marks the step the user is on with `flows.step()`; when the user goes quiet in it, a durable timer (Agenda on
 * MongoDB) sends a localized reminder with Continue / Start over buttons, then closes the flow (saving it for
 * resuming) or hands off to a human. The plugin keeps its record in an item of its own in `storage`, and saves
 * it itself: it needs none of `AgentApplication`'s turn hooks or turn state.
 *
 * @example
 * ```ts
 * import { AgentApplication, MemoryStorage } from '@microsoft/agents-hosting';
 * import { InactivityMiddleware } from 'botbuilder-inactivity/agents';
 *
 * const storage = new MemoryStorage();
 * const agent = new AgentApplication({ storage });
 * const inactivity = new InactivityMiddleware({ adapter: agent.adapter, storage, mongo: process.env.MONGODB_URI });
 * agent.adapter.use(inactivity);
 * await inactivity.start();
 *
 * agent.onMessage('add client', async (context) => {
 *     await context.sendActivity("What is the client's name?");
 *     await inactivity.flows.step(context, { flowId: 'addClient', stepId: 'name', index: 1, of: 3, prompt: "What is the client's name?" });
 * });
 * ```
 */
export class InactivityMiddleware implements Middleware {
    /**
     * Flows without dialogs: `flows.step(context, { flowId, stepId, ... })` after the bot asks a question,
     * `flows.end(context, reason?)` when the flow is over. See {@link FlowMarkers}.
     */
    readonly flows: FlowMarkers<TurnContext>;
    private readonly engine: InactivityEngine;
    private readonly stores: PluginStores;
    private starting?: Promise<void>;

    /**
     * @param options See {@link InactivityOptions}; every default is listed in the README and manifest.json.
     * @throws InactivityConfigError when an option is missing or not valid.
     */
    constructor(private readonly options: InactivityOptions) {
        const settings = resolveSettings(options);
        checkAgentsOptions(options);
        const warn = (err: unknown): void => this.engine.warn(err);
        const appState = options.conversationState;
        const conversations = new StorageConversationStore(
            options.storage,
            STATE_PROPERTY,
            appState && ((context) => appState.saveChanges(context as unknown as TurnContext))
        );
        const markers = conversations.property<unknown>(MARKER_PROPERTY);
        this.engine = new InactivityEngine({
            options: options as unknown as CoreOptions,
            settings,
            ports: {
                bot: new AgentsBinding(options.adapter, settings.botAppId),
                flows: new MarkerFlowSource({
                    store: markers,
                    hooks: options,
                    flows: settings.flows,
                    dialogs:
                        options.dialogState && loadAgentsDialogFlowSource({ dialogState: options.dialogState, dialog: options.dialog, flows: settings.flows }),
                }),
                conversations,
                // Without a scheduler or an Agenda, the plugin creates its own in start(), once MongoDB is open.
                scheduler:
                    options.scheduler ??
                    (options.agenda
                        ? new AgendaScheduler({
                              agenda: options.agenda,
                              onError: warn,
                              retry: { retries: options.sendRetries ?? DEFAULTS.sendRetries },
                              runDeadline: settings.timerDeadline,
                          })
                        : undefined),
            },
        });
        this.stores = new PluginStores(this.engine);
        this.flows = new FlowMarkers<TurnContext>(this.engine, markers);
    }

    /**
     * Connects to MongoDB (when given a connection string), prepares collections and starts processing timers.
     * Call once before the agent takes traffic; calling again returns the same promise.
     *
     * @throws InactivitySchedulerError when MongoDB cannot be reached.
     */
    start(): Promise<void> {
        this.engine.started = true;
        this.starting ??= this.stores.start(this.options).catch((err) => {
            this.starting = undefined;
            this.engine.started = false;
            throw err;
        });
        return this.starting;
    }

    /**
     * Stops processing timers (running ones finish first) and closes the connections the plugin opened. A
     * `start()` still under way is waited for first.
     */
    async stop(): Promise<void> {
        const starting = this.starting;
        this.starting = undefined;
        this.engine.started = false;
        await starting?.catch(() => undefined);
        this.engine.stop();
        await this.stores.stop();
    }

    /**
     * The MongoDB database, the Agenda of the timers and this middleware's error path, for a `FollowUpService`.
     * Undefined before `start()` and without `mongo`.
     *
     * @returns The shared parts, or `undefined`.
     */
    sharedAgenda(): SharedAgenda | undefined {
        const scheduler = this.engine.plugin.scheduler;
        const running = scheduler instanceof AgendaScheduler ? scheduler.shared : undefined;
        const db = this.stores.db;
        return db && { db, ...running, warn: (err: unknown) => this.engine.warn(err) };
    }

    /**
     * Marks the flow in progress abandoned for a reason of the bot's own, as the botbuilder middleware's
     * `abandon`: saved for resuming, the timer cancelled, the abandonment recorded with `reason`; nothing is sent.
     *
     * @param context The turn (the user's, or one of the bot's own proactive turns).
     * @param reason A name matching `/^[a-z][a-zA-Z0-9_-]{0,39}$/`; `userCancelled` is accepted, the plugin's own reasons are refused.
     * @returns True when a flow was in progress and is now abandoned.
     * @throws InactivityConfigError for a reason that is not valid.
     */
    abandon(context: TurnContext, reason: string): Promise<boolean> {
        return this.engine.abandon(asLike(context), reason);
    }

    /**
     * Gives the user more time in the flow in progress, as the botbuilder middleware's `extend`, until their next
     * message; or, with `{ maxDuration }`, extends the running journey's cap.
     *
     * @param context The turn.
     * @param duration Milliseconds or a string such as `'10 minutes'`; more than 0 and at most 7 days. Or
     *   `{ maxDuration: '2 days' }`: time added to the journey's `maxDuration` cap (at most 365 days).
     * @returns True when a flow was in progress and was extended.
     * @throws InactivityConfigError for a duration that is not valid.
     */
    extend(context: TurnContext, duration: Duration | ExtendOptions): Promise<boolean> {
        return this.engine.extend(asLike(context), duration);
    }

    /**
     * Counts an invalid answer the bot found itself (its own validation, not a botbuilder prompt), with the same
     * three tiers as a prompt asking again: the first gets "Sorry, I didn't get that. Could you try again?", the
     * second the explicit line with the step's `messages.hint`, both sent at once, before the bot asks again; at
     * `maxInvalidAttempts` nothing is sent, the result says `final`, and the step's final action (close, handoff,
     * fallback) is taken once the bot's logic is done: do not ask again then. A valid answer (the user moving on to
     * another step) starts the count again.
     *
     * @example
     * ```ts
     * if (!isEmail(text)) {
     *     const outcome = await inactivity.reportInvalid(context);
     *     if (!outcome?.final) {
     *         await askEmailAgain(context);
     *     }
     * }
     * ```
     * @param context The turn that answers the user's message.
     * @param report `stepId`: the step the answer was for, when not the one the user is on.
     * @returns The count and whether the final action is due; `undefined` outside a flow, or where invalid answers
     *   are not counted (`enabled: false`, `maxInvalidAttempts: 0`).
     * @throws InactivityConfigError outside the turn that answers a user's message.
     */
    reportInvalid(context: TurnContext, report?: InvalidReport): Promise<InvalidOutcome | undefined> {
        return this.engine.reportInvalid(asLike(context), report);
    }

    /**
     * Adds a hook on flow events, beside the `onFlowEvent` option (bounded by `flowEventTimeout`; what it throws
     * goes to `onError`).
     *
     * @param handler The hook.
     * @returns A function that removes the hook.
     */
    onFlowEvent(handler: FlowEventHandler): () => void {
        return this.engine.onFlowEvent(handler);
    }

    /**
     * Flows in progress by flow id, as this instance saw them (see the botbuilder middleware's `activeFlows`).
     *
     * @returns A count per flow id.
     */
    activeFlows(options?: { scope?: 'instance' }): Record<string, number>;
    /**
     * Flows in progress by flow id across every instance of the agent, from the database (see the botbuilder
     * middleware's `activeFlows({ scope: 'all' })`). Needs `mongo` and `start()`.
     *
     * @param options `{ scope: 'all' }`.
     * @returns A count per flow id.
     * @throws InactivityConfigError (as a rejection) without the plugin's MongoDB.
     */
    activeFlows(options: { scope: 'all' }): Promise<Record<string, number>>;
    activeFlows(options?: { scope?: 'instance' | 'all' }): Record<string, number> | Promise<Record<string, number>> {
        return options?.scope === 'all' ? this.engine.activeFlowsEverywhere() : this.engine.activeFlows();
    }

    /**
     * Handles a turn: every inbound turn and every proactive one passes through the adapter's middleware. The
     * bot's own logic always runs (or, for a click on one of the plugin's buttons, the plugin answers it); no
     * plugin failure stops the reply. At the end of a user's turn the plugin saves its own item.
     *
     * @param context The turn.
     * @param next The rest of the pipeline.
     */
    onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
        return this.engine.onTurn(asLike(context), next);
    }
}

/** The SDK's turn as the core's shape (its ChannelAccount id is optional where the core's is not): the same object. */
function asLike(context: TurnContext): TurnContextLike {
    return context as unknown as TurnContextLike;
}
