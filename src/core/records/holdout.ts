import { createHash } from 'crypto';
import type { Plugin } from '../plugin';
import type { ConversationRef } from '../ports/activity';
import { conversationKey } from '../turn/inactivityState';

/**
 * Where a run falls in `[0, 1)`: the first 48 bits of SHA-256 over the seed, the conversation and the run id. The
 * same run lands at the same place on every instance and after restarts; runs spread evenly.
 *
 * @param seed `holdoutSeed`.
 * @param conversation The conversation (`<channelId>/<conversationId>`).
 * @param runId The run's id.
 * @returns A number from 0 (included) to 1 (excluded).
 */
export function holdoutDraw(seed: string, conversation: string, runId: string): number {
    const digest = createHash('sha256').update(`${seed}\n${conversation}\n${runId}`).digest();
    return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * The run's group in the holdout: `true` held out of reminders, `false` reminded, `undefined` with no holdout
 * configured (`holdout: 0`).
 *
 * @param plugin The plugin (its `holdout` and `holdoutSeed`).
 * @param reference The conversation.
 * @param runId The run's id.
 * @returns The group.
 */
export function holdoutGroupOf(plugin: Pick<Plugin, 'settings'>, reference: ConversationRef, runId: string): boolean | undefined {
    const { holdout, holdoutSeed } = plugin.settings;
    if (!(holdout > 0)) {
        return undefined;
    }
    return holdoutDraw(holdoutSeed, conversationKey(reference), runId) < holdout;
}
