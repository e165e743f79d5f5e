import assert from 'assert';
import { spawnSync } from 'child_process';
import { join } from 'path';
import sinon from 'sinon';
import { MEMORY_SCHEDULER_WARNING_CODE, MemoryScheduler } from '../../src';
import { DueTimer, TIMER_DATA_VERSION, TimerData } from '../../src/core/ports/timerScheduler';
import { createRig, texts } from '../support/testBot';

const ROOT = join(__dirname, '..', '..', '..');

function timer(key: string): TimerData {
    return { v: TIMER_DATA_VERSION, key, reference: { channelId: 'test', conversation: { id: key } } };
}

describe('MemoryScheduler', () => {
    describe('on a fake clock', () => {
        let clock: sinon.SinonFakeTimers;
        let scheduler: MemoryScheduler;
        let fires: Array<{ key: string; at: number; timer: DueTimer }>;
        let next: (key: string) => Date | undefined;

        beforeEach(async () => {
            clock = sinon.useFakeTimers({
                now: Date.UTC(2026, 10, 22, 12, 0, 0),
                toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
            });
            scheduler = new MemoryScheduler({ warn: false });
            fires = [];
            next = () => undefined;
            await scheduler.start(async (t) => {
                fires.push({ key: t.data.key, at: Date.now(), timer: t });
                return next(t.data.key);
            });
        });
        afterEach(async () => {
            await scheduler.stop();
            clock.restore();
        });

        it('fires a timer at its due time with the data it was armed with, and not before', async () => {
            const armedAt = Date.now();
            await scheduler.arm(timer('a'), new Date(armedAt + 5 * 60_000));
            await clock.tickAsync(5 * 60_000 - 1);
            assert.strictEqual(fires.length, 0);
            await clock.tickAsync(1);
            assert.strictEqual(fires.length, 1);
            assert.strictEqual(fires[0].at, armedAt + 5 * 60_000);
            assert.deepStrictEqual(fires[0].timer.data, timer('a'));
            assert.strictEqual(fires[0].timer.firedAt.getTime(), armedAt + 5 * 60_000);
            assert.deepStrictEqual(scheduler.timers, [], 'a timer whose handler returns nothing ends');
        });

        it('keeps one timer per key: arming again moves it, cancel removes it', async () => {
            const t0 = Date.now();
            await scheduler.arm(timer('a'), new Date(t0 + 1000));
            await scheduler.arm(timer('a'), new Date(t0 + 3000));
            await scheduler.arm(timer('b'), new Date(t0 + 2000));
            await scheduler.cancel('b');
            assert.deepStrictEqual(scheduler.timers, [{ key: 'a', dueAt: new Date(t0 + 3000) }]);
            await clock.tickAsync(10_000);
            assert.deepStrictEqual(
                fires.map((f) => [f.key, f.at - t0]),
                [['a', 3000]]
            );
        });

        it('fires again at the time the handler returns, in order with other timers', async () => {
            const t0 = Date.now();
            next = (key) => (key === 'a' && fires.filter((f) => f.key === 'a').length === 1 ? new Date(t0 + 4000) : undefined);
            await scheduler.arm(timer('a'), new Date(t0 + 1000));
            await scheduler.arm(timer('b'), new Date(t0 + 2000));
            await clock.tickAsync(10_000);
            assert.deepStrictEqual(
                fires.map((f) => [f.key, f.at - t0]),
                [
                    ['a', 1000],
                    ['b', 2000],
                    ['a', 4000],
                ]
            );
        });

        it('lets an arm() made while the handler runs win over the handler result, and a cancel() too', async () => {
            const t0 = Date.now();
            let release!: () => void;
            const gate = new Promise<void>((resolve) => (release = resolve));
            await scheduler.stop();
            await scheduler.start(async (t) => {
                fires.push({ key: t.data.key, at: Date.now(), timer: t });
                if (fires.length === 1) {
                    await gate;
                }
                return new Date(t0 + 9000);
            });
            await scheduler.arm(timer('a'), new Date(t0 + 1000));
            await clock.tickAsync(1000);
            // The user writes while the reminder runs: their turn arms the timer from their message.
            await scheduler.arm(timer('a'), new Date(t0 + 6000));
            release();
            await clock.tickAsync(0);
            assert.deepStrictEqual(scheduler.timers, [{ key: 'a', dueAt: new Date(t0 + 6000) }]);
            await clock.tickAsync(5000);
            assert.deepStrictEqual(
                fires.map((f) => f.at - t0),
                [1000, 6000],
                'fires once at the newer time, never twice at once'
            );

            // Cancelled while it runs: the handler's next time does not bring it back.
            fires.length = 0;
            let releaseAgain!: () => void;
            const gateAgain = new Promise<void>((resolve) => (releaseAgain = resolve));
            await scheduler.stop();
            await scheduler.start(async (t) => {
                fires.push({ key: t.data.key, at: Date.now(), timer: t });
                await gateAgain;
                return new Date(Date.now() + 1000);
            });
            await clock.tickAsync(3000);
            assert.strictEqual(fires.length, 1);
            await scheduler.cancel('a');
            releaseAgain();
            await clock.tickAsync(10_000);
            assert.strictEqual(fires.length, 1);
            assert.deepStrictEqual(scheduler.timers, []);
        });

        it('fires nothing after stop(), and what was armed fires after a new start()', async () => {
            const t0 = Date.now();
            await scheduler.arm(timer('a'), new Date(t0 + 1000));
            await scheduler.stop();
            await clock.tickAsync(5000);
            assert.strictEqual(fires.length, 0);
            await scheduler.start(async (t) => {
                fires.push({ key: t.data.key, at: Date.now(), timer: t });
                return undefined;
            });
            await clock.tickAsync(0);
            assert.deepStrictEqual(
                fires.map((f) => f.at - t0),
                [5000],
                'an overdue timer fires as soon as the scheduler starts again'
            );
        });

        it('runs a recurring task every interval until stop()', async () => {
            let runs = 0;
            await scheduler.repeat('sweep', 60_000, async () => {
                runs++;
            });
            await clock.tickAsync(3 * 60_000);
            assert.strictEqual(runs, 3);
            await scheduler.stop();
            await clock.tickAsync(3 * 60_000);
            assert.strictEqual(runs, 3);
        });
    });

    describe('warning', () => {
        let emit: sinon.SinonStub;
        beforeEach(() => {
            emit = sinon.stub(process, 'emitWarning');
        });
        afterEach(() => emit.restore());

        it('says once, at start(), that its timers are not durable', async () => {
            const scheduler = new MemoryScheduler();
            assert.strictEqual(emit.callCount, 0, 'nothing is said before start()');
            await scheduler.start(async () => undefined);
            await scheduler.stop();
            await scheduler.start(async () => undefined);
            await scheduler.stop();
            assert.strictEqual(emit.callCount, 1);
            const [message, options] = emit.firstCall.args as [string, { type: string; code: string }];
            assert.match(message, /lost on restart/);
            assert.match(message, /mongo/);
            assert.deepStrictEqual(options, { type: 'BotbuilderInactivityWarning', code: MEMORY_SCHEDULER_WARNING_CODE });
        });

        it('says nothing with { warn: false }', async () => {
            const scheduler = new MemoryScheduler({ warn: false });
            await scheduler.start(async () => undefined);
            await scheduler.stop();
            assert.strictEqual(emit.callCount, 0);
        });
    });

    it('never keeps the process alive: a script with a timer armed for an hour exits at once', () => {
        const script = [
            "const { MemoryScheduler } = require('botbuilder-inactivity');",
            'const s = new MemoryScheduler({ warn: false });',
            "s.start(async () => undefined).then(() => s.arm({ v: 1, key: 'k', reference: {} }, new Date(Date.now() + 3600000)));",
            "s.repeat('sweep', 60000, async () => undefined);",
        ].join('\n');
        const started = Date.now();
        const run = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
        assert.strictEqual(run.status, 0, run.stderr);
        assert.ok(Date.now() - started < 10_000, 'the process ended on its own');
    });

    it('sends a real reminder from the middleware, on MemoryStorage and real time, with nothing else', async function () {
        this.timeout(10_000);
        const rig = await createRig({ scheduler: new MemoryScheduler({ warn: false }), now: Date.now, reminderAfter: 200, closeAfter: 60_000 });
        try {
            const said = Date.now();
            assert.deepStrictEqual(texts(await rig.say('add client')), ["What's the client's name?"]);
            const deadline = said + 5000;
            let sent: string[] = [];
            while (sent.length === 0 && Date.now() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 20));
                sent = texts(rig.take());
            }
            assert.strictEqual(sent.length, 1, 'one reminder');
            assert.match(sent[0], /^Still there\?/);
            assert.ok(Date.now() - said >= 200, 'not before reminderAfter');
            assert.deepStrictEqual(rig.errors, []);
        } finally {
            await rig.inactivity.stop();
        }
    });
});
