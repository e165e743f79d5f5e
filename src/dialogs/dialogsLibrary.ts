import type { TurnContextLike } from '../core/ports/activity';

/**
 * A class the reader tells dialogs apart by (`instanceof`): a dialog library's `Prompt`, `TextPrompt`, ...
 * The constructor's parameters do not matter to it.
 */
export type DialogClass = abstract new (...args: never[]) => object;

/** One entry of a dialog stack, as both libraries store it. */
export interface DialogInstanceLike {
    /** The dialog's id. */
    id: string;
    /** What the dialog keeps (a waterfall's `stepIndex` and `values`, a prompt's `options`, an inner stack). */
    state: unknown;
}

/** A dialog of either library (the bot's root dialog), as the plugin needs it. */
export interface DialogLike {
    /** The dialog's id. */
    readonly id: string;
}

/** The dialog state a bot's accessor holds: `{ dialogStack }`, the top of the stack last. */
export interface DialogStateLike {
    /** The dialog stack. */
    dialogStack: unknown[];
}

/** The accessor of the bot's dialog state, as either SDK's `StatePropertyAccessor` has it. */
export interface DialogStateAccessor {
    /**
     * The dialog state (loaded on first use in the turn).
     *
     * @param context The turn.
     * @param defaultValue What to store and return when there is none.
     */
    get(context: never, defaultValue?: DialogStateLike): Promise<DialogStateLike | undefined>;
    /**
     * Replaces the dialog state in the turn's cache (saved by the bot's state).
     *
     * @param context The turn.
     * @param value The dialog state.
     */
    set(context: never, value: DialogStateLike): Promise<void>;
}

/** A `DialogContext` of either library: the parts the plugin drives. */
export interface DialogContextLike {
    /** The dialog on top of this level's stack. */
    readonly activeDialog: DialogInstanceLike | undefined;
    /** This level's stack, bottom first. */
    readonly stack: DialogInstanceLike[];
    /** The context of the active dialog's inner stack, for a container. */
    readonly child: DialogContextLike | undefined;
    /** The dialogs this level can begin. */
    readonly dialogs: { find(dialogId: string): object | undefined };
    /** Asks the active prompt again. */
    repromptDialog(): Promise<void>;
    /** Ends the active dialog and begins another in its place. */
    replaceDialog(dialogId: string, options?: object): Promise<unknown>;
    /** Ends every dialog of this level and above. */
    cancelAllDialogs(): Promise<unknown>;
    /** Begins a dialog on top of this level's stack. */
    beginDialog(dialogId: string, options?: object): Promise<unknown>;
}

/** A dialog set of either library, made over the bot's accessor. */
export interface DialogSetLike {
    /** Adds a dialog. */
    add(dialog: object): DialogSetLike;
    /** The root dialog context of a turn. */
    createContext(context: TurnContextLike): Promise<DialogContextLike>;
}

/**
 * The classes the dialog reader needs from a dialog library: botbuilder-dialogs for a botbuilder bot,
 * `@microsoft/agents-hosting-dialogs` for an Agents SDK bot. The two have the same classes and store the same
 * `dialogStack`, but a class of one is not `instanceof` the other's: each binding passes its own.
 */
export interface DialogsLibrary {
    /** `DialogSet`. */
    DialogSet: new (accessor: never) => DialogSetLike;
    /** `DialogContainer` (what a `ComponentDialog` is). */
    DialogContainer: DialogClass;
    /** `Prompt`. */
    Prompt: DialogClass;
    /** `ChoicePrompt`. */
    ChoicePrompt: DialogClass;
    /** `ConfirmPrompt`. */
    ConfirmPrompt: DialogClass;
    /** `NumberPrompt`. */
    NumberPrompt: DialogClass;
    /** `DateTimePrompt`. */
    DateTimePrompt: DialogClass;
    /** `TextPrompt`. */
    TextPrompt: DialogClass;
}
