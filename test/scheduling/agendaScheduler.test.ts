import assert from 'assert';
import { Collection, Db, MongoClient } from 'mongodb';
import sinon from 'sinon';
import { freePort } from '../../samples/embeddedMongo';
import { InactivitySchedulerError } from '../../src/core/errors';
import { AgendaScheduler, TIMER_JOB_NAME } from '../../src/scheduling/agendaScheduler';
import { LOCK_INDEX } from '../../src/scheduling/lockQueries';
import { timerId } from '../../src/scheduling/timerDocument';
import { DueTimerHandler, TIMER_DATA_VERSION, TimerData } from '../../src/core/ports/timerScheduler';
import { freshDb, isRealMongo } from '../support/mongo';

// The shipped polling interval is 500 ms: waits below are a small multiple of it, never a fixed long sleep.
const POLL_MS = 500;
// The product promise: a timer fires at most 1 s after its due time with the defaults.
const MAX_LATENESS_MS = 1000;
// How long to keep watching after a fire (or a due time) for a fire that should not happen: a second firing
// would come from the next scan, at most one polling interval later.
const SETTLE_MS = 1.5 * POLL_MS;

interface TestDb {
    client: MongoClient;
    db: Db;
    /** Connection string of this test's database. */
    uri: string;
    close(): Promise<void>;
}

interface Fire {
    key: string;
    at: number;
    by: string;
}

function timer(key: string): TimerData {
    return { v: TIMER_DATA_VERSION, key, reference: { channelId: 'test', conversation: { id: key } } };
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 4000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > end) {
            throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
        }
        await sleep(20);
    }
}

/** A handler that records every fire; `next` decides what it returns (default: let the timer end). */
function recorder(fires: Fire[], by: string, next: (fire: Fire) => Date | undefined = () => undefined): DueTimerHandler {
    return async ({ data }) => {
        const fire = { key: data.key, at: Date.now(), by };
        fires.push(fire);
        return next(fire);
    };
}

function firesOf(fires: Fire[], key: string): Fire[] {
    return fires.filter((f) => f.key === key);
}

function jobsOf(db: TestDb, collection = 'inactivityJobs'): Collection {
    return db.db.collection(collection);
}

function countJobs(db: TestDb, key: string): Promise<number> {
    return jobsOf(db).countDocuments({ _id: timerId(key) });
}

/**
 * CongoDB answers the driver's streaming heartbeat wrongly ("Server ended moreToCome unexpectedly"): the driver
 * then clears its pool every second and each operation may stall ~500 ms, which adds to every timer's lateness.
 * Polling heartbeats avoid it; a real MongoDB keeps the driver's default.
 */
function withPollingMonitor(uri: string): string {
    if (isRealMongo() || /[?&]serverMonitoringMode=/i.test(uri)) {
        return uri;
    }
    const url = new URL(uri);
    url.searchParams.set('serverMonitoringMode', 'poll');
    return url.toString();
}

/**
 * A due time Agenda loads (locks) 0.8 polling intervals ahead, at a scan after now. Agenda scans when it starts
 * and every interval after, so `startedAt` (when `start()` resolved) gives the phase of its scans.
 */
function dueLoadedAhead(startedAt: number): number {
    // The first scan far enough ahead for the arm() that follows to be written before it.
    const scan = startedAt + Math.ceil((Date.now() + 100 - startedAt) / POLL_MS) * POLL_MS;
    return scan + 0.8 * POLL_MS;
}

/** Waits until the process has locked the job for its run: from then on it sits in a timer in memory. */
function waitUntilLocked(db: TestDb, key: string): Promise<void> {
    return waitFor(`the job ${key} to be locked`, async () => {
        const doc = await jobsOf(db).findOne({ _id: timerId(key) });
        return Boolean(doc?.lockedAt);
    });
}

describe('AgendaScheduler', function () {
    this.timeout(15_000);

    const schedulers: AgendaScheduler[] = [];
    const dbs: TestDb[] = [];

    async function db(): Promise<TestDb> {
        const fresh = await freshDb();
        const uri = withPollingMonitor(fresh.uri);
        if (uri === fresh.uri) {
            dbs.push(fresh);
            return fresh;
        }
        const client = await new MongoClient(uri).connect();
        const created: TestDb = {
            client,
            db: client.db(fresh.db.databaseName),
            uri,
            close: async () => {
                await client.close();
                await fresh.close();
            },
        };
        dbs.push(created);
        return created;
    }

    function scheduler(options: ConstructorParameters<typeof AgendaScheduler>[0]): AgendaScheduler {
        const created = new AgendaScheduler(options);
        schedulers.push(created);
        return created;
    }

    afterEach(async () => {
        sinon.restore();
        // Schedulers first: one given a Db must stop before the test closes that Db's client.
        await Promise.all(schedulers.splice(0).map((s) => s.stop()));
        await Promise.all(dbs.splice(0).map((d) => d.close()));
    });

    describe('firing', () => {
        it('fires an armed timer exactly once, not before its due time and at most 1 s after', async () => {
            const mongo = await db();
            const fires: Fire[] = [];
            const s = scheduler({ mongo: mongo.db });
            await s.start(recorder(fires, 'a'));

            const due = Date.now() + 600;
            await s.arm(timer('test/once'), new Date(due));
            await waitFor('the timer to fire', () => fires.length > 0);
            await sleep(SETTLE_MS);

            assert.strictEqual(fires.length, 1);
            assert.strictEqual(fires[0].key, 'test/once');
            assert.ok(fires[0].at >= due, `fired ${due - fires[0].at} ms early`);
            assert.ok(fires[0].at - due <= MAX_LATENESS_MS, `fired ${fires[0].at - due} ms late`);
        });

        it('fires on time when the timeout Agenda waits on fires a few milliseconds before the due time', async () => {
            // Node's setTimeout may fire a millisecond before Date.now() reaches the time it was computed from;
            // Agenda 6.2.6 then finds the job "in the future", sets no second timeout, and the timer waited for the
            // next poll (5 s). Every timeout of 50 ms or more fires 3 ms early here.
            const mongo = await db();
            const fires: Fire[] = [];
            const s = scheduler({ mongo: mongo.db });
            await s.start(recorder(fires, 'a'));
            const original = global.setTimeout;
            const early = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
                original(fn, typeof ms === 'number' && ms >= 50 ? ms - 3 : ms, ...args)) as unknown as typeof setTimeout;
            global.setTimeout = early;
            try {
                const due = Date.now() + 600;
                await s.arm(timer('test/early-timeout'), new Date(due));
                await waitFor('the timer to fire', () => fires.length > 0, 3000);
                assert.ok(fires[0].at - due <= MAX_LATENESS_MS, `fired ${fires[0].at - due} ms late`);
            } finally {
                global.setTimeout = original;
            }
        });

        it('hands the handler the data it was armed with, and no scheduler bookkeeping', async () => {
            const mongo = await db();
            const seen: TimerData[] = [];
            const s = scheduler({ mongo: mongo.db });
            await s.start(async ({ data }) => {
                seen.push(data);
                return undefined;
            });

            await s.arm(timer('test/data'), new Date(Date.now() + 300));
            await waitFor('the timer to fire', () => seen.length > 0);

            assert.deepStrictEqual(seen[0], timer('test/data'));
        });

        it('does not fire a cancelled timer', async () => {
            const mongo = await db();
            const fires: Fire[] = [];
            const s = scheduler({ mongo: mongo.db });
            await s.start(recorder(fires, 'a'));

            const due = Date.now() + 400;
            await s.arm(timer('test/cancel'), new Date(due));
            await s.cancel('test/cancel');
            assert.strictEqual(await countJobs(mongo, 'test/cancel'), 0);
            await sleep(due - Date.now() + SETTLE_MS);

            assert.deepStrictEqual(fires, []);
        });

        it('does not fire a timer cancelled after this process locked it for its run, and reports no error', async () => {
            const mongo = await db();
            const fires: Fire[] = [];
            const onError = sinon.spy();
            const s = scheduler({ mongo: mongo.db, onError });
            await s.start(recorder(fires, 'a'));
            const startedAt = Date.now();

            const due = dueLoadedAhead(startedAt);
            await s.arm(timer('test/cancel-locked'), new Date(due));
            await waitUntilLocked(mongo, 'test/cancel-locked');
            assert.ok(Date.now() < due - 50, 'the job was locked too late to cancel it before its run');
            await s.cancel('test/cancel-locked');
            await sleep(due - Date.now() + SETTLE_MS);

            assert.deepStrictEqual(fires, []);
            assert.strictEqual(onError.callCount, 0, `onError called with ${onError.firstCall?.args[0]}`);
        });

        it('moves the single job when armed twice for one key, and fires once at the later time', async () => {
            const mongo = await db();
            const fires: Fire[] = [];
            const s = scheduler({ mongo: mongo.db });
            await s.start(recorder(fires, 'a'));

            await s.arm(timer('test/move'), new Date(Date.now() + 400));
            const due = Date.now() + 1000;
            await s.arm(timer('test/move'), new Date(due));
            assert.strictEqual(await countJobs(mongo, 'test/move'), 1);
            await waitFor('the timer to fire', () => fires.length > 0);
            await sleep(SETTLE_MS);

            assert.strictEqual(fires.length, 1);
            assert.ok(fires[0].at >= due, `fired ${due - fires[0].at} ms before the later time`);
            assert.ok(fires[0].at - due <= MAX_LATENESS_MS, `fired ${fires[0].at - due} ms late`);
        });

        it('fires only at the new time when re-armed after this process locked the job for the old time', async () => {
            // Regression: Agenda keeps a locked job in a setTimeout for its old due time and its run overwrote
            // the moved nextRunAt, so a user who answered just before the reminder still got it, and lost the
            // new timer.
            const mongo = await db();
            const fires: Fire[] = [];
            const s = scheduler({ mongo: mongo.db });
            await s.start(recorder(fires, 'a'));
            const startedAt = Date.now();

            const oldDue = dueLoadedAhead(startedAt);
            await s.arm(timer('test/move-locked'), new Date(oldDue));
            await waitUntilLocked(mongo, 'test/move-locked');
            assert.ok(Date.now() < oldDue - 50, 'the job was locked too late to move it before its run');
            const due = Date.now() + 900;
            await s.arm(timer('test/move-locked'), new Date(due));
            await waitFor('the timer to fire', () => fires.length > 0, 5000);
            await sleep(SETTLE_MS);

            assert.strictEqual(fires.length, 1, `fired at ${fires.map((f) => f.at - oldDue).join(',')} ms after the old due time`);
            assert.ok(fires[0].at >= due, `fired ${due - fires[0].at} ms before the new time`);
            assert.ok(fires[0].at - due <= MAX_LATENESS_MS, `fired ${fires[0].at - due} ms late`);
            assert.strictEqual(await countJobs(mongo, 'test/move-locked'), 0);
        });
    });

    describe('re-arming from the handler', () => {
        it('fires again at the Date the handler returns, and removes the job once it returns undefined', async () => {
            const mongo = await db();
            const fires: Fire[] = [];
            let again = 0;
            const s = scheduler({ mongo: mongo.db });
            await s.start(
                recorder(fires, 'a', () => {
                    if (fires.length > 1) return undefined;
                    // Beyond the moment a run waits in place for: handed back to Agenda through its completion write.
                    again = Date.now() + 1500;
                    return new Date(again);
                })
            );

            await s.arm(timer('test/rearm'), new Date(Date.now() + 300));
            await waitFor('the first fire', () => fires.length === 1);
            // The completion write moves it (and, due before the next poll, this instance locks it again at once).
            await waitFor('the job to be re-armed', async () => (await jobsOf(mongo).findOne({ _id: timerId('test/rearm') }))?.nextRunAt?.getTime() === again);

            await waitFor('the second fire', () => fires.length === 2);
            await waitFor('the job to be removed', async () => (await countJobs(mongo, 'test/rearm')) === 0);
            await sleep(SETTLE_MS);

            assert.strictEqual(fires.length, 2);
            assert.ok(fires[1].at >= again, `fired ${again - fires[1].at} ms before the returned time`);
            assert.ok(fires[1].at - again <= MAX_LATENESS_MS, `fired ${fires[1].at - again} ms late`);
        });

        it('keeps an arm() made while the handler runs rather than the handler result', async () => {
            // Regression: the run's completion write replaced the new due time with the handler's result, and
            // `undefined` deleted the job, so a user message arriving while a reminder was being sent lost its timer.
            const mongo = await db();
            const fires: Fire[] = [];
            let due = 0;
            const s = scheduler({ mongo: mongo.db });
            await s.start(async ({ data }) => {
                fires.push({ key: data.key, at: Date.now(), by: 'a' });
                if (fires.length === 1) {
                    due = Date.now() + 800;
                    await s.arm(timer(data.key), new Date(due));
                }
                return undefined;
            });

            await s.arm(timer('test/arm-during-run'), new Date(Date.now() + 300));
            await waitFor('the second fire', () => fires.length === 2);
            await waitFor('the job to be removed', async () => (await countJobs(mongo, 'test/arm-during-run')) === 0);

            assert.ok(fires[1].at >= due, `fired ${due - fires[1].at} ms before the time armed during the run`);
            assert.ok(fires[1].at - due <= MAX_LATENESS_MS, `fired ${fires[1].at - due} ms late`);
        });
    });

    describe('several processes', () => {
        it('survives a restart: a timer one instance locked before it stopped fires once, on time, by it as it stops or by the next one', async () => {
            const mongo = await db();
            const firesA: Fire[] = [];
            const firesB: Fire[] = [];
            const a = scheduler({ mongo: mongo.uri });
            await a.start(recorder(firesA, 'a'));
            const startedAt = Date.now();
            const due = dueLoadedAhead(startedAt);
            await a.arm(timer('test/restart'), new Date(due));
            // Stopping after A has locked the job for its run is the hard case: A must not keep the lock past its
            // stop (regression: drain() kept it, and B could not fire the timer for Agenda's 10 min lock lifetime).
            // A stopping instance runs the timers it holds as they come due (within one poll), then hands back
            // the rest: here it sends this one itself.
            await waitUntilLocked(mongo, 'test/restart');
            assert.ok(Date.now() < due - 50, 'the job was locked too late to stop A before its run');
            await a.stop();

            const b = scheduler({ mongo: mongo.uri });
            await b.start(recorder(firesB, 'b'));
            await waitFor('the timer to fire', () => firesA.length + firesB.length > 0);
            await sleep(SETTLE_MS);

            const fires = [...firesA, ...firesB];
            assert.strictEqual(fires.length, 1);
            assert.ok(fires[0].at >= due, `fired ${due - fires[0].at} ms early`);
            assert.ok(fires[0].at - due <= MAX_LATENESS_MS, `fired ${fires[0].at - due} ms late`);
            assert.strictEqual(await countJobs(mongo, 'test/restart'), 0, 'the timer ended');
        });

        it('fires each of 20 timers armed from two instances exactly once in total', async () => {
            const mongo = await db();
            const fires: Fire[] = [];
            const a = scheduler({ mongo: mongo.uri });
            const b = scheduler({ mongo: mongo.uri });
            await Promise.all([a.start(recorder(fires, 'a')), b.start(recorder(fires, 'b'))]);

            const keys = Array.from({ length: 20 }, (_, i) => `test/pair-${i}`);
            const start = Date.now();
            await Promise.all(keys.map((key, i) => (i % 2 ? a : b).arm(timer(key), new Date(start + 300 + i * 60))));
            await waitFor('all 20 timers to fire', () => fires.length >= keys.length, 6000);
            await sleep(SETTLE_MS);

            for (const key of keys) {
                assert.strictEqual(firesOf(fires, key).length, 1, `${key} fired ${firesOf(fires, key).length} times`);
            }
            assert.strictEqual(fires.length, keys.length);
        });

        it('keeps one job per key when two instances arm the same key at the same instant', async () => {
            // One upsert by _id: the _id index refuses a twin on any server, and arm() retries as an update.
            // Due after the next poll (a short one here), so that only the poll locks them, after both arms.
            const mongo = await db();
            const fires: Fire[] = [];
            const a = scheduler({ mongo: mongo.uri, processEvery: 300 });
            const b = scheduler({ mongo: mongo.uri, processEvery: 300 });
            await Promise.all([a.start(recorder(fires, 'a')), b.start(recorder(fires, 'b'))]);

            const keys = Array.from({ length: 10 }, (_, i) => `test/twin-${i}`);
            const due = new Date(Date.now() + 1000);
            await Promise.all(keys.flatMap((key) => [a.arm(timer(key), due), b.arm(timer(key), due)]));

            for (const key of keys) {
                assert.strictEqual(await countJobs(mongo, key), 1, `${key} has twin jobs`);
            }
            await waitFor('all timers to fire', () => fires.length >= keys.length);
            await sleep(SETTLE_MS);
            assert.strictEqual(fires.length, keys.length);
        });

        it('keeps one timer per conversation by its _id, and creates the lock index', async () => {
            const mongo = await db();
            const s = scheduler({ mongo: mongo.db });
            await s.start(async () => undefined);
            await s.arm(timer('test/index'), new Date(Date.now() + 60_000));

            const doc = await jobsOf(mongo).findOne({ name: TIMER_JOB_NAME });
            assert.deepStrictEqual(doc?._id, timerId('test/index'), 'the _id is derived from the key');
            const index = (await jobsOf(mongo).listIndexes().toArray()).find((i) => i.name === LOCK_INDEX.name);
            assert.ok(index, `no ${LOCK_INDEX.name} index`);
            assert.deepStrictEqual(index.key, LOCK_INDEX.key);
        });

        it('has the database refuse a twin job inserted behind the scheduler', async function () {
            const mongo = await db();
            const s = scheduler({ mongo: mongo.db });
            await s.start(async () => undefined);
            await s.arm(timer('test/twin-insert'), new Date(Date.now() + 60_000));

            await assert.rejects(
                jobsOf(mongo).insertOne({ _id: timerId('test/twin-insert'), name: TIMER_JOB_NAME, data: {}, nextRunAt: new Date() }),
                (err: { code?: number }) => err.code === 11000
            );
        });
    });

    describe('stopping and sharing', () => {
        it('stops promptly when stopped while a timer completes', async () => {
            // Regression: Agenda's drain() counted the job as running until removeOnComplete's delete finished but
            // re-checked only on 'complete' events, so stop() there waited out its whole 30 s drain timeout.
            const mongo = await db();
            let stopping: Promise<void> | undefined;
            let stopAskedAt = 0;
            const s = scheduler({ mongo: mongo.db });
            await s.start(async () => {
                stopAskedAt = Date.now();
                stopping = s.stop();
                return undefined;
            });

            await s.arm(timer('test/stop-while-running'), new Date(Date.now() + 300));
            await waitFor('the handler to stop the scheduler', () => stopping !== undefined);
            await stopping;

            const took = Date.now() - stopAskedAt;
            assert.ok(took < 2000, `stop() took ${took} ms`);
            assert.strictEqual(await countJobs(mongo, 'test/stop-while-running'), 0);
        });

        it('runs on an Agenda the bot already runs, and leaves it running when stopped', async () => {
            const mongo = await db();
            const { Agenda } = await import('agenda');
            const { MongoBackend } = await import('@agendajs/mongo-backend');
            const agenda = new Agenda({ backend: new MongoBackend({ mongo: mongo.db, collection: 'botJobs' }), processEvery: POLL_MS });
            await agenda.start();
            try {
                const fires: Fire[] = [];
                const s = scheduler({ agenda });
                await s.start(recorder(fires, 'a'));
                const due = Date.now() + 600;
                await s.arm(timer('test/shared'), new Date(due));
                await waitFor('the timer to fire', () => fires.length === 1);
                await waitFor('the job to be removed', async () => (await mongo.db.collection('botJobs').countDocuments()) === 0);
                assert.ok(fires[0].at >= due && fires[0].at - due <= MAX_LATENESS_MS, `fired ${fires[0].at - due} ms after due`);
                const indexes = await mongo.db.collection('botJobs').listIndexes().toArray();
                assert.ok(
                    indexes.some((i) => i.name === LOCK_INDEX.name),
                    'the lock index on the bot Agenda collection'
                );

                await s.stop();

                const stats = await agenda.getRunningStats();
                assert.strictEqual(stats.config.processEvery, POLL_MS);
            } finally {
                await agenda.stop();
            }
        });
    });

    describe('connections', () => {
        it('closes the client it opened from a connection string when stopped', async () => {
            const mongo = await db();
            const s = scheduler({ mongo: mongo.uri });
            await s.start(async () => undefined);
            const jobs = s.jobs;
            assert.ok(jobs);
            await jobs.countDocuments();

            await s.stop();

            await assert.rejects(jobs.countDocuments(), { name: 'MongoNotConnectedError' });
        });

        it('leaves a given Db open when stopped', async () => {
            const mongo = await db();
            const s = scheduler({ mongo: mongo.db });
            await s.start(async () => undefined);
            await s.arm(timer('test/own-db'), new Date(Date.now() + 60_000));

            await s.stop();

            assert.strictEqual(await countJobs(mongo, 'test/own-db'), 1);
        });

        it('leaves a given MongoClient open when stopped', async () => {
            const mongo = await db();
            const client = new MongoClient(mongo.uri);
            await client.connect();
            try {
                const s = scheduler({ mongo: client });
                await s.start(async () => undefined);
                await s.arm(timer('test/own-client'), new Date(Date.now() + 60_000));

                await s.stop();

                assert.strictEqual(
                    await client
                        .db()
                        .collection('inactivityJobs')
                        .countDocuments({ _id: timerId('test/own-client') }),
                    1
                );
            } finally {
                await client.close();
            }
        });

        it('rejects start() with an InactivitySchedulerError, password hidden, when MongoDB refuses the connection', async function () {
            // The driver's serverSelectionTimeoutMS (5 s) bounds how long start() waits.
            this.timeout(10_000);
            const port = await freePort(); // free, and nobody listens on it
            const unhandled: unknown[] = [];
            const onUnhandled = (reason: unknown) => unhandled.push(reason);
            process.on('unhandledRejection', onUnhandled);
            try {
                const s = scheduler({ mongo: `mongodb://bot:s3cr3t-pw@127.0.0.1:${port}/bots` });
                const began = Date.now();
                const err = await s
                    .start(async () => undefined)
                    .then(
                        () => assert.fail('start() resolved'),
                        (e: unknown) => e
                    );
                const took = Date.now() - began;

                assert.ok(err instanceof InactivitySchedulerError, `got ${String(err)}`);
                assert.strictEqual(err.name, 'InactivitySchedulerError');
                assert.match(err.message, /MongoDB/);
                assert.match(err.message, /bot:\*\*\*@127\.0\.0\.1/);
                assert.doesNotMatch(err.message, /s3cr3t/);
                assert.ok(err.cause, 'the driver error is kept as cause');
                assert.ok(took < 6500, `took ${took} ms`);
                await assert.rejects(s.arm(timer('test/refused'), new Date()), InactivitySchedulerError);
                await sleep(100);
                assert.deepStrictEqual(unhandled, []);
            } finally {
                process.off('unhandledRejection', onUnhandled);
            }
        });

        it('rejects start() with an InactivitySchedulerError, password hidden, for a malformed connection string', async () => {
            // The driver's own message quotes the whole string, password included.
            const s = scheduler({ mongo: 'mongodb://bot:s3cr3t-pw@/bots' });

            const err = await s
                .start(async () => undefined)
                .then(
                    () => assert.fail('start() resolved'),
                    (e: unknown) => e
                );

            assert.ok(err instanceof InactivitySchedulerError, `got ${String(err)}`);
            assert.match(err.message, /MongoDB/);
            assert.doesNotMatch(err.message, /s3cr3t/);
            assert.doesNotMatch(String((err.cause as Error).message), /s3cr3t/);
            assert.doesNotMatch(String((err.cause as Error).stack), /s3cr3t/);
        });
    });

    describe('misuse', () => {
        it('rejects arm() and cancel() before start() with an InactivitySchedulerError that says to start first', async () => {
            const mongo = await db();
            const s = scheduler({ mongo: mongo.db });

            await assert.rejects(s.arm(timer('test/early'), new Date()), (err: Error) => {
                assert.ok(err instanceof InactivitySchedulerError);
                assert.match(err.message, /not started.*start\(\)/);
                return true;
            });
            await assert.rejects(s.cancel('test/early'), InactivitySchedulerError);
            assert.strictEqual(await countJobs(mongo, 'test/early'), 0);
        });

        it('lets arm() called while start() is still connecting wait for it', async () => {
            const mongo = await db();
            const fires: Fire[] = [];
            const s = scheduler({ mongo: mongo.uri });

            const started = s.start(recorder(fires, 'a'));
            await s.arm(timer('test/while-starting'), new Date(Date.now() + 300));
            await started;

            await waitFor('the timer to fire', () => fires.length === 1);
        });

        it('throws an InactivitySchedulerError when given neither mongo nor agenda', () => {
            assert.throws(() => new AgendaScheduler({}), InactivitySchedulerError);
        });

        it('reports a failing handler through onError', async () => {
            const mongo = await db();
            const onError = sinon.spy();
            const s = scheduler({ mongo: mongo.db, onError });
            await s.start(async () => {
                throw new Error('proactive send failed');
            });

            await s.arm(timer('test/fails'), new Date(Date.now() + 300));
            await waitFor('onError', () => onError.called);

            const err = onError.firstCall.args[0] as InactivitySchedulerError;
            assert.ok(err instanceof InactivitySchedulerError);
            assert.match((err.cause as Error).message, /proactive send failed/);
        });
    });
});
