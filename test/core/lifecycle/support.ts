import { TurnContext } from 'botbuilder';
import { InactivityState, readState, STATE_PROPERTY } from '../../../src/core/turn/inactivityState';
import type { Rig } from '../../support/testBot';

/**
 * Runs `logic` in a turn of the bot's own (as a payment webhook would, with `continueConversationAsync`),
 * through the middleware.
 *
 * @param rig The rig.
 * @param logic What the bot does in that turn.
 * @returns What `logic` returned.
 */
export async function inBotTurn<T>(rig: Rig, logic: (context: TurnContext) => Promise<T>): Promise<T> {
    let out!: T;
    await rig.adapter.continueConversationAsync('', rig.adapter.conversation, async (context: TurnContext) => {
        out = await logic(context);
    });
    return out;
}

/**
 * The plugin's record as stored now.
 *
 * @param rig The rig.
 * @returns The record.
 */
export async function storedState(rig: Rig): Promise<InactivityState | undefined> {
    const ctx = new TurnContext(rig.adapter, { ...rig.adapter.conversation, type: 'message' });
    await rig.conversationState.load(ctx, true);
    return readState(await rig.conversationState.createProperty(STATE_PROPERTY).get(ctx));
}
