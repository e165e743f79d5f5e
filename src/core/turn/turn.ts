import type { TurnContextLike } from '../ports/activity';
import type { Plugin } from '../plugin';
import type { FlowInfo } from '../flows/flowInfo';
import type { ResolvedPolicy } from '../policy/options';
import type { InactivityState } from './inactivityState';

/**
 * What every turn the plugin works in carries, a user's or a timer's: the plugin, the SDK's turn and the
 * conversation's record as this turn holds it. One object, passed down instead of its parts.
 */
export interface Turn {
    /** The plugin (settings, texts, ports). */
    readonly plugin: Plugin;
    /** The SDK's turn. */
    readonly context: TurnContextLike;
    /** The plugin's record of the conversation, as this turn changes it. */
    state: InactivityState;
}

/** A turn in a watched flow: the flow and the policy in force for its step, resolved once. */
export interface FlowTurn extends Turn {
    /** The flow and step the user is in. */
    info: FlowInfo;
    /** The policy in force there. */
    policy: ResolvedPolicy;
}

/**
 * The conversation's id in a turn (empty when the activity has none).
 *
 * @param turn The turn.
 * @returns The id.
 */
export function conversationIdOf(turn: Pick<Turn, 'context'>): string {
    return turn.context.activity.conversation?.id ?? '';
}

/**
 * Time since the user's last message.
 *
 * @param turn The turn.
 * @returns Milliseconds.
 */
export function idleMsOf(turn: Turn): number {
    return turn.plugin.now() - turn.state.lastUserActivityAt;
}

/**
 * The 1-based step of a flow, when known.
 *
 * @param info The flow.
 * @returns The step number.
 */
export function stepNumberOf(info: Pick<FlowInfo, 'stepIndex'> | undefined): number | undefined {
    return info?.stepIndex !== undefined ? info.stepIndex + 1 : undefined;
}
