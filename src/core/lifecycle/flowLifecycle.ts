import type { ConversationRef, TurnContextLike } from '../ports/activity';
import { conversationKey } from '../turn/inactivityState';
import { ActiveFlows } from './activeFlows';
import type { FlowEvent, FlowEventType } from './flowEvent';
import { FlowHooks } from './flowHooks';

/** What an event says about its flow, besides what the turn gives (conversation, user, channel, time). */
export interface FlowEventDetail {
    /** The flow's dialog id. */
    flowId: string;
    /** Zero-based step index, when known. */
    stepIndex?: number;
    /** The step's name or 1-based number, when known. */
    stepId?: string;
    /** Why. */
    reason?: string;
    /** For `extended`. */
    extendedByMs?: number;
    /** For `extended` by `extend(context, { maxDuration })`: ms added to the journey's cap. */
    capExtendedByMs?: number;
}

/** Events after which the conversation has no flow in progress. */
const ENDING: ReadonlySet<FlowEventType> = new Set<FlowEventType>(['closed', 'handedOff', 'abandoned', 'completed']);

/** What a {@link FlowLifecycle} needs. */
export interface FlowLifecycleOptions {
    /** How long hooks are waited for, together (ms). */
    timeoutMs: number;
    /** The clock. */
    now: () => number;
    /** Where hook failures go. */
    warn: (err: unknown, context?: TurnContextLike) => void;
    /** The conversation reference of a turn's activity (the SDK binding's). */
    referenceOf: (activity: TurnContextLike['activity']) => ConversationRef;
}

/** One middleware's flow lifecycle: its hooks and its count of flows in progress. */
export class FlowLifecycle {
    /** The hooks. */
    readonly hooks: FlowHooks;
    /** The flows in progress seen by this instance. */
    readonly active = new ActiveFlows();

    private readonly now: () => number;
    private readonly referenceOf: (activity: TurnContextLike['activity']) => ConversationRef;

    /**
     * @param options How long hooks are waited for, the clock, where failures go, and how the SDK names a
     *   turn's conversation.
     */
    constructor(options: FlowLifecycleOptions) {
        this.now = options.now;
        this.referenceOf = options.referenceOf;
        this.hooks = new FlowHooks(options.timeoutMs, options.warn);
    }

    /**
     * Raises a flow event: updates the count of flows in progress and calls the hooks (bounded; never throws).
     *
     * @param context The turn (a user's, a timer's, or the bot's own proactive one).
     * @param type What happened.
     * @param detail The flow and step.
     * @param reference The conversation's reference; default the turn's.
     */
    async emit(context: TurnContextLike, type: FlowEventType, detail: FlowEventDetail, reference?: ConversationRef): Promise<void> {
        const ending = ENDING.has(type);
        if (!ending && this.hooks.size === 0) {
            return;
        }
        const ref = reference ?? this.referenceOf(context.activity);
        if (ending) {
            this.active.end(conversationKey(ref), this.now(), true, detail.flowId);
        }
        if (this.hooks.size === 0) {
            return;
        }
        const step = detail.stepIndex !== undefined ? detail.stepIndex + 1 : undefined;
        const event: FlowEvent = {
            type,
            flowId: detail.flowId,
            ...(step !== undefined ? { step } : {}),
            ...((detail.stepId ?? step !== undefined) ? { stepId: detail.stepId ?? String(step) } : {}),
            ...(detail.reason !== undefined ? { reason: detail.reason } : {}),
            ...(ref.user?.id ? { userId: ref.user.id } : {}),
            conversationId: ref.conversation?.id ?? '',
            channelId: ref.channelId ?? '',
            at: new Date(this.now()),
            ...(detail.extendedByMs !== undefined ? { extendedByMs: detail.extendedByMs } : {}),
            ...(detail.capExtendedByMs !== undefined ? { capExtendedByMs: detail.capExtendedByMs } : {}),
            reference: ref,
        };
        await this.hooks.emit(event, context);
    }
}
