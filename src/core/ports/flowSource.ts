import type { TurnContextLike } from './activity';
import type { ActiveFrame, FlowInfo } from '../flows/flowInfo';

/**
 * Where the user is in a conversation, and how to move them: today the botbuilder-dialogs stack (the active
 * dialogs are the flow and its step). The core asks it, never the dialog library.
 */
export interface FlowSource {
    /**
     * The active path of nested flows and steps, outermost first; empty when the user is in none.
     *
     * @param context The turn.
     */
    path(context: TurnContextLike): Promise<ActiveFrame[]>;
    /**
     * The watched flow on a path, with its step and the values collected.
     *
     * @param path From {@link FlowSource.path}.
     */
    inspect(path: ActiveFrame[]): FlowInfo | undefined;
    /**
     * The flow state to save for resuming, as JSON.
     *
     * @param context The turn.
     */
    save(context: TurnContextLike): Promise<string>;
    /**
     * The watched flow in a saved state.
     *
     * @param json What {@link FlowSource.save} returned.
     * @throws When it is not valid.
     */
    inspectSaved(json: string): FlowInfo | undefined;
    /**
     * Puts a saved flow state back in place of the current one (Resume).
     *
     * @param context The turn.
     * @param json What {@link FlowSource.save} returned.
     */
    restore(context: TurnContextLike, json: string): Promise<void>;
    /**
     * Whether a flow can be re-asked or restarted here (Continue, Start over, Resume need it).
     *
     * @param context The turn.
     * @param info The flow to restart, when it is about that flow (else: whether any flow is active).
     */
    canDrive(context: TurnContextLike, info?: FlowInfo): Promise<boolean>;
    /**
     * Asks the waiting question again.
     *
     * @param context The turn.
     */
    reask(context: TurnContextLike): Promise<void>;
    /**
     * Ends the flow and begins it again with its first options (Start over).
     *
     * @param context The turn.
     * @param info The flow.
     */
    restart(context: TurnContextLike, info: FlowInfo): Promise<void>;
    /**
     * Ends every flow (and what surrounds it) without a result.
     *
     * @param context The turn.
     */
    clear(context: TurnContextLike): Promise<void>;
    /**
     * Whether a fallback flow `id` can begin in place of (or inside) `info`.
     *
     * @param context The turn.
     * @param request The flow and the fallback's id.
     */
    hasFallback(context: TurnContextLike, request: FallbackRequest): Promise<boolean>;
    /**
     * Begins the fallback flow.
     *
     * @param context The turn.
     * @param request The flow and the fallback's id.
     */
    beginFallback(context: TurnContextLike, request: FallbackRequest): Promise<boolean>;
}

/** A fallback to begin when a flow ends. */
export interface FallbackRequest {
    /** The flow that ends. */
    info: FlowInfo;
    /** The fallback flow's id. */
    fallback: string;
}
