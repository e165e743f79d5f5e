/**
 * The rules a translation must follow to be used: compared with the base language (`en`), the same keys, the
 * same `{{placeholders}}`, the plural forms the language needs, and text values only. `check-locales` reports
 * every problem; the plugin's `Localizer` applies the same rules when it loads the files and uses the
 * base language for a text that breaks them.
 */

/**
 * What kind of problem a {@link LocaleProblem} is.
 *
 * - `missingFolder`: the folder given to the checker does not exist.
 * - `missingBaseLanguage`: there is no `<dir>/en` folder (or no namespace file in it) to compare with.
 * - `badFolderName`: a language folder the plugin skips (not a language tag), reads under another name
 *   (`pt_BR` or `pt-br` is read as `pt-BR`: a warning), or reads as the same language as another folder.
 * - `missingFile` / `extraFile`: a namespace file that en has and the language lacks, or the other way round.
 * - `emptyFile`, `syntaxError`, `notAnObject`: the file cannot be used at all.
 * - `missingKey` / `extraKey`: a key en has and the language lacks, or the other way round.
 * - `missingPluralForm` / `extraPluralForm`: a plural category the language needs (per `Intl.PluralRules`) but
 *   lacks, or one it never uses.
 * - `placeholderMismatch`: the `{{name}}` and `$t(key)` names differ from en's.
 * - `notAString`: a value that is neither a string nor a nested object of keys.
 * - `typeMismatch`: en has a group of keys where the language has a text, or the other way round.
 * - `emptyValue`: an empty translation of a non-empty en text (i18next would send an empty message).
 */
export type LocaleProblemKind =
    | 'missingFolder'
    | 'missingBaseLanguage'
    | 'badFolderName'
    | 'missingFile'
    | 'extraFile'
    | 'emptyFile'
    | 'syntaxError'
    | 'notAnObject'
    | 'missingKey'
    | 'extraKey'
    | 'missingPluralForm'
    | 'extraPluralForm'
    | 'placeholderMismatch'
    | 'notAString'
    | 'typeMismatch'
    | 'emptyValue';

/**
 * `error`: a user would see wrong, missing or English text. `warning`: harmless at run time but a sign the
 * files have drifted (a key or plural form nobody reads). Both make the command exit with status 1.
 */
export type LocaleProblemSeverity = 'error' | 'warning';

/** One problem found by `check-locales` ({@link checkLocales}) or when the plugin loads a locale file. */
export interface LocaleProblem {
    /** How bad it is; see {@link LocaleProblemSeverity}. */
    severity: LocaleProblemSeverity;
    /** What kind of problem it is; see {@link LocaleProblemKind}. */
    kind: LocaleProblemKind;
    /** The language folder name (`pt-BR`), or `''` for a problem with the folder as a whole. */
    language: string;
    /** The file relative to the checked folder with `/` separators (`pt-BR/inactivity.json`), or the folder. */
    file: string;
    /** The dotted key path (`reminder.text`), absent for problems with a whole file or folder. */
    key?: string;
    /** 1-based line of a JSON syntax error. */
    line?: number;
    /** 1-based column of a JSON syntax error. */
    column?: number;
    /** A sentence for a person: what is wrong and, where useful, en's text. */
    message: string;
}

/** A value of a parsed JSON file. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object: a group of keys. */
export type JsonObject = { [key: string]: Json };

const PLURAL_CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;
const PLURAL_KEY = /^(.+?)_(ordinal_)?(zero|one|two|few|many|other)$/;
const INTERPOLATION = /\{\{(.+?)\}\}/g;
const NESTING = /\$t\(\s*([^,)]+?)\s*[,)]/g;
const QUOTE_LENGTH = 50;

/** Where a comparison happens, for the problems' messages. */
export interface CompareWhere {
    /** The base language (`en`). */
    base: string;
    /** The language compared with it. */
    language: string;
    /** The file, relative to the locales folder (`fr/inactivity.json`). */
    file: string;
}

/**
 * Compares one language's namespace file with the base language's: missing and extra keys and plural forms,
 * `{{placeholders}}` and `$t()` names that differ, values that are not text, empty translations.
 *
 * @param base The base language's file, parsed.
 * @param target The language's file, parsed.
 * @param where The languages and the file, for the messages.
 * @returns Every problem, in key order.
 */
export function compareWithBase(base: JsonObject, target: JsonObject, where: CompareWhere): LocaleProblem[] {
    const problems: LocaleProblem[] = [];
    compareObjects(base, target, { ...where, plurals: pluralCategoriesFor(where.language), problems }, '');
    return problems;
}

interface CompareContext {
    base: string;
    language: string;
    file: string;
    plurals: PluralCategories;
    problems: LocaleProblem[];
}

/** The plural categories of a language. */
export interface PluralCategories {
    cardinal: readonly string[];
    ordinal: readonly string[];
}

interface PluralFamily {
    ordinal: boolean;
    forms: Map<string, Json>;
}

interface Level {
    plain: Map<string, Json>;
    families: Map<string, PluralFamily>;
}

/**
 * Makes a {@link LocaleProblem}.
 *
 * @param where The language folder and the file, relative to the checked folder.
 * @param what How bad, what kind, the sentence for a person, and the dotted key path if it is about one key.
 * @returns The problem.
 */
export function problem(
    where: { language: string; file: string },
    what: { severity: LocaleProblemSeverity; kind: LocaleProblemKind; message: string; key?: string }
): LocaleProblem {
    const { language, file } = where;
    const { severity, kind, message, key } = what;
    return key === undefined ? { severity, kind, language, file, message } : { severity, kind, language, file, key, message };
}

/** Whether a JSON value is a group of keys. */
export function isObject(value: Json | undefined): value is JsonObject {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names the kind of a JSON value for a person: `a number`, `an array`, `a group of keys`. */
export function describe(value: Json | undefined): string {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    if (isObject(value)) return 'a group of keys';
    return `a ${typeof value}`;
}

function join(prefix: string, key: string): string {
    return prefix ? `${prefix}.${key}` : key;
}

function quote(text: Json | undefined): string {
    if (typeof text !== 'string') {
        return describe(text);
    }
    const cut = text
        .slice(0, QUOTE_LENGTH - 3)
        .trimEnd()
        .replace(/[.,;:!?]+$/, '');
    const short = text.length > QUOTE_LENGTH ? `${cut}...` : text;
    return JSON.stringify(short);
}

/** The tag the plugin reads a folder name as (it accepts `pt_BR` and `pt-br`), or undefined when it skips it. */
export function canonicalTag(name: string): string | undefined {
    try {
        return Intl.getCanonicalLocales(name.trim().replace(/_/g, '-'))[0];
    } catch {
        return undefined;
    }
}

/** The plural categories a language uses, cardinal and ordinal (per `Intl.PluralRules`). */
export function pluralCategoriesFor(language: string): PluralCategories {
    const tag = canonicalTag(language);
    if (tag === undefined) {
        return { cardinal: ['other'], ordinal: ['other'] }; // badFolderName reports it; the plugin skips it.
    }
    return {
        cardinal: new Intl.PluralRules(tag).resolvedOptions().pluralCategories,
        ordinal: new Intl.PluralRules(tag, { type: 'ordinal' }).resolvedOptions().pluralCategories,
    };
}

/** Splits one level of keys into plain keys and plural families (`x_one`, `x_other` -> family `x`). */
function splitLevel(object: JsonObject): Level {
    const plain = new Map<string, Json>();
    const families = new Map<string, PluralFamily>();
    for (const [key, value] of Object.entries(object)) {
        const match = isObject(value) ? null : PLURAL_KEY.exec(key);
        if (!match) {
            plain.set(key, value);
            continue;
        }
        const ordinal = match[2] !== undefined;
        const id = `${match[1]}${ordinal ? '_ordinal' : ''}`;
        const family = families.get(id) ?? { ordinal, forms: new Map<string, Json>() };
        family.forms.set(match[3], value);
        families.set(id, family);
    }
    return { plain, families };
}

function compareObjects(base: JsonObject, target: JsonObject, ctx: CompareContext, prefix: string): void {
    const baseLevel = splitLevel(base);
    const targetLevel = splitLevel(target);
    const { language } = ctx;
    const add = (severity: LocaleProblemSeverity, kind: LocaleProblemKind, message: string, key: string): void => {
        ctx.problems.push(problem({ language, file: ctx.file }, { severity, kind, message, key }));
    };

    for (const [key, baseValue] of baseLevel.plain) {
        const keyPath = join(prefix, key);
        if (!targetLevel.plain.has(key)) {
            const what = isObject(baseValue)
                ? `missing group of keys (${ctx.base} has ${Object.keys(baseValue).join(', ')})`
                : `missing key (${ctx.base}: ${quote(baseValue)})`;
            add('error', 'missingKey', what, keyPath);
            continue;
        }
        const targetValue = targetLevel.plain.get(key) as Json;
        if (isObject(baseValue)) {
            if (isObject(targetValue)) {
                compareObjects(baseValue, targetValue, ctx, keyPath);
            } else {
                const message = `${ctx.base} has a group of keys here, found ${describe(targetValue)}`;
                add('error', 'typeMismatch', message, keyPath);
            }
            continue;
        }
        compareLeaf(ctx, { baseValue, expected: placeholders(baseValue), targetValue, keyPath });
    }

    for (const [id, baseFamily] of baseLevel.families) {
        const name = id.replace(/_ordinal$/, '');
        const separator = baseFamily.ordinal ? '_ordinal_' : '_';
        const targetFamily = targetLevel.families.get(id);
        const needed = orderCategories(baseFamily.ordinal ? ctx.plurals.ordinal : ctx.plurals.cardinal);
        const uses = `${language} uses ${needed.join(', ')}`;
        const baseText = baseFamily.forms.get('other') ?? [...baseFamily.forms.values()][0];
        const allBasePlaceholders = new Set([...baseFamily.forms.values()].flatMap((v) => [...placeholders(v)]));
        if (!targetFamily) {
            const keys = needed.map((c) => `${name}${separator}${c}`).join(', ');
            const message = `missing plural key: ${language} needs ${keys} (${ctx.base}: ${quote(baseText)})`;
            add('error', 'missingKey', message, join(prefix, name));
            continue;
        }
        for (const category of needed) {
            if (!targetFamily.forms.has(category)) {
                const message = `missing plural form "${category}": ${uses} (${ctx.base}: ${quote(baseText)})`;
                add('error', 'missingPluralForm', message, join(prefix, `${name}${separator}${category}`));
            }
        }
        for (const [category, value] of targetFamily.forms) {
            const keyPath = join(prefix, `${name}${separator}${category}`);
            // i18next looks up key_zero for a count of 0 in every language, so _zero is never extra.
            const allowed = needed.includes(category) || (category === 'zero' && !baseFamily.ordinal);
            if (!allowed) {
                const message = `extra key: plural form "${category}" is never used (${uses})`;
                add('warning', 'extraPluralForm', message, keyPath);
            }
            // A form en also has is compared with en's form; others (es _many) with everything en's forms use.
            const baseForm = baseFamily.forms.get(category);
            const expected = baseForm !== undefined ? placeholders(baseForm) : allBasePlaceholders;
            // A _zero form says "no minutes" in words: leaving {{count}} out is the point of it.
            const optional = category === 'zero' ? ['{{count}}'] : [];
            compareLeaf(ctx, { baseValue: baseForm ?? baseText, expected, targetValue: value, keyPath, optional });
        }
    }

    for (const [key, value] of targetLevel.plain) {
        if (!baseLevel.plain.has(key)) {
            add('warning', 'extraKey', `extra key: ${ctx.base} has no such key (${quote(value)})`, join(prefix, key));
        }
    }
    for (const [id, family] of targetLevel.families) {
        if (!baseLevel.families.has(id)) {
            const name = id.replace(/_ordinal$/, '');
            const separator = family.ordinal ? '_ordinal_' : '_';
            for (const [category, value] of family.forms) {
                const keyPath = join(prefix, `${name}${separator}${category}`);
                add('warning', 'extraKey', `extra key: ${ctx.base} has no such key (${quote(value)})`, keyPath);
            }
        }
    }
}

/** One text compared with its counterpart in the base language. */
interface Leaf {
    baseValue: Json;
    expected: Set<string>;
    targetValue: Json;
    keyPath: string;
    optional?: readonly string[];
}

function compareLeaf(ctx: CompareContext, leaf: Leaf): void {
    const { baseValue, expected, targetValue, keyPath, optional = [] } = leaf;
    const add = (kind: LocaleProblemKind, message: string): void => {
        ctx.problems.push(problem({ language: ctx.language, file: ctx.file }, { severity: 'error', kind, message, key: keyPath }));
    };
    if (isObject(targetValue)) {
        add('typeMismatch', `${ctx.base} has a text here, found a group of keys (${ctx.base}: ${quote(baseValue)})`);
        return;
    }
    if (typeof targetValue !== 'string') {
        add('notAString', `value is ${describe(targetValue)}; translations must be strings`);
        return;
    }
    if (typeof baseValue !== 'string') {
        return; // en's own value is reported by checkValueTypes; there is nothing to compare with.
    }
    if (targetValue.trim() === '' && baseValue.trim() !== '') {
        add('emptyValue', `empty translation (${ctx.base}: ${quote(baseValue)})`);
        return;
    }
    const found = placeholders(targetValue);
    const missing = [...expected].filter((name) => !found.has(name) && !optional.includes(name));
    const unexpected = [...found].filter((name) => !expected.has(name) && !optional.includes(name));
    if (missing.length > 0 || unexpected.length > 0) {
        const parts = [missing.length > 0 ? `missing ${missing.join(', ')}` : '', unexpected.length > 0 ? `unexpected ${unexpected.join(', ')}` : ''].filter(
            Boolean
        );
        add('placeholderMismatch', `placeholders differ: ${parts.join('; ')} (${ctx.base}: ${quote(baseValue)})`);
    }
}

/** Flags every value that is neither a string nor a nested object of keys. */
export function checkValueTypes(object: JsonObject, at: { language: string; file: string; prefix: string; problems: LocaleProblem[] }): void {
    const { language, file, prefix, problems } = at;
    for (const [key, value] of Object.entries(object)) {
        const keyPath = join(prefix, key);
        if (isObject(value)) {
            checkValueTypes(value, { language, file, prefix: keyPath, problems });
        } else if (typeof value !== 'string') {
            const message = `value is ${describe(value)}; translations must be strings`;
            problems.push(problem({ language, file }, { severity: 'error', kind: 'notAString', message, key: keyPath }));
        }
    }
}

/**
 * The interpolation and nesting names a text uses, written as `{{name}}` and `$t(key)`.
 * `{{- name}}` (unescaped) and `{{name, format}}` both count as `{{name}}`.
 */
function placeholders(value: Json): Set<string> {
    const names = new Set<string>();
    if (typeof value !== 'string') {
        return names;
    }
    for (const match of value.matchAll(INTERPOLATION)) {
        const name = match[1]
            .replace(/^\s*-\s*/, '')
            .split(',')[0]
            .trim();
        names.add(`{{${name}}}`);
    }
    for (const match of value.matchAll(NESTING)) {
        names.add(`$t(${match[1].trim()})`);
    }
    return names;
}

function orderCategories(categories: readonly string[]): string[] {
    return PLURAL_CATEGORIES.filter((c) => categories.includes(c));
}
