import type { ActivityLike, ConversationRef, TurnContextLike } from '../core/ports/activity';
import type { BotBinding } from '../core/ports/botBinding';
import { classifySendFailure, SendFailure } from '../core/timers/sendFailure';
import { sendWithin } from '../core/timers/sendWithin';
import type { Localizer } from '../core/texts/localization';
import { FollowUpDocument } from './followUpRecord';
import { fillText, isTemplate, unrendered } from './followUpTexts';
import { scoreBand, ScoreThresholds } from './templateChoice';

/** How one delivery ended. */
export type DeliveryOutcome =
    | { kind: 'sent'; text: string }
    | { kind: 'outsideWindowSent'; text: string }
    | { kind: 'outsideWindowSkipped' }
    | { kind: 'failed'; error: string; failure: SendFailure };

/** What a delivery needs. */
export interface DeliveryDeps {
    /** The bot's SDK: proactive turns on the stored reference. */
    bot: BotBinding;
    /** The texts. */
    localizer: Localizer;
    /** Score bands. */
    thresholds: ScoreThresholds;
    /** The send bound, ms. */
    sendTimeout: number;
}

/**
 * The template key a follow-up is rendered with: `<template>.<band>` when it has a score and that key exists,
 * else `<template>` itself, else `<template>.neutral`.
 *
 * @param localizer The texts.
 * @param doc The follow-up.
 * @param score The score to choose by.
 * @returns The key.
 */
export function templateKey(
    localizer: Localizer,
    doc: Pick<FollowUpDocument, 'template' | 'locale'>,
    score: number | undefined,
    thresholds: ScoreThresholds
): string {
    if (score !== undefined) {
        const banded = `${doc.template}.${scoreBand(score, thresholds)}`;
        if (isTemplate(localizer, banded, doc.locale)) {
            return banded;
        }
    }
    return isTemplate(localizer, doc.template, doc.locale) ? doc.template : `${doc.template}.neutral`;
}

/**
 * Renders a follow-up in the user's language: its text (its template's, or its literal `customText` with the
 * variables filled in) and its buttons (imBack, the button's text sent back).
 *
 * @returns The activity to send, its text, and `unusable` when the text or a button would reach the user empty or
 *   with a raw `{{placeholder}}`.
 */
export function renderFollowUp(deps: Pick<DeliveryDeps, 'localizer' | 'thresholds'>, doc: FollowUpDocument, score: number | undefined): RenderedFollowUp {
    const text =
        doc.customText !== undefined
            ? fillText(doc.customText, doc.variables)
            : deps.localizer.t(doc.locale, templateKey(deps.localizer, doc, score, deps.thresholds), doc.variables);
    const activity: ActivityLike = { type: 'message', text, ...(doc.locale ? { locale: doc.locale } : {}) };
    if (doc.buttons?.length) {
        activity.suggestedActions = {
            to: [],
            actions: doc.buttons.map((b) => {
                const title = deps.localizer.t(doc.locale, b);
                return { type: 'imBack', title, value: title };
            }),
        };
    }
    const unusable = unrendered(text) || Boolean(activity.suggestedActions?.actions.some((a) => unrendered(a.title)));
    return { activity, text, unusable };
}

/** A follow-up rendered for sending. */
export interface RenderedFollowUp {
    /** The activity to send. */
    activity: ActivityLike;
    /** Its text. */
    text: string;
    /** True when the text or a button is empty or shows a raw `{{placeholder}}`: it must not be sent. */
    unusable: boolean;
}

/**
 * Sends a claimed follow-up on the inactivity timers' path: a proactive turn on the stored reference, the
 * connector's own retries off (the service retries durably), the send bounded by `sendTimeout`.
 *
 * @param deps The adapter, texts and bounds.
 * @param doc The claimed follow-up.
 * @param options `rendered`, what to send inside the window (see {@link renderFollowUp}); `inWindow` false when the
 *   channel's window is closed, with `outsideWindow` to try a template.
 * @returns How it ended; never throws.
 */
export async function deliverFollowUp(
    deps: DeliveryDeps,
    doc: FollowUpDocument,
    options: { rendered?: RenderedFollowUp; inWindow: boolean; outsideWindow?: (context: TurnContextLike) => Promise<boolean> }
): Promise<DeliveryOutcome> {
    let outcome: DeliveryOutcome | undefined;
    try {
        await deps.bot.continueConversation(doc.reference as ConversationRef, async (context) => {
            deps.bot.singleAttemptSends(context);
            if (!options.inWindow) {
                const sent = options.outsideWindow ? await options.outsideWindow(context) : false;
                outcome = sent ? { kind: 'outsideWindowSent', text: '' } : { kind: 'outsideWindowSkipped' };
                return;
            }
            const { activity, text } = options.rendered ?? renderFollowUp(deps, doc, undefined);
            await sendWithin(context, [activity], deps.sendTimeout);
            outcome = { kind: 'sent', text };
        });
    } catch (err) {
        return { kind: 'failed', error: (err as Error)?.message ?? String(err), failure: classifySendFailure(err) };
    }
    return outcome ?? { kind: 'failed', error: 'The proactive turn did not run.', failure: { permanent: false } };
}
