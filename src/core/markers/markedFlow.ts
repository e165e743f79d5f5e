import type { ActivityLike } from '../ports/activity';

/**
 * Where the user is in a flow the bot drives itself (its own state machine, route handlers, a language model):
 * what `inactivity.flows.step()` is told after the bot asks a question.
 */
export interface StepMark {
    /** The flow's id, as the policy file and the report name it (`addClient`). 1 to 100 characters. */
    flowId: string;
    /** The step's id (`askName`): per-step settings in the policy file are keyed by it. 1 to 100 characters. */
    stepId: string;
    /** The step's number, from 1 ("step 2 of 5" in the texts). */
    index?: number;
    /** How many steps the flow has. */
    of?: number;
    /**
     * The answers so far (kept for Resume and given back to `onResume`; strings, numbers and booleans are the
     * texts' placeholders, as a waterfall's values are). Plain JSON.
     */
    values?: Record<string, unknown>;
    /**
     * The question waiting for an answer: Continue and Resume ask it again (unless `onContinue` is given). A string,
     * or an activity of either SDK (an `Activity` object or a plain one): its type, text, speak, input hint, text
     * format, attachments and their layout, suggested actions, value and locale are kept.
     */
    prompt?: string | ActivityLike | object;
}

/** A flow the bot marked, as the plugin keeps it in the conversation's state and gives it to the bot's hooks. */
export interface MarkedFlow {
    /** The flow's id. */
    flowId: string;
    /** The step's id. */
    stepId: string;
    /** The step's number, from 1, when the bot gave it. */
    index?: number;
    /** How many steps the flow has, when the bot gave it. */
    of?: number;
    /** The answers so far. */
    values: Record<string, unknown>;
    /** The question waiting for an answer, when the bot gave it. */
    prompt?: string | ActivityLike;
}
