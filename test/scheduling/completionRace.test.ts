import assert from 'assert';
import type { Document } from 'mongodb';
import { InactivityDeliveryError } from '../../src/core/errors';
import { AgendaScheduler, TIMER_JOB_NAME } from '../../src/scheduling/agendaScheduler';
import { readTimerData, timerId } from '../../src/scheduling/timerDocument';
import { DueTimer, TIMER_DATA_VERSION, TimerData } from '../../src/core/ports/timerScheduler';
import { freshDb } from '../support/mongo';

function timer(key: string): TimerData {
    return { v: TIMER_DATA_VERSION, key, reference: { channelId: 'test', conversation: { id: key } } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
        if (Date.now() > end) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await sleep(25);
    }
}

describe('AgendaScheduler: an arm() made while a timer runs always wins (real Agenda)', function () {
    this.timeout(60_000);

    it('keeps the newest arm across 120 collisions with the run and its completion write', async () => {
        const mongo = await freshDb();
        const scheduler = new AgendaScheduler({ mongo: mongo.db, onError: (e) => errors.push(e) });
        const errors: Error[] = [];
        const N = 120;
        const armedTo = new Map<string, number>();
        const done = new Set<string>();
        try {
            // The handler's answer is stale (what it computed before the user wrote): 30 s. The user's arm: 60 s
            // and a little, made during the run, right as it returns, or a few ms after, colliding with Agenda's
            // completion write in each way.
            await scheduler.start(async ({ data }: DueTimer) => {
                const i = Number(data.key.split('-')[1]);
                const userDue = Date.now() + 60_000 + i;
                const arm = () => scheduler.arm(data, new Date(userDue)).then(() => armedTo.set(data.key, userDue));
                if (i % 3 === 0) {
                    await arm();
                } else {
                    setTimeout(() => void arm().finally(() => done.add(data.key)), i % 3 === 1 ? 0 : i % 7);
                }
                if (i % 3 === 0) done.add(data.key);
                return new Date(Date.now() + 30_000);
            });
            const due = Date.now() + 700;
            await Promise.all(Array.from({ length: N }, (_, i) => scheduler.arm(timer(`race-${i}`), new Date(due + (i % 10) * 20))));
            await until('every run and arm', () => done.size === N && armedTo.size === N);
            const jobs = mongo.db.collection('inactivityJobs');
            await until('every run to complete', async () => (await jobs.countDocuments({ name: TIMER_JOB_NAME, lockedAt: { $ne: null } })) === 0);
            const docs = await jobs.find({ name: TIMER_JOB_NAME }).toArray();
            assert.strictEqual(docs.length, N, 'one job per conversation');
            const keyOf = (d: Document) => readTimerData(d.data)?.key ?? '?';
            const lost = docs.filter((d) => new Date(d.nextRunAt).getTime() !== armedTo.get(keyOf(d)));
            console.log(`  [race] ${N} runs collided with an arm(): ${N - lost.length} kept the newest arm, ${lost.length} lost it`);
            assert.deepStrictEqual(
                lost.map((d) => `${keyOf(d)}: ${d.nextRunAt?.toISOString?.()} instead of ${new Date(armedTo.get(keyOf(d)) ?? 0).toISOString()}`),
                []
            );
            assert.deepStrictEqual(errors, []);
        } finally {
            await scheduler.stop();
            await mongo.close();
        }
    });

    it("retries a handler that throws with Agenda's backoff, at least the Retry-After it asked for, and says which attempt is the last", async () => {
        const mongo = await freshDb();
        const scheduler = new AgendaScheduler({ mongo: mongo.db, processEvery: 200, retry: { retries: 2, delay: 50, factor: 2, jitter: 0 } });
        const runs: Array<{ key: string; attempt: number; last: boolean; at: number }> = [];
        try {
            await scheduler.start(async ({ data, attempt, lastAttempt }) => {
                runs.push({ key: data.key, attempt, last: lastAttempt, at: Date.now() });
                if (data.key === 'recovers' && attempt < 3) {
                    throw new InactivityDeliveryError('429', { status: 429, attempt, retryAfterMs: 600, permanent: false });
                }
                if (data.key === 'always') {
                    throw new InactivityDeliveryError('503', { status: 503, attempt, permanent: false });
                }
                return undefined;
            });
            await scheduler.arm(timer('recovers'), new Date(Date.now() + 300));
            await scheduler.arm(timer('always'), new Date(Date.now() + 300));
            await until(
                'three runs of each',
                () => runs.filter((r) => r.key === 'recovers').length === 3 && runs.filter((r) => r.key === 'always').length === 3
            );
            await sleep(1500);
            const recovers = runs.filter((r) => r.key === 'recovers');
            const always = runs.filter((r) => r.key === 'always');
            assert.deepStrictEqual(
                recovers.map((r) => r.attempt),
                [1, 2, 3]
            );
            assert.ok(recovers[1].at - recovers[0].at >= 590 && recovers[2].at - recovers[1].at >= 590, 'Retry-After waited for');
            assert.deepStrictEqual(
                always.map((r) => [r.attempt, r.last]),
                [
                    [1, false],
                    [2, false],
                    [3, true],
                ],
                'no attempt after the last: no endless loop'
            );
            const jobs = mongo.db.collection('inactivityJobs');
            assert.strictEqual(await jobs.countDocuments({ _id: timerId('recovers') }), 0, 'a recovered timer that ends leaves nothing armed');
        } finally {
            await scheduler.stop();
            await mongo.close();
        }
    });
});
