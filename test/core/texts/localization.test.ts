import assert from 'assert';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { InactivityConfigError } from '../../../src/core/errors';
import { Localizer, normalizeLocale } from '../../../src/core/texts/localization';

// Compiled to dist/test/: the package root is two folders up.
const ROOT = join(__dirname, '..', '..', '..', '..');
const LOCALES = join(ROOT, 'locales');
const SAMPLE_LOCALES = join(ROOT, 'samples', 'locales');
const SHIPPED: string[] = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')).locales.languages;

type Tree = { [key: string]: string | Tree };
const readTree = (lng: string): Tree => JSON.parse(readFileSync(join(LOCALES, lng, 'inactivity.json'), 'utf8')) as Tree;

/** Leaf keys of a locale file as dotted paths with their texts. */
function flatten(tree: Tree, prefix = ''): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of Object.entries(tree)) {
        if (typeof v === 'string') {
            out.set(prefix + k, v);
        } else {
            for (const [k2, v2] of flatten(v, `${prefix}${k}.`)) {
                out.set(k2, v2);
            }
        }
    }
    return out;
}

const PLURAL = /_(zero|one|two|few|many|other)$/;
const placeholders = (text: string): string[] => [...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]).sort();
const fill = (text: string, vars: Record<string, unknown>): string => text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => String(vars[name]));

describe('normalizeLocale', () => {
    for (const raw of ['pt_BR', 'PT-BR', 'pt-br', 'pt-BR', ' pt_br ']) {
        it(`turns ${JSON.stringify(raw)} into pt-BR`, () => {
            assert.strictEqual(normalizeLocale(raw), 'pt-BR');
        });
    }

    it('keeps simple and regional tags canonical', () => {
        assert.strictEqual(normalizeLocale('EN'), 'en');
        assert.strictEqual(normalizeLocale('es_mx'), 'es-MX');
    });

    for (const raw of ['', '   ', '!!', 'not a locale', 'x', 'pt-BR-toolongsubtag', undefined, null, 42]) {
        it(`returns undefined for ${JSON.stringify(raw) ?? String(raw)}`, () => {
            assert.strictEqual(normalizeLocale(raw as string), undefined);
        });
    }
});

describe('Localizer', () => {
    const shipped = new Localizer();
    const withSample = new Localizer({ extraPaths: [SAMPLE_LOCALES] });

    describe('fallback chain', () => {
        it('serves pt-BR, then English (no plain pt folder is shipped), whatever the spelling', () => {
            for (const raw of ['pt-BR', 'pt_BR', 'PT-BR']) {
                assert.deepStrictEqual(shipped.chain(raw), ['pt-BR', 'en'], raw);
            }
        });

        it('serves a regional Spanish with es, then English', () => {
            assert.deepStrictEqual(shipped.chain('es-MX'), ['es', 'en']);
        });

        it('serves English to unknown, missing and invalid locales', () => {
            for (const raw of ['de-DE', 'zz', 'garbage!!', '', undefined]) {
                assert.deepStrictEqual(shipped.chain(raw), ['en'], String(raw));
                assert.strictEqual(shipped.resolve(raw), 'en');
            }
        });

        it('puts the configured default language before English', () => {
            const spanishFirst = new Localizer({ defaultLocale: 'es' });
            assert.deepStrictEqual(spanishFirst.chain('de'), ['es', 'en']);
            assert.strictEqual(spanishFirst.t('de', 'buttons.continue'), (readTree('es').buttons as Tree).continue);
        });
    });

    describe('t', () => {
        it('chooses English plural forms by count', () => {
            assert.strictEqual(shipped.t('en', 'duration.minutes', { count: 1 }), '1 minute');
            assert.strictEqual(shipped.t('en', 'duration.minutes', { count: 3 }), '3 minutes');
            assert.strictEqual(shipped.t('en', 'duration.minutes', { count: 0 }), '0 minutes');
        });

        it("uses the 'one' form for 0 in Brazilian Portuguese", () => {
            assert.strictEqual(shipped.t('pt-BR', 'duration.minutes', { count: 0 }), '0 minuto');
            assert.strictEqual(shipped.t('pt-BR', 'duration.minutes', { count: 1 }), '1 minuto');
            assert.strictEqual(shipped.t('pt_BR', 'duration.minutes', { count: 3 }), '3 minutos');
        });

        it('interpolates without HTML-escaping (texts go to chat channels, not to a web page)', () => {
            assert.strictEqual(shipped.t('en', 'buttons.resume', { summary: 'Tom & Jerry <3' }), 'Resume Tom & Jerry <3');
        });

        it('returns an empty string for a missing key, never the key itself', () => {
            for (const [lng, key] of [
                ['en', 'reminder.nope'],
                ['pt-BR', 'no.such.key'],
                ['es', 'sample:addClient.askName'],
            ] as const) {
                const text = shipped.t(lng, key);
                assert.strictEqual(text, '', `${lng} ${key} gave ${JSON.stringify(text)}`);
            }
            assert.strictEqual(shipped.has('reminder.nope', 'en'), false);
            assert.strictEqual(shipped.has('reminder.text', 'pt-BR'), true);
        });

        // Regression: a key naming a group (a policy's `messages.reminder: "reminder"` instead of
        // "reminder.text") sent users "key 'reminder (en)' returned an object instead of string.".
        it('treats a key that names a group of texts as missing', () => {
            assert.strictEqual(shipped.t('en', 'reminder'), '');
            assert.strictEqual(shipped.t('pt-BR', 'reprompt.hint'), '');
            assert.strictEqual(shipped.has('reminder', 'en'), false);
            assert.strictEqual(withSample.firstFitting('en', ['sample:addClient', 'sample:addClient.activity'], {}), 'adding a client');
        });

        describe('every English text exists, filled, in every shipped language', () => {
            const en = flatten(readTree('en'));
            const bases = new Map<string, string>();
            for (const [key, text] of en) {
                bases.set(key.replace(PLURAL, ''), text);
            }
            for (const lng of SHIPPED) {
                it(lng, () => {
                    const own = flatten(readTree(lng));
                    const categories = new Intl.PluralRules(lng).resolvedOptions().pluralCategories;
                    for (const [base, enText] of bases) {
                        const plural = !en.has(base);
                        const vars: Record<string, unknown> = Object.fromEntries(placeholders(enText).map((n) => [n, `<${n}>`]));
                        if (plural) {
                            for (const category of categories) {
                                assert.ok(own.get(`${base}_${category}`), `${lng} has no text for ${base}_${category}`);
                            }
                            for (const count of [0, 1, 2, 5, 1_000_000]) {
                                const expected = fill(own.get(`${base}_${new Intl.PluralRules(lng).select(count)}`) as string, { ...vars, count });
                                assert.strictEqual(shipped.t(lng, base, { ...vars, count }), expected, `${lng} ${base} count ${count}`);
                            }
                            continue;
                        }
                        const ownText = own.get(base);
                        assert.ok(ownText && ownText.trim(), `${lng} has no text for ${base}`);
                        assert.deepStrictEqual(placeholders(ownText), placeholders(enText), `${lng} ${base} uses the same placeholders as en`);
                        const text = shipped.t(lng, base, vars);
                        assert.ok(text.trim() && !text.includes('{{'), `${lng} ${base} gave ${JSON.stringify(text)}`);
                        assert.strictEqual(text, fill(ownText, vars), `${lng} ${base} is served from ${lng}'s own file`);
                    }
                });
            }
        });
    });

    describe("the bot's own namespaces (extraPaths)", () => {
        it('translates <ns>:<key> from an extra folder, with fallback and interpolation', () => {
            assert.strictEqual(withSample.t('en', 'sample:addClient.askName'), "What's the client's name?");
            assert.strictEqual(withSample.t('pt-BR', 'sample:addClient.askName'), 'Qual é o nome do cliente?');
            assert.strictEqual(withSample.t('es-MX', 'sample:addClient.askName'), '¿Cómo se llama el cliente?');
            assert.strictEqual(withSample.t('de', 'sample:addClient.activityNamed', { name: 'Ana' }), 'adding Ana');
            assert.strictEqual(
                withSample.t('en', 'reminder.textGeneric'),
                shipped.t('en', 'reminder.textGeneric'),
                'the plugin texts stay the default namespace'
            );
        });

        it('keeps two Localizers apart: one without the extra folder does not see its keys', () => {
            assert.strictEqual(shipped.t('en', 'sample:addClient.askName'), '');
            assert.strictEqual(shipped.has('sample:addClient.askName', 'en'), false);
        });

        it('firstFitting picks the first key whose placeholders are all given', () => {
            const keys = ['sample:addClient.activityNamed', 'sample:addClient.activity'];
            assert.strictEqual(withSample.firstFitting('en', keys, { name: 'Maria' }), 'adding Maria');
            assert.strictEqual(withSample.firstFitting('en', keys, {}), 'adding a client');
            assert.strictEqual(withSample.firstFitting('en', keys, { name: '' }), 'adding a client', 'an empty value does not fit');
            assert.strictEqual(withSample.firstFitting('pt-BR', keys, { name: 'Maria' }), 'adicionando Maria');
            assert.strictEqual(
                withSample.firstFitting('en', ['sample:nope', ...keys.slice(1)], { name: 'Maria' }),
                'adding a client',
                'a missing key is skipped'
            );
            assert.strictEqual(withSample.firstFitting('en', ['sample:addClient.activityNamed'], {}), undefined);
        });
    });

    describe('broken locale folders', () => {
        let dir: string;
        beforeEach(() => {
            dir = mkdtempSync(join(tmpdir(), 'inactivity-locales-'));
        });
        afterEach(() => {
            rmSync(dir, { recursive: true, force: true });
        });

        it('skips a broken pt-BR file, reports it naming the file, and serves pt-BR users in English', () => {
            cpSync(LOCALES, dir, { recursive: true });
            const broken = join(dir, 'pt-BR', 'inactivity.json');
            writeFileSync(broken, readFileSync(broken, 'utf8').replace('"reminder": {', '"reminder": {,'));
            const problems: Error[] = [];
            const localizer = new Localizer({ localesPath: dir, onProblem: (err) => problems.push(err) });
            assert.strictEqual(problems.length, 1);
            assert.ok(problems[0] instanceof InactivityConfigError);
            assert.ok(problems[0].message.includes(broken), problems[0].message);
            assert.ok(problems[0].cause instanceof SyntaxError);
            assert.strictEqual(localizer.t('pt-BR', 'buttons.continue'), 'Continue');
            assert.strictEqual(localizer.t('pt-BR', 'duration.minutes', { count: 0 }), '0 minutes');
            assert.notStrictEqual(localizer.t('es', 'buttons.continue'), 'Continue', 'other languages still load');
        });

        // Regression: a translation with a broken placeholder ("Toujours là ? {{activity}") was sent as written, and
        // an empty or non-text value became an empty button; check-locales caught them, the loader did not.
        it('uses en for a text whose placeholders differ, or that is empty or not text, keeps the good ones, and reports the file once', () => {
            cpSync(join(LOCALES, 'en'), join(dir, 'en'), { recursive: true });
            const fr = readTree('en') as Record<string, Record<string, unknown>>;
            fr.reminder.text = 'Toujours là ? {{activity}';
            fr.reminder.textWithStep = 'Toujours là ? Vous étiez {{activity}} (étape {{step}} sur {{steps}}).';
            fr.reminder.closeWarning = 'Je le fermerai dans {{apres}} sans nouvelles de vous.';
            fr.buttons.continue = 'Continuer';
            fr.buttons.startOver = ' ';
            fr.buttons.resumeGeneric = 42;
            fr.continue = 'Super' as never;
            mkdirSync(join(dir, 'fr'));
            const file = join(dir, 'fr', 'inactivity.json');
            writeFileSync(file, JSON.stringify(fr));
            const problems: Error[] = [];
            const localizer = new Localizer({ localesPath: dir, onProblem: (err) => problems.push(err) });

            assert.strictEqual(problems.length, 1, problems.map((p) => p.message).join('\n'));
            assert.ok(problems[0] instanceof InactivityConfigError);
            assert.ok(problems[0].message.includes(file), problems[0].message);
            for (const key of ['reminder.text', 'reminder.closeWarning', 'buttons.startOver', 'buttons.resumeGeneric', 'continue']) {
                assert.ok(problems[0].message.includes(`${key}: `), `${key} is named: ${problems[0].message}`);
            }
            assert.ok(!problems[0].message.includes('reminder.textWithStep'), 'a good text is not reported');

            assert.strictEqual(localizer.t('fr', 'reminder.text', { activity: 'adding Ann' }), 'Still there? You were adding Ann.');
            assert.strictEqual(localizer.firstFitting('fr', ['reminder.text'], { activity: 'adding Ann' }), 'Still there? You were adding Ann.');
            assert.strictEqual(localizer.t('fr', 'reminder.closeWarning', { after: '10 minutes' }), "I'll close it in 10 minutes if I don't hear from you.");
            assert.strictEqual(localizer.t('fr', 'buttons.startOver'), 'Start over');
            assert.strictEqual(localizer.t('fr', 'buttons.resumeGeneric'), 'Resume');
            assert.strictEqual(localizer.t('fr', 'continue.text'), "Great, let's pick up where we left off.");
            assert.strictEqual(localizer.t('fr', 'buttons.continue'), 'Continuer', 'the good texts of the file still apply');
            assert.strictEqual(
                localizer.t('fr', 'reminder.textWithStep', { activity: 'Ann', step: 2, steps: 3 }),
                'Toujours là ? Vous étiez Ann (étape 2 sur 3).'
            );
        });

        it('loads the shipped and the sample texts without a problem', () => {
            const problems: Error[] = [];
            new Localizer({ extraPaths: [SAMPLE_LOCALES], onProblem: (err) => problems.push(err) });
            assert.deepStrictEqual(problems, []);
        });

        it('reports a locale file that holds no object', () => {
            mkdirSync(join(dir, 'en'));
            cpSync(join(LOCALES, 'en', 'inactivity.json'), join(dir, 'en', 'inactivity.json'));
            mkdirSync(join(dir, 'es'));
            writeFileSync(join(dir, 'es', 'inactivity.json'), '["Continuar"]');
            const problems: Error[] = [];
            const localizer = new Localizer({ localesPath: dir, onProblem: (err) => problems.push(err) });
            assert.strictEqual(problems.length, 1);
            assert.match(problems[0].message, /es[\\/]inactivity\.json/);
            assert.deepStrictEqual(localizer.chain('es'), ['en']);
        });

        it('refuses a folder without a usable English file', () => {
            mkdirSync(join(dir, 'es'));
            cpSync(join(LOCALES, 'es', 'inactivity.json'), join(dir, 'es', 'inactivity.json'));
            assert.throws(
                () => new Localizer({ localesPath: dir, onProblem: () => undefined }),
                (err: Error) => err instanceof InactivityConfigError && err.name === 'InactivityConfigError' && err.message.includes(dir)
            );
            mkdirSync(join(dir, 'en'));
            writeFileSync(join(dir, 'en', 'inactivity.json'), '{ "reminder": ');
            assert.throws(() => new Localizer({ localesPath: dir, onProblem: () => undefined }), InactivityConfigError);
        });

        it('refuses a locales folder that does not exist, naming it', () => {
            const missing = join(dir, 'nowhere');
            assert.throws(
                () => new Localizer({ extraPaths: [missing] }),
                (err: Error) => err instanceof InactivityConfigError && err.message.includes(missing)
            );
        });
    });
});
