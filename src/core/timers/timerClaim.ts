import createDebug from 'debug';
import type { ConversationRecord } from '../ports/conversationStore';
import type { InactivityDeliveryError } from '../errors';
import { resolvePolicy } from '../flows/flowInfo';
import { readState } from '../turn/inactivityState';
import type { DueTimer } from '../ports/timerScheduler';
import type { FlowTurn, Turn } from '../turn/turn';
import { nextDue } from './stages';

const debug = createDebug('botbuilder-inactivity:timer');

/** What one firing decided: when to fire next, or a failed send to retry. */
export interface Outcome {
    /** When to fire next (epoch ms). */
    next?: number;
    /** A failed send to retry with the scheduler's backoff. */
    retry?: InactivityDeliveryError;
    /** The state could not be read or the turn not run: nothing was decided, so the timer must not end. */
    undecided?: boolean;
}

/**
 * A timer's proactive turn: the plugin, the turn, the timer that fired, the stored state read with its eTag,
 * and the plugin's record as this turn decides it. One object carried through the turn.
 */
export interface TimerTurn extends Turn {
    /** The timer that fired. */
    readonly timer: DueTimer;
    /** The key and eTag read: every claim is conditional on it. */
    record: ConversationRecord;
}

/** A timer turn in a watched flow: the flow and its policy, resolved once. */
export type TimerFlowTurn = TimerTurn & FlowTurn;

/** The turn with the flow the user is in and its policy, or `undefined` when they are in none. */
export async function inFlow(turn: TimerTurn): Promise<TimerFlowTurn | undefined> {
    const info = turn.plugin.flows.inspect(await turn.plugin.flows.path(turn.context));
    return info ? Object.assign(turn, { info, policy: resolvePolicy(turn.plugin.settings, info, turn.context.activity.channelId) }) : undefined;
}

export async function claimStage(turn: TimerTurn): Promise<boolean> {
    const { plugin, context, state, record } = turn;
    await plugin.conversations.set(context, state);
    const won = await plugin.conversations.claim(context, record);
    if (!won) {
        debug('%s: a user message was stored first; nothing sent', record.key);
    }
    return won;
}

/**
 * The claim lost to a newer user message: read what is stored now and move the timer to it.
 *
 * @param turn The timer's turn.
 * @returns When to fire next.
 */
export async function afterConflict(turn: TimerTurn): Promise<Outcome> {
    const { plugin, context } = turn;
    await plugin.conversations.load(context, true);
    const state = readState(await plugin.conversations.get(context));
    if (!state?.flow) {
        return {};
    }
    turn.state = state;
    const flowTurn = await inFlow(turn);
    return flowTurn ? { next: nextDue(state, flowTurn.policy) } : {};
}
