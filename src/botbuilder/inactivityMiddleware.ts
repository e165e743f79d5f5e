import type { InvalidOutcome, InvalidReport } from '../core/flows/reportInvalid';
import type { Middleware, TurnContext } from 'botbuilder';
import { InactivityEngine } from '../core/engine';
import type { FlowEventHandler } from '../core/lifecycle/flowEvent';
import type { Duration } from '../core/policy/duration';
import type { ExtendOptions } from '../core/lifecycle/extend';
import { DEFAULTS, type CoreOptions } from '../core/policy/options';
import { resolveSettings } from '../core/policy/settings';
import { STATE_PROPERTY } from '../core/turn/inactivityState';
import { PluginStores } from '../mongo/pluginStores';
import { AgendaScheduler } from '../scheduling/agendaScheduler';
import type { SharedAgenda } from '../scheduling/sharedAgenda';
import { BotbuilderBinding } from './botbuilderBinding';
import { BotStateConversationStore } from './conversationRecord';
import { loadDialogFlowSource } from './dialogs/loadDialogFlowSource';
import { ConversationStateMarkerStore } from './markerProperty';
import { FlowMarkers } from '../core/markers/flowMarkers';
import { MarkerFlowSource } from '../core/markers/markerFlowSource';
import { checkBotbuilderOptions, InactivityOptions } from './options';

/**
 * Inactivity and abandonment handling as a botbuilder middleware. On every user message it stamps the time in
 * the conversation's state and keeps a durable timer (Agenda on MongoDB) armed; when the user goes quiet in
 * a flow it sends a localized reminder with Continue / Start over buttons, then closes the flow (saving it
 * for resuming), hands off to a human, or begins a fallback dialog.
 *
 * @example
 * ```ts
 * const inactivity = new InactivityMiddleware({
 *     adapter,
 *     conversationState,
 *     dialogState: conversationState.createProperty('DialogState'),
 *     dialog: mainDialog,
 *     mongo: process.env.MONGODB_URI,
 *     reminderAfter: '5 minutes',
 *     closeAfter: '15 minutes',
 * });
 * adapter.use(inactivity);
 * await inactivity.start();
 * ```
 */
export class InactivityMiddleware implements Middleware {
    /**
     * Flows without dialogs: `flows.step(context, { flowId, stepId, ... })` after the bot asks a question,
     * `flows.end(context, reason?)` when the flow is over. See {@link FlowMarkers}.
     */
    readonly flows: FlowMarkers;
    private readonly engine: InactivityEngine;
    private readonly stores: PluginStores;
    private starting?: Promise<void>;

    /**
     * @param options See {@link InactivityOptions}; every default is listed in the README and manifest.json.
     * @throws InactivityConfigError when an option is missing or not valid.
     */
    constructor(private readonly options: InactivityOptions) {
        const settings = resolveSettings(options);
        checkBotbuilderOptions(options);
        const warn = (err: unknown): void => this.engine.warn(err);
        const markers = new ConversationStateMarkerStore(options.conversationState);
        this.engine = new InactivityEngine({
            options: options as unknown as CoreOptions,
            settings,
            ports: {
                bot: new BotbuilderBinding(options.adapter, settings.botAppId),
                flows: new MarkerFlowSource({
                    store: markers,
                    hooks: options,
                    flows: settings.flows,
                    dialogs: options.dialogState && loadDialogFlowSource({ dialogState: options.dialogState, dialog: options.dialog, flows: settings.flows }),
                }),
                conversations: new BotStateConversationStore(options.conversationState, STATE_PROPERTY),
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
        this.flows = new FlowMarkers(this.engine, markers);
    }

    /**
     * Connects to MongoDB (when given a connection string), prepares collections and starts processing timers.
     * Call once before the bot takes traffic; calling again returns the same promise.
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
     * `start()` still under way is waited for first, so nothing keeps running after `stop()` resolves.
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
     * What a `FollowUpService` given this middleware as `inactivity` shares: the MongoDB database, the Agenda of the
     * timers (the follow-ups define their job on it) and this middleware's error path. Undefined before `start()`
     * and without `mongo`.
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
     * Marks the flow in progress abandoned for a reason of the bot's own (the user said "never mind", a payment
     * failed): saves it for resuming as a close does (the user is offered Resume when they begin it again, within
     * `resumeWindow`), ends the bot's dialogs, cancels the conversation's timer and records the abandonment with
     * `reason` (MongoDB, telemetry `InactivityFlowAbandoned`, the `abandoned` flow event), where the report shows
     * it beside the built-in reasons. Sends nothing to the user: what to say is the bot's.
     *
     * Call it in the user's turn (from the bot's logic or a dialog), or in a turn of the bot's own
     * (`adapter.continueConversationAsync`, for a payment webhook): there the stored state is changed
     * conditionally, so a timer firing at the same moment either comes first or finds the flow gone.
     *
     * @example
     * ```ts
     * if (/^cancel$/i.test(context.activity.text ?? '')) {
     *     await inactivity.abandon(context, 'userCancelled');
     *     await context.sendActivity('OK, cancelled.');
     * }
     * ```
     * @param context The turn.
     * @param reason A name of 1 to 40 characters, starting with a lower-case letter, then letters, digits, `_`
     *   or `-` (`/^[a-z][a-zA-Z0-9_-]{0,39}$/`). `userCancelled` is accepted; the other built-in reasons
     *   (`timeout`, `maxDuration`, `invalidInput`, `handoff`, `undeliverable`) are the plugin's own and refused.
     * @returns True when a flow was in progress and is now abandoned; false when there was none.
     * @throws InactivityConfigError for a reason that is not valid; an error when the conversation's state cannot be
     *   read or written (outside a user turn).
     */
    abandon(context: TurnContext, reason: string): Promise<boolean> {
        return this.engine.abandon(context, reason);
    }

    /**
     * Gives the user more time in the flow in progress ("give me a minute"): the reminder and the final action
     * still to come move later by `duration` (after a reminder, the close it announced moves). `maxDuration` does
     * not move. It lasts until the user's next message, from which the usual times count again. The flow's
     * progress counts it (`extensions`) and the `extended` flow event is raised. Makes no scheduler write.
     *
     * With `{ maxDuration }` the running journey's cap moves instead, for an engaged user who needs longer than
     * `maxDuration` allows: the time is added to the cap, stays with the journey across Start over and Resume, and
     * the `extended` event says `capExtendedByMs`; the idle times do not move.
     *
     * @example
     * ```ts
     * await inactivity.extend(context, '10 minutes');
     * await inactivity.extend(context, { maxDuration: '2 days' });
     * ```
     * @param context The turn (the user's, or one of the bot's own, as for {@link InactivityMiddleware.abandon}).
     * @param duration Milliseconds or a string such as `'10 minutes'`; more than 0 and at most 7 days. Or
     *   `{ maxDuration }`: time added to the journey's cap, more than 0 and at most 365 days.
     * @returns True when a flow was in progress and was extended; false when there was none.
     * @throws InactivityConfigError for a duration that is not valid.
     */
    extend(context: TurnContext, duration: Duration | ExtendOptions): Promise<boolean> {
        return this.engine.extend(context, duration);
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
        return this.engine.reportInvalid(context, report);
    }

    /**
     * Adds a hook on flow events, beside the `onFlowEvent` option. Hooks are awaited at most `flowEventTimeout`
     * together; a hook that throws or runs longer is reported through `onError` and never breaks the turn or the
     * timer.
     *
     * @example
     * ```ts
     * inactivity.onFlowEvent(async (event) => {
     *     if (event.type === 'escalated') {
     *         await crm.note(event.userId, `struggling at ${event.flowId} step ${event.step}`);
     *     }
     * });
     * ```
     * @param handler The hook.
     * @returns A function that removes the hook.
     */
    onFlowEvent(handler: FlowEventHandler): () => void {
        return this.engine.onFlowEvent(handler);
    }

    /**
     * Flows in progress by flow id, for a dashboard: the conversations whose last turn on THIS instance left
     * them in a flow that has not ended since (in memory, no database call). A flow that went on or ended on
     * another instance stops counting here after its close time (plus a minute).
     *
     * @returns A count per flow id, e.g. `{ addClient: 12 }`; flows with none are absent.
     */
    activeFlows(options?: { scope?: 'instance' }): Record<string, number>;
    /**
     * Flows in progress by flow id across every instance of the bot, from the database: each instance publishes
     * the flows it saw in progress, and those it saw end, every 30 seconds (and this one before it reads); per
     * conversation the latest word wins, so a conversation whose turns moved between instances counts once.
     * Needs `mongo` and `start()`.
     *
     * @example
     * ```ts
     * const counts = await inactivity.activeFlows({ scope: 'all' }); // { addClient: 37 }
     * ```
     * @param options `{ scope: 'all' }`.
     * @returns A count per flow id; flows with none are absent.
     * @throws InactivityConfigError (as a rejection) without the plugin's MongoDB.
     */
    activeFlows(options: { scope: 'all' }): Promise<Record<string, number>>;
    activeFlows(options?: { scope?: 'instance' | 'all' }): Record<string, number> | Promise<Record<string, number>> {
        return options?.scope === 'all' ? this.engine.activeFlowsEverywhere() : this.engine.activeFlows();
    }

    /**
     * Handles a turn. The bot's own logic always runs (or, for a click on one of the plugin's buttons, the
     * plugin answers it); no plugin failure stops the reply.
     *
     * @param context The turn.
     * @param next The rest of the pipeline.
     */
    onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
        return this.engine.onTurn(context, next);
    }
}
