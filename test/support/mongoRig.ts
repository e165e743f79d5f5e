import assert from 'assert';
import type { Db } from 'mongodb';
import type { InactivityOptions } from '../../src';
import { freshDb } from './mongo';
import { createRig, Rig } from './testBot';

/**
 * Sample rigs with real snapshot and abandonment stores, each on a fresh database (the scheduler stays the
 * fake one: start() opens the stores on `mongo` and keeps the given scheduler). Call `closeAll` after each test.
 *
 * @returns `setup` to make a rig and `closeAll` to check and close every rig made since the last call.
 */
export function mongoRigs(): { setup(options?: Partial<InactivityOptions>): Promise<{ rig: Rig; db: Db; t0: number }>; closeAll(): Promise<void> } {
    let open: Array<{ rig?: Rig; close(): Promise<void> }> = [];
    return {
        async setup(options = {}) {
            const mongo = await freshDb();
            const entry: { rig?: Rig; close(): Promise<void> } = { close: () => mongo.close() };
            open.push(entry);
            entry.rig = await createRig({ mongo: mongo.db, ...options });
            return { rig: entry.rig, db: mongo.db, t0: entry.rig.clock.now };
        },
        async closeAll() {
            const done = open;
            open = [];
            for (const entry of done) {
                await entry.rig?.inactivity.stop();
                await entry.close();
                assert.deepStrictEqual(entry.rig?.errors ?? [], [], 'the plugin reported no error');
            }
        },
    };
}
