import { InactivityConfigError } from '../core/errors';
import type { TurnContextLike } from '../core/ports/activity';
import type { ConversationRecord, ConversationStore } from '../core/ports/conversationStore';
import { isETagConflict } from '../core/util/etagConflict';
import type { BotStorage, StorageItem } from '../mongo/storageDocument';

/** The last segment of the plugin's storage key: `<channel>/conversations/<conversation id>/inactivity`. */
export const ITEM_KEY_SUFFIX = 'inactivity';

/** How many times {@link StorageConversationStore.rewriteIf} reads again after another turn wrote first. */
const REWRITE_TRIES = 3;

/** The plugin's item as this turn holds it. */
interface CachedItem {
    key: string;
    /** The item without its eTag: the plugin's record and the other properties kept beside it. */
    state: Record<string, unknown>;
    /** The eTag read, or `undefined` when nothing was stored. */
    eTag?: string;
    /** The state as last read or written, as JSON: `save` writes only when it changed. */
    saved: string;
}

/** One property of the plugin's item, read and written in the turn's cache (stored by the store's `save` or `claim`). */
export interface ItemProperty<T> {
    /**
     * The property's value (the item is read on first use in the turn).
     *
     * @param context The turn.
     */
    get(context: TurnContextLike): Promise<T | undefined>;
    /**
     * Replaces the value in the turn's cache; `undefined` removes it.
     *
     * @param context The turn.
     * @param value The new value (plain JSON).
     */
    set(context: TurnContextLike, value: T | undefined): Promise<void>;
}

/**
 * The plugin's record in an Agents SDK `Storage`, as an item of its own under
 * `<channel>/conversations/<conversation id>/inactivity`: never the app's conversation state
 * (`<channel>/conversations/<id>/`), which `AgentApplication` saves only in some turns and overwrites with its own
 * copy. One read per turn, cached in the turn; conditional writes on the eTag read (claims) exactly as the
 * botbuilder binding makes them on `ConversationState`; `save` writes what changed, last writer wins.
 *
 * The item can hold more than the plugin's record: {@link StorageConversationStore.property} gives another
 * property of the same item, loaded, claimed and saved with it.
 */
export class StorageConversationStore implements ConversationStore {
    /** Where a turn keeps its copy of the item: one key per store, so two bots in a process do not share it. */
    private readonly cacheKey = Symbol('botbuilder-inactivity item');

    /**
     * @param storage The storage (the Agents SDK's `MemoryStorage`, `MongoStorage`, Cosmos DB or Blob storage).
     * @param propertyName The plugin record's property in the item.
     * @param alongside What else the plugin's turns change and must save once its item is written: the app's
     *   state holding a dialog stack the plugin moved (saved when it changed, last writer wins, as the app's own saves).
     */
    constructor(
        private readonly storage: BotStorage,
        private readonly propertyName: string,
        private readonly alongside?: (context: TurnContextLike) => Promise<void>
    ) {}

    /**
     * The storage key of a conversation's item.
     *
     * @param context The turn.
     * @returns `<channel>/conversations/<conversation id>/inactivity`.
     * @throws Error when the activity has no channel or conversation id.
     */
    static keyOf(context: TurnContextLike): string {
        // Read through the Activity's getter: the channel lives in `_channelId`.
        const channelId = context.activity.channelId;
        const conversationId = context.activity.conversation?.id;
        if (!channelId || !conversationId) {
            throw new Error('The plugin cannot store this conversation: its activity has no channelId or conversation.id.');
        }
        return `${channelId}/conversations/${conversationId}/${ITEM_KEY_SUFFIX}`;
    }

    /**
     * Another property of the plugin's item (for example where a bot's own flow is marked), read and written with
     * the plugin's record: one read per turn, and the same claims and saves.
     *
     * @param name The property's name: not the plugin record's, not `eTag`.
     * @returns Its accessor.
     * @throws InactivityConfigError for a name that is empty or taken.
     */
    property<T>(name: string): ItemProperty<T> {
        if (typeof name !== 'string' || !name || name === 'eTag' || name === this.propertyName) {
            throw new InactivityConfigError(
                `A property of the plugin's item needs a name other than '', 'eTag' and '${this.propertyName}'; got ${JSON.stringify(name)}.`
            );
        }
        return {
            get: async (context) => (await this.cached(context, false)).state[name] as T | undefined,
            set: async (context, value) => setProperty(await this.cached(context, false), name, value),
        };
    }

    /** @inheritdoc */
    async get(context: TurnContextLike): Promise<unknown> {
        return (await this.cached(context, false)).state[this.propertyName];
    }

    /** @inheritdoc */
    async set(context: TurnContextLike, value: unknown): Promise<void> {
        setProperty(await this.cached(context, false), this.propertyName, value);
    }

    /** @inheritdoc */
    async load(context: TurnContextLike, force: boolean): Promise<ConversationRecord> {
        const item = await this.cached(context, force);
        return { key: item.key, eTag: item.eTag };
    }

    /**
     * Writes the turn's item only if the stored one still carries the eTag `record` read. When nothing was stored,
     * the write is unconditional (`'*'`), as the botbuilder binding's. A storage that ignores eTags makes every
     * claim succeed: then the last writer wins.
     *
     * @inheritdoc
     */
    async claim(context: TurnContextLike, record: ConversationRecord): Promise<boolean> {
        const item = this.cache(context);
        const state = item?.state ?? {};
        try {
            await this.storage.write({ [record.key]: { ...state, eTag: record.eTag ?? '*' } });
        } catch (err) {
            if (isETagConflict(err)) {
                return false;
            }
            throw err;
        }
        if (item) {
            // Written: a later save of this turn has nothing to write.
            item.saved = JSON.stringify(state);
        }
        // The decision is the plugin's: what it moved in the app's state follows only once it is claimed.
        await this.alongside?.(context);
        return true;
    }

    /** @inheritdoc */
    async rewriteIf(context: TurnContextLike, key: string, check: (stored: unknown) => boolean): Promise<boolean> {
        for (let tries = 0; tries < REWRITE_TRIES; tries++) {
            const stored = ((await this.storage.read([key]))[key] ?? {}) as StorageItem;
            if (!check(stored[this.propertyName])) {
                return false;
            }
            if (await this.claim(context, { key, eTag: typeof stored.eTag === 'string' && stored.eTag !== '*' ? stored.eTag : undefined })) {
                return true;
            }
        }
        return false;
    }

    /** @inheritdoc */
    async save(context: TurnContextLike): Promise<void> {
        const item = this.cache(context);
        const json = item && JSON.stringify(item.state);
        if (item && json !== item.saved) {
            await this.storage.write({ [item.key]: { ...item.state, eTag: '*' } });
            item.saved = json as string;
        }
        await this.alongside?.(context);
    }

    private cache(context: TurnContextLike): CachedItem | undefined {
        return context.turnState.get(this.cacheKey) as CachedItem | undefined;
    }

    private async cached(context: TurnContextLike, force: boolean): Promise<CachedItem> {
        const held = this.cache(context);
        if (held && !force) {
            return held;
        }
        const key = StorageConversationStore.keyOf(context);
        const { eTag, ...state } = ((await this.storage.read([key]))[key] ?? {}) as StorageItem;
        const item: CachedItem = { key, state, eTag: typeof eTag === 'string' && eTag !== '*' ? eTag : undefined, saved: JSON.stringify(state) };
        context.turnState.set(this.cacheKey, item);
        return item;
    }
}

function setProperty(item: CachedItem, name: string, value: unknown): void {
    if (value === undefined) {
        delete item.state[name];
    } else {
        item.state[name] = value;
    }
}
