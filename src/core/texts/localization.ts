import createDebug from 'debug';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import i18next, { i18n } from 'i18next';
import { join } from 'path';
import { InactivityConfigError } from '../errors';
import { checkValueTypes, compareWithBase, JsonObject, LocaleProblem, LocaleProblemKind } from './localeRules';
import { PACKAGE_ROOT, readManifest } from '../policy/manifest';

const debug = createDebug('botbuilder-inactivity:i18n');

/** The plugin's own locale namespace (`locales/<lng>/inactivity.json`). */
export const NAMESPACE = 'inactivity';

/**
 * Problems with one text that would reach a user as a raw template, an empty message or a non-text: such a text
 * is dropped when its file is loaded, so the base language's is used instead.
 */
const UNUSABLE: ReadonlySet<LocaleProblemKind> = new Set<LocaleProblemKind>(['placeholderMismatch', 'emptyValue', 'notAString', 'typeMismatch']);

/** Options of {@link Localizer}. */
export interface LocalizerOptions {
    /** Language used when the user's cannot be served. Default `'en'`. */
    defaultLocale?: string;
    /** The plugin's locales folder. Default: the package's `locales/`. */
    localesPath?: string;
    /** Extra folders (the bot's own texts) laid out `<lng>/<namespace>.json`. */
    extraPaths?: string[];
    /**
     * Receives problems with locale files: a file that was skipped, and once per file the texts that break the
     * `check-locales` rules (placeholders that differ from `en`, empty or non-text values) and are replaced by
     * `en`'s. A broken translation never stops the bot.
     */
    onProblem?: (err: Error) => void;
}

/**
 * Turns a channel's locale (`pt_BR`, `PT-BR`, `pt-br`) into a canonical BCP 47 tag (`pt-BR`).
 *
 * @param raw The locale as a channel or a user gave it.
 * @returns The canonical tag, or `undefined` when it is not a valid tag.
 */
export function normalizeLocale(raw: string | undefined | null): string | undefined {
    if (typeof raw !== 'string' || !raw.trim()) {
        return undefined;
    }
    // Once per turn: Intl.getCanonicalLocales is slow enough to show in a turn's profile, and few locales exist.
    if (canonical.has(raw)) {
        return canonical.get(raw);
    }
    let tag: string | undefined;
    try {
        tag = Intl.getCanonicalLocales(raw.trim().replace(/_/g, '-'))[0];
    } catch {
        tag = undefined;
    }
    if (canonical.size >= 1000) {
        canonical.clear();
    }
    canonical.set(raw, tag);
    return tag;
}

/** A key for a rendered text when every value is a string, number or boolean (else none: not kept). */
function memoKey(lng: string, key: string, vars: Record<string, unknown>): string | undefined {
    let out = `${lng}\u0000${key}`;
    for (const name of Object.keys(vars).sort()) {
        const value = vars[name];
        if (value !== undefined && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
            return undefined;
        }
        out += `\u0000${name}\u0001${String(value)}`;
    }
    return out;
}

/** Locales seen and their canonical tags (pure function of the input, so shared by every instance). */
const canonical = new Map<string, string | undefined>();

/**
 * The plugin's private i18next instance: loads `<lng>/<ns>.json` files once, and translates with a fallback
 * chain (`pt-BR` → `pt` → default) so that a raw key never reaches a user.
 */
export class Localizer {
    private readonly i18n: i18n;
    private readonly defaultLocale: string;
    private readonly languages = new Set<string>();
    private readonly chains = new Map<string, string[]>();
    private readonly texts = new Map<string, boolean>();
    private readonly names = new Map<string, string[]>();
    private readonly rendered = new Map<string, string>();

    /**
     * @param options Where the texts are and what to do with broken files.
     * @throws InactivityConfigError when the default language's plugin file cannot be loaded.
     */
    constructor(options: LocalizerOptions = {}) {
        this.defaultLocale = normalizeLocale(options.defaultLocale ?? 'en') ?? 'en';
        const resources: Record<string, Record<string, object>> = {};
        const paths = new Map<string, string>();
        const base = options.localesPath ?? join(PACKAGE_ROOT, readManifest().locales.path);
        for (const dir of [base, ...(options.extraPaths ?? [])]) {
            this.loadFolder(dir, resources, paths, options.onProblem);
        }
        dropUnusableTexts(resources, paths, readManifest().locales.fallback, options.onProblem);
        if (!resources[this.defaultLocale]?.[NAMESPACE] && !resources.en?.[NAMESPACE]) {
            throw new InactivityConfigError(
                `No usable ${NAMESPACE}.json for the default locale '${this.defaultLocale}' (or 'en') in ${base}: the plugin needs one language with every text.`
            );
        }
        this.i18n = i18next.createInstance();
        void this.i18n.init({
            resources,
            ns: [NAMESPACE, ...new Set(Object.values(resources).flatMap((r) => Object.keys(r)))],
            defaultNS: NAMESPACE,
            fallbackLng: (code: string) => this.chain(code),
            initAsync: false,
            interpolation: { escapeValue: false },
            returnNull: false,
            showSupportNotice: false,
        } as Parameters<i18n['init']>[0]);
    }

    /**
     * The languages to try for a locale, most specific first, ending with the default.
     *
     * @param locale A locale in any casing or separator.
     * @returns E.g. `['pt-BR', 'pt', 'en']`.
     */
    chain(locale: string | undefined): string[] {
        // Several times per text: the resources never change after construction, so the chains are kept.
        const cached = this.chains.get(locale ?? '');
        if (cached) {
            return cached;
        }
        const chain = this.computeChain(locale);
        if (this.chains.size >= 1000) {
            this.chains.clear();
        }
        this.chains.set(locale ?? '', chain);
        return chain;
    }

    private computeChain(locale: string | undefined): string[] {
        const out: string[] = [];
        const tag = normalizeLocale(locale);
        if (tag) {
            const parts = tag.split('-');
            for (let i = parts.length; i > 0; i--) {
                const candidate = parts.slice(0, i).join('-');
                if (this.languages.has(candidate) && !out.includes(candidate)) {
                    out.push(candidate);
                }
            }
            if (out.length === 0) {
                // 'pt' or 'pt-PT' with only 'pt-BR' shipped: a sibling of the same language beats the default.
                const sibling = [...this.languages].sort().find((l) => l.split('-')[0] === parts[0]);
                if (sibling) {
                    out.push(sibling);
                }
            }
        }
        for (const fallback of [this.defaultLocale, 'en']) {
            if (this.languages.has(fallback) && !out.includes(fallback)) {
                out.push(fallback);
            }
        }
        return out;
    }

    /**
     * The language a user's locale is served in.
     *
     * @param locale The user's locale.
     * @returns The first language of {@link chain} that has texts.
     */
    resolve(locale: string | undefined): string {
        return this.chain(locale)[0] ?? this.defaultLocale;
    }

    /**
     * Whether a key exists in the fallback chain of a locale.
     *
     * @param key A plugin key (`reminder.text`) or `<ns>:<key>`.
     * @param locale The user's locale.
     * @returns True when some language of the chain has it.
     */
    has(key: string, locale: string | undefined): boolean {
        return this.chain(locale).some((lng) => this.isText(key, lng));
    }

    /**
     * Translates a key.
     *
     * @param locale The user's locale.
     * @param key A plugin key or `<ns>:<key>`.
     * @param vars Interpolation variables (`count` selects plural forms).
     * @returns The text; never the raw key (an empty string, reported, if no language has it).
     */
    t(locale: string | undefined, key: string, vars: Record<string, unknown> = {}): string {
        for (const lng of this.chain(locale)) {
            if (this.isText(key, lng, vars)) {
                // A reminder renders about ten texts, most of them the same for every conversation (buttons,
                // warnings, durations): rendered texts are kept (bounded), keyed by language, key and values.
                const memo = memoKey(lng, key, vars);
                const rendered = memo === undefined ? undefined : this.rendered.get(memo);
                if (rendered !== undefined) {
                    return rendered;
                }
                const text: string = this.i18n.t(key, { ...vars, lng });
                if (memo !== undefined) {
                    if (this.rendered.size >= 2000) {
                        this.rendered.clear();
                    }
                    this.rendered.set(memo, text);
                }
                return text;
            }
        }
        debug('missing key %s for %s', key, locale);
        return '';
    }

    /**
     * Picks the first key whose placeholders can all be filled from `vars`, and translates it.
     *
     * @param locale The user's locale.
     * @param keys Candidate keys in order of preference.
     * @param vars The values available.
     * @returns The text, or `undefined` when no key fits.
     */
    firstFitting(locale: string | undefined, keys: string[], vars: Record<string, unknown>): string | undefined {
        for (const key of keys) {
            if (!this.has(key, locale)) {
                continue;
            }
            const names = this.placeholders(key, locale);
            if (names.every((n) => vars[n] !== undefined && vars[n] !== null && vars[n] !== '')) {
                return this.t(locale, key, vars);
            }
        }
        return undefined;
    }

    /**
     * What a key needs to render in a locale: whether some language of the chain has it (as a text, or as plural
     * forms `<key>_one`, `<key>_other`, ...), the language whose text is used, and the `{{names}}` that text uses
     * (`count` for plural forms).
     *
     * @param key A plugin key or `<ns>:<key>`.
     * @param locale The user's locale.
     * @returns `undefined` when no language of the chain has the key.
     */
    textNeeds(
        key: string,
        locale: string | undefined
    ):
        | {
              /** The language whose text is used. */
              language: string;
              /** The `{{names}}` it uses (`count` first for plural forms). */
              placeholders: string[];
              /** True when the key has plural forms (`count` chooses one). */
              plural: boolean;
          }
        | undefined {
        const [ns, path] = key.includes(':') ? (key.split(':', 2) as [string, string]) : [NAMESPACE, key];
        for (const lng of this.chain(locale)) {
            const value = this.i18n.getResource(lng, ns, path) as unknown;
            const plural = typeof value === 'string' ? undefined : (this.i18n.getResource(lng, ns, `${path}_other`) as unknown);
            const text = typeof value === 'string' ? value : typeof plural === 'string' ? plural : undefined;
            if (text !== undefined) {
                const names = [...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]);
                const isPlural = typeof value !== 'string';
                return { language: lng, placeholders: [...new Set(isPlural ? ['count', ...names] : names)], plural: isPlural };
            }
        }
        return undefined;
    }

    // i18next "has" a key that names a group of texts (`reminder` for `reminder.text`) and would return
    // "key '...' returned an object instead of string." to the user: such a key counts as missing.
    private isText(key: string, lng: string, vars: Record<string, unknown> = {}): boolean {
        // Plural forms depend on `count`; everything else depends only on the (fixed) resources.
        const memo = vars.count === undefined ? `${lng}\u0000${key}` : undefined;
        const known = memo === undefined ? undefined : this.texts.get(memo);
        if (known !== undefined) {
            return known;
        }
        let text = this.i18n.exists(key, { lng, fallbackLng: false, ...vars });
        if (text) {
            const [ns, path] = key.includes(':') ? (key.split(':', 2) as [string, string]) : [NAMESPACE, key];
            const node = this.i18n.getResource(lng, ns, path) as unknown;
            text = !(node && typeof node === 'object');
        }
        if (memo !== undefined) {
            if (this.texts.size >= 10_000) {
                this.texts.clear();
            }
            this.texts.set(memo, text);
        }
        return text;
    }

    /** The `{{names}}` a key's text uses in a locale's chain. */
    private placeholders(key: string, locale: string | undefined): string[] {
        const memo = `${this.chain(locale)[0] ?? ''}\u0000${key}`;
        let names = this.names.get(memo);
        if (!names) {
            names = [...(this.rawText(key, locale) ?? '').matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]);
            if (this.names.size >= 10_000) {
                this.names.clear();
            }
            this.names.set(memo, names);
        }
        return names;
    }

    private rawText(key: string, locale: string | undefined): string | undefined {
        const [ns, path] = key.includes(':') ? (key.split(':', 2) as [string, string]) : [NAMESPACE, key];
        for (const lng of this.chain(locale)) {
            const value = this.i18n.getResource(lng, ns, path) as unknown;
            if (typeof value === 'string') {
                return value;
            }
        }
        return undefined;
    }

    private loadFolder(dir: string, resources: Record<string, Record<string, object>>, paths: Map<string, string>, onProblem?: (err: Error) => void): void {
        if (!existsSync(dir)) {
            throw new InactivityConfigError(`The locales folder ${dir} does not exist.`);
        }
        for (const lngDir of readdirSync(dir)) {
            const full = join(dir, lngDir);
            if (!statSync(full).isDirectory()) {
                continue;
            }
            const lng = normalizeLocale(lngDir);
            if (!lng) {
                onProblem?.(new InactivityConfigError(`Skipped ${full}: '${lngDir}' is not a language tag.`));
                continue;
            }
            for (const file of readdirSync(full).filter((f) => f.endsWith('.json'))) {
                const path = join(full, file);
                try {
                    const data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
                    if (!data || typeof data !== 'object' || Array.isArray(data)) {
                        throw new Error('the file must hold a JSON object');
                    }
                    resources[lng] ??= {};
                    resources[lng][file.slice(0, -'.json'.length)] = data;
                    paths.set(`${lng}/${file}`, path);
                    this.languages.add(lng);
                } catch (err) {
                    const problem = new InactivityConfigError(
                        `Skipped the broken locale file ${path} (users get the fallback language instead): ${(err as Error).message}. Run 'npx botbuilder-inactivity check-locales' for details.`,
                        { cause: err }
                    );
                    debug('%s', problem.message);
                    onProblem?.(problem);
                }
            }
        }
    }
}

/**
 * Applies the `check-locales` rules to the loaded texts: a text of a language whose placeholders differ from
 * the base language's, or that is empty or not text, is removed, so that users of that language get the base
 * language's text for that key (never a raw `{{template}}` or an empty button); the file's other texts stay.
 * Reports each file with such texts once.
 *
 * @param resources The loaded texts by language and namespace (modified).
 * @param paths The file each language's namespace came from, keyed `<lng>/<ns>.json`.
 * @param base The language the others are compared with (`en`).
 * @param onProblem Where the report goes.
 */
function dropUnusableTexts(
    resources: Record<string, Record<string, object>>,
    paths: Map<string, string>,
    base: string,
    onProblem?: (err: Error) => void
): void {
    const baseFiles = resources[base] ?? {};
    for (const [lng, namespaces] of Object.entries(resources)) {
        for (const [ns, data] of Object.entries(namespaces)) {
            const file = `${lng}/${ns}.json`;
            const baseData = baseFiles[ns] as JsonObject | undefined;
            const found: LocaleProblem[] = [];
            if (lng === base) {
                checkValueTypes(data as JsonObject, { language: lng, file, prefix: '', problems: found });
            } else if (baseData) {
                found.push(...compareWithBase(baseData, data as JsonObject, { base, language: lng, file }));
            }
            const unusable = found.filter((p) => p.key !== undefined && UNUSABLE.has(p.kind));
            if (unusable.length === 0) {
                continue;
            }
            for (const p of unusable) {
                removeKey(data as JsonObject, p.key as string);
            }
            const instead = lng === base ? 'these keys are left out' : `${base} is used for these keys instead`;
            const problem = new InactivityConfigError(
                `Some texts of the locale file ${paths.get(file) ?? file} cannot be used (${instead}): ${unusable.map((p) => `${p.key}: ${p.message}`).join('; ')}. Run 'npx botbuilder-inactivity check-locales' for details.`
            );
            debug('%s', problem.message);
            onProblem?.(problem);
        }
    }
}

function removeKey(data: JsonObject, dotted: string): void {
    const parts = dotted.split('.');
    let node: JsonObject | undefined = data;
    for (const part of parts.slice(0, -1)) {
        const next: unknown = node?.[part];
        node = next && typeof next === 'object' && !Array.isArray(next) ? (next as JsonObject) : undefined;
    }
    if (node) {
        delete node[parts[parts.length - 1]];
    }
}
