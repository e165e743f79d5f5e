import type { Duration } from './duration';

/** What happens when the user stays quiet past `closeAfter`, or gives up on a prompt. */
export type FinalAction = 'close' | 'handoff' | 'dialog';

/**
 * Settings a designer may override per flow and per step. Every field is optional here: what is not set falls
 * back to the enclosing flow, then to the plugin's options.
 */
export interface InactivityPolicy {
    /** Whether the plugin watches this flow or step at all. Default `true`. */
    enabled?: boolean;
    /** Whether a reminder is sent before the final action. Default `true`. */
    remind?: boolean;
    /** Idle time before the reminder, from the user's last message. Default `'5 minutes'`. */
    reminderAfter?: Duration;
    /** Idle time before the final action, from the user's last message. Default `'15 minutes'`. */
    closeAfter?: Duration;
    /** `'close'` (save the flow for resuming, then end it), `'handoff'` (to a human agent) or `'dialog'` (begin `fallbackDialog`). Default `'close'`. */
    finalAction?: FinalAction;
    /** Dialog id begun when `finalAction` is `'dialog'`. No default; required with `'dialog'`. */
    fallbackDialog?: string;
    /** How long a closed flow can be resumed. Default `'24 hours'`. `0` disables resuming. */
    resumeWindow?: Duration;
    /** Invalid answers to one prompt before the final action is taken (progressive re-prompts). Default `3`; `0` turns re-prompts off. */
    maxInvalidAttempts?: number;
    /**
     * Hard cap on the whole flow's duration, active or not, counted from its first start: Start over and Resume
     * do not restart it. Default: none (`null`).
     */
    maxDuration?: Duration | null;
    /** Locale keys that replace the default texts of this flow or step. */
    messages?: PolicyMessages;
}

/** Locale keys (in the plugin's namespace or `<ns>:<key>` of the bot's own locales) that replace default texts. */
export interface PolicyMessages {
    /** Replaces `reminder.text` and its variants. */
    reminder?: string;
    /** Replaces `close.text`. */
    close?: string;
    /** Replaces `handoff.text`. */
    handoff?: string;
    /** Replaces the example in the explicit re-prompt (`reprompt.hint.*`), e.g. a key saying what a valid contact looks like. */
    hint?: string;
    /** Replaces the first invalid answer's line (`reprompt.gentle`). */
    retry1?: string;
    /**
     * Replaces the explicit line of the second and later invalid answers (`reprompt.explicit`); `{{hint}}` is the
     * step's `hint` text (or the prompt type's example, or empty).
     */
    retry2?: string;
    /**
     * Sent when the `escalated` flow event fires (the second invalid answer to one question, or the final one when
     * `maxInvalidAttempts` is 1), to tell the user the bot's owner was informed; e.g. the shipped
     * `reprompt.escalated`. Default: nothing is sent.
     */
    escalated?: string;
}

/**
 * How a flow (a dialog id) is described and handled. Designers can give these in a JSON policy file; code can
 * give them in the `flows` option.
 */
export interface FlowDefinition extends InactivityPolicy {
    /**
     * Locale key(s) naming what the user was doing, for "You were {{activity}}". Several keys are tried in
     * order; the first whose placeholders can all be filled from the collected values wins, e.g.
     * `["sample:addClient.activityNamed", "sample:addClient.activity"]`.
     */
    activity?: string | string[];
    /** Locale key(s) for a short summary of collected values, shown on the Resume button. Same rules as `activity`. */
    summary?: string | string[];
    /** Number of steps, for "step 2 of 3". Default: the waterfall's own step count, when the plugin can see it. */
    stepCount?: number;
    /** Names of the waterfall's steps, in order; `steps` policies may be keyed by these names. */
    stepNames?: string[];
    /** Overrides per step, keyed by step name, 1-based step number (`"2"`) or prompt dialog id. */
    steps?: Record<string, InactivityPolicy>;
}
