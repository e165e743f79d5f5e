import type { TurnContextLike } from './activity';

/**
 * The conversation's whole stored state item, read for one turn, with the eTag the storage gave it. A timer's
 * turn decides from this copy and claims its decision with a conditional write, so that a user message stored
 * by any bot instance in between wins.
 */
export interface ConversationRecord {
    /** The storage key of the conversation's state. */
    key: string;
    /** The eTag read, or `undefined` when nothing was stored. */
    eTag?: string;
}

/**
 * The plugin's record inside the bot's conversation state, with the conditional writes that make timer turns
 * and user turns safe on several instances. The botbuilder binding keeps it as a property of the bot's
 * `ConversationState`.
 */
export interface ConversationStore {
    /**
     * The plugin's record as this turn holds it (loaded on first use), not yet checked: see `readState`.
     *
     * @param context The turn.
     */
    get(context: TurnContextLike): Promise<unknown>;
    /**
     * Replaces the plugin's record in this turn's cache (written by `save` or `claim`).
     *
     * @param context The turn.
     * @param value The record.
     */
    set(context: TurnContextLike, value: unknown): Promise<void>;
    /**
     * Reads the conversation's state from storage into the turn's cache.
     *
     * @param context The turn.
     * @param force Read again even when the turn already loaded it.
     * @returns The key and the eTag read.
     */
    load(context: TurnContextLike, force: boolean): Promise<ConversationRecord>;
    /**
     * Writes the turn's cached state only if the stored item still carries the eTag `record` read.
     *
     * @param context The turn.
     * @param record What {@link ConversationStore.load} read.
     * @returns False when another turn wrote first.
     */
    claim(context: TurnContextLike, record: ConversationRecord): Promise<boolean>;
    /**
     * Writes the turn's cached state while the stored plugin record passes `check` (read again on a conflict).
     *
     * @param context The turn.
     * @param key The storage key.
     * @param check Decides from the stored plugin record whether to write.
     * @returns False when the check failed.
     */
    rewriteIf(context: TurnContextLike, key: string, check: (stored: unknown) => boolean): Promise<boolean>;
    /**
     * Saves the turn's cached state if it changed (last writer wins, as the bot's own saves).
     *
     * @param context The turn.
     */
    save(context: TurnContextLike): Promise<void>;
    /**
     * Runs `note` right before every save of this turn's state, the bot's own saves included, so that what the
     * plugin notes of the turn (a flow begun or ended) goes out in the bot's write instead of a second one. Absent
     * where the plugin's record is an item of its own (nobody else saves it).
     *
     * @param context The turn.
     * @param note Brings the plugin's record up to date in the turn's cache; never throws.
     */
    beforeSave?(context: TurnContextLike, note: () => Promise<void>): void;
}
