import type { BotTelemetryClient, ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { Agenda } from 'agenda' with { 'resolution-mode': 'import' };
import type { CoreOptions } from '../core/policy/options';
import { InactivityConfigError } from '../core/errors';
import type { MongoSource } from '../mongo/mongoConnection';
import type { ProactiveAdapter } from './botbuilderBinding';

import type { DialogLike, DialogStateLike } from '../dialogs/dialogsLibrary';

export type { DialogLike, DialogStateLike } from '../dialogs/dialogsLibrary';

/**
 * Options of {@link InactivityMiddleware}: the bot's adapter, state and dialogs, where timers live, and every
 * setting of {@link CoreOptions}. Durations accept milliseconds or strings such as `'5 minutes'`. Every field
 * that has a default is also described, with that default, in `manifest.json`.
 */
export interface InactivityOptions extends CoreOptions<TurnContext> {
    /** The adapter the middleware is added to; used to send reminders when a timer fires. Required. */
    adapter: ProactiveAdapter;
    /** The bot's conversation state; the plugin keeps its own versioned property in it. Required. */
    conversationState: ConversationState;
    /**
     * The accessor of the bot's dialog state (the one given to `DialogSet` or `runDialog`), for a bot on
     * botbuilder-dialogs: the plugin reads where the user is from the dialog stack. Leave it out for a bot that
     * marks its flows with `inactivity.flows.step()` (botbuilder-dialogs need not be installed then).
     */
    dialogState?: StatePropertyAccessor<DialogStateLike>;
    /**
     * The bot's root dialog. Needed for Continue (re-ask the step), Start over, fallback dialogs and resuming
     * of dialog flows; without it the plugin can only remind, close and hand off.
     */
    dialog?: DialogLike;
    /** Where durable timers and snapshots live: a MongoDB connection string, a `MongoClient` or a `Db`. */
    mongo?: MongoSource;
    /** A running Agenda instance to put timers on instead of the plugin's own (its `processEvery` then applies). */
    agenda?: Agenda;
    /** Receives `trackEvent` calls for reminders, closes, handoffs, continues, restarts and abandonments. */
    telemetryClient?: BotTelemetryClient;
}

/**
 * The checks a schema cannot make on the botbuilder options: the adapter and state are given, and timers have
 * somewhere durable to live.
 *
 * @param options The options given to the middleware.
 * @throws InactivityConfigError naming what is missing.
 */
export function checkBotbuilderOptions(options: InactivityOptions): void {
    for (const required of ['adapter', 'conversationState'] as const) {
        if (!options[required]) {
            throw new InactivityConfigError(`options.${required} is required (see the README's quick start).`);
        }
    }
    if (options.dialog && !options.dialogState) {
        throw new InactivityConfigError(
            'options.dialog was given without options.dialogState: the plugin reads the dialog stack from the accessor of the dialog state.'
        );
    }
    if (typeof options.adapter.continueConversationAsync !== 'function') {
        throw new InactivityConfigError('options.adapter must have continueConversationAsync (a CloudAdapter, for example).');
    }
    if (!options.scheduler && !options.mongo && !options.agenda) {
        throw new InactivityConfigError(
            'Give one of options.mongo (a MongoDB connection string, MongoClient or Db), options.agenda or options.scheduler: timers must be durable. For a first look without MongoDB, `scheduler: new MemoryScheduler()` keeps them in memory (lost on restart).'
        );
    }
}
