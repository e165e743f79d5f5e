import type { Storage, TurnContext } from '@microsoft/agents-hosting';
import type { Agenda } from 'agenda' with { 'resolution-mode': 'import' };
import { InactivityConfigError } from '../core/errors';
import type { CoreOptions } from '../core/policy/options';
import type { MongoSource } from '../mongo/mongoConnection';
import type { DialogLike, DialogStateAccessor } from '../dialogs/dialogsLibrary';
import type { AgentsProactiveAdapter } from './agentsBinding';

/** The app's state the dialog state lives in (a `ConversationState` of `@microsoft/agents-hosting`), as the plugin needs it. */
export interface AgentStateLike {
    /**
     * Writes the turn's cached state when it changed (or always with `force`).
     *
     * @param context The turn.
     * @param force Write even when nothing changed.
     */
    saveChanges(context: TurnContext, force?: boolean): Promise<void>;
}

/**
 * Options of the Agents SDK's {@link InactivityMiddleware}: the agent's adapter, a `Storage` for the plugin's own
 * record, where timers live, and every setting of {@link CoreOptions} (the botbuilder middleware's, with the same
 * defaults). Durations accept milliseconds or strings such as `'5 minutes'`.
 */
export interface InactivityOptions extends CoreOptions<TurnContext> {
    /** The agent's adapter (`agent.adapter` of an `AgentApplication`, a `CloudAdapter`): sends reminders when a timer fires. Required. */
    adapter: AgentsProactiveAdapter;
    /**
     * Where the plugin keeps its record of each conversation: an item of its own,
     * `<channel>/conversations/<id>/inactivity`, never the app's conversation state. Give it the app's storage
     * (`MemoryStorage`, `MongoStorage`, Cosmos DB, Blob storage). Required.
     */
    storage: Storage;
    /**
     * For an agent on `@microsoft/agents-hosting-dialogs`: the accessor of its dialog state (the one given to
     * `DialogSet` or `dialog.run`). The plugin then reads where the user is from the dialog stack, as for a
     * botbuilder-dialogs bot. Leave it out for an agent that marks its flows with `inactivity.flows.step()`.
     */
    dialogState?: DialogStateAccessor;
    /**
     * The agent's root dialog. Needed for Continue (re-ask the step), Start over, fallback dialogs and resuming
     * of dialog flows; without it the plugin can only remind, close and hand off.
     */
    dialog?: DialogLike;
    /**
     * With `dialogState`: the state it was created from (`conversationState.createProperty('DialogState')`). In
     * the turns the plugin answers itself (a click on its buttons, a timer) it moves the dialog stack and saves
     * this state, after its own record.
     */
    conversationState?: AgentStateLike;
    /** Where durable timers and snapshots live: a MongoDB connection string, a `MongoClient` or a `Db`. */
    mongo?: MongoSource;
    /** A running Agenda instance to put timers on instead of the plugin's own (its `processEvery` then applies). */
    agenda?: Agenda;
}

/**
 * The checks a schema cannot make on the Agents SDK options: the adapter and the storage are given and usable,
 * and timers have somewhere durable to live.
 *
 * @param options The options given to the middleware.
 * @throws InactivityConfigError naming what is missing.
 */
export function checkAgentsOptions(options: InactivityOptions): void {
    if (typeof options.adapter?.continueConversation !== 'function') {
        throw new InactivityConfigError(
            "options.adapter is required and must have continueConversation: give the agent's adapter (agent.adapter of an AgentApplication, or a CloudAdapter)."
        );
    }
    const storage = options.storage as Partial<Storage> | undefined;
    if (typeof storage?.read !== 'function' || typeof storage.write !== 'function') {
        throw new InactivityConfigError(
            'options.storage is required and must be an Agents SDK Storage (read, write, delete): MemoryStorage, MongoStorage from botbuilder-inactivity/agents, or your own.'
        );
    }
    if (options.dialog && !options.dialogState) {
        throw new InactivityConfigError(
            'options.dialog was given without options.dialogState: the plugin reads the dialog stack from the accessor of the dialog state.'
        );
    }
    if (options.dialogState && typeof options.conversationState?.saveChanges !== 'function') {
        throw new InactivityConfigError(
            'options.dialogState needs options.conversationState, the state it was created from (a ConversationState): the plugin saves it when it moves the dialog stack in a turn of its own.'
        );
    }
    if (!options.scheduler && !options.mongo && !options.agenda) {
        throw new InactivityConfigError(
            'Give one of options.mongo (a MongoDB connection string, MongoClient or Db), options.agenda or options.scheduler: timers must be durable. For a first look without MongoDB, `scheduler: new MemoryScheduler()` keeps them in memory (lost on restart).'
        );
    }
}
