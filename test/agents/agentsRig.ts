import { MemoryStorage, TurnContext } from '@microsoft/agents-hosting';
import { AgentsBinding } from '../../src/agents/agentsBinding';
import { StorageConversationStore } from '../../src/agents/storageConversationStore';
import { InactivityTestAdapter } from '../../src/agents/testing/inactivityTestAdapter';
import { InactivityEngine } from '../../src/core/engine';
import type { TurnContextLike } from '../../src/core/ports/activity';
import type { CoreOptions } from '../../src/core/policy/options';
import { resolveSettings } from '../../src/core/policy/settings';
import { STATE_PROPERTY } from '../../src/core/turn/inactivityState';
import type { BotStorage } from '../../src/mongo/storageDocument';
import { TestScheduler } from '../../src/testing/testScheduler';
import { PropertyFlowSource, QUESTION, TestFlow } from './propertyFlowSource';

/** The Agents binding and store under the engine, on the real SDK, with a bot that asks one question. */
export interface AgentsRig {
    adapter: InactivityTestAdapter;
    scheduler: TestScheduler;
    engine: InactivityEngine;
    store: StorageConversationStore;
    storage: BotStorage;
    /** The user turns the bot's own logic saw (the plugin's buttons must not reach it). */
    botTexts: string[];
    errors: Error[];
}

/**
 * The engine with the Agents SDK ports: AgentsBinding on an InactivityTestAdapter (a CloudAdapter), the
 * StorageConversationStore, and a test flow kept in the same item. "add" begins the flow; any other message
 * answers it.
 *
 * @param options Plugin options.
 * @param extra `storage`, `botAppId`.
 * @returns The rig, started.
 */
export async function createAgentsRig(options: Partial<CoreOptions> = {}, extra: { storage?: BotStorage } = {}): Promise<AgentsRig> {
    const scheduler = new TestScheduler();
    const adapter = new InactivityTestAdapter();
    const storage = extra.storage ?? new MemoryStorage();
    const store = new StorageConversationStore(storage, STATE_PROPERTY);
    const flow = store.property<TestFlow>('testFlow');
    const errors: Error[] = [];
    const full: CoreOptions = { scheduler, now: scheduler.now, onError: (e) => void errors.push(e), ...options };
    const settings = resolveSettings(full);
    const engine = new InactivityEngine({
        options: full,
        settings,
        ports: { bot: new AgentsBinding(adapter, settings.botAppId), flows: new PropertyFlowSource(flow), conversations: store, scheduler },
    });
    const botTexts: string[] = [];
    adapter.use({ onTurn: (context: TurnContext, next) => engine.onTurn(context as unknown as TurnContextLike, next) });
    adapter.logic = async (context) => {
        if (context.activity.type !== 'message') {
            return;
        }
        const text = context.activity.text ?? '';
        botTexts.push(text);
        const ctx = context as unknown as TurnContextLike;
        if (text === 'add') {
            await flow.set(ctx, { flowId: 'addClient', step: 0, values: {} });
            await context.sendActivity({ type: 'message', text: QUESTION, inputHint: 'expectingInput' } as never);
        } else if (await flow.get(ctx)) {
            await flow.set(ctx, undefined);
            await context.sendActivity(`Added ${text}.`);
        }
    };
    await scheduler.start(engine.timerHandler());
    engine.started = true;
    return { adapter, scheduler, engine, store, storage, botTexts, errors };
}
