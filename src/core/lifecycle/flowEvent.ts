import type { ConversationRef } from '../ports/activity';

/**
 * What happened to a flow:
 * - `started`: a turn ended inside a flow that was not in progress before (the plugin began watching it), or
 *   the user clicked Start over (after the old run's `abandoned` with `userCancelled`);
 * - `reminded`: the inactivity reminder was delivered;
 * - `escalated`: a prompt of the flow refused the user's answer a second time in a row (the explicit re-prompt
 *   tier; with `maxInvalidAttempts` below 2, the final tier) — once per question;
 * - `closed`: the plugin closed the flow (final action `close`: silence, `maxDuration`, invalid answers);
 * - `handedOff`: the plugin handed the flow off to a person (final action `handoff`);
 * - `abandoned`: an abandonment was recorded, with its `reason` (every close, handoff and fallback, Start over as
 *   `userCancelled`, and the bot's own `abandon()` calls);
 * - `resumed`: the user resumed a saved flow;
 * - `completed`: a turn ended with no flow on the dialog stack while one was in progress, and neither the plugin
 *   nor `abandon()` ended it (the bot's dialog finished), or another flow took its place in the same turn (then
 *   the new one's `started` follows); the drop-off report counts such a run as completed too;
 * - `extended`: the bot gave the user more time with `extend()` (`extendedByMs` says how much; `capExtendedByMs`
 *   when the journey's `maxDuration` cap was extended).
 */
export type FlowEventType = 'started' | 'reminded' | 'escalated' | 'closed' | 'handedOff' | 'abandoned' | 'resumed' | 'completed' | 'extended';

/** Every {@link FlowEventType}, in the order of a flow's life. */
export const FLOW_EVENT_TYPES: readonly FlowEventType[] = [
    'started',
    'reminded',
    'escalated',
    'extended',
    'closed',
    'handedOff',
    'abandoned',
    'resumed',
    'completed',
];

/** What a flow event hook receives. Plain data: it stays valid after the turn that raised it has ended. */
export interface FlowEvent {
    /** What happened. */
    type: FlowEventType;
    /** The flow's dialog id. */
    flowId: string;
    /** The 1-based waterfall step the flow was at, when known. */
    step?: number;
    /** The step's name (`flows.<id>.steps`), or its 1-based number as a string, when known. */
    stepId?: string;
    /**
     * Why: the abandonment reason for `abandoned`, `closed` and `handedOff` (a built-in one such as `timeout`, or
     * the bot's own given to `abandon()`); `invalidInput` for `escalated`; absent otherwise.
     */
    reason?: string;
    /** The user's channel id (raw, as the channel gives it), when known. */
    userId?: string;
    /** The conversation's id. */
    conversationId: string;
    /** The channel's id (`msteams`, `webchat`, `emulator`…). */
    channelId: string;
    /** When it happened (the plugin's clock). */
    at: Date;
    /** For `extended`: how much time was added to the idle stages, in ms. */
    extendedByMs?: number;
    /** For `extended` by `extend(context, { maxDuration })`: how much was added to the journey's cap, in ms. */
    capExtendedByMs?: number;
    /** The conversation's reference, to write to the user later with `adapter.continueConversationAsync`. */
    reference: ConversationRef;
}

/**
 * A hook on flow events, given as the `onFlowEvent` option or to `InactivityMiddleware.onFlowEvent()`. It may
 * be async: it is awaited at most `flowEventTimeout`, then the turn goes on without it. What it throws, or its
 * running past that bound, is reported through `onError` and never reaches the user or the timer.
 */
export type FlowEventHandler = (event: FlowEvent) => void | Promise<void>;
