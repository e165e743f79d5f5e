import { InactivityConfigError } from '../errors';
import type { TurnContextLike } from '../ports/activity';
import { Duration, toMilliseconds } from '../policy/duration';
import { conversationKey, InactivityState } from '../turn/inactivityState';
import type { Plugin } from '../plugin';
import { updateStored } from './conditionalUpdate';

/** The most `extend()` gives in one call: a week. */
export const MAX_EXTEND_MS = 7 * 86_400_000;

/**
 * Gives the user more time in the flow in progress: the reminder and the final action still to come move later
 * by `duration` (a reminder already sent keeps its place; the close it announced moves). `maxDuration` does
 * not move. The extension lasts until the user's next message, from which the ladder starts again. Counts the
 * extension in the flow's progress (`extensions`) and raises the `extended` event.
 *
 * No timer write is made: a timer armed for the earlier time fires, finds nothing due and re-arms itself for
 * the later one (in the scheduler's own completion write).
 *
 * @param plugin The services.
 * @param context The turn.
 * @param duration Milliseconds or a string such as `'10 minutes'`.
 * @param turnState The plugin's record of the user turn running through the middleware, if this is one.
 * @returns True when a flow was in progress and was extended.
 * @throws InactivityConfigError for a duration that is not valid.
 */
export async function extendFlow(plugin: Plugin, context: TurnContextLike, duration: Duration, turnState: InactivityState | undefined): Promise<boolean> {
    const ms = toMilliseconds(duration, 'extend() duration');
    if (ms <= 0 || ms > MAX_EXTEND_MS) {
        throw new InactivityConfigError(
            `extend() got ${ms} ms; give more than 0 and at most ${MAX_EXTEND_MS} ms (7 days), as milliseconds or a string such as '10 minutes'.`
        );
    }
    const apply = async (state: InactivityState): Promise<{ flowId: string; key: string } | undefined> => {
        if (!state.flow) {
            return undefined;
        }
        const extension = state.extension ?? { ms: 0, afterReminderMs: 0 };
        state.extension = { ms: extension.ms + ms, afterReminderMs: extension.afterReminderMs + (state.stagesDone.includes('reminder') ? ms : 0) };
        state.flow.extensions = (state.flow.extensions ?? 0) + 1;
        return { flowId: state.flow.id, key: conversationKey(state.reference) };
    };
    const done = turnState ? await apply(turnState) : await updateStored(plugin, context, apply);
    if (!done) {
        return false;
    }
    plugin.lifecycle.active.extend(done.key, ms);
    const info = plugin.flows.inspect(await plugin.flows.path(context));
    const step = info?.flowId === done.flowId ? info : undefined;
    await plugin.lifecycle.emit(context, 'extended', {
        flowId: done.flowId,
        stepIndex: step?.stepIndex,
        stepId: step?.stepName,
        extendedByMs: ms,
    });
    return true;
}
