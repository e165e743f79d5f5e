import type { AbandonReason } from './abandonmentLog';

/** Who a snapshot belongs to: only the same user on the same channel (and tenant) may resume it. */
export interface SnapshotScope {
    /** The channel id (`msteams`, `webchat`, ...). */
    channelId: string;
    /** The user's id on that channel. */
    userId: string;
    /** The tenant, on channels that have one. */
    tenantId?: string;
    /**
     * The conversation id when the flow ran in a group chat or channel: such a flow is offered only in that
     * conversation, and a one-to-one flow never in a group (a user's id is the same in both on Teams).
     */
    groupId?: string;
}

/** Where a saved flow is in its life. A flow is `running` or `completed` in the conversation's state; once closed it is saved here. */
export type SnapshotStatus = 'abandoned' | 'resumed' | 'expired' | 'discarded';

/** The current version of {@link FlowSnapshot}. */
export const SNAPSHOT_VERSION = 1;

/** A flow closed for inactivity (or given up), saved with everything the user had entered. */
export interface FlowSnapshot {
    /** Random id, unguessable. */
    id: string;
    /** Schema version, {@link SNAPSHOT_VERSION}. */
    v: number;
    /** Whose it is. */
    scope: SnapshotScope;
    /** The flow's dialog id. */
    flowId: string;
    /** The conversation it was closed in. */
    conversationId: string;
    /** The bot's whole dialog state at the close, as JSON (keys may hold any characters). */
    dialogStateJson: string;
    /** Zero-based step the user was on. */
    stepIndex?: number;
    /** The step's name, when the flow names its steps. */
    stepName?: string;
    /** Why it was closed. */
    reason: AbandonReason;
    /** Its status. */
    status: SnapshotStatus;
    /** When it was saved (epoch ms). */
    createdAt: number;
    /**
     * When the flow first began (epoch ms), across Start over: a resumed flow keeps it, so `maxDuration` is not
     * restarted by resuming. Absent in snapshots saved by versions before it existed; such a flow counts from its
     * resume.
     */
    flowStartedAt?: number;
    /** What `extend(context, { maxDuration })` had added to the journey's cap (ms), which a resumed flow keeps. */
    capExtendedMs?: number;
    /**
     * How long the journey had been open when it was closed (ms), across earlier Start overs and resumes: a resumed
     * flow's time spent goes on from it, without the time it sat closed. Absent in older snapshots.
     */
    timeOpenMs?: number;
    /** When it can no longer be resumed (epoch ms): the end of the resume window, or of `maxDuration` if sooner. */
    expiresAt: number;
    /** When its status last changed (epoch ms). */
    updatedAt: number;
}

/**
 * Durable storage of abandoned flows. {@link MongoSnapshotStore} keeps them in MongoDB.
 */
export interface SnapshotStore {
    /** Saves a new snapshot. */
    save(snapshot: FlowSnapshot): Promise<void>;
    /** The newest `abandoned`, unexpired snapshot of a flow for a user, if any. */
    findResumable(scope: SnapshotScope, flowId: string, now: number): Promise<FlowSnapshot | undefined>;
    /**
     * Moves a snapshot from `abandoned` to `to` if it belongs to `scope` and has not expired, atomically, so
     * that a replayed or concurrent click wins at most once. The stored dialog state is dropped: the caller
     * restores it from the returned snapshot.
     *
     * @returns The snapshot as it was before the change, or `undefined` when nothing matched.
     */
    claim(id: string, scope: SnapshotScope, to: 'resumed' | 'discarded', now: number): Promise<FlowSnapshot | undefined>;
    /**
     * Undoes a claim whose answer came too late to be used (the turn had gone on and told the user nothing
     * changed): puts the snapshot back to `abandoned` with its dialog state, if it still has the status the claim
     * gave it.
     *
     * @param snapshot The snapshot as {@link SnapshotStore.claim} returned it (as it was before the claim).
     * @param from The status the claim gave it.
     * @returns True when it was put back.
     */
    release(snapshot: FlowSnapshot, from: 'resumed' | 'discarded'): Promise<boolean>;
    /** Marks abandoned snapshots past their window `expired` and drops their dialog state. Returns how many. */
    expire(now: number): Promise<number>;
}
