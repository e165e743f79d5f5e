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
    /**
     * Reports an error the plugin recovered from (`onError`). Never throws.
     *
     * @param err What went wrong.
     * @param context The turn.
     */
    warn(err: unknown, context?: TurnContextLike): void;
}

/**
 * Flows without dialogs: the bot says where the user is after it asks a question (`step`) and when the flow is
 * over (`end`). The middleware's `flows` property. Everything the plugin does for a dialog flow it then does for
 * the marked one: the ladder per flow and step, "step n of m" and the answers in the texts, close, handoff,
 * Resume, the lifecycle API, run records and the report.
 *
 * @example
 * ```ts
 * await context.sendActivity('What is the client's name?');
 * await inactivity.flows.step(context, { flowId: 'addClient', stepId: 'name', index: 1, of: 3, prompt: 'What is the client's name?' });
 * ```
 *
 * @typeParam C - The bot SDK's turn context, as the binding names it (the Agents SDK's `TurnContext`, whose
 * account ids are optional, is not assignable to the core's shape): the same object the core reads as a
 * {@link TurnContextLike}, as the hooks of `CoreOptions<C>` are.
 */
export class FlowMarkers<C = TurnContextLike> {
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
     * @throws InactivityConfigError when the mark is not valid (ids, numbers, values that are not plain JSON or weigh
     *   more than 16 KB). A storage failure is reported through `onError` and not thrown: the bot's turn goes on.
     */
    async step(context: C, mark: StepMark): Promise<void> {
        const flow = checkStepMark(mark);
        const turn = asTurn(context);
        // A storage failure is the plugin's, reported through onError: the bot's turn goes on.
        await this.quietly(turn, async () => {
            await this.store.set(turn, flow);
            await this.saveOutsideUserTurn(turn);
        });
    }

    /**
     * Ends the flow the bot marked: completed (no reason), or abandoned for a reason of the bot's own (as
     * `abandon(context, reason)`: saved for Resume and recorded with the reason).
     *
     * @param context The turn.
     * @param reason For an abandoned flow: a name as `abandon()` takes (`userCancelled`, `paymentFailed`).
     * @returns True when a flow was in progress (false also when the state could not be read: reported through `onError`).
     * @throws InactivityConfigError for a reason that is not valid.
     */
    async end(context: C, reason?: string): Promise<boolean> {
        const turn = asTurn(context);
        if (reason !== undefined) {
            return this.engine.abandon(turn, reason);
        }
        let had = false;
        await this.quietly(turn, async () => {
            had = readMarkedFlow(await this.store.get(turn)) !== undefined;
            await this.store.set(turn, undefined);
            await this.saveOutsideUserTurn(turn);
        });
        return had;
    }

    private async quietly(context: TurnContextLike, work: () => Promise<void>): Promise<void> {
        try {
            await work();
        } catch (err) {
            this.engine.warn(err, context);
        }
    }

    /** In a user's turn the plugin saves at the end of it; in a turn of the bot's own the mark is saved now. */
    private async saveOutsideUserTurn(context: TurnContextLike): Promise<void> {
        if (!this.engine.inUserTurn(context)) {
            await this.engine.saveConversation(context);
        }
    }
}

/** The binding's turn context is the core's turn: only its declared type differs (see the class's `C`). */
function asTurn<C>(context: C): TurnContextLike {
    return context as unknown as TurnContextLike;
}
