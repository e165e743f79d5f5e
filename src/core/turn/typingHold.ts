import createDebug from 'debug';
import type { ActivityLike, TurnContextLike } from '../ports/activity';
import type { Plugin } from '../plugin';
import { readState } from './inactivityState';

const debug = createDebug('botbuilder-inactivity:turn');

/** How many times a hold is stored again after another turn (a message, a timer's claim) wrote first. */
const HOLD_TRIES = 3;

/**
 * Whether an activity is a user's `typing` indicator. The bot's own typing (`from.role` `'bot'`, or sent from the
 * bot's id: the activity's recipient or the bot's app id, also in Teams' `28:` form) does not count.
 *
 * @param activity The turn's activity.
 * @param botAppId The bot's app id (`''` when it has none).
 * @returns True for a user's typing.
 */
export function isUserTyping(activity: ActivityLike, botAppId: string): boolean {
    if (activity.type !== 'typing' || activity.from?.role === 'bot') {
        return false;
    }
    const id = activity.from?.id;
    return !id || (id !== activity.recipient?.id && (botAppId === '' || (id !== botAppId && id !== `28:${botAppId}`)));
}

/**
 * Holds the conversation's next idle stage (reminder or final action) while the user types: stores
 * `typing.until`, `1.5 × typingGrace` after now, which the stages wait for (see `pendingStages`). Stored only in
 * a watched flow, and only when the hold stored last is at least `typingGrace / 2` old: continuous typing costs
 * one write per half grace, and every typing activity still has a full grace after it.
 *
 * The write is conditional on the eTag read, as a timer's claim is: a timer that claimed a stage first keeps its
 * claim (the hold is then stored over it, for the next stage), and a timer claiming after it conflicts and moves
 * to the held time without sending. The timer itself is not moved: when it fires inside the hold it re-arms.
 *
 * @param plugin The plugin.
 * @param context The typing activity's turn.
 * @returns True when a hold was stored.
 */
export async function holdForTyping(plugin: Plugin, context: TurnContextLike): Promise<boolean> {
    const grace = plugin.settings.typingGrace;
    if (grace <= 0) {
        return false;
    }
    for (let tries = 0; tries < HOLD_TRIES; tries++) {
        const record = await plugin.conversations.load(context, tries > 0);
        const state = readState(await plugin.conversations.get(context));
        const now = plugin.now();
        if (!state?.flow || (state.typing && now - state.typing.at < grace / 2)) {
            return false;
        }
        await plugin.conversations.set(context, { ...state, typing: { at: now, until: now + grace + Math.ceil(grace / 2) } });
        if (await plugin.conversations.claim(context, record)) {
            return true;
        }
        debug('another turn wrote first in %s; holding again on what it stored', context.activity.conversation?.id);
    }
    return false;
}
