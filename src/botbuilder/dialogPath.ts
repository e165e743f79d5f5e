import { Dialog, DialogContainer, DialogState, Prompt } from 'botbuilder-dialogs';
import { mergePolicy } from '../core/policy/config';
import type { ResolvedPolicy } from '../core/policy/options';
import type { FlowDefinition } from '../core/policy/policy';

/** One dialog on the active path. */
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
    /** The prompt waiting for an answer, if any. */
    prompt?: { id: string; depth: number; dialog?: Dialog };
    /** Values the flow's waterfall collected so far. */
    values: Record<string, unknown>;
    /** The whole active path, outermost first. */
    path: ActiveFrame[];
}

/**
 * The active path through a dialog state: every dialog of the root stack (bottom first), then every dialog of
 * the inner stack of its top one (for component dialogs), and so on. The top of a stack is its last element;
 * the last frame is the dialog waiting for the user.
 *
 * @param state The bot's dialog state.
 * @returns Frames outermost first; empty when no dialog is active.
 */
export function activePath(state: DialogState | undefined): ActiveFrame[] {
    const frames: ActiveFrame[] = [];
    let stack = state?.dialogStack;
    for (let depth = 0; Array.isArray(stack) && stack.length > 0 && depth < 32; depth++) {
        stack.forEach((instance, index) => frames.push({ id: instance.id, state: (instance.state ?? {}) as Record<string, unknown>, depth, index }));
        const top = frames[frames.length - 1];
        stack = (top.state.dialogs as DialogState | undefined)?.dialogStack;
    }
    return frames;
}

/**
 * Finds a dialog by id anywhere under a root dialog.
 *
 * @param root The bot's root dialog.
 * @param id The dialog id.
 * @returns The dialog, or `undefined`.
 */
export function findDialog(root: Dialog | undefined, id: string): Dialog | undefined {
    if (!root) {
        return undefined;
    }
    if (root.id === id) {
        return root;
    }
    if (root instanceof DialogContainer) {
        for (const child of root.dialogs.getDialogs()) {
            const found = findDialog(child, id);
            if (found) {
                return found;
            }
        }
    }
    return undefined;
}

/**
 * The dialog a frame runs. Ids are unique only inside one container (every component of Microsoft's samples
 * has a 'WATERFALL_DIALOG'), so a frame is looked up in the dialog whose inner stack holds it; a search of the
 * whole tree is the fallback when that container is unknown.
 */
function dialogOfFrame(path: ActiveFrame[], position: number, root: Dialog | undefined): Dialog | undefined {
    const frame = path[position];
    for (let i = position - 1; i >= 0; i--) {
        // The last frame one level up is the top of the enclosing stack: the container of this frame's stack.
        if (path[i].depth === frame.depth - 1) {
            const container = dialogOfFrame(path, i, root);
            const found = container instanceof DialogContainer ? container.findDialog(frame.id) : undefined;
            return found ?? findDialog(root, frame.id);
        }
    }
    return findDialog(root, frame.id);
}

/**
 * Describes the flow on an active path. With configured flows, the outermost configured flow on the path is
 * the flow and nothing else is watched; with none configured, the root dialog is the flow.
 *
 * @param path The active path.
 * @param flows Configured flows by dialog id.
 * @param root The bot's root dialog, to read step counts and prompt types.
 * @returns The flow, or `undefined` when no watched flow is active.
 */
export function inspectFlow(path: ActiveFrame[], flows: Record<string, FlowDefinition>, root?: Dialog): FlowInfo | undefined {
    if (path.length === 0) {
        return undefined;
    }
    const configured = Object.keys(flows).length > 0;
    const flowFrame = configured ? path.find((f) => flows[f.id]) : path[0];
    if (!flowFrame) {
        return undefined;
    }
    const definition = flows[flowFrame.id];
    const info: FlowInfo = { flowId: flowFrame.id, flowDepth: flowFrame.depth, flowIndex: flowFrame.index, definition, values: {}, path };
    const waterfall = path.slice(path.indexOf(flowFrame)).find((f) => typeof f.state.stepIndex === 'number');
    if (waterfall) {
        info.stepIndex = waterfall.state.stepIndex as number;
        // Waterfalls keep their own bookkeeping (`instanceId`) among the values; it is not something the user entered.
        const { instanceId: _instanceId, ...values } = (waterfall.state.values as Record<string, unknown> | undefined) ?? {};
        info.values = values;
        const steps = (dialogOfFrame(path, path.indexOf(waterfall), root) as unknown as { steps?: unknown[] } | undefined)?.steps;
        info.stepCount = definition?.stepCount ?? (Array.isArray(steps) ? steps.length : undefined);
        info.stepName = definition?.stepNames?.[info.stepIndex];
    }
    const innermost = path[path.length - 1];
    const promptDialog = dialogOfFrame(path, path.length - 1, root);
    if (promptDialog instanceof Prompt || (innermost.state.options && typeof innermost.state.state === 'object' && innermost.state.stepIndex === undefined)) {
        info.prompt = { id: innermost.id, depth: innermost.depth, dialog: promptDialog };
    }
    return info;
}

/**
 * The policy in force for a flow: the base, then each configured flow on the path (outermost first) with its
 * policy for the step it is on. The innermost setting wins.
 *
 * @param base The plugin-wide policy.
 * @param info The flow.
 * @param flows Configured flows.
 * @returns The merged policy.
 */
export function resolvePolicy(base: ResolvedPolicy, info: FlowInfo, flows: Record<string, FlowDefinition>): ResolvedPolicy {
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
