import { ActionTypes, Activity, ActivityTypes, CardFactory, MessageFactory } from 'botbuilder';
import { buttonValue } from './buttonPayload';
import { FlowInfo, valueVariables } from './dialogPath';
import type { Localizer } from './localization';
import type { ResolvedPolicy } from './options';

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
export function describeFlow(t: Localizer, locale: string | undefined, flow: Pick<FlowInfo, 'definition' | 'values' | 'stepIndex' | 'stepCount'>): FlowDescription {
    const vars = valueVariables(flow.values);
    const activity = t.firstFitting(locale, asKeys(flow.definition?.activity), vars) ?? t.t(locale, 'activity.generic');
    const summary = t.firstFitting(locale, asKeys(flow.definition?.summary), vars);
    const known = flow.stepIndex !== undefined && flow.stepCount !== undefined && flow.stepIndex < flow.stepCount;
    return { activity, summary, ...(known ? { step: (flow.stepIndex as number) + 1, steps: flow.stepCount } : {}) };
}

/**
 * Builds a message with buttons on a hero card. messageBack buttons send the payload as `value` and show the
 * title in the transcript; a hero card's buttons stay clickable in Web Chat, the Emulator and Teams after
 * later messages, unlike suggested actions.
 *
 * @param text The message.
 * @param buttons Titles and values.
 * @returns The activity.
 */
export function withButtons(text: string, buttons: Array<{ title: string; value: object }>): Partial<Activity> {
    const card = CardFactory.heroCard(
        '',
        undefined,
        buttons.map((b) => ({ type: ActionTypes.MessageBack, title: b.title, text: b.title, displayText: b.title, value: b.value }))
    );
    const activity = MessageFactory.attachment(card, text);
    activity.inputHint = 'expectingInput';
    return activity;
}

/**
 * The reminder: "Still there? You were adding Maria Silva (step 2 of 3)." and what happens next, with Continue
 * and Start over buttons.
 *
 * @param t The localizer.
 * @param locale The user's locale.
 * @param description The flow's description.
 * @param policy The policy in force (its final action and timing shape the warning).
 * @param idleMs Idle time so far.
 * @param nonce The buttons' one-time token.
 * @returns The activity.
 */
export function reminderActivity(t: Localizer, locale: string | undefined, description: FlowDescription, policy: ResolvedPolicy, idleMs: number, nonce: string): Partial<Activity> {
    const vars = { ...description };
    const keys = policy.messages.reminder
        ? [policy.messages.reminder]
        : description.step !== undefined
          ? ['reminder.textWithStep', 'reminder.text']
          : ['reminder.text'];
    const text = t.firstFitting(locale, keys, vars) ?? t.t(locale, 'reminder.textGeneric');
    const after = durationWords(t, locale, Math.max(0, policy.closeAfter - idleMs));
    const warning =
        policy.finalAction === 'handoff' ? t.t(locale, 'reminder.handoffWarning', { after }) : policy.finalAction === 'close' ? t.t(locale, 'reminder.closeWarning', { after }) : '';
    return withButtons([text, warning].filter(Boolean).join(' '), [
        { title: t.t(locale, 'buttons.continue'), value: buttonValue('continue', nonce) },
        { title: t.t(locale, 'buttons.startOver'), value: buttonValue('startOver', nonce) },
    ]);
}

/**
 * A duration in words for texts like "saved for 24 hours".
 *
 * @param t The localizer.
 * @param locale The user's locale.
 * @param ms The duration.
 * @returns E.g. "24 hours", "2 days", "30 minutes", "45 seconds".
 */
export function durationWords(t: Localizer, locale: string | undefined, ms: number): string {
    if (ms < 60_000) {
        return t.t(locale, 'duration.seconds', { count: Math.max(1, Math.round(ms / 1000)) });
    }
    if (ms >= 2 * 86_400_000 && ms % 86_400_000 === 0) {
        return t.t(locale, 'duration.days', { count: ms / 86_400_000 });
    }
    if (ms >= 3_600_000) {
        return t.t(locale, 'duration.hours', { count: Math.round(ms / 3_600_000) });
    }
    return t.t(locale, 'duration.minutes', { count: Math.max(1, Math.round(ms / 60_000)) });
}

/**
 * A plain text message.
 *
 * @param text The text.
 * @returns The activity.
 */
export function textActivity(text: string): Partial<Activity> {
    return { type: ActivityTypes.Message, text };
}
