import { InactivityConfigError } from '../core/errors';
import type { Localizer } from '../core/texts/localization';
import type { FollowUpType } from './followUpRecord';

/** A `{{name}}` in a text (the names i18next interpolates). */
const PLACEHOLDER = /\{\{\s*([\w.]+)\s*\}\}/g;

/** The template re-engagements are sent with unless the bot gives its own: `.firstTime` or `.pastCustomer` is chosen. */
export const REENGAGEMENT_TEMPLATE = 'followups:reengagement';

/** The score bands a template may have variants for, in the order they are checked. */
const BANDS = ['high', 'neutral', 'low'] as const;

/** What a follow-up will show: its template or its literal text, the values of its placeholders, its buttons. */
export interface FollowUpText {
    /** What started it (a re-engagement with the default template chooses between two texts). */
    type: FollowUpType;
    /** The template (a locale key), or `''` with `text`. */
    template: string;
    /** The literal message, instead of a template. */
    text?: string;
    /** The values of the `{{placeholders}}`. */
    variables: Record<string, unknown>;
    /** Buttons, as locale keys. */
    buttons?: string[];
    /** The user's locale. */
    locale?: string;
}

/**
 * Whether a key is a text in some language of a locale's chain (plural forms count).
 *
 * @param localizer The texts.
 * @param key The key.
 * @param locale The user's locale.
 * @returns True when it can be rendered.
 */
export function isTemplate(localizer: Localizer, key: string, locale: string | undefined): boolean {
    return localizer.textNeeds(key, locale) !== undefined;
}

/**
 * The keys a template may be rendered with at send time: a re-engagement's two texts; else the template itself
 * (or its `.neutral` variant when it has none) and each score variant (`.high`, `.neutral`, `.low`) it has.
 *
 * @param localizer The texts.
 * @param followUp The template, type and locale.
 * @returns The keys, the one used without a score first; empty when the template is unknown.
 */
export function templateKeys(localizer: Localizer, followUp: Pick<FollowUpText, 'type' | 'template' | 'locale'>): string[] {
    const { template, locale } = followUp;
    if (followUp.type === 'reengagement' && template === REENGAGEMENT_TEMPLATE) {
        return [`${template}.firstTime`, `${template}.pastCustomer`];
    }
    const base = isTemplate(localizer, template, locale) ? template : `${template}.neutral`;
    if (!isTemplate(localizer, base, locale)) {
        return [];
    }
    const variants = BANDS.map((band) => `${template}.${band}`).filter((key) => key !== base && isTemplate(localizer, key, locale));
    return [base, ...variants];
}

/**
 * Checks, when a follow-up is scheduled, that it can be shown: its template is a text in the user's language or
 * the fallback languages (or its literal `text` is not empty), every `{{placeholder}}` of every text it may be sent
 * with has a value in `variables` (`count` for plural forms), and every button is a text.
 *
 * @param localizer The texts.
 * @param followUp What it will show.
 * @throws InactivityConfigError naming the template, the language and the missing variable.
 */
export function checkFollowUpText(localizer: Localizer, followUp: FollowUpText): void {
    const { locale, variables } = followUp;
    const missing = (names: string[]) => names.filter((name) => !hasValue(variables[name]));
    if (followUp.text !== undefined) {
        if (typeof followUp.text !== 'string' || !followUp.text.trim()) {
            throw new InactivityConfigError(`A follow-up's text must be a message that is not empty; got ${JSON.stringify(followUp.text)}.`);
        }
        const absent = missing(placeholdersOf(followUp.text));
        if (absent.length) {
            throw new InactivityConfigError(
                `The follow-up's text uses {{${absent[0]}}} but variables has no value for "${absent[0]}" (given: ${names(variables)}).`
            );
        }
    } else {
        const keys = templateKeys(localizer, followUp);
        if (!keys.length) {
            throw new InactivityConfigError(
                `Unknown follow-up template "${followUp.template}": no text with that key (nor ${followUp.template}.neutral) in ${languagesOf(localizer, locale)}. ` +
                    'Add it to your locales (localesPath/<language>/<namespace>.json, used as "<namespace>:<key>"), or pass `text` for a literal message.'
            );
        }
        for (const key of keys) {
            const needs = localizer.textNeeds(key, locale);
            const absent = missing(needs?.placeholders ?? []);
            if (absent.length) {
                const what = needs?.plural && absent[0] === 'count' ? 'is plural and needs' : `uses {{${absent[0]}}} and needs`;
                throw new InactivityConfigError(
                    `The follow-up template "${key}" (${needs?.language}) ${what} a value for "${absent[0]}" in variables (given: ${names(variables)}).`
                );
            }
        }
    }
    for (const button of followUp.buttons ?? []) {
        if (!isTemplate(localizer, button, locale)) {
            throw new InactivityConfigError(`Unknown follow-up button "${button}": no text with that key in ${languagesOf(localizer, locale)}.`);
        }
    }
}

/**
 * Fills a literal text's `{{placeholders}}` from the variables; a placeholder without a value is left as it is
 * (and the send then refused: see {@link unrendered}).
 *
 * @param text The literal text.
 * @param variables The values.
 * @returns The text to send.
 */
export function fillText(text: string, variables: Record<string, unknown>): string {
    return text.replace(PLACEHOLDER, (whole, name: string) => (hasValue(variables[name]) ? String(variables[name]) : whole));
}

/**
 * Whether a rendered text must not reach a user: empty, or showing a raw `{{placeholder}}`.
 *
 * @param text The rendered text.
 * @returns True when it must not be sent.
 */
export function unrendered(text: string | undefined): boolean {
    return !text?.trim() || /\{\{.*?\}\}/.test(text);
}

function placeholdersOf(text: string): string[] {
    return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

function hasValue(value: unknown): boolean {
    return value !== undefined && value !== null && value !== '';
}

function names(variables: Record<string, unknown>): string {
    const given = Object.keys(variables).filter((k) => hasValue(variables[k]));
    return given.length ? given.join(', ') : 'none';
}

function languagesOf(localizer: Localizer, locale: string | undefined): string {
    const chain = localizer.chain(locale);
    return chain.length > 1 ? `${chain.slice(0, -1).join(', ')} or the fallback ${chain[chain.length - 1]}` : (chain[0] ?? 'any language');
}
