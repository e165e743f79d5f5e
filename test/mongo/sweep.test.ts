import assert from 'assert';
import { ConversationState, MemoryStorage, TestAdapter } from 'botbuilder';
import type { CommandStartedEvent, Db } from 'mongodb';
import { InactivityConfigError, InactivityMiddleware } from '../../src';
import type { InactivityOptions } from '../../src';
import { deleteInBatches } from '../../src/mongo/batchDelete';
import { lastSweep } from '../../src/mongo/sweepLog';
import { serviceOn } from '../followups/followUpRig';
import { freshDb } from '../support/mongo';

const DAY = 24 * 3_600_000;

/** Polls `read` every 50 ms until it gives something, for at most 10 s. */
async function until<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
    for (let waited = 0; waited < 10_000; waited += 50) {
        const value = await read();
        if (value !== undefined) {
            return value;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return undefined;
}

function botbuilderMiddleware(db: Db, options: Partial<InactivityOptions>): InactivityMiddleware {
    return new InactivityMiddleware({
        adapter: Object.assign(new TestAdapter(async () => undefined), { continueConversationAsync: async () => undefined }),
        conversationState: new ConversationState(new MemoryStorage()),
        mongo: db,
        ...options,
    });
}

describe('sweeps: batched deletes, every sweepEvery, reported by health()', function () {
    this.timeout(60_000);

    it('deleteInBatches removes what matches in commands of at most batchSize documents, and nothing else', async () => {
        const mongo = await freshDb({ monitorCommands: true });
        try {
            const c = mongo.db.collection<{ old: boolean; n: number }>('batched');
            await c.insertMany(Array.from({ length: 2_500 }, (_, n) => ({ old: true, n })));
            await c.insertMany(Array.from({ length: 100 }, (_, n) => ({ old: false, n })));
            const deletes: number[] = [];
            const listen = (event: CommandStartedEvent) => {
                if (event.commandName === 'delete') {
                    deletes.push(
                        ...(event.command.deletes as Array<{ q: { $and: [unknown, { _id: { $in: unknown[] } }] } }>).map((d) => d.q.$and[1]._id.$in.length)
                    );
                }
            };
            mongo.client.on('commandStarted', listen);
            assert.strictEqual(await deleteInBatches(c, { old: true }, 1_000), 2_500);
            mongo.client.off('commandStarted', listen);
            assert.deepStrictEqual(deletes, [1_000, 1_000, 500], 'three delete commands, none over the batch size');
            assert.strictEqual(await c.countDocuments({}), 100);
            assert.strictEqual(await c.countDocuments({ old: false }), 100, 'the new ones stay');
        } finally {
            await mongo.close();
        }
    });

    it("the middleware's sweep deletes old runs, events and saved flows in batches and records what it did in <prefix>Sweeps", async () => {
        const mongo = await freshDb();
        const now = Date.UTC(2026, 11, 7, 10);
        const old = new Date(now - 100 * DAY);
        try {
            await mongo.db.collection('inactivityRuns').insertMany(Array.from({ length: 30 }, () => ({ endedAt: old })));
            await mongo.db.collection('inactivityRuns').insertOne({ endedAt: new Date(now) });
            await mongo.db.collection('inactivityEvents').insertMany(Array.from({ length: 12 }, (_, i) => ({ eventId: `e${i}`, at: old })));
            await mongo.db.collection('inactivitySnapshots').insertMany(Array.from({ length: 5 }, (_, i) => ({ snapshotId: `s${i}`, purgeAt: old })));
            const adapter = new TestAdapter(async () => undefined);
            const inactivity = new InactivityMiddleware({
                adapter: Object.assign(adapter, { continueConversationAsync: async () => undefined }),
                conversationState: new ConversationState(new MemoryStorage()),
                mongo: mongo.db,
                now: () => now,
                sweepBatchSize: 7,
                sweepEvery: '30 minutes',
            });
            await inactivity.start();
            // start() waits for its first sweep at most schedulerTimeout; this one is small and done by then or soon after.
            const swept = await until(() => lastSweep(mongo.db, 'inactivity', 'inactivity'));
            await inactivity.stop();
            assert.ok(swept);
            assert.strictEqual(await mongo.db.collection('inactivityRuns').countDocuments({ endedAt: { $exists: true } }), 1);
            assert.strictEqual(await mongo.db.collection('inactivityEvents').countDocuments({}), 0);
            assert.strictEqual(await mongo.db.collection('inactivitySnapshots').countDocuments({}), 0);
            const report = await lastSweep(mongo.db, 'inactivity', 'inactivity');
            assert.deepStrictEqual(report?.deleted, {
                'inactivitySnapshots:expired': 0,
                inactivitySnapshots: 5,
                inactivityRuns: 30,
                inactivityEvents: 12,
                inactivityActiveFlows: 0,
            });
            assert.strictEqual(report?.at.getTime(), now);
            assert.strictEqual(report?.batchSize, 7);
            assert.ok(typeof report?.ms === 'number' && report.ms >= 0);
            // The recurring sweep's lease (one instance per interval): next due sweepEvery (30 minutes) after its start.
            const lease = await mongo.db.collection('inactivityJobs').findOne({ name: 'bbi:repeat', task: 'botbuilder-inactivity:expire-snapshots' });
            const dueIn = (lease?.nextRunAt as Date).getTime() - Date.now();
            assert.ok(dueIn > 25 * 60_000 && dueIn <= 30 * 60_000, `next sweep in ${Math.round(dueIn / 60_000)} minutes`);
        } finally {
            await mongo.close();
        }
    });

    it('a backlog does not hold start() past schedulerTimeout, and stop() ends the sweep after its current batch', async () => {
        const mongo = await freshDb();
        const errors: Error[] = [];
        try {
            const old = new Date(Date.now() - 100 * DAY);
            await mongo.db.collection('inactivityRuns').insertMany(Array.from({ length: 3_000 }, () => ({ endedAt: old })));
            // Batches of 2: 1,500 delete commands, far longer than schedulerTimeout (300 ms) on any server.
            const inactivity = botbuilderMiddleware(mongo.db, { sweepBatchSize: 2, schedulerTimeout: 300, onError: (e) => void errors.push(e) });
            const t0 = Date.now();
            await inactivity.start();
            const started = Date.now() - t0;
            const t1 = Date.now();
            await inactivity.stop();
            const stopped = Date.now() - t1;
            const left = await mongo.db.collection('inactivityRuns').countDocuments({ endedAt: { $exists: true } });
            assert.ok(left > 0 && left < 3_000, `the sweep had begun and was stopped part way: ${left} left`);
            const report = await lastSweep(mongo.db, 'inactivity', 'inactivity');
            assert.strictEqual(report?.deleted.inactivityRuns, 3_000 - left, 'what it did is recorded');
            assert.ok(started < 5_000, `start() took ${started} ms`);
            assert.ok(stopped < 5_000, `stop() took ${stopped} ms`);
            assert.deepStrictEqual(
                errors.map((e) => e.message),
                []
            );
        } finally {
            await mongo.close();
        }
    });

    it("the follow-ups' health() reports the last sweep of both kinds; sweepEvery and sweepBatchSize are checked", async () => {
        const mongo = await freshDb();
        try {
            const now = Date.now();
            const finished = new Date(now - 40 * DAY);
            await mongo.db
                .collection('inactivityFollowUps')
                .insertMany(Array.from({ length: 4 }, (_, i) => ({ key: `k${i}`, status: 'executed', finishedAt: finished })));
            const { service } = serviceOn(mongo.db, { sweepBatchSize: 3 });
            await service.start();
            assert.strictEqual(await service.purge(), 4);
            const health = await service.health();
            assert.deepStrictEqual(
                health.lastSweeps.map((s) => [s.name, s.deleted, s.batchSize]),
                [['followUps', { inactivityFollowUps: 4 }, 3]]
            );
            await service.stop();
            for (const bad of [{ sweepEvery: '10 seconds' }, { sweepBatchSize: 0 }, { sweepBatchSize: 1.5 }]) {
                assert.throws(
                    () => serviceOn(mongo.db, bad),
                    (e: Error) => e instanceof InactivityConfigError && /sweep(Every|BatchSize)/.test(e.message)
                );
            }
            assert.throws(
                () =>
                    new InactivityMiddleware({
                        adapter: { continueConversationAsync: async () => undefined },
                        conversationState: new ConversationState(new MemoryStorage()),
                        mongo: mongo.db,
                        sweepEvery: '5 seconds',
                    }),
                (e: Error) => e instanceof InactivityConfigError && /sweepEvery/.test(e.message)
            );
        } finally {
            await mongo.close();
        }
    });
});
