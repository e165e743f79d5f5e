import type { TurnContextLike } from '../ports/activity';
import type { MarkerStore } from '../ports/markerStore';
import { checkStepMark, readMarkedFlow, StepMark } from './flowMarker';

/** What {@link FlowMarkers} needs of the plugin (its engine). */
export interface MarkerHost {
    /**
     * Abandons the flow in progress for the bot's reason (see `InactivityMiddleware.abandon`).
     *
     * @param context The turn.
     * @param reason The reason.
     */
    abandon(context: TurnContextLike, reason: string): Promise<boolean>;
    /**
     * Whether `context` is a user's message turn the plugin saves at its end.
     *
     * @param context The turn.
     */
    inUserTurn(context: TurnContextLike): boolean;
    /**
     * Saves the conversation's state of a turn that is not a user's message turn.
     *
     * @param context The turn.
     */
    saveConversation(context: TurnContextLike): Promise<void>;
}

/**
 * Flows without dialogs: the bot says where the user is after it asks a question (`step`) and when the flow is
 * over (`end`). The middleware's `flows` property. Everything the plugin does for a dialog flow it then does for
 * the marked one: the ladder per flow and step, "step n of m" and the answers in the texts, close, handoff,
 * Resume, the lifecycle API, run records and the report.
 *
 * @typeParam C The SDK's turn context type (the Agents SDK's `TurnContext` is the core's shape with optional
 *   ids, the same object): what `step` and `end` take, so a bot passes its own context without a cast.
 *
 * @example
 * ```ts
 * await context.sendActivity('What is the client's name?');
 * await inactivity.flows.step(context, { flowId: 'addClient', stepId: 'name', index: 1, of: 3, prompt: 'What is the client's name?' });
 * ```
 */
export class FlowMarkers<C extends object = TurnContextLike> {
    /**
     * @param engine The plugin's engine.
     * @param store Where the marked flow is kept.
     */
    constructor(
        private readonly engine: MarkerHost,
        private readonly store: MarkerStore
    ) {}

    /**
     * Marks the step the user is on, once the bot has asked its question: in the turn that answers the user's
     * message, the plugin arms the conversation's timer from it. A new `flowId` begins a new run (the previous
     * one completed); the same `flowId` goes on with it.
     *
     * @param context The turn.
     * @param mark The flow, the step, its number, the answers so far and the question.
     * @throws InactivityConfigError when the mark is not valid (ids, numbers, values that are not plain JSON or weigh more than 16 KB).
     */
    async step(context: C, mark: StepMark): Promise<void> {
        const flow = checkStepMark(mark);
        await this.store.set(like(context), flow);
        await this.saveOutsideUserTurn(like(context));
    }

    /**
     * Ends the flow the bot marked: completed (no reason), or abandoned for a reason of the bot's own (as
     * `abandon(context, reason)`: saved for Resume and recorded with the reason).
     *
     * @param context The turn.
     * @param reason For an abandoned flow: a name as `abandon()` takes (`userCancelled`, `paymentFailed`).
     * @returns True when a flow was in progress.
     * @throws InactivityConfigError for a reason that is not valid.
     */
    async end(context: C, reason?: string): Promise<boolean> {
        const turn = like(context);
        if (reason !== undefined) {
            return this.engine.abandon(turn, reason);
        }
        const had = readMarkedFlow(await this.store.get(turn)) !== undefined;
        await this.store.set(turn, undefined);
        await this.saveOutsideUserTurn(turn);
        return had;
    }

    /** In a user's turn the plugin saves at the end of it; in a turn of the bot's own the mark is saved now. */
    private async saveOutsideUserTurn(context: TurnContextLike): Promise<void> {
        if (!this.engine.inUserTurn(context)) {
            await this.engine.saveConversation(context);
        }
    }
}

/** The SDK's turn as the core's shape: the same object (see the type parameter of {@link FlowMarkers}). */
function like(context: object): TurnContextLike {
    return context as TurnContextLike;
}
