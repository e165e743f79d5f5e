import { calculateChangeHash, ConversationState, StatePropertyAccessor, Storage, StoreItem, TurnContext } from 'botbuilder';
import type { TurnContextLike } from '../core/ports/activity';
import type { ConversationRecord, ConversationStore } from '../core/ports/conversationStore';
import { isETagConflict } from '../core/util/etagConflict';

/** The parts of `BotState` the claim needs; protected in botbuilder's typings, stable since 4.0. */
interface BotStateInternals {
    storage: Storage;
    stateKey: symbol;
    getStorageKey(context: TurnContext): string | undefined;
}

/**
 * Reads the conversation's state from storage into the turn's cache, so the property accessors of this turn
 * see what is stored now. With `force: false` a state this turn already loaded is used as it is.
 *
 * @param conversationState The bot's conversation state.
 * @param context The turn.
 * @param force Read again even when the turn already loaded it. Default true.
 * @returns The key and the eTag read.
 */
export async function loadRecord(conversationState: ConversationState, context: TurnContext, force = true): Promise<ConversationRecord> {
    const internals = conversationState as unknown as BotStateInternals;
    const key = internals.getStorageKey(context);
    if (!key) {
        throw new Error('The conversation state has no storage key for this activity (channelId or conversation.id is missing).');
    }
    const state = (await conversationState.load(context, force)) as StoreItem;
    return { key, eTag: typeof state.eTag === 'string' && state.eTag !== '*' ? state.eTag : undefined };
}

/**
 * Writes the turn's cached conversation state only if the stored item still carries the eTag `record` read.
 * On success the cache is marked saved, so a later `saveChanges` (the bot's own, or AutoSaveStateMiddleware's)
 * does not write the same state again with `'*'`.
 *
 * A storage that ignores eTags makes every claim succeed: then the last writer wins, as botbuilder's own saves do.
 *
 * @param conversationState The bot's conversation state.
 * @param context The turn whose cache holds the state to write.
 * @param record What {@link loadRecord} read.
 * @returns True when written; false when another turn wrote first (an eTag conflict).
 * @throws The storage's error for anything but an eTag conflict.
 */
export async function claimRecord(conversationState: ConversationState, context: TurnContext, record: ConversationRecord): Promise<boolean> {
    const internals = conversationState as unknown as BotStateInternals;
    const cached = context.turnState.get<{ state: StoreItem; hash: string } | undefined>(internals.stateKey);
    const state = cached?.state ?? {};
    // Nothing stored yet: any eTag makes MemoryStorage-like storages accept the write only while nothing is there.
    const item: StoreItem = { ...state, eTag: record.eTag ?? '*' };
    try {
        await internals.storage.write({ [record.key]: item });
    } catch (err) {
        if (isETagConflict(err)) {
            return false;
        }
        throw err;
    }
    context.turnState.set(internals.stateKey, { state, hash: calculateChangeHash(state) });
    return true;
}

/**
 * Writes the turn's cached state over the stored item only while the stored item passes `check` (for example:
 * still carries this timer's claim, so no user message came since). Reads the stored item first for its eTag and
 * writes conditionally on it; a conflict means another turn wrote in between, and the check is made again on
 * what it wrote. Used after a claim, whose new eTag the storage does not return.
 *
 * @param conversationState The bot's conversation state.
 * @param context The turn whose cache holds the state to write.
 * @param key The storage key.
 * @param check Decides from the stored item whether to write.
 * @returns True when written; false when the check failed.
 */
export async function rewriteIf(
    conversationState: ConversationState,
    context: TurnContext,
    key: string,
    check: (stored: StoreItem) => boolean
): Promise<boolean> {
    const internals = conversationState as unknown as BotStateInternals;
    for (let tries = 0; tries < 3; tries++) {
        const stored = ((await internals.storage.read([key]))[key] ?? {}) as StoreItem;
        if (!check(stored)) {
            return false;
        }
        if (await claimRecord(conversationState, context, { key, eTag: typeof stored.eTag === 'string' ? stored.eTag : undefined })) {
            return true;
        }
    }
    return false;
}

/** Where a turn keeps what runs before its conversation state is saved (see {@link BotStateConversationStore.beforeSave}). */
const BEFORE_SAVE = Symbol('botbuilder-inactivity before save');

/** Marks a `ConversationState` whose `saveChanges` already runs the turn's notes first. */
const WRAPPED = Symbol('botbuilder-inactivity saveChanges');

/**
 * Makes `saveChanges` of this `ConversationState` instance (the bot's own calls, AutoSaveStateMiddleware's and the
 * plugin's) run the notes the turn registered before it computes what changed. Once per instance.
 */
function runNotesBeforeSave(conversationState: ConversationState): void {
    const state = conversationState as ConversationState & { [WRAPPED]?: true };
    if (state[WRAPPED]) {
        return;
    }
    const save = state.saveChanges.bind(state);
    state.saveChanges = async (context: TurnContext, force?: boolean): Promise<void> => {
        const note = context?.turnState?.get<(() => Promise<void>) | undefined>(BEFORE_SAVE);
        if (note) {
            await note();
        }
        return save(context, force);
    };
    state[WRAPPED] = true;
}

/**
 * The plugin's record as a property of the bot's `ConversationState`, with conditional writes on the eTag the
 * storage gave (botbuilder's own saves always write with `'*'`: last writer wins).
 */
export class BotStateConversationStore implements ConversationStore {
    private readonly property: StatePropertyAccessor<unknown>;

    /**
     * @param conversationState The bot's conversation state.
     * @param propertyName The plugin's property in it.
     */
    constructor(
        private readonly conversationState: ConversationState,
        private readonly propertyName: string
    ) {
        this.property = conversationState.createProperty<unknown>(propertyName);
        runNotesBeforeSave(conversationState);
    }

    /** @inheritdoc */
    beforeSave(context: TurnContextLike, note: () => Promise<void>): void {
        (context as TurnContext).turnState.set(BEFORE_SAVE, note);
    }

    /** @inheritdoc */
    get(context: TurnContextLike): Promise<unknown> {
        return this.property.get(context as TurnContext);
    }

    /** @inheritdoc */
    async set(context: TurnContextLike, value: unknown): Promise<void> {
        await this.property.set(context as TurnContext, value);
    }

    /** @inheritdoc */
    load(context: TurnContextLike, force: boolean): Promise<ConversationRecord> {
        return loadRecord(this.conversationState, context as TurnContext, force);
    }

    /** @inheritdoc */
    claim(context: TurnContextLike, record: ConversationRecord): Promise<boolean> {
        return claimRecord(this.conversationState, context as TurnContext, record);
    }

    /** @inheritdoc */
    rewriteIf(context: TurnContextLike, key: string, check: (stored: unknown) => boolean): Promise<boolean> {
        return rewriteIf(this.conversationState, context as TurnContext, key, (item) => check((item as Record<string, unknown>)[this.propertyName]));
    }

    /** @inheritdoc */
    save(context: TurnContextLike): Promise<void> {
        return this.conversationState.saveChanges(context as TurnContext);
    }
}
