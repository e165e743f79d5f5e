import { randomUUID } from 'crypto';
import createDebug from 'debug';
import type { TurnContextLike } from './ports/activity';
import type { BotBinding } from './ports/botBinding';
import type { ConversationStore } from './ports/conversationStore';
import type { FlowSource } from './ports/flowSource';
import type { DueTimerHandler, TimerScheduler } from './ports/timerScheduler';
import { InactivityConfigError, InactivitySchedulerError } from './errors';
import { InvalidOutcome, InvalidReport, reportInvalidAnswer } from './flows/reportInvalid';
import { abandonFlow } from './lifecycle/abandon';
import { ExtendOptions, extendFlow } from './lifecycle/extend';
import type { FlowEventHandler } from './lifecycle/flowEvent';
import { countAcrossInstances } from './lifecycle/activeFlows';
import { FlowLifecycle } from './lifecycle/flowLifecycle';
import type { Plugin } from './plugin';
import { checkTextKeys } from './policy/config';
import type { Duration } from './policy/duration';
import { CoreOptions, DEFAULTS } from './policy/options';
import type { ResolvedSettings } from './policy/settings';
import { Localizer, normalizeLocale } from './texts/localization';
import { textActivity } from './texts/messages';
import { readPayload } from './turn/buttonPayload';
import { OutageGuard, OutageSkipError } from './timers/outageGuard';
import { createTimerHandler } from './timers/timerTurn';
import { holdForTyping, isUserTyping } from './turn/typingHold';
import { withinDatabaseTimeout } from './util/withinDatabaseTimeout';
import { answerInPlaceOfBot, beginUserTurn, endUserTurn, isUserMessage, TimerArming, UserTurn } from './turn/userTurn';

const debug = createDebug('botbuilder-inactivity:turn');

/** The ports a binding gives the engine. */
export interface EnginePorts {
    /** The bot SDK. */
    bot: BotBinding;
    /** Where the user is in a flow. */
    flows: FlowSource;
    /** The plugin's record in the conversation's state. */
    conversations: ConversationStore;
    /** Durable timers, when the binding has them before `start()` (else it sets `plugin.scheduler` then). */
    scheduler?: TimerScheduler;
}

/** What an engine is made of. */
export interface EngineParts {
    /** The options as given (callbacks take the SDK's turn context). */
    options: CoreOptions;
    /** The options resolved once ({@link resolveSettings}). */
    settings: ResolvedSettings;
    /** The ports. */
    ports: EnginePorts;
}

/**
 * The plugin without an SDK: what a user's turn and a timer's turn do, the lifecycle API, and the one error
 * reporter. A binding (botbuilder's `InactivityMiddleware`) makes the ports, hands turns in, and starts and stops
 * the scheduler and stores.
 */
export class InactivityEngine {
    /** What every turn shares. */
    readonly plugin: Plugin;
    private readonly guard: OutageGuard;
    /** Whether the binding's `start()` was called (turns before it are answered, but arm nothing). */
    started = false;
    /** Where a user turn running through this engine keeps its {@link UserTurn}, for `abandon` and `extend`. */
    private readonly turnKey = Symbol('botbuilder-inactivity turn');

    /**
     * @param parts The options, the resolved settings and the ports.
     * @throws InactivityConfigError when a text key the policy names does not exist.
     */
    constructor(parts: EngineParts) {
        const { options, settings, ports } = parts;
        const warn = (err: unknown, context?: TurnContextLike): void => this.warn(err, context);
        const defaultLocale = options.defaultLocale ?? DEFAULTS.defaultLocale;
        const localizer = new Localizer({ defaultLocale, extraPaths: options.localesPath ? [options.localesPath] : [], onProblem: (err) => warn(err) });
        checkTextKeys(settings.policy, settings.flows, (key) => localizer.has(key, defaultLocale), settings.channels);
        const now = options.now ?? Date.now;
        const lifecycle = new FlowLifecycle({ timeoutMs: settings.flowEventTimeout, now, warn, referenceOf: (activity) => ports.bot.referenceOf(activity) });
        if (options.onFlowEvent) {
            lifecycle.hooks.add(options.onFlowEvent);
        }
        this.plugin = {
            options,
            settings,
            localizer,
            bot: ports.bot,
            flows: ports.flows,
            conversations: ports.conversations,
            scheduler: ports.scheduler,
            telemetry: options.telemetryClient,
            lifecycle,
            now,
            warn,
            bounded: (work, what) => this.guard.call(work, what),
        };
        this.guard = new OutageGuard({ timeout: settings.schedulerTimeout, scheduler: () => this.plugin.scheduler, warn });
    }

    /**
     * What the scheduler calls when a conversation's timer is due.
     *
     * @returns The handler.
     */
    timerHandler(): DueTimerHandler {
        return createTimerHandler(this.plugin);
    }

    /** Stops the outage guard's probe (the binding stops the scheduler and closes what it opened). */
    stop(): void {
        this.guard.stop();
    }

    /**
     * Handles a user's message. The bot's own logic always runs (or, for a click on one of the plugin's buttons,
     * the plugin answers it); no plugin failure stops the reply. A user's typing holds the next stage
     * (`typingGrace`); anything else passes through.
     *
     * @param context The turn.
     * @param next The bot's logic.
     */
    async onTurn(context: TurnContextLike, next: () => Promise<void>): Promise<void> {
        if (isUserTyping(context.activity, this.plugin.settings.botAppId)) {
            // Before the bot's logic, so that the hold is in the turn's cached state if the bot saves it. A typing
            // activity has no reply to delay; the database is waited for at most schedulerTimeout all the same.
            try {
                await withinDatabaseTimeout(holdForTyping(this.plugin, context), this.plugin.settings.schedulerTimeout, 'store that the user is typing');
            } catch (err) {
                this.warn(err, context);
            }
            await next();
            return;
        }
        if (!isUserMessage(context.activity)) {
            await next();
            return;
        }
        let turn: UserTurn | undefined;
        try {
            turn = await beginUserTurn(this.plugin, context);
            context.turnState.set(this.turnKey, turn);
        } catch (err) {
            this.warn(err, context);
        }
        let handled = false;
        if (!turn && readPayload(context.activity) !== undefined) {
            // One of the plugin's buttons, while the conversation's record cannot be read: never the bot's answer.
            handled = true;
            await this.answerUnavailable(context);
        } else if (turn?.payload || turn?.overCap) {
            handled = true;
            try {
                await answerInPlaceOfBot(turn);
            } catch (err) {
                this.warn(err, context);
            }
        }
        let failed = true;
        try {
            if (!handled) {
                await next();
            }
            failed = false;
        } finally {
            if (turn) {
                try {
                    await endUserTurn(turn, { botFailed: failed, arming: this.arming });
                } catch (err) {
                    this.warn(err, context);
                }
            }
        }
    }

    /**
     * See `InactivityMiddleware.abandon`.
     *
     * @param context The turn.
     * @param reason The bot's reason.
     * @returns True when a flow was abandoned.
     */
    abandon(context: TurnContextLike, reason: string): Promise<boolean> {
        return abandonFlow({ plugin: this.plugin, context, state: this.turnOf(context)?.state }, reason);
    }

    /**
     * See `InactivityMiddleware.extend`.
     *
     * @param context The turn.
     * @param duration How much more time, or `{ maxDuration }` to extend the journey's cap.
     * @returns True when a flow was extended.
     */
    extend(context: TurnContextLike, duration: Duration | ExtendOptions): Promise<boolean> {
        return extendFlow(this.plugin, context, duration, this.turnOf(context)?.state);
    }

    /**
     * See `InactivityMiddleware.reportInvalid`.
     *
     * @param context The user's turn.
     * @param report The step, when not the one the user is on.
     * @returns The count and whether the final action is due; undefined outside a flow.
     * @throws InactivityConfigError outside the turn that answers a user's message.
     */
    async reportInvalid(context: TurnContextLike, report?: InvalidReport): Promise<InvalidOutcome | undefined> {
        const turn = this.turnOf(context);
        if (!turn) {
            throw new InactivityConfigError(
                "reportInvalid() counts an invalid answer in the turn that answers the user's message: call it from the bot's handler of that message."
            );
        }
        return reportInvalidAnswer(turn, report);
    }

    /**
     * Adds a hook on flow events.
     *
     * @param handler The hook.
     * @returns A function that removes it.
     */
    onFlowEvent(handler: FlowEventHandler): () => void {
        return this.plugin.lifecycle.hooks.add(handler);
    }

    /**
     * Flows in progress by flow id, as this instance saw them.
     *
     * @returns A count per flow id.
     */
    activeFlows(): Record<string, number> {
        return this.plugin.lifecycle.active.counts(this.plugin.now());
    }

    /** This instance's id in the publications of flows in progress (random, per process and engine). */
    readonly instanceId = randomUUID();

    /**
     * Publishes this instance's flows in progress (and those it saw end) for `activeFlows({ scope: 'all' })`.
     * Called periodically by the binding's stores, and before each read.
     *
     * @returns When published; without a store, at once.
     */
    async publishActiveFlows(): Promise<void> {
        await this.plugin.activeFlowStore?.publish(this.plugin.lifecycle.active.publication(this.instanceId, this.plugin.now()));
    }

    /**
     * Flows in progress by flow id across every instance of the bot: this instance's publication is refreshed, then
     * every instance's is read and merged by conversation ({@link countAcrossInstances}).
     *
     * @returns A count per flow id.
     * @throws InactivityConfigError without the plugin's MongoDB (the `mongo` option and `start()`).
     */
    async activeFlowsEverywhere(): Promise<Record<string, number>> {
        const store = this.plugin.activeFlowStore;
        if (!store) {
            throw new InactivityConfigError(
                "activeFlows({ scope: 'all' }) reads what every instance publishes to MongoDB: give the mongo option and await start() first, or call activeFlows() for this instance's count."
            );
        }
        const now = this.plugin.now();
        const own = this.plugin.lifecycle.active.publication(this.instanceId, now);
        await store.publish(own);
        const all = await store.read(now);
        return countAcrossInstances([...all.filter((p) => p.instanceId !== this.instanceId), own], now);
    }

    /**
     * Reports an error the plugin recovered from: to `onError`, else as a process warning; never to the
     * adapter's `onTurnError` (its usual handlers apologise to the user and delete the conversation state). An
     * outage is reported once, at its start. Never throws.
     *
     * @param err What went wrong.
     * @param context The turn it happened in, if any.
     */
    warn(err: unknown, context?: TurnContextLike): void {
        const error = err instanceof Error ? err : new Error(String(err));
        debug('error: %O', error);
        if (
            error instanceof OutageSkipError ||
            (this.guard?.isDown && error instanceof InactivitySchedulerError && /scheduler reported an error/.test(error.message))
        ) {
            // Part of an outage already reported once (its start): not once per turn or per poll.
            return;
        }
        try {
            const onError = this.plugin?.options.onError;
            if (onError) {
                void Promise.resolve(onError(error, context)).catch((e: unknown) => debug('onError failed: %O', e));
                return;
            }
            process.emitWarning(error.message, { type: 'BotbuilderInactivityWarning', detail: describeCause(error) });
        } catch (e) {
            debug('error reporting failed: %O', e);
        }
    }

    private readonly arming: TimerArming = {
        started: () => this.started,
        arm: (data, due) => this.guard.arm(data, due),
    };

    /**
     * Whether `context` is a user's message turn running through this engine (it saves the conversation's state
     * at its end).
     *
     * @param context The turn.
     * @returns True inside such a turn.
     */
    inUserTurn(context: TurnContextLike): boolean {
        return this.turnOf(context) !== undefined;
    }

    private async answerUnavailable(context: TurnContextLike): Promise<void> {
        try {
            const locale = normalizeLocale(context.activity.locale);
            await context.sendActivity(textActivity(this.plugin.localizer.t(locale, 'stale.unavailable')));
        } catch (err) {
            this.warn(err, context);
        }
    }

    /**
     * Saves the conversation's state (the plugin's record and the marked flow) in a turn of the bot's own.
     *
     * @param context The turn.
     */
    saveConversation(context: TurnContextLike): Promise<void> {
        return this.plugin.conversations.save(context);
    }

    private turnOf(context: TurnContextLike): UserTurn | undefined {
        return context.turnState.get(this.turnKey) as UserTurn | undefined;
    }
}

function describeCause(error: Error): string | undefined {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${cause.name}: ${cause.message}` : undefined;
}
