import { Storage, StoreItems } from 'botbuilder';
import type { Db } from 'mongodb';
import { MongoStorage } from '../../src';
import { isETagConflict } from '../../src/core/util/etagConflict';
import { InactivityState, readState, STATE_PROPERTY } from '../../src/core/turn/inactivityState';

/** A successful write of a conversation's state, as the race tests see it. */
export interface StoredWrite {
    /** When it was stored (epoch ms). */
    at: number;
    /** The plugin's record it stored. */
    plugin?: InactivityState;
}

/**
 * The bot state storage the race tests share between bot instances: `MongoStorage` on the test's database,
 * counting the eTag conflicts it refuses and logging what it stored.
 *
 * @param db The test's database.
 * @returns The storage, its conflict count, the writes it stored per key and a close function.
 */
export async function raceStorage(db: Db): Promise<{ storage: Storage; conflicts(): number; writes(key: string): StoredWrite[]; close(): Promise<void> }> {
    const inner = new MongoStorage({ mongo: db });
    let conflicts = 0;
    const log = new Map<string, StoredWrite[]>();
    const storage: Storage = {
        read: (keys: string[]) => inner.read(keys),
        delete: (keys: string[]) => inner.delete(keys),
        write: async (changes: StoreItems) => {
            try {
                await inner.write(changes);
                const at = Date.now();
                for (const [key, item] of Object.entries(changes)) {
                    log.set(key, [...(log.get(key) ?? []), { at, plugin: readState((item as Record<string, unknown>)[STATE_PROPERTY]) }]);
                }
            } catch (err) {
                if (isETagConflict(err)) conflicts++;
                throw err;
            }
        },
    };
    return { storage, conflicts: () => conflicts, writes: (key) => log.get(key) ?? [], close: () => inner.close() };
}
