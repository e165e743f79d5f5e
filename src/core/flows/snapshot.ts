import type { AbandonReason } from '../records/abandonmentLog';
import { FlowSnapshot, SNAPSHOT_VERSION, SnapshotScope } from '../records/snapshotStore';
import type { InactivityState } from '../turn/inactivityState';
import { conversationIdOf, FlowTurn, Turn } from '../turn/turn';
import { capEndsAt, timeOpen } from './journey';

/**
 * Who may resume a flow of this conversation: channel, user and tenant; in a group chat, that conversation only.
 *
 * @param state The plugin's record.
 * @returns The scope, or `undefined` when the user is unknown.
 */
export function scopeOf(state: Pick<InactivityState, 'reference'>): SnapshotScope | undefined {
    const ref = state.reference;
    const userId = ref.user?.id;
    if (!ref.channelId || !userId) {
        return undefined;
    }
    const conversation = ref.conversation;
    const tenantId = conversation?.tenantId;
    const isGroup = conversation?.isGroup === true || conversation?.conversationType === 'groupChat' || conversation?.conversationType === 'channel';
    return { channelId: ref.channelId, userId, ...(tenantId ? { tenantId } : {}), ...(isGroup && conversation?.id ? { groupId: conversation.id } : {}) };
}

/** What a snapshot is made of besides the turn. */
export interface SnapshotRequest {
    /** Why the flow ends. */
    reason: AbandonReason;
    /** The snapshot's id (also the abandonment event's). */
    id: string;
    /** The flow state before it is cleared ({@link FlowSource.save}). */
    flowState: string;
}

/**
 * The snapshot a close saves for resuming, built from the flow state before it is cleared.
 *
 * @param turn The turn, in the flow.
 * @param request Why, under which id, and the flow state.
 * @returns The snapshot, or `undefined` when resuming is off or the user is unknown.
 */
export function snapshotOf(turn: FlowTurn, request: SnapshotRequest): FlowSnapshot | undefined {
    const { plugin, state, info, policy } = turn;
    const scope = scopeOf(state);
    if (!plugin.snapshots || !scope || policy.resumeWindow <= 0) {
        return undefined;
    }
    const now = plugin.now();
    // A resumed flow keeps its first start, so it can be resumed only while its maxDuration lasts; a flow closed
    // for its maxDuration cannot be continued at all, and nothing is promised.
    const flow = state.flow;
    const flowStartedAt = flow?.startedAt;
    const expiresAt = Math.min(now + policy.resumeWindow, capEndsAt(flow, policy) ?? Infinity);
    if (expiresAt <= now) {
        return undefined;
    }
    return {
        id: request.id,
        v: SNAPSHOT_VERSION,
        scope,
        flowId: info.flowId,
        conversationId: conversationIdOf(turn),
        dialogStateJson: request.flowState,
        stepIndex: info.stepIndex,
        ...(info.stepName ? { stepName: info.stepName } : {}),
        reason: request.reason,
        status: 'abandoned',
        createdAt: now,
        ...(flowStartedAt !== undefined ? { flowStartedAt } : {}),
        ...(flow?.capExtendedMs ? { capExtendedMs: flow.capExtendedMs } : {}),
        ...(flow ? { timeOpenMs: timeOpen(flow, now) } : {}),
        expiresAt,
        updatedAt: now,
    };
}

/**
 * Saves a snapshot (saving the same id twice stores it once).
 *
 * @param turn The turn.
 * @param snapshot What to save.
 * @returns Whether it was saved; a failure is reported.
 */
export async function saveSnapshot(turn: Pick<Turn, 'plugin' | 'context'>, snapshot: FlowSnapshot): Promise<boolean> {
    const { plugin, context } = turn;
    if (!plugin.snapshots) {
        return false;
    }
    try {
        await plugin.bounded(plugin.snapshots.save(snapshot), 'save the flow for resuming');
        return true;
    } catch (err) {
        plugin.warn(err, context);
        return false;
    }
}
