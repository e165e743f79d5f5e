import type { ActivityLike } from '../ports/activity';
import { buttonValue } from '../turn/buttonPayload';
import type { FlowTurn } from '../turn/turn';
import { FlowInfo, valueVariables } from '../flows/flowInfo';
import type { Localizer } from './localization';
import { buttonStyleFor } from './buttonStyle';

/** What the plugin says about a flow: the values texts interpolate. Documented for designers in locales/README.md. */
export interface FlowDescription {
    /** What the user was doing, e.g. "adding Maria Silva". */
    activity: string;
    /** 1-based step number, when known. */
    step?: number;
    /** Number of steps, when known. */
    steps?: number;
    /** A short summary of collected values for the Resume button, e.g. "Maria Silva". */
    summary?: string;
}

const asKeys = (k: string | string[] | undefined): string[] => (k === undefined ? [] : Array.isArray(k) ? k : [k]);

/**
 * Describes a flow in the user's language from its definition and the values it collected.
 *
 * @param t The localizer.
 * @param locale The user's locale.
 * @param flow The flow.
 * @returns The description.
 */
export function describeFlow(
    t: Localizer,
    locale: string | undefined,
    flow: Pick<FlowInfo, 'definition' | 'values' | 'stepIndex' | 'stepCount'>
): FlowDescription {
    const vars = valueVariables(flow.values);
    const activity = t.firstFitting(locale, asKeys(flow.definition?.activity), vars) ?? t.t(locale, 'activity.generic');
    const summary = t.firstFitting(locale, asKeys(flow.definition?.summary), vars);
    const known = flow.stepIndex !== undefined && flow.stepCount !== undefined && flow.stepIndex < flow.stepCount;
    return { activity, summary, ...(known ? { step: (flow.stepIndex as number) + 1, steps: flow.stepCount } : {}) };
}

/** What a reminder says, besides the turn. */
export interface ReminderRequest {
    /** The flow's description. */
    description: FlowDescription;
    /** Idle time so far. */
    idleMs: number;
    /** The buttons' one-time token. */
    nonce: string;
    /** Whether Start over is offered beside Continue. Default true. */
    startOver?: boolean;
}

/**
 * The reminder: "Still there? You were adding Maria Silva (step 2 of 3)." and what happens next, with Continue
 * and Start over buttons.
 *
 * @param turn The turn, in the flow (its policy's final action and timing shape the warning).
 * @param request The description, the idle time and the buttons' token.
 * @returns The activity.
 */
export function reminderActivity(turn: FlowTurn, request: ReminderRequest): ActivityLike {
    const { description, idleMs, nonce } = request;
    const { policy } = turn;
    const t = turn.plugin.localizer;
    const locale = turn.state.locale;
    const vars = { ...description };
    const keys = policy.messages.reminder
        ? [policy.messages.reminder]
        : description.step !== undefined
          ? ['reminder.textWithStep', 'reminder.text']
          : ['reminder.text'];
    const text = t.firstFitting(locale, keys, vars) ?? t.t(locale, 'reminder.textGeneric');
    // Rounded up: "I'll close it in 10 minutes" when 9 minutes 40 seconds are left, never a promise of less time.
    const after = durationWords(t, locale, Math.max(0, policy.closeAfter - idleMs), 'up');
    const warning =
        policy.finalAction === 'handoff'
            ? t.t(locale, 'reminder.handoffWarning', { after })
            : policy.finalAction === 'close'
              ? t.t(locale, 'reminder.closeWarning', { after })
              : '';
    const buttons = [{ title: t.t(locale, 'buttons.continue'), value: buttonValue('continue', nonce) }];
    if (request.startOver !== false) {
        buttons.push({ title: t.t(locale, 'buttons.startOver'), value: buttonValue('startOver', nonce) });
    }
    // Suggested actions where the channel shows them: used once, then gone, and the question's own buttons come
    // back with Continue; a card elsewhere.
    const style = buttonStyleFor(turn.context.activity.channelId, buttons.length);
    return turn.plugin.bot.messageWithButtons([text, warning].filter(Boolean).join(' '), buttons, style);
}

const SECOND_S = 1;
const MINUTE_S = 60;
const HOUR_S = 3600;
const DAY_S = 86_400;

/**
 * A duration in words for texts like "saved for 24 hours" or "I'll close it in 10 minutes", said exactly in
 * its parts: whole days from 2 days up, then hours, minutes and seconds ("1 hour 30 minutes", "36 hours",
 * "2 days 4 hours"), joined by the `duration.join` / `duration.joinLast` texts. Less than a second is timer
 * noise and is rounded away; the result is never below 1 second.
 *
 * @param t The localizer.
 * @param locale The user's locale.
 * @param ms The duration.
 * @param rounding `'exact'` (default) says every part down to the second; `'up'` is for time left: from a
 * minute up it is rounded up to the next whole minute, so the user is never promised less time than they have.
 * @returns E.g. "24 hours", "2 days", "1 hour 30 minutes", "45 seconds".
 */
export function durationWords(t: Localizer, locale: string | undefined, ms: number, rounding: 'exact' | 'up' = 'exact'): string {
    let rest = Math.max(SECOND_S, Math.round(ms / 1000));
    if (rounding === 'up' && rest >= MINUTE_S) {
        rest = Math.ceil(rest / MINUTE_S) * MINUTE_S;
    }
    const parts: string[] = [];
    const take = (key: string, size: number): void => {
        const count = Math.floor(rest / size);
        if (count > 0) {
            parts.push(t.t(locale, key, { count }));
            rest -= count * size;
        }
    };
    if (rest >= 2 * DAY_S) {
        take('duration.days', DAY_S);
    }
    take('duration.hours', HOUR_S);
    take('duration.minutes', MINUTE_S);
    take('duration.seconds', SECOND_S);
    return parts.reduce((words, part, i) => t.t(locale, i === parts.length - 1 ? 'duration.joinLast' : 'duration.join', { first: words, second: part }));
}

/**
 * A plain text message.
 *
 * @param text The text.
 * @returns The activity.
 */
export function textActivity(text: string): ActivityLike {
    return { type: 'message', text };
}
