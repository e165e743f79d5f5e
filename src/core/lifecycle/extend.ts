import { InactivityConfigError } from '../errors';
import type { TurnContextLike } from '../ports/activity';
import { Duration, toMilliseconds } from '../policy/duration';
import { conversationKey, InactivityState } from '../turn/inactivityState';
import type { Plugin } from '../plugin';
import { updateStored } from './conditionalUpdate';

/** The most `extend()` gives in one call: a week. */
export const MAX_EXTEND_MS = 7 * 86_400_000;

/** The most `extend(context, { maxDuration })` adds to a journey's cap in one call: a year. */
export const MAX_EXTEND_CAP_MS = 365 * 86_400_000;

/** What `extend()` moves besides the idle stages. */
export interface ExtendOptions {
    /**
     * Time added to the running journey's `maxDuration` cap (milliseconds or a string such as `'2 days'`; more than
     * 0 and at most 365 days), for an engaged user who needs longer than the cap allows. It stays with the journey
     * across Start over and Resume. Where no `maxDuration` applies it changes nothing until one does.
     */
    maxDuration: Duration;
}

/**
 * Gives the user more time in the flow in progress: the reminder and the final action still to come move later
 * by `duration` (a reminder already sent keeps its place; the close it announced moves). `maxDuration` does
 * not move. The extension lasts until the user's next message, from which the ladder starts again. Counts the
 * extension in the flow's progress (`extensions`) and raises the `extended` event.
 *
 * No timer write is made: a timer armed for the earlier time fires, finds nothing due and re-arms itself for
 * the later one (in the scheduler's own completion write).
 *
 * With `{ maxDuration }` the journey's cap moves instead: the idle stages keep their times, and the `extended`
 * event says `capExtendedByMs`.
 *
 * @param plugin The services.
 * @param context The turn.
 * @param duration Milliseconds or a string such as `'10 minutes'`; or `{ maxDuration }` to extend the journey's cap
 *   instead ({@link ExtendOptions}).
 * @param turnState The plugin's record of the user turn running through the middleware, if this is one.
 * @returns True when a flow was in progress and was extended.
 * @throws InactivityConfigError for a duration that is not valid.
 */
export async function extendFlow(
    plugin: Plugin,
    context: TurnContextLike,
    duration: Duration | ExtendOptions,
    turnState: InactivityState | undefined
): Promise<boolean> {
    if (duration !== null && typeof duration === 'object') {
        return extendCap(plugin, context, duration, turnState);
    }
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

/** `extend(context, { maxDuration })`: adds to the running journey's cap. */
async function extendCap(plugin: Plugin, context: TurnContextLike, options: ExtendOptions, turnState: InactivityState | undefined): Promise<boolean> {
    const keys = Object.keys(options);
    if (keys.length !== 1 || keys[0] !== 'maxDuration') {
        throw new InactivityConfigError(
            `extend() takes a duration, or { maxDuration } to extend the journey's cap; got an object with ${keys.length ? keys.map((k) => `'${k}'`).join(', ') : 'no keys'}.`
        );
    }
    const ms = toMilliseconds(options.maxDuration, 'extend() maxDuration');
    if (ms <= 0 || ms > MAX_EXTEND_CAP_MS) {
        throw new InactivityConfigError(
            `extend() got maxDuration ${ms} ms; give more than 0 and at most ${MAX_EXTEND_CAP_MS} ms (365 days), as milliseconds or a string such as '2 days'.`
        );
    }
    const apply = async (state: InactivityState): Promise<{ flowId: string } | undefined> => {
        if (!state.flow) {
            return undefined;
        }
        state.flow.capExtendedMs = (state.flow.capExtendedMs ?? 0) + ms;
        state.flow.extensions = (state.flow.extensions ?? 0) + 1;
        return { flowId: state.flow.id };
    };
    const done = turnState ? await apply(turnState) : await updateStored(plugin, context, apply);
    if (!done) {
        return false;
    }
    const info = plugin.flows.inspect(await plugin.flows.path(context));
    const step = info?.flowId === done.flowId ? info : undefined;
    await plugin.lifecycle.emit(context, 'extended', { flowId: done.flowId, stepIndex: step?.stepIndex, stepId: step?.stepName, capExtendedByMs: ms });
    return true;
}
