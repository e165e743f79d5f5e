import assert from 'assert';
import type { Storage, StoreItems } from 'botbuilder';
import { MongoStorage } from '../../src';
import type { BotStorage } from '../../src/mongo/storageDocument';
import { freshDb } from '../support/mongo';

// MongoStorage declares its Storage interface structurally (BotStorage) instead of importing botbuilder's, so
// that the same class serves the Microsoft 365 Agents SDK. These assignments are the check that it still fits
// botbuilder's: if either interface drifts, this file stops compiling.
describe("MongoStorage's structural Storage type", function () {
    it("is assignable to botbuilder's Storage, and botbuilder's to it", async function () {
        const db = await freshDb();
        try {
            const storage: Storage = new MongoStorage({ mongo: db.db });
            const back: BotStorage = storage;
            await back.write({ k: { n: 1 } });
            const items: StoreItems = await storage.read(['k']);
            assert.strictEqual(items.k.n, 1);
        } finally {
            await db.close();
        }
    });
});
