import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { readFileSync } from 'fs';
import { durationProblem, toMilliseconds } from './duration';
import { InactivityConfigError } from '../errors';
import { readManifest } from './manifest';
import { CoreOptions, DEFAULTS, ResolvedPolicy } from './options';
import type { FlowDefinition, InactivityPolicy } from './policy';
import { quoteKey, quoteValue } from '../util/quote';

/** A designer-edited policy file: defaults for every flow, per-channel defaults, and per-flow settings. */
export interface PolicyFile {
    /** Overrides of the plugin-wide defaults. */
    defaults?: InactivityPolicy;
    /** Defaults per channel (the activity's `channelId`), over `defaults` and under each flow's own settings. */
    channels?: Record<string, InactivityPolicy>;
    /** Per-flow settings keyed by dialog id. */
    flows?: Record<string, FlowDefinition>;
}

let validators: { options: ValidateFunction; policyFile: ValidateFunction } | undefined;

function getValidators(): { options: ValidateFunction; policyFile: ValidateFunction } {
    if (!validators) {
        // verbose: errors carry their parentSchema, so an unknown key can be answered with the known ones.
        const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
        ajv.addSchema(readManifest().options, 'options');
        validators = {
            options: ajv.getSchema('options') as ValidateFunction,
            policyFile: ajv.compile({ $ref: 'options#/definitions/policyFile' }),
        };
    }
    return validators;
}

/**
 * Checks options against manifest.json's schema and the rules a schema cannot say. Code-only fields (adapter,
 * state, callbacks) are checked for presence only.
 *
 * @param options The options given to the middleware.
 * @throws InactivityConfigError naming the field, the value and what is allowed.
 */
export function validateOptions(options: CoreOptions<never>): void {
    if (!options || typeof options !== 'object') {
        throw new InactivityConfigError('InactivityMiddleware needs an options object.');
    }
    const manifest = readManifest();
    const codeOnly = new Set(manifest.codeOnlyOptions);
    // No prototype: an own '__proto__' key of the options stays a key here, for refuseSpecialKeys to see.
    const json: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [key, value] of Object.entries(options)) {
        if (value !== undefined && !codeOnly.has(key)) {
            json[key] = value;
        }
    }
    refuseSpecialKeys(json, 'options', 'Invalid options');
    // Before the schema: its own message ("must be <= 0.5") would not say what the share means.
    if (options.holdout !== undefined && !(typeof options.holdout === 'number' && options.holdout >= 0 && options.holdout <= 0.5)) {
        throw new InactivityConfigError(
            `holdout is ${JSON.stringify(options.holdout)}; it must be a share from 0 to 0.5 (0.1 holds 10% of flow runs out of reminders; 0, the default, reminds every run).`
        );
    }
    const validate = getValidators().options;
    if (!validate(json)) {
        throw new InactivityConfigError(`Invalid options: ${describeErrors(validate.errors, json, 'options')}`);
    }
    checkPolicy(options, 'options');
    for (const [channel, policy] of Object.entries(options.channels ?? {})) {
        checkPolicy(policy, `options.channels.${quoteKey(channel)}`, options.fallbackDialog);
    }
    for (const [id, flow] of Object.entries(options.flows ?? {})) {
        checkPolicy(flow, `options.flows.${quoteKey(id)}`, options.fallbackDialog);
        for (const [step, policy] of Object.entries(flow.steps ?? {})) {
            checkPolicy(policy, `options.flows.${quoteKey(id)}.steps.${quoteKey(step)}`, flow.fallbackDialog ?? options.fallbackDialog);
        }
    }
}

/**
 * Reads and validates a policy file.
 *
 * @param path The file designers edit.
 * @returns Its content.
 * @throws InactivityConfigError naming the file, the path inside it and the problem.
 */
export function loadPolicyFile(path: string): PolicyFile {
    let text: string;
    try {
        text = readFileSync(path, 'utf8');
    } catch (err) {
        throw new InactivityConfigError(`Cannot read the policy file ${path}: ${(err as Error).message}`, { cause: err });
    }
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (err) {
        throw new InactivityConfigError(`The policy file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    refuseSpecialKeys(data, '', `The policy file ${path} is not valid`);
    const validate = getValidators().policyFile;
    if (!validate(data)) {
        throw new InactivityConfigError(`The policy file ${path} is not valid: ${describeErrors(validate.errors, data, '')}`);
    }
    const file = data as PolicyFile;
    if (file.defaults) {
        checkPolicy(file.defaults, `${path}: defaults`);
    }
    for (const [channel, policy] of Object.entries(file.channels ?? {})) {
        checkPolicy(policy, `${path}: channels.${quoteKey(channel)}`, file.defaults?.fallbackDialog);
    }
    for (const [id, flow] of Object.entries(file.flows ?? {})) {
        checkPolicy(flow, `${path}: flows.${quoteKey(id)}`, file.defaults?.fallbackDialog);
        for (const [step, policy] of Object.entries(flow.steps ?? {})) {
            checkPolicy(policy, `${path}: flows.${quoteKey(id)}.steps.${quoteKey(step)}`, flow.fallbackDialog ?? file.defaults?.fallbackDialog);
        }
    }
    return file;
}

/**
 * Merges policies, later ones winning field by field, onto a resolved base.
 *
 * @param base A fully resolved policy.
 * @param overrides Partial policies, outermost first.
 * @returns A new resolved policy.
 */
export function mergePolicy(base: ResolvedPolicy, ...overrides: Array<InactivityPolicy | undefined>): ResolvedPolicy {
    const out: ResolvedPolicy = { ...base, messages: { ...base.messages } };
    for (const p of overrides) {
        if (!p) {
            continue;
        }
        if (p.enabled !== undefined) out.enabled = p.enabled;
        if (p.remind !== undefined) out.remind = p.remind;
        if (p.reminderAfter !== undefined) out.reminderAfter = toMilliseconds(p.reminderAfter, 'reminderAfter');
        if (p.closeAfter !== undefined) out.closeAfter = toMilliseconds(p.closeAfter, 'closeAfter');
        if (p.finalAction !== undefined) out.finalAction = p.finalAction;
        if (p.fallbackDialog !== undefined) out.fallbackDialog = p.fallbackDialog;
        if (p.resumeWindow !== undefined) out.resumeWindow = toMilliseconds(p.resumeWindow, 'resumeWindow');
        if (p.maxInvalidAttempts !== undefined) out.maxInvalidAttempts = p.maxInvalidAttempts;
        if (p.maxDuration !== undefined) out.maxDuration = p.maxDuration === null ? null : toMilliseconds(p.maxDuration, 'maxDuration');
        if (p.messages) Object.assign(out.messages, p.messages);
    }
    return out;
}

/**
 * Checks the policies as they will apply: the plugin-wide one, each flow's and each step's, after merging.
 * Catches what no single level shows, such as `closeAfter: '1 minute'` under the default five-minute reminder.
 *
 * @param base The plugin-wide policy (defaults, policy file defaults, options).
 * @param flows Every configured flow.
 * @param channels Each channel's resolved defaults, over which every flow is checked again.
 * @throws InactivityConfigError naming the channel, flow or step and the effective values.
 */
export function checkResolvedPolicies(
    base: ResolvedPolicy,
    flows: Record<string, FlowDefinition>,
    channels: ReadonlyMap<string, ResolvedPolicy> = new Map()
): void {
    checkResolved(base, 'options');
    const bases: Array<[ResolvedPolicy, string]> = [[base, '']];
    for (const [channel, policy] of channels) {
        const where = `channels.${quoteKey(channel)}`;
        checkResolved(policy, where);
        bases.push([policy, `${where}, `]);
    }
    // A flow's settings apply on every channel: each is checked over each channel's defaults.
    for (const [start, on] of bases) {
        for (const [id, flow] of Object.entries(flows)) {
            const flowPolicy = mergePolicy(start, flow);
            checkResolved(flowPolicy, `${on}flows.${quoteKey(id)}`);
            for (const [step, policy] of Object.entries(flow.steps ?? {})) {
                checkResolved(mergePolicy(flowPolicy, policy), `${on}flows.${quoteKey(id)}.steps.${quoteKey(step)}`);
            }
        }
    }
}

/**
 * Resolves the defaults of each channel named in the policy file or the options: the plugin-wide policy, then
 * the file's `channels[id]`, then the option's, field by field.
 *
 * @param base The plugin-wide policy.
 * @param fromFile The policy file's `channels`.
 * @param fromCode The `channels` option.
 * @returns The resolved policy of each channel, by channel id.
 */
export function resolveChannels(
    base: ResolvedPolicy,
    fromFile: Record<string, InactivityPolicy> = {},
    fromCode: Record<string, InactivityPolicy> = {}
): Map<string, ResolvedPolicy> {
    // A Map, not an object: a channel id such as 'constructor' must not find Object.prototype's.
    const out = new Map<string, ResolvedPolicy>();
    for (const id of new Set([...Object.keys(fromFile), ...Object.keys(fromCode)])) {
        out.set(id, mergePolicy(base, fromFile[id], fromCode[id]));
    }
    return out;
}

/**
 * Merges flows from the policy file and from code: code wins field by field, in the flow and in each of its
 * steps (a step given in code keeps the file's settings it does not name, such as the file's `finalAction`).
 *
 * @param fromFile Flows of the policy file.
 * @param fromCode Flows of the `flows` option.
 * @returns The merged flows.
 */
export function mergeFlows(fromFile: Record<string, FlowDefinition> = {}, fromCode: Record<string, FlowDefinition> = {}): Record<string, FlowDefinition> {
    const out: Record<string, FlowDefinition> = { ...fromFile };
    for (const [id, flow] of Object.entries(fromCode)) {
        const file = fromFile[id];
        out[id] = file ? { ...file, ...flow, steps: mergeSteps(file.steps, flow.steps), messages: { ...file.messages, ...flow.messages } } : flow;
    }
    return out;
}

function mergeSteps(fromFile: Record<string, InactivityPolicy> = {}, fromCode: Record<string, InactivityPolicy> = {}): Record<string, InactivityPolicy> {
    const out: Record<string, InactivityPolicy> = { ...fromFile };
    for (const [key, step] of Object.entries(fromCode)) {
        const file = fromFile[key];
        out[key] = file ? { ...file, ...step, messages: { ...file.messages, ...step.messages } } : step;
    }
    return out;
}

/**
 * Checks that every locale key a policy or flow names exists, so a typo is an error at start-up rather than an
 * empty message to a user.
 *
 * @param base The plugin-wide policy.
 * @param flows Every configured flow.
 * @param has Whether a key exists in the default language.
 * @param channels Each channel's resolved defaults.
 * @throws InactivityConfigError naming where the key is used and the key.
 */
export function checkTextKeys(
    base: ResolvedPolicy,
    flows: Record<string, FlowDefinition>,
    has: (key: string) => boolean,
    channels: ReadonlyMap<string, ResolvedPolicy> = new Map()
): void {
    const check = (messages: InactivityPolicy['messages'], where: string): void => {
        for (const [name, key] of Object.entries({ ...messages })) {
            if (key && !has(key)) {
                throw new InactivityConfigError(
                    `${where}.messages.${name} names the text '${quoteKey(key)}', which no locale file has. Add it to your locales (localesPath) or fix the key.`
                );
            }
        }
    };
    check(base.messages, 'options');
    for (const [channel, policy] of channels) {
        check(policy.messages, `channels.${quoteKey(channel)}`);
    }
    for (const [id, flow] of Object.entries(flows)) {
        check(flow.messages, `flows.${quoteKey(id)}`);
        for (const [step, policy] of Object.entries(flow.steps ?? {})) {
            check(policy.messages, `flows.${quoteKey(id)}.steps.${quoteKey(step)}`);
        }
        for (const field of ['activity', 'summary'] as const) {
            const keys = flow[field] === undefined ? [] : ([] as string[]).concat(flow[field]);
            const missing = keys.filter((k) => !has(k));
            if (missing.length > 0) {
                throw new InactivityConfigError(
                    `flows.${quoteKey(id)}.${field} names ${missing.map((k) => `'${quoteKey(k)}'`).join(', ')}, which no locale file has. Add it to your locales (localesPath) or fix the key.`
                );
            }
        }
    }
}

function checkResolved(p: ResolvedPolicy, where: string): void {
    if (!p.enabled) {
        return;
    }
    if (p.closeAfter <= 0) {
        throw new InactivityConfigError(`For ${where}, closeAfter is 0: the flow would end right after every message. Give a duration, or set enabled: false.`);
    }
    if (p.maxDuration !== null && p.maxDuration <= 0) {
        throw new InactivityConfigError(`For ${where}, maxDuration is 0: every flow would end at its first answer. Give a duration, or null for no cap.`);
    }
    if (p.remind && p.reminderAfter >= p.closeAfter) {
        throw new InactivityConfigError(
            `For ${where}, the reminder would come at ${p.reminderAfter} ms but the final action already at ${p.closeAfter} ms (reminderAfter must be shorter than closeAfter, counting inherited values and defaults). Shorten reminderAfter, lengthen closeAfter, or set remind: false.`
        );
    }
    if (p.finalAction === 'dialog' && !p.fallbackDialog) {
        throw new InactivityConfigError(
            `For ${where}, finalAction is 'dialog' but no fallbackDialog is set at that level or above: name the dialog id to begin.`
        );
    }
}

/** The plugin-wide policy from {@link DEFAULTS}, before any option. */
export function defaultPolicy(): ResolvedPolicy {
    return mergePolicy(
        {
            enabled: DEFAULTS.enabled,
            remind: DEFAULTS.remind,
            reminderAfter: 0,
            closeAfter: 0,
            finalAction: DEFAULTS.finalAction,
            resumeWindow: 0,
            maxInvalidAttempts: DEFAULTS.maxInvalidAttempts,
            maxDuration: DEFAULTS.maxDuration,
            messages: {},
        },
        { reminderAfter: DEFAULTS.reminderAfter, closeAfter: DEFAULTS.closeAfter, resumeWindow: DEFAULTS.resumeWindow }
    );
}

// `inheritedFallback` is the enclosing level's fallbackDialog: a step or flow may rely on it (mergePolicy does).
function checkPolicy(p: InactivityPolicy, where: string, inheritedFallback?: string): void {
    if (p.finalAction === 'dialog' && !(p.fallbackDialog ?? inheritedFallback)) {
        throw new InactivityConfigError(`${where}.finalAction is 'dialog' but ${where}.fallbackDialog is not set: name the dialog id to begin.`);
    }
    if (p.reminderAfter !== undefined && p.closeAfter !== undefined && p.remind !== false) {
        const r = toMilliseconds(p.reminderAfter, `${where}.reminderAfter`);
        const c = toMilliseconds(p.closeAfter, `${where}.closeAfter`);
        if (r >= c) {
            throw new InactivityConfigError(
                `${where}.reminderAfter (${quoteValue(p.reminderAfter)}) must be shorter than ${where}.closeAfter (${quoteValue(p.closeAfter)}): the reminder comes before the final action. Set remind: false to skip the reminder.`
            );
        }
    }
}

function describeErrors(errors: ErrorObject[] | null | undefined, data: unknown, root: string): string {
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const e of errors ?? []) {
        // oneOf branches repeat the same problem; report the path once with what is allowed.
        const path = jsonPath(root, e.instancePath);
        if (e.keyword === 'additionalProperties') {
            const extra = (e.params as { additionalProperty: string }).additionalProperty;
            const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
            const near = known.find((k) => k.toLowerCase() === extra.toLowerCase());
            lines.push(
                `${path ? `${path}.` : ''}${quoteKey(extra)} is not a known setting${near ? ` (did you mean ${near}?)` : known.length ? `; known settings: ${known.join(', ')}` : ''}`
            );
            continue;
        }
        if (seen.has(path)) {
            continue;
        }
        seen.add(path);
        const value = valueAt(data, e.instancePath);
        if (isDurationPath(e.schemaPath) && typeof value === 'string') {
            // The same words as toMilliseconds: a number without a unit gets told to add one.
            lines.push(`${path || '(root)'} ${durationProblem(value)}`);
            continue;
        }
        // A duration's first oneOf branch says "must be number" even for a string: state the whole rule instead.
        const allowed = isDurationPath(e.schemaPath)
            ? "must be a duration: milliseconds (a number >= 0) or a string such as '90 seconds', '5 minutes' or '24 hours'"
            : e.keyword === 'enum'
              ? `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`
              : e.message;
        // quoteValue, not JSON.stringify: that shows NaN and Infinity as null, which sends users looking for a null.
        lines.push(`${path || '(root)'} is ${quoteValue(value)}; it ${allowed}`);
    }
    return lines.join('; ');
}

function isDurationPath(schemaPath: string): boolean {
    return schemaPath.includes('duration');
}

function jsonPath(root: string, pointer: string): string {
    const parts = pointer
        .split('/')
        .slice(1)
        .map((p) => quoteKey(p.replace(/~1/g, '/').replace(/~0/g, '~')));
    return [root, ...parts].filter(Boolean).join('.');
}

function valueAt(data: unknown, pointer: string): unknown {
    let cur: unknown = data;
    for (const raw of pointer.split('/').slice(1)) {
        const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
        cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
    }
    return cur;
}

/** Keys that JavaScript objects treat specially: as a flow id or a step key they would reach Object.prototype. */
const SPECIAL_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuses `__proto__`, `constructor` and `prototype` as keys anywhere in a policy. JSON.parse makes
 * `"__proto__"` an own key, which later copies and lookups would turn into the object's prototype; own keys
 * are what is checked.
 */
function refuseSpecialKeys(data: unknown, root: string, intro: string): void {
    const seen = new Set<object>();
    const visit = (value: unknown, path: string): void => {
        if (!value || typeof value !== 'object' || seen.has(value)) {
            return;
        }
        seen.add(value);
        for (const key of Object.keys(value)) {
            const at = path ? `${path}.${quoteKey(key)}` : quoteKey(key);
            if (SPECIAL_KEYS.has(key)) {
                throw new InactivityConfigError(
                    `${intro}: ${at} uses the key '${key}', which cannot be used as a flow id, step key or any other key ('__proto__', 'constructor' and 'prototype' are special in JavaScript objects). Rename it.`
                );
            }
            visit((value as Record<string, unknown>)[key], at);
        }
    };
    visit(data, root);
}
