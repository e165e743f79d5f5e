import type { TurnContextLike } from '../../src/core/ports/activity';
import type { FlowSource } from '../../src/core/ports/flowSource';
import type { ActiveFrame, FlowInfo } from '../../src/core/flows/flowInfo';
import type { ItemProperty } from '../../src/agents/storageConversationStore';

/** The flow a test bot is in, kept in a second property of the plugin's item (as the flow marker will be). */
export interface TestFlow {
    flowId: string;
    step: number;
    values: Record<string, unknown>;
}

/** The test bot's one question. */
export const QUESTION = 'What is the client name?';

/**
 * A FlowSource for the Agents binding tests: the bot keeps where the user is in `flow`, a property of the plugin's
 * own storage item, so a timer's claim writes it together with the plugin's record.
 */
export class PropertyFlowSource implements FlowSource {
    constructor(private readonly flow: ItemProperty<TestFlow>) {}

    async path(context: TurnContextLike): Promise<ActiveFrame[]> {
        const f = await this.flow.get(context);
        return f ? [{ id: f.flowId, state: { stepIndex: f.step, values: f.values, options: {} }, depth: 0, index: 0 }] : [];
    }

    inspect(path: ActiveFrame[]): FlowInfo | undefined {
        const frame = path[0];
        return (
            frame && {
                flowId: frame.id,
                flowDepth: 0,
                flowIndex: 0,
                stepIndex: frame.state.stepIndex as number,
                values: frame.state.values as Record<string, unknown>,
                path,
            }
        );
    }

    async save(context: TurnContextLike): Promise<string> {
        return JSON.stringify((await this.flow.get(context)) ?? null);
    }

    inspectSaved(json: string): FlowInfo | undefined {
        const f = JSON.parse(json) as TestFlow | null;
        return f ? this.inspect([{ id: f.flowId, state: { stepIndex: f.step, values: f.values }, depth: 0, index: 0 }]) : undefined;
    }

    async restore(context: TurnContextLike, json: string): Promise<void> {
        await this.flow.set(context, (JSON.parse(json) as TestFlow | null) ?? undefined);
    }

    async canDrive(): Promise<boolean> {
        return true;
    }

    async reask(context: TurnContextLike): Promise<void> {
        await context.sendActivity({ type: 'message', text: QUESTION, inputHint: 'expectingInput' });
    }

    async restart(context: TurnContextLike, info: FlowInfo): Promise<void> {
        await this.flow.set(context, { flowId: info.flowId, step: 0, values: {} });
        await this.reask(context);
    }

    async clear(context: TurnContextLike): Promise<void> {
        await this.flow.set(context, undefined);
    }

    async hasFallback(): Promise<boolean> {
        return false;
    }

    async beginFallback(): Promise<boolean> {
        return false;
    }
}
