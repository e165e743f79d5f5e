import type { TurnContextLike } from '../ports/activity';
import { InactivityState, readState } from '../turn/inactivityState';
import type { Plugin } from '../plugin';

/** How many times an update outside a user turn is tried again after another turn stored the state first. */
export const MAX_UPDATE_ATTEMPTS = 8;

/**
 * Changes the plugin's record outside a user turn (the bot's own proactive turn, an event activity), as a
 * timer's turn does: reads the stored state with its eTag, applies `change`, and writes only if nothing was
 * stored in between; otherwise reads again and applies `change` to what is stored now. A timer claiming a stage
 * at the same moment thus either comes first (and `change` sees its decision) or loses and reads this one.
 *
 * @param plugin The services.
 * @param context The turn (not a user message passing through the middleware).
 * @param change Mutates the state (and may change the dialog state in the turn's cache); returns a result, or
 *   `undefined` when there is nothing to do (nothing is written).
 * @returns What `change` returned on the attempt that was stored, or `undefined`.
 * @throws Error when the state kept changing for {@link MAX_UPDATE_ATTEMPTS} attempts, or the storage failed.
 */
export async function updateStored<T>(
    plugin: Plugin,
    context: TurnContextLike,
    change: (state: InactivityState) => Promise<T | undefined>
): Promise<T | undefined> {
    for (let attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
        const record = await plugin.conversations.load(context, true);
        const state = readState(await plugin.conversations.get(context));
        if (!state) {
            return undefined;
        }
        const result = await change(state);
        if (result === undefined) {
            return undefined;
        }
        await plugin.conversations.set(context, state);
        if (await plugin.conversations.claim(context, record)) {
            // The cache now carries the old eTag: read the new one, so the bot's own save later in this turn is
            // not refused.
            await plugin.conversations.load(context, true);
            return result;
        }
    }
    throw new Error(
        `The conversation state of ${context.activity.conversation?.id ?? 'this conversation'} changed ${MAX_UPDATE_ATTEMPTS} times while the plugin tried to update it; nothing was changed.`
    );
}
