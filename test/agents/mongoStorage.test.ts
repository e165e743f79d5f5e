import assert from 'assert';
import { Activity } from '@microsoft/agents-activity';
import { ConversationState, TurnContext } from '@microsoft/agents-hosting';
import type { Storage, StoreItems } from '@microsoft/agents-hosting';
import { MongoStorage } from '../../src/agents';
import type { BotStorage } from '../../src/agents';
import { InactivityTestAdapter } from '../../src/agents/testing';
import { isETagConflict } from '../../src/core/util/etagConflict';
import { freshDb } from '../support/mongo';

// The same MongoStorage, exported by the agents entry, is an Agents SDK Storage: these assignments stop compiling
// if either interface drifts, and the app's own ConversationState runs on it.
describe("MongoStorage as the Agents SDK's Storage", function () {
    it("is assignable to the Agents SDK's Storage and back, and keeps an AgentApplication's conversation state", async function () {
        const db = await freshDb();
        try {
            const storage: Storage = new MongoStorage({ mongo: db.db });
            const back: BotStorage = storage;
            const state = new ConversationState(storage);
            const count = state.createProperty<number>('count');
            const activity = Activity.fromObject({
                type: 'message',
                channelId: 'webchat',
                conversation: { id: 'c-1' },
                from: { id: 'u' },
                recipient: { id: 'b' },
            });
            const context = new TurnContext(new InactivityTestAdapter(), activity);
            await count.set(context, 3);
            await state.saveChanges(context);
            const items: StoreItems = await back.read(['webchat/conversations/c-1/']);
            assert.strictEqual(items['webchat/conversations/c-1/'].count, 3);
            const stale = { ...items['webchat/conversations/c-1/'], eTag: items['webchat/conversations/c-1/'].eTag as string };
            await storage.write({ 'webchat/conversations/c-1/': { ...stale, count: 4 } });
            const conflict = await storage.write({ 'webchat/conversations/c-1/': { ...stale, count: 5 } }).then(
                () => undefined,
                (err: unknown) => err
            );
            assert.ok(isETagConflict(conflict), 'a stale eTag is refused as a conflict the plugin recognises');
        } finally {
            await db.close();
        }
    });
});
