import type { ActiveFrame, FlowInfo, PromptKind } from '../core/flows/flowInfo';
import type { FlowDefinition } from '../core/policy/policy';
import type { DialogsLibrary, DialogStateLike } from './dialogsLibrary';

/** A dialog as the reader sees it: an id, and for a container its dialogs. */
interface DialogNode {
    readonly id: string;
    readonly dialogs?: { getDialogs(): DialogNode[] };
    findDialog?(dialogId: string): DialogNode | undefined;
}

/**
 * The active path through a dialog state: every dialog of the root stack (bottom first), then every dialog of
 * the inner stack of its top one (for component dialogs), and so on. The top of a stack is its last element;
 * the last frame is the dialog waiting for the user.
 *
 * @param state The bot's dialog state.
 * @returns Frames outermost first; empty when no dialog is active.
 */
export function activePath(state: DialogStateLike | undefined): ActiveFrame[] {
    const frames: ActiveFrame[] = [];
    let stack = state?.dialogStack as Array<{ id: string; state?: unknown }> | undefined;
    for (let depth = 0; Array.isArray(stack) && stack.length > 0 && depth < 32; depth++) {
        stack.forEach((instance, index) => frames.push({ id: instance.id, state: (instance.state ?? {}) as Record<string, unknown>, depth, index }));
        const top = frames[frames.length - 1];
        stack = (top.state.dialogs as DialogStateLike | undefined)?.dialogStack as typeof stack;
    }
    return frames;
}

/** The bot's root dialog and the library its classes come from. */
export interface DialogTree {
    /** The bot's root dialog, when it gave one. */
    root?: object;
    /** The dialog library of the bot's SDK. */
    lib: DialogsLibrary;
}

/**
 * Finds a dialog by id anywhere under a root dialog.
 *
 * @param tree The bot's root dialog and its library.
 * @param id The dialog id.
 * @returns The dialog, or `undefined`.
 */
export function findDialog(tree: DialogTree, id: string): object | undefined {
    return findNode(tree.root as DialogNode | undefined, id, tree.lib);
}

function findNode(root: DialogNode | undefined, id: string, lib: DialogsLibrary): DialogNode | undefined {
    if (!root) {
        return undefined;
    }
    if (root.id === id) {
        return root;
    }
    if (root instanceof lib.DialogContainer && root.dialogs) {
        for (const child of root.dialogs.getDialogs()) {
            const found = findNode(child, id, lib);
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
function dialogOfFrame(path: ActiveFrame[], position: number, tree: DialogTree): DialogNode | undefined {
    const frame = path[position];
    for (let i = position - 1; i >= 0; i--) {
        // The last frame one level up is the top of the enclosing stack: the container of this frame's stack.
        if (path[i].depth === frame.depth - 1) {
            const container = dialogOfFrame(path, i, tree);
            const found = container instanceof tree.lib.DialogContainer ? container.findDialog?.(frame.id) : undefined;
            return found ?? (findDialog(tree, frame.id) as DialogNode | undefined);
        }
    }
    return findDialog(tree, frame.id) as DialogNode | undefined;
}

/**
 * Describes the flow on an active path. With configured flows, the outermost configured flow on the path is
 * the flow and nothing else is watched; with none configured, the root dialog is the flow.
 *
 * @param path The active path.
 * @param flows Configured flows by dialog id.
 * @param tree The bot's root dialog, to read step counts and prompt types, and its dialog library.
 * @returns The flow, or `undefined` when no watched flow is active.
 */
export function inspectFlow(path: ActiveFrame[], flows: Record<string, FlowDefinition>, tree: DialogTree): FlowInfo | undefined {
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
        const steps = (dialogOfFrame(path, path.indexOf(waterfall), tree) as unknown as { steps?: unknown[] } | undefined)?.steps;
        info.stepCount = definition?.stepCount ?? (Array.isArray(steps) ? steps.length : undefined);
        info.stepName = definition?.stepNames?.[info.stepIndex];
    }
    const innermost = path[path.length - 1];
    const promptDialog = dialogOfFrame(path, path.length - 1, tree);
    if (
        promptDialog instanceof tree.lib.Prompt ||
        (innermost.state.options && typeof innermost.state.state === 'object' && innermost.state.stepIndex === undefined)
    ) {
        info.prompt = { id: innermost.id, depth: innermost.depth, kind: promptKind(promptDialog, tree.lib) };
    }
    return info;
}

/** The kind of a prompt dialog, checked most specific first: the built-in prompts do not inherit from each other, but a bot's may. */
function promptKind(prompt: DialogNode | undefined, lib: DialogsLibrary): PromptKind | undefined {
    if (prompt instanceof lib.ChoicePrompt) return 'choice';
    if (prompt instanceof lib.ConfirmPrompt) return 'confirm';
    if (prompt instanceof lib.NumberPrompt) return 'number';
    if (prompt instanceof lib.DateTimePrompt) return 'datetime';
    if (prompt instanceof lib.TextPrompt) return 'text';
    return undefined;
}
