import type { TurnContextLike } from '../core/ports/activity';
import type { FallbackRequest, FlowSource } from '../core/ports/flowSource';
import type { ActiveFrame, FlowInfo } from '../core/flows/flowInfo';
import type { FlowDefinition } from '../core/policy/policy';
import { activePath, DialogTree, inspectFlow } from './dialogPath';
import type { DialogContextLike, DialogLike, DialogsLibrary, DialogSetLike, DialogStateAccessor, DialogStateLike } from './dialogsLibrary';

/** What a {@link DialogFlowSource} reads. */
export interface DialogFlowSourceOptions {
    /** The accessor of the bot's dialog state. */
    dialogState: DialogStateAccessor;
    /** The bot's root dialog; without it flows can be watched but not re-asked, restarted or replaced. */
    dialog?: DialogLike;
    /** Configured flows by dialog id. */
    flows: Record<string, FlowDefinition>;
}

/** A dialog state accessor with the turn's type the reader calls it with. */
interface Accessor {
    get(context: TurnContextLike, defaultValue?: DialogStateLike): Promise<DialogStateLike>;
    set(context: TurnContextLike, value: DialogStateLike): Promise<void>;
}

/**
 * Where the user is, read from a dialog stack (botbuilder-dialogs, or the Agents SDK's
 * `@microsoft/agents-hosting-dialogs`): the active dialogs are the flow (a configured dialog id, or the root
 * dialog) and its step (the waterfall's `stepIndex`, the prompt waiting).
 */
export class DialogFlowSource implements FlowSource {
    private readonly dialogs?: DialogSetLike;
    private readonly accessor: Accessor;
    private readonly tree: DialogTree;

    /**
     * @param options The dialog state, the root dialog and the configured flows.
     * @param lib The dialog library of the bot's SDK.
     */
    constructor(
        private readonly options: DialogFlowSourceOptions,
        lib: DialogsLibrary
    ) {
        this.accessor = options.dialogState as unknown as Accessor;
        this.tree = { root: options.dialog, lib };
        this.dialogs = options.dialog ? new lib.DialogSet(this.accessor as never).add(options.dialog) : undefined;
    }

    /** @inheritdoc */
    async path(context: TurnContextLike): Promise<ActiveFrame[]> {
        return activePath(await this.state(context));
    }

    /** @inheritdoc */
    inspect(path: ActiveFrame[]): FlowInfo | undefined {
        return inspectFlow(path, this.options.flows, this.tree);
    }

    /** @inheritdoc */
    async save(context: TurnContextLike): Promise<string> {
        return JSON.stringify(await this.state(context));
    }

    /** @inheritdoc */
    inspectSaved(json: string): FlowInfo | undefined {
        return this.inspect(activePath(JSON.parse(json) as DialogStateLike));
    }

    /** @inheritdoc */
    async restore(context: TurnContextLike, json: string): Promise<void> {
        await this.accessor.set(context, JSON.parse(json) as DialogStateLike);
    }

    /** @inheritdoc */
    async canDrive(context: TurnContextLike, info?: FlowInfo): Promise<boolean> {
        return (await this.contextAt(context, info?.flowDepth ?? 0))?.activeDialog !== undefined;
    }

    /** @inheritdoc */
    async reask(context: TurnContextLike): Promise<void> {
        await (await this.contextAt(context, 0))?.repromptDialog();
    }

    /** @inheritdoc */
    async restart(context: TurnContextLike, info: FlowInfo): Promise<void> {
        const dc = await this.contextAt(context, info.flowDepth);
        if (!dc) {
            return;
        }
        // Dialogs the flow began (its prompt) are dropped quietly: ending them would resume the flow with a result.
        dc.stack.length = info.flowIndex + 1;
        // A ComponentDialog keeps its begin options on its inner first dialog, not on its own stack entry.
        const flowFrame = info.path.find((f) => f.depth === info.flowDepth && f.index === info.flowIndex);
        const innerFirst = info.path.find((f) => f.depth === info.flowDepth + 1 && f.index === 0);
        const options = (flowFrame?.state.options ?? (flowFrame?.state.dialogs ? innerFirst?.state.options : undefined)) as object | undefined;
        await dc.replaceDialog(info.flowId, options);
    }

    /** @inheritdoc */
    async clear(context: TurnContextLike): Promise<void> {
        const dc = await this.contextAt(context, 0);
        if (dc) {
            await dc.cancelAllDialogs();
        } else {
            await this.accessor.set(context, { dialogStack: [] });
        }
    }

    /** @inheritdoc */
    async hasFallback(context: TurnContextLike, request: FallbackRequest): Promise<boolean> {
        return (await this.fallbackDepth(context, request)) !== undefined;
    }

    /**
     * Begins the fallback in place of the flow when it is registered beside it (so the dialogs around the flow
     * stay), otherwise inside the flow at the first level registering it.
     *
     * @inheritdoc
     */
    async beginFallback(context: TurnContextLike, request: FallbackRequest): Promise<boolean> {
        const depth = await this.fallbackDepth(context, request);
        const dc = depth === undefined ? undefined : await this.contextAt(context, depth);
        if (depth === undefined || !dc) {
            return false;
        }
        if (depth === request.info.flowDepth) {
            dc.stack.length = request.info.flowIndex + 1;
            await dc.replaceDialog(request.fallback);
        } else {
            await dc.cancelAllDialogs();
            await dc.beginDialog(request.fallback);
        }
        return true;
    }

    private state(context: TurnContextLike): Promise<DialogStateLike> {
        return this.accessor.get(context, { dialogStack: [] });
    }

    /** The depth at which a fallback dialog can begin: beside the flow when registered there, else inside it. */
    private async fallbackDepth(context: TurnContextLike, request: FallbackRequest): Promise<number | undefined> {
        let depth = request.info.flowDepth;
        for (let dc = await this.contextAt(context, depth); dc; dc = dc.child, depth++) {
            if (dc.dialogs.find(request.fallback)) {
                return depth;
            }
        }
        return undefined;
    }

    /** The dialog context at a depth of the active path (0 = the root set), when the bot gave its root dialog. */
    private async contextAt(context: TurnContextLike, depth: number): Promise<DialogContextLike | undefined> {
        if (!this.dialogs) {
            return undefined;
        }
        let dc: DialogContextLike | undefined = await this.dialogs.createContext(context);
        for (let i = 0; i < depth && dc; i++) {
            dc = dc.child;
        }
        return dc;
    }
}
