import { mergePolicy } from '../policy/config';
import type { ResolvedPolicy } from '../policy/options';
import type { FlowDefinition } from '../policy/policy';

/** The kinds of question whose answer the plugin can give an example of. */
export type PromptKind = 'choice' | 'confirm' | 'number' | 'datetime' | 'text';

/** One flow or step on the active path (a dialog, for bots on botbuilder-dialogs). */
export interface ActiveFrame {
    /** The dialog id. */
    id: string;
    /** Its persisted state (waterfall: `{ options, values, stepIndex }`; prompt: `{ options, state }`). */
    state: Record<string, unknown>;
    /** 0 for the root stack, 1 inside the root's component dialog, and so on. */
    depth: number;
    /** Position in its stack (0 = bottom). */
    index: number;
}

/** What the plugin can tell about the flow a user is in. */
export interface FlowInfo {
    /** The flow's dialog id. */
    flowId: string;
    /** Depth of the flow's stack. */
    flowDepth: number;
    /** Position of the flow in its stack. */
    flowIndex: number;
    /** The flow's definition, when one is configured. */
    definition?: FlowDefinition;
    /** Zero-based waterfall step of the flow, when known. */
    stepIndex?: number;
    /** Number of steps, when known. */
    stepCount?: number;
    /** The step's name from `stepNames`, when given. */
    stepName?: string;
    /** The prompt waiting for an answer, if any: its id, depth and kind (for the example an explicit re-prompt gives). */
    prompt?: { id: string; depth: number; kind?: PromptKind };
    /** Values the flow's waterfall collected so far. */
    values: Record<string, unknown>;
    /** The whole active path, outermost first. */
    path: ActiveFrame[];
}

/** Where policies come from: the resolved settings' plugin-wide policy, channels and flows. */
export interface PolicySources {
    /** The plugin-wide policy. */
    policy: ResolvedPolicy;
    /** Each configured channel's defaults, by channel id. */
    channels: ReadonlyMap<string, ResolvedPolicy>;
    /** Configured flows. */
    flows: Record<string, FlowDefinition>;
}

/**
 * The defaults on a channel: the channel's own when it has some, else the plugin-wide policy.
 *
 * @param sources The resolved settings.
 * @param channelId The conversation's channel (the activity's `channelId`).
 * @returns The policy every flow on that channel starts from.
 */
export function channelPolicy(sources: PolicySources, channelId: string | undefined): ResolvedPolicy {
    return (channelId !== undefined && sources.channels.get(channelId)) || sources.policy;
}

/**
 * The policy in force for a flow: the channel's defaults ({@link channelPolicy}), then each configured flow on
 * the path (outermost first) with its policy for the step it is on. The innermost setting wins.
 *
 * @param sources The resolved settings.
 * @param info The flow.
 * @param channelId The conversation's channel.
 * @returns The merged policy.
 */
export function resolvePolicy(sources: PolicySources, info: FlowInfo, channelId: string | undefined): ResolvedPolicy {
    const base = channelPolicy(sources, channelId);
    const flows = sources.flows;
    // Every turn resolves the policy once or twice, each time from the same few places in the same few flows:
    // merged once per place (the durations parsed once), then shared, frozen so that no turn can change another's.
    let signature = '';
    let configured = false;
    for (const frame of info.path) {
        configured ||= flows[frame.id] !== undefined;
        signature += `${frame.id}\u0000${typeof frame.state.stepIndex === 'number' ? frame.state.stepIndex : ''}\u0001`;
    }
    if (!configured) {
        return base;
    }
    let byBase = resolvedPolicies.get(flows);
    if (!byBase) {
        byBase = new WeakMap();
        resolvedPolicies.set(flows, byBase);
    }
    let known = byBase.get(base);
    if (!known) {
        known = new Map();
        byBase.set(base, known);
    }
    const cached = known.get(signature);
    if (cached) {
        return cached;
    }
    const policy = mergeOnPath(base, info.path, flows);
    Object.freeze(policy.messages);
    if (known.size >= MAX_RESOLVED_POLICIES) {
        known.clear();
    }
    known.set(signature, Object.freeze(policy));
    return policy;
}

/** Policies resolved so far, by the flows and base they came from, then by the path's dialog ids and steps. */
const resolvedPolicies = new WeakMap<Record<string, FlowDefinition>, WeakMap<ResolvedPolicy, Map<string, ResolvedPolicy>>>();

/** Places kept per configuration at most (a bot has a few dozen; past this the cache starts again). */
const MAX_RESOLVED_POLICIES = 1000;

function mergeOnPath(base: ResolvedPolicy, path: ActiveFrame[], flows: Record<string, FlowDefinition>): ResolvedPolicy {
    let policy = base;
    const info = { path };
    info.path.forEach((frame, position) => {
        const def = flows[frame.id];
        if (!def) {
            return;
        }
        policy = mergePolicy(policy, def);
        const inner = info.path.slice(position);
        const wf = inner.find((f) => typeof f.state.stepIndex === 'number');
        const stepIndex = wf ? (wf.state.stepIndex as number) : undefined;
        const keys = [
            stepIndex !== undefined ? def.stepNames?.[stepIndex] : undefined,
            stepIndex !== undefined ? String(stepIndex + 1) : undefined,
            ...inner.slice(1).map((f) => f.id),
        ];
        for (const key of keys) {
            if (key && def.steps?.[key]) {
                policy = mergePolicy(policy, def.steps[key]);
            }
        }
    });
    return policy;
}

/**
 * Collected values as interpolation variables: strings, numbers and booleans, one level of nesting as `a.b`.
 *
 * @param values A waterfall's `values`.
 * @returns Variables for locale texts.
 */
export function valueVariables(values: Record<string, unknown>): Record<string, string | number | boolean> {
    const out: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(values)) {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
            out[k] = v;
        } else if (v && typeof v === 'object' && !Array.isArray(v)) {
            for (const [k2, v2] of Object.entries(v)) {
                if (typeof v2 === 'string' || typeof v2 === 'number' || typeof v2 === 'boolean') {
                    out[`${k}.${k2}`] = v2;
                }
            }
        }
    }
    return out;
}

/**
 * Identifies the prompt waiting for an answer: its id, depth and the waterfall step that began it, so that the
 * same prompt asked again at a later step counts as a new question.
 *
 * @param path The active path.
 * @returns An identity string, or `undefined` when no prompt waits.
 */
export function promptIdentity(path: ActiveFrame[]): string | undefined {
    const top = path[path.length - 1];
    if (!top || top.state.stepIndex !== undefined || !top.state.options || typeof top.state.state !== 'object') {
        return undefined;
    }
    const parent = path[path.length - 2];
    return `${top.depth}:${top.id}:${typeof parent?.state.stepIndex === 'number' ? parent.state.stepIndex : '-'}`;
}

/**
 * Identifies the question the user is answering, for counting invalid answers: the prompt waiting
 * ({@link promptIdentity}), else the step of the flow (a marked flow's step, a waterfall step that validates in
 * its own code).
 *
 * @param path The active path.
 * @param info The flow on it, if any.
 * @returns An identity string, or `undefined` outside a flow.
 */
export function questionIdentity(path: ActiveFrame[], info: FlowInfo | undefined): string | undefined {
    return promptIdentity(path) ?? (info ? `step:${info.flowId}:${info.stepName ?? info.stepIndex ?? '-'}` : undefined);
}
