import assert from 'assert';
import Ajv from 'ajv';
import { ConversationState, MemoryStorage } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { inspect } from 'util';
import { defaultPolicy, loadPolicyFile, mergePolicy, validateOptions } from '../../../src/core/policy/config';
import { toMilliseconds } from '../../../src/core/policy/duration';
import { InactivityConfigError } from '../../../src/core/errors';
import { DEFAULTS } from '../../../src/core/policy/options';
import { checkBotbuilderOptions, InactivityOptions } from '../../../src/botbuilder/options';
import type { InactivityOptions as AgentsInactivityOptions } from '../../../src/agents/options';
import { TelemetryEvents } from '../../../src/core/telemetry';
import { FakeScheduler } from '../../support/fakeScheduler';

// Compiled to dist/test/: the package root is two folders up.
const ROOT = join(__dirname, '..', '..', '..', '..');
const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as T;

/** The parts of manifest.json these tests compare with the code. */
interface Manifest {
    name: string;
    version: string;
    options: { properties: Record<string, { default?: unknown }>; definitions: { duration: object } };
    codeOnlyOptions: string[];
    locales: { languages: string[]; fallback: string };
    telemetryEvents: string[];
}

const MIN = 60_000;

/** The smallest options that pass: everything else comes from the defaults. */
function minimal(extra: Partial<InactivityOptions> | Record<string, unknown> = {}): InactivityOptions {
    const conversationState = new ConversationState(new MemoryStorage());
    return {
        adapter: { continueConversationAsync: async () => undefined },
        conversationState,
        dialogState: conversationState.createProperty<DialogState>('dialogState'),
        scheduler: new FakeScheduler(),
        ...extra,
    };
}

/** Runs `fn`, expects an InactivityConfigError whose message matches every pattern, and returns it. */
function configError(fn: () => unknown, ...patterns: RegExp[]): InactivityConfigError {
    let caught: unknown;
    try {
        fn();
    } catch (err) {
        caught = err;
    }
    assert.ok(caught, 'expected an InactivityConfigError, but nothing was thrown');
    assert.ok(caught instanceof InactivityConfigError, `expected an InactivityConfigError, got ${inspect(caught)}`);
    assert.strictEqual(caught.name, 'InactivityConfigError');
    for (const pattern of patterns) {
        assert.match(caught.message, pattern);
    }
    return caught;
}

describe('config: validateOptions', () => {
    it('accepts the minimal options, and every default written out explicitly', () => {
        validateOptions(minimal());
        validateOptions(minimal({ ...DEFAULTS }));
    });

    it('names the field, the value and the allowed forms of a bad duration', () => {
        configError(() => validateOptions(minimal({ reminderAfter: 'soon' })), /options\.reminderAfter/, /"soon"/, /milliseconds/, /'5 minutes'/);
        configError(() => validateOptions(minimal({ closeAfter: -5 })), /options\.closeAfter/, /-5/, /milliseconds/);
    });

    // Regression: NaN (e.g. Number(process.env.X) of an unset variable) was reported as "is null".
    it('shows NaN as NaN, not as null', () => {
        configError(() => validateOptions(minimal({ reminderAfter: Number.NaN })), /options\.reminderAfter is NaN;/);
        configError(() => validateOptions(minimal({ transcriptSize: Number.NaN })), /options\.transcriptSize is NaN;/);
    });

    it("names the field, the value and the allowed values of finalAction: 'explode'", () => {
        configError(() => validateOptions(minimal({ finalAction: 'explode' })), /options\.finalAction/, /"explode"/, /close/, /handoff/, /dialog/);
    });

    it('names the field, the value and the minimum of maxInvalidAttempts: -1', () => {
        configError(() => validateOptions(minimal({ maxInvalidAttempts: -1 })), /options\.maxInvalidAttempts/, /-1/, />= 0/);
    });

    it('rejects a misspelt option key and suggests the real one', () => {
        configError(
            () => validateOptions(minimal({ reminderafter: '5 minutes' })),
            /options\.reminderafter is not a known setting/,
            /did you mean reminderAfter\?/
        );
    });

    it('lists the known settings for an unknown key that resembles none', () => {
        configError(
            () => validateOptions(minimal({ flows: { addClient: { steps: { contact: { colour: 'red' } } } } })),
            /options\.flows\.addClient\.steps\.contact\.colour is not a known setting/,
            /known settings: .*finalAction/
        );
    });

    it('reports the full path of a bad value deep inside flows', () => {
        configError(
            () => validateOptions(minimal({ flows: { addClient: { steps: { contact: { finalAction: 'nope' } } } } })),
            /options\.flows\.addClient\.steps\.contact\.finalAction/,
            /"nope"/,
            /"close","handoff","dialog"/
        );
    });

    it('reports every problem at once, not only the first', () => {
        configError(() => validateOptions(minimal({ finalAction: 'explode', maxInvalidAttempts: -1 })), /finalAction/, /maxInvalidAttempts/);
    });

    it('rejects a reminder that would come at or after the final action, unless remind is false', () => {
        configError(
            () => validateOptions(minimal({ reminderAfter: '15 minutes', closeAfter: '10 minutes' })),
            /options\.reminderAfter \("15 minutes"\) must be shorter than options\.closeAfter \("10 minutes"\)/,
            /remind: false/
        );
        configError(() => validateOptions(minimal({ reminderAfter: 10 * MIN, closeAfter: '10 minutes' })), /must be shorter/);
        configError(
            () => validateOptions(minimal({ flows: { addClient: { steps: { '2': { reminderAfter: '1 hour', closeAfter: '30 minutes' } } } } })),
            /options\.flows\.addClient\.steps\.2\.reminderAfter/
        );
        validateOptions(minimal({ remind: false, reminderAfter: '15 minutes', closeAfter: '10 minutes' }));
    });

    it("rejects finalAction 'dialog' without a fallbackDialog, and names the missing field", () => {
        configError(() => validateOptions(minimal({ finalAction: 'dialog' })), /options\.finalAction is 'dialog'/, /options\.fallbackDialog is not set/);
        configError(
            () => validateOptions(minimal({ flows: { addClient: { steps: { contact: { finalAction: 'dialog' } } } } })),
            /options\.flows\.addClient\.steps\.contact\.fallbackDialog is not set/
        );
        validateOptions(minimal({ finalAction: 'dialog', fallbackDialog: 'help' }));
    });

    // Regression: a step or flow saying finalAction 'dialog' was rejected although it inherits the enclosing
    // fallbackDialog, which is what happens at run time (mergePolicy keeps the outer one).
    it("accepts finalAction 'dialog' in a flow or step that inherits fallbackDialog from an enclosing level", () => {
        validateOptions(minimal({ fallbackDialog: 'help', flows: { addClient: { finalAction: 'dialog' } } }));
        validateOptions(minimal({ flows: { addClient: { fallbackDialog: 'help', steps: { contact: { finalAction: 'dialog' } } } } }));
    });

    for (const field of ['adapter', 'conversationState'] as const) {
        it(`requires ${field}`, () => {
            const options = minimal();
            delete (options as Partial<InactivityOptions>)[field];
            configError(() => checkBotbuilderOptions(options), new RegExp(`options\\.${field} is required`));
        });
    }

    it('takes no dialogState for a bot that marks its own flows, but refuses a root dialog without it', () => {
        const options = minimal();
        delete options.dialogState;
        delete options.dialog;
        checkBotbuilderOptions(options);
        configError(() => checkBotbuilderOptions({ ...options, dialog: { id: 'main' } }), /options\.dialog was given without options\.dialogState/);
    });

    it('requires an adapter that can send proactive messages', () => {
        configError(() => checkBotbuilderOptions(minimal({ adapter: {} })), /options\.adapter must have continueConversationAsync/);
    });

    it('requires somewhere durable for timers: mongo, agenda or scheduler', () => {
        const options = minimal();
        delete options.scheduler;
        configError(() => checkBotbuilderOptions(options), /options\.mongo/, /options\.agenda/, /options\.scheduler/);
        checkBotbuilderOptions({ ...options, mongo: 'mongodb://127.0.0.1:1/bot' });
    });

    it('explains that options are needed when none are given', () => {
        configError(() => validateOptions(undefined as unknown as InactivityOptions), /options object/);
    });
});

describe('config: policy file', () => {
    let dir: string;
    const write = (name: string, content: unknown): string => {
        const file = join(dir, name);
        writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
        return file;
    };

    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'inactivity-policy-'));
    });
    afterEach(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('loads a valid file as written', () => {
        const content = {
            defaults: { reminderAfter: '2 minutes', closeAfter: '10 minutes' },
            flows: { addClient: { stepNames: ['name', 'type', 'contact'], steps: { contact: { finalAction: 'handoff', maxInvalidAttempts: 2 } } } },
        };
        assert.deepStrictEqual(loadPolicyFile(write('policy.json', content)), content);
    });

    it("loads the sample's policy file", () => {
        const file = loadPolicyFile(join(ROOT, 'samples', 'inactivity-policy.json'));
        assert.strictEqual(file.flows?.addClient.steps?.contact.finalAction, 'handoff');
    });

    it('reports the file, the JSON path inside it and the problem for a bad value', () => {
        const path = write('bad.json', { flows: { addClient: { steps: { contact: { reminderAfter: 'later' } } } } });
        const err = configError(() => loadPolicyFile(path), /flows\.addClient\.steps\.contact\.reminderAfter/, /"later"/, /milliseconds/);
        assert.ok(err.message.includes(path), `the message names ${path}: ${err.message}`);
    });

    it('reports an unknown key in the file with its path', () => {
        const path = write('typo.json', { flows: { addClient: { stepnames: ['a'] } } });
        const err = configError(() => loadPolicyFile(path), /flows\.addClient\.stepnames is not a known setting/, /did you mean stepNames\?/);
        assert.ok(err.message.includes(path));
    });

    // Regression: rules the schema cannot express were checked for the file's flows but not for their steps.
    it('applies the reminder-before-close and fallbackDialog rules to steps in the file too', () => {
        const order = write('order.json', { flows: { addClient: { steps: { contact: { reminderAfter: '20 minutes', closeAfter: '10 minutes' } } } } });
        const err = configError(() => loadPolicyFile(order), /flows\.addClient\.steps\.contact\.reminderAfter/, /must be shorter/);
        assert.ok(err.message.includes(order));
        const dialog = write('dialog.json', { flows: { addClient: { steps: { contact: { finalAction: 'dialog' } } } } });
        configError(() => loadPolicyFile(dialog), /flows\.addClient\.steps\.contact\.fallbackDialog is not set/);
        const inherited = write('inherited.json', {
            defaults: { fallbackDialog: 'help' },
            flows: { addClient: { steps: { contact: { finalAction: 'dialog' } } } },
        });
        assert.strictEqual(loadPolicyFile(inherited).flows?.addClient.steps?.contact.finalAction, 'dialog');
    });

    it('names the file and says it is not valid JSON on a syntax error, keeping the parser error as cause', () => {
        const path = write('syntax.json', '{ "flows": { "addClient": { "reminderAfter": "2 minutes", } } }');
        const err = configError(() => loadPolicyFile(path), /not valid JSON/);
        assert.ok(err.message.includes(path));
        assert.ok(err.cause instanceof SyntaxError);
    });

    it('says clearly that a missing file cannot be read, naming it', () => {
        const path = join(dir, 'nowhere.json');
        const err = configError(() => loadPolicyFile(path), /Cannot read the policy file/, /ENOENT/);
        assert.ok(err.message.includes(path));
        assert.strictEqual((err.cause as NodeJS.ErrnoException).code, 'ENOENT');
    });
});

describe('config: special keys and long values', () => {
    let dir: string;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'inactivity-keys-'));
    });
    afterEach(() => {
        rmSync(dir, { recursive: true, force: true });
    });
    const file = (text: string): string => {
        const path = join(dir, 'policy.json');
        writeFileSync(path, text);
        return path;
    };
    const SPECIAL = /cannot be used as a flow id, step key or any other key/;

    // Regression: JSON.parse makes "__proto__" an own key; merging the flows then set an object's prototype.
    it("refuses '__proto__', 'constructor' and 'prototype' as keys anywhere in a policy file, naming where", () => {
        const proto = file('{ "flows": { "__proto__": { "reminderAfter": "1 minute" } } }');
        const err = configError(() => loadPolicyFile(proto), /flows\.__proto__ uses the key '__proto__'/, SPECIAL, /Rename it/);
        assert.ok(err.message.includes(proto));
        configError(
            () => loadPolicyFile(file('{ "flows": { "addClient": { "steps": { "constructor": { "enabled": false } } } } }')),
            /flows\.addClient\.steps\.constructor uses the key 'constructor'/
        );
        configError(
            () => loadPolicyFile(file('{ "defaults": { "messages": { "prototype": "x" } } }')),
            /defaults\.messages\.prototype uses the key 'prototype'/
        );
        configError(() => loadPolicyFile(file('{ "__proto__": {} }')), /: __proto__ uses the key '__proto__'/);
    });

    it("refuses them in code options too: flows, steps and the options' own keys", () => {
        configError(
            () => validateOptions(minimal({ flows: JSON.parse('{ "__proto__": { "enabled": false } }') })),
            /^Invalid options: options\.flows\.__proto__ uses the key '__proto__'/,
            SPECIAL
        );
        configError(
            () => validateOptions(minimal({ flows: { addClient: { steps: { constructor: { enabled: false } } } } })),
            /options\.flows\.addClient\.steps\.constructor uses the key 'constructor'/
        );
        configError(
            () => validateOptions({ ...minimal(), ...JSON.parse('{ "__proto__": { "enabled": false } }') }),
            /options\.__proto__ uses the key '__proto__'/
        );
    });

    // Regression: a 1 MB key in a policy file produced a 1 MB error message.
    it('quotes at most about 100 characters of a long key or value, with an ellipsis and its length', () => {
        const long = 'x'.repeat(1_048_576);
        const bounded = (err: Error): void => assert.ok(err.message.length < 1000, `a ${err.message.length}-character message`);
        bounded(
            configError(
                () => loadPolicyFile(file(JSON.stringify({ flows: { addClient: { [long]: 1 } } }))),
                /flows\.addClient\.x{100}… \(1048576 characters\) is not a known setting/
            )
        );
        bounded(
            configError(
                () => loadPolicyFile(file(JSON.stringify({ flows: { [long]: { finalAction: 'nope' } } }))),
                /flows\.x{100}… \(1048576 characters\)\.finalAction is "nope"/
            )
        );
        bounded(
            configError(
                () => loadPolicyFile(file(JSON.stringify({ defaults: { reminderAfter: long } }))),
                /defaults\.reminderAfter must be milliseconds/,
                /got "x{100}…" \(1048576 characters\)/
            )
        );
        bounded(configError(() => validateOptions(minimal({ finalAction: long })), /options\.finalAction is "x{100}…" \(1048576 characters\)/));
        bounded(configError(() => toMilliseconds(long, 'closeAfter'), /^closeAfter must be/, /"x{100}…" \(1048576 characters\)\.$/));
        bounded(configError(() => toMilliseconds('5'.repeat(1_048_576), 'closeAfter'), /has no unit/, /5{100}… \(1048576 characters\)/));
    });
});

describe('config: defaults and merging', () => {
    it('defaultPolicy resolves DEFAULTS to milliseconds', () => {
        assert.deepStrictEqual(defaultPolicy(), {
            enabled: true,
            remind: true,
            reminderAfter: 5 * MIN,
            closeAfter: 15 * MIN,
            finalAction: 'close',
            resumeWindow: 24 * 60 * MIN,
            maxInvalidAttempts: 3,
            maxDuration: null,
            messages: {},
        });
    });

    it('mergePolicy lets later policies win field by field, converts durations and leaves the base alone', () => {
        const base = defaultPolicy();
        const merged = mergePolicy(
            base,
            { closeAfter: '30 minutes', finalAction: 'handoff', messages: { reminder: 'a.reminder', close: 'a.close' } },
            undefined,
            { reminderAfter: 90_000, maxDuration: '1 hour', messages: { close: 'b.close' }, finalAction: undefined }
        );
        assert.strictEqual(merged.reminderAfter, 90_000);
        assert.strictEqual(merged.closeAfter, 30 * MIN);
        assert.strictEqual(merged.finalAction, 'handoff', 'an undefined field does not reset an earlier one');
        assert.strictEqual(merged.maxDuration, 60 * MIN);
        assert.deepStrictEqual(merged.messages, { reminder: 'a.reminder', close: 'b.close' });
        assert.deepStrictEqual(base, defaultPolicy(), 'the base is not modified');
        assert.strictEqual(mergePolicy(merged, { maxDuration: null }).maxDuration, null, 'null removes a cap set earlier');
    });

    it('mergePolicy names the field of a bad duration', () => {
        configError(() => mergePolicy(defaultPolicy(), { resumeWindow: 'forever' }), /resumeWindow/, /"forever"/);
    });
});

describe('config: options type, DEFAULTS and manifest.json agree', () => {
    // The compiler fails here when either binding's InactivityOptions gains or loses a key: add it to manifest.json too.
    const KEYS: Record<keyof InactivityOptions | keyof AgentsInactivityOptions, 'json' | 'code'> = {
        enabled: 'json',
        remind: 'json',
        reminderAfter: 'json',
        closeAfter: 'json',
        finalAction: 'json',
        fallbackDialog: 'json',
        resumeWindow: 'json',
        maxInvalidAttempts: 'json',
        maxDuration: 'json',
        messages: 'json',
        botAppId: 'json',
        flows: 'json',
        channels: 'json',
        policyFile: 'json',
        defaultLocale: 'json',
        localesPath: 'json',
        processEvery: 'json',
        schedulerTimeout: 'json',
        sendTimeout: 'json',
        sendRetries: 'json',
        transcriptSize: 'json',
        typingGrace: 'json',
        maxIgnoredReminders: 'json',
        fatigueCooldown: 'json',
        holdout: 'json',
        holdoutSeed: 'json',
        endOfConversation: 'json',
        collectionPrefix: 'json',
        flowEventTimeout: 'json',
        recordRetention: 'json',
        sweepEvery: 'json',
        sweepBatchSize: 'json',
        rawUserIds: 'json',
        userHashKey: 'code',
        adapter: 'code',
        conversationState: 'code',
        dialogState: 'code',
        dialog: 'code',
        storage: 'code',
        mongo: 'code',
        agenda: 'code',
        scheduler: 'code',
        localeNegotiator: 'code',
        telemetryClient: 'code',
        onError: 'code',
        now: 'code',
        onFlowEvent: 'code',
        onContinue: 'code',
        onStartOver: 'code',
        onResume: 'code',
        onEnd: 'code',
    };
    const keysOf = (kind: 'json' | 'code'): string[] => Object.keys(KEYS).filter((k) => KEYS[k as keyof InactivityOptions] === kind);
    const manifest = readJson<Manifest>('manifest.json');
    const properties: Record<string, { default?: unknown }> = manifest.options.properties;

    it("the schema's properties are exactly the JSON-serialisable options", () => {
        assert.deepStrictEqual(Object.keys(properties).sort(), keysOf('json').sort());
    });

    it('codeOnlyOptions are exactly the options that only code can give', () => {
        assert.deepStrictEqual([...manifest.codeOnlyOptions].sort(), keysOf('code').sort());
    });

    it("every DEFAULTS entry equals the schema's default, and every schema default is in DEFAULTS", () => {
        for (const [key, value] of Object.entries(DEFAULTS)) {
            assert.ok(key in properties, `DEFAULTS.${key} is not an option in manifest.json`);
            assert.deepStrictEqual(properties[key].default, value, `default of ${key}`);
        }
        const withDefault = Object.keys(properties).filter((k) => 'default' in properties[k]);
        assert.deepStrictEqual(withDefault.sort(), Object.keys(DEFAULTS).sort());
    });

    it('manifest.json has the name and version of package.json', () => {
        const pkg = readJson<{ name: string; version: string }>('package.json');
        assert.strictEqual(manifest.name, pkg.name);
        assert.strictEqual(manifest.version, pkg.version);
    });

    it('manifest.json lists exactly the languages shipped in locales/', () => {
        const folders = readdirSync(join(ROOT, 'locales')).filter((f) => statSync(join(ROOT, 'locales', f)).isDirectory());
        assert.deepStrictEqual([...manifest.locales.languages].sort(), folders.sort());
        assert.ok(folders.includes(manifest.locales.fallback));
    });

    it('manifest.json lists exactly the telemetry events the code sends', () => {
        assert.deepStrictEqual([...manifest.telemetryEvents].sort(), Object.values(TelemetryEvents).sort());
    });
});

describe('toMilliseconds', () => {
    it('takes milliseconds as numbers, rounded', () => {
        assert.strictEqual(toMilliseconds(0, 'f'), 0);
        assert.strictEqual(toMilliseconds(1500, 'f'), 1500);
        assert.strictEqual(toMilliseconds(10.6, 'f'), 11);
    });

    it('reads strings with a unit', () => {
        assert.strictEqual(toMilliseconds('90 seconds', 'f'), 90_000);
        assert.strictEqual(toMilliseconds('5 minutes', 'f'), 5 * MIN);
        assert.strictEqual(toMilliseconds('1.5 hours', 'f'), 90 * MIN);
        assert.strictEqual(toMilliseconds('24h', 'f'), 24 * 60 * MIN);
        assert.strictEqual(toMilliseconds('500ms', 'f'), 500);
        assert.strictEqual(toMilliseconds(' 2 days ', 'f'), 2 * 24 * 60 * MIN);
        assert.strictEqual(toMilliseconds('1 week', 'f'), 7 * 24 * 60 * MIN);
    });

    // Regression: '5 Minutes' and '24 HOURS' were refused by the policy file's schema (the code took them).
    it('reads units in any case, in code and in the policy file alike', () => {
        assert.strictEqual(toMilliseconds('5 Minutes', 'f'), 5 * MIN);
        assert.strictEqual(toMilliseconds('24 HOURS', 'f'), 24 * 60 * MIN);
        assert.strictEqual(toMilliseconds('90 Seconds', 'f'), 90_000);
        validateOptions(minimal({ reminderAfter: '5 Minutes', closeAfter: '24 HOURS' }));
        const dir = mkdtempSync(join(tmpdir(), 'inactivity-units-'));
        try {
            const file = join(dir, 'policy.json');
            writeFileSync(file, JSON.stringify({ defaults: { reminderAfter: '5 Minutes', closeAfter: '24 HOURS' } }));
            assert.strictEqual(loadPolicyFile(file).defaults?.closeAfter, '24 HOURS');
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    // Regression: '5' meant 5 ms and passed validation, so `reminderAfter: '5'` reminded users at once.
    it("refuses a number without a unit ('5') in code and in the policy file, saying to add a unit", () => {
        const NO_UNIT = /is '5', which has no unit: write '5 seconds' or '5 minutes', or give milliseconds as a number/;
        configError(() => toMilliseconds('5', 'reminderAfter'), /^reminderAfter /, NO_UNIT);
        configError(() => toMilliseconds(' 5 ', 'reminderAfter'), NO_UNIT);
        configError(() => validateOptions(minimal({ reminderAfter: '5' })), /options\.reminderAfter /, NO_UNIT);
        configError(() => validateOptions(minimal({ flows: { addClient: { maxDuration: '5' } } })), /options\.flows\.addClient\.maxDuration /, NO_UNIT);
        const dir = mkdtempSync(join(tmpdir(), 'inactivity-units-'));
        try {
            const file = join(dir, 'policy.json');
            writeFileSync(file, JSON.stringify({ flows: { addClient: { steps: { contact: { closeAfter: '5' } } } } }));
            const err = configError(() => loadPolicyFile(file), /flows\.addClient\.steps\.contact\.closeAfter /, NO_UNIT);
            assert.ok(err.message.includes(file));
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
        assert.strictEqual(toMilliseconds(5, 'reminderAfter'), 5, 'a number is still milliseconds');
    });

    const show = (value: unknown): string => (typeof value === 'number' ? String(value) : String(JSON.stringify(value)));
    for (const bad of [
        -1,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        '',
        'soon',
        'five minutes',
        '5 fortnights',
        '-5 minutes',
        '5 minutes ago',
        null,
        undefined,
        {},
        true,
    ]) {
        it(`rejects ${show(bad)} naming the field and the value`, () => {
            const err = configError(() => toMilliseconds(bad, 'flows.addClient.closeAfter'), /^flows\.addClient\.closeAfter must be/, /'5 minutes'/);
            assert.ok(err.message.endsWith(`got ${show(bad)}.`), err.message);
        });
    }

    it("accepts exactly the strings manifest.json's duration schema accepts", () => {
        const manifest = readJson<Manifest>('manifest.json');
        const validate = new Ajv({ strict: false }).compile(manifest.options.definitions.duration);
        const samples = [
            '5',
            '5ms',
            '5 millisecond',
            '5 milliseconds',
            '5s',
            '5 sec',
            '5 secs',
            '5 second',
            '5 seconds',
            '5m',
            '5 min',
            '5 mins',
            '5 minute',
            '5 minutes',
            '5h',
            '5 hr',
            '5 hrs',
            '5 hour',
            '5 hours',
            '5d',
            '5 day',
            '5 days',
            '5w',
            '5 week',
            '5 weeks',
            '1.5 hours',
            '5 msec',
            '5 fortnights',
            '5 years',
            'minutes',
            '.5 hours',
            '5 Minutes',
            '24 HOURS',
            '5 MS',
            '5 Days',
            '5 WEEKS',
            ' 5 ',
            '5.5',
        ];
        for (const text of samples) {
            let parsed = true;
            try {
                toMilliseconds(text, 'f');
            } catch {
                parsed = false;
            }
            assert.strictEqual(validate(text), parsed, `schema and toMilliseconds disagree on ${JSON.stringify(text)}`);
        }
    });
});
