import type { TurnContextLike } from '../ports/activity';
import type { FallbackRequest, FlowSource } from '../ports/flowSource';
import type { MarkerStore } from '../ports/markerStore';
import type { ActiveFrame, FlowInfo } from '../flows/flowInfo';
import type { CoreOptions } from '../policy/options';
import type { FlowDefinition } from '../policy/policy';
import { inspectMarked, markedFlowOf, markedPath, MarkedFlow, readMarkedFlow } from './flowMarker';

/** The bot's code for flows it drives itself (see `CoreOptions`): called when the plugin moves the user. */
export type FlowHooks = Pick<CoreOptions<never>, 'onContinue' | 'onStartOver' | 'onResume' | 'onEnd'>;

/** What a {@link MarkerFlowSource} is made of. */
export interface MarkerFlowSourceParts {
    /** Where the marked flow is kept. */
    store: MarkerStore;
    /** The bot's hooks (the middleware's options). */
    hooks: FlowHooks;
    /** Configured flows by id. */
    flows: Record<string, FlowDefinition>;
    /** The dialog stack, for a bot that also runs dialogs: used whenever no flow is marked. */
    dialogs?: FlowSource;
}

/** A saved marked flow, as `save()` writes it (a saved dialog stack has `dialogStack` instead). */
interface SavedMarker {
    markedFlow: MarkedFlow;
}

/**
 * Where the user is, as the bot said with `flows.step()`; and for a bot that also runs dialogs, its dialog
 * stack whenever no flow is marked. Moving the user is the bot's: Continue sends the step's prompt (or calls
 * `onContinue`), Start over calls `onStartOver`, Resume gives the saved step and answers to `onResume`, and every
 * end the plugin makes calls `onEnd`.
 */
export class MarkerFlowSource implements FlowSource {
    /**
     * @param parts The store, the hooks, the configured flows and the dialog stack, if any.
     */
    constructor(private readonly parts: MarkerFlowSourceParts) {}

    /** @inheritdoc */
    async path(context: TurnContextLike): Promise<ActiveFrame[]> {
        const flow = await this.marked(context);
        if (flow) {
            return markedPath(flow);
        }
        return this.parts.dialogs ? this.parts.dialogs.path(context) : [];
    }

    /** @inheritdoc */
    inspect(path: ActiveFrame[]): FlowInfo | undefined {
        if (markedFlowOf(path)) {
            return inspectMarked(path, this.parts.flows);
        }
        return this.parts.dialogs?.inspect(path);
    }

    /** @inheritdoc */
    async save(context: TurnContextLike): Promise<string> {
        const flow = await this.marked(context);
        if (flow) {
            const saved: SavedMarker = { markedFlow: flow };
            return JSON.stringify(saved);
        }
        return this.parts.dialogs ? this.parts.dialogs.save(context) : '{}';
    }

    /** @inheritdoc */
    inspectSaved(json: string): FlowInfo | undefined {
        const parsed = JSON.parse(json) as Partial<SavedMarker> | null;
        if (parsed && typeof parsed === 'object' && 'markedFlow' in parsed) {
            const flow = readMarkedFlow(parsed.markedFlow);
            if (!flow) {
                throw new Error('The saved flow is not a valid marked flow.');
            }
            return inspectMarked(markedPath(flow), this.parts.flows);
        }
        return this.parts.dialogs?.inspectSaved(json);
    }

    /** @inheritdoc */
    async restore(context: TurnContextLike, json: string): Promise<void> {
        const parsed = JSON.parse(json) as Partial<SavedMarker> | null;
        const flow = parsed && typeof parsed === 'object' && 'markedFlow' in parsed ? readMarkedFlow(parsed.markedFlow) : undefined;
        if (!flow) {
            await this.parts.dialogs?.restore(context, json);
            return;
        }
        await this.parts.store.set(context, flow);
        await this.call('onResume', context, flow);
    }

    /** @inheritdoc */
    async canDrive(context: TurnContextLike, info?: FlowInfo): Promise<boolean> {
        const flow = await this.marked(context);
        if (!flow) {
            return this.parts.dialogs ? this.parts.dialogs.canDrive(context, info) : false;
        }
        // With a flow: whether it can be restarted; without: whether the step can be asked again.
        return info ? this.parts.hooks.onStartOver !== undefined : this.parts.hooks.onContinue !== undefined || flow.prompt !== undefined;
    }

    /** @inheritdoc */
    async reask(context: TurnContextLike): Promise<void> {
        const flow = await this.marked(context);
        if (!flow) {
            await this.parts.dialogs?.reask(context);
        } else if (this.parts.hooks.onContinue) {
            await this.call('onContinue', context, flow);
        } else if (flow.prompt !== undefined) {
            await context.sendActivity(typeof flow.prompt === 'string' ? { type: 'message', text: flow.prompt } : { ...flow.prompt });
        }
    }

    /** @inheritdoc */
    async restart(context: TurnContextLike, info: FlowInfo): Promise<void> {
        const flow = await this.marked(context);
        if (!flow) {
            await this.parts.dialogs?.restart(context, info);
            return;
        }
        await this.end(context, flow);
        await this.call('onStartOver', context, flow);
    }

    /** @inheritdoc */
    async clear(context: TurnContextLike): Promise<void> {
        const flow = await this.marked(context);
        if (flow) {
            await this.end(context, flow);
        }
        await this.parts.dialogs?.clear(context);
    }

    /** A marked flow has no fallback dialog to begin; a dialog flow may. @inheritdoc */
    async hasFallback(context: TurnContextLike, request: FallbackRequest): Promise<boolean> {
        return !(await this.marked(context)) && this.parts.dialogs !== undefined && this.parts.dialogs.hasFallback(context, request);
    }

    /** @inheritdoc */
    async beginFallback(context: TurnContextLike, request: FallbackRequest): Promise<boolean> {
        return !(await this.marked(context)) && this.parts.dialogs !== undefined && this.parts.dialogs.beginFallback(context, request);
    }

    /** The flow the bot marked, as this turn holds it. */
    private async marked(context: TurnContextLike): Promise<MarkedFlow | undefined> {
        return readMarkedFlow(await this.parts.store.get(context));
    }

    /** Forgets the marked flow, then lets the bot clear its own state. */
    private async end(context: TurnContextLike, flow: MarkedFlow): Promise<void> {
        await this.parts.store.set(context, undefined);
        await this.call('onEnd', context, flow);
    }

    private async call(hook: keyof FlowHooks, context: TurnContextLike, flow: MarkedFlow): Promise<void> {
        const fn = this.parts.hooks[hook] as ((context: TurnContextLike, flow: MarkedFlow) => void | Promise<void>) | undefined;
        // The bot gets its own copy: what it changes is not what the plugin saved.
        await fn?.(context, { ...flow, values: structuredClone(flow.values) });
    }
}
