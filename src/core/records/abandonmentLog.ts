/**
 * The reasons the plugin records itself. `undeliverable`: the channel refused the plugin's messages (the bot was
 * blocked or removed, the conversation is gone) or kept failing after every retry; the flow was closed without a
 * message. `userCancelled`: Start over, or a bot's `abandon(context, 'userCancelled')`.
 */
export type BuiltInAbandonReason = 'timeout' | 'invalidInput' | 'maxDuration' | 'handoff' | 'userCancelled' | 'undeliverable';

/**
 * Why a flow was abandoned: a {@link BuiltInAbandonReason}, or a bot's own name given to
 * `InactivityMiddleware.abandon()` (such as `paymentFailed`), recorded and reported beside them.
 */
export type AbandonReason = BuiltInAbandonReason | (string & Record<never, never>);

/** The current version of {@link AbandonmentEvent}. */
export const ABANDONMENT_EVENT_VERSION = 1;

/**
 * One abandonment: where a user dropped off and what they had done. Field names of collected values only,
 * never the values.
 */
export interface AbandonmentEvent {
    /** Random id. */
    id: string;
    /** Schema version. */
    v: number;
    /** When the flow was abandoned. */
    at: Date;
    /** Why. */
    reason: AbandonReason;
    /** The flow's dialog id. */
    flowId: string;
    /** The step's name, or its 1-based number as a string. */
    stepId?: string;
    /** Zero-based step index. */
    stepIndex?: number;
    /** Names of the values collected so far. */
    fieldsCollected: string[];
    /** Whether a reminder was sent before the abandonment. */
    reminderSent: boolean;
    /** From the flow's start to the abandonment, in ms. */
    timeSpentMs: number;
    /** Idle time at the abandonment, in ms. */
    idleMs: number;
    /** Channel id. */
    channelId: string;
    /** Conversation id. */
    conversationId: string;
    /** The snapshot saved for resuming, if any. */
    snapshotId?: string;
    /** Whether the user later resumed it. */
    resumed: boolean;
    /** When it was resumed. */
    resumedAt?: Date;
}

/** Where abandonment events go (besides telemetry). {@link MongoAbandonmentLog} keeps them in MongoDB. */
export interface AbandonmentLog {
    /** Records an event. */
    record(event: AbandonmentEvent): Promise<void>;
    /** Marks the event of a snapshot as resumed. */
    markResumed(snapshotId: string, at: Date): Promise<void>;
}
