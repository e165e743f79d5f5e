import { InactivityConfigError } from '../errors';
import type { Settings } from '../plugin';
import { checkResolvedPolicies, defaultPolicy, loadPolicyFile, mergeFlows, mergePolicy, resolveChannels, validateOptions } from './config';
import { toMilliseconds } from './duration';
import { CoreOptions, DEFAULTS } from './options';

/** The longest `sendTimeout`: a timer's turn (a few sends) must end well inside its one-minute lock. */
const MAX_SEND_TIMEOUT_MS = 15_000;

/** The longest `flowEventTimeout`: hooks run inside a timer's turn, which must end well inside its lock. */
const MAX_FLOW_EVENT_TIMEOUT_MS = 10_000;

/** The shortest `sweepEvery`: a sweep reads and deletes in batches, not something to run every few seconds. */
const MIN_SWEEP_EVERY_MS = 60_000;

/** Settings with the hook timeout, as the constructor of a binding's middleware needs them. */
export interface ResolvedSettings extends Settings {
    /** How long flow event hooks are waited for (ms). */
    flowEventTimeout: number;
}

/**
 * Checks the options and resolves them once: the policy file merged under the options, durations in ms, the
 * bounds that keep a timer's turn inside its lock.
 *
 * @param options The options given to a binding's middleware.
 * @returns The settings.
 * @throws InactivityConfigError naming the option (or the place in the policy file) and what is allowed.
 */
export function resolveSettings(options: CoreOptions<never>): ResolvedSettings {
    validateOptions(options);
    const fileFlows = options.policyFile ? loadPolicyFile(options.policyFile) : {};
    const policy = mergePolicy(defaultPolicy(), fileFlows.defaults, options);
    const channels = resolveChannels(policy, fileFlows.channels, options.channels);
    const flows = mergeFlows(fileFlows.flows, options.flows);
    checkResolvedPolicies(policy, flows, channels);
    const sendTimeout = toMilliseconds(options.sendTimeout ?? DEFAULTS.sendTimeout, 'sendTimeout');
    if (sendTimeout <= 0 || sendTimeout > MAX_SEND_TIMEOUT_MS) {
        throw new InactivityConfigError(
            `sendTimeout is ${sendTimeout} ms; it must be more than 0 and at most ${MAX_SEND_TIMEOUT_MS} ms, so that a timer's turn ends well inside its one-minute lock.`
        );
    }
    const flowEventTimeout = toMilliseconds(options.flowEventTimeout ?? DEFAULTS.flowEventTimeout, 'flowEventTimeout');
    if (flowEventTimeout <= 0 || flowEventTimeout > MAX_FLOW_EVENT_TIMEOUT_MS) {
        throw new InactivityConfigError(
            `flowEventTimeout is ${flowEventTimeout} ms; it must be more than 0 and at most ${MAX_FLOW_EVENT_TIMEOUT_MS} ms, so that hooks cannot hold a timer's turn past its lock.`
        );
    }
    if (toMilliseconds(options.sweepEvery ?? DEFAULTS.sweepEvery, 'sweepEvery') < MIN_SWEEP_EVERY_MS) {
        throw new InactivityConfigError(`sweepEvery must be at least 1 minute; got ${JSON.stringify(options.sweepEvery)}.`);
    }
    if (options.onFlowEvent !== undefined && typeof options.onFlowEvent !== 'function') {
        throw new InactivityConfigError(
            `options.onFlowEvent must be a function (event) => void | Promise<void>; got ${options.onFlowEvent === null ? 'null' : typeof options.onFlowEvent}.`
        );
    }
    for (const hook of ['onContinue', 'onStartOver', 'onResume', 'onEnd'] as const) {
        const value: unknown = options[hook];
        if (value !== undefined && typeof value !== 'function') {
            throw new InactivityConfigError(
                `options.${hook} must be a function (context, flow) => void | Promise<void>; got ${value === null ? 'null' : typeof value}.`
            );
        }
    }
    return {
        policy,
        channels,
        flows,
        botAppId: options.botAppId ?? DEFAULTS.botAppId,
        schedulerTimeout: toMilliseconds(options.schedulerTimeout ?? DEFAULTS.schedulerTimeout, 'schedulerTimeout'),
        transcriptSize: options.transcriptSize ?? DEFAULTS.transcriptSize,
        typingGrace: toMilliseconds(options.typingGrace ?? DEFAULTS.typingGrace, 'typingGrace'),
        maxIgnoredReminders: options.maxIgnoredReminders ?? DEFAULTS.maxIgnoredReminders,
        fatigueCooldown: toMilliseconds(options.fatigueCooldown ?? DEFAULTS.fatigueCooldown, 'fatigueCooldown'),
        holdout: options.holdout ?? DEFAULTS.holdout,
        holdoutSeed: options.holdoutSeed ?? DEFAULTS.holdoutSeed,
        endOfConversation: options.endOfConversation ?? DEFAULTS.endOfConversation,
        sendTimeout,
        // Besides its sends, a timer's turn raises at most 2 flow events (abandoned, then closed), each bounded.
        timerDeadline: Math.min(45_000, 3 * sendTimeout + 2 * flowEventTimeout + 5000),
        flowEventTimeout,
    };
}
