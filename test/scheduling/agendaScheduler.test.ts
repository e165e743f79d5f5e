import assert from 'assert';
import { AgendaScheduler } from '../../src/scheduling/agendaScheduler';
import { DueTimer } from '../../src/scheduling/timerScheduler';
import { freshDb } from '../support/mongo';

describe('AgendaScheduler', () => {
    it('fires an armed timer once, close to its due time', async () => {
        const mongo = await freshDb();
        const scheduler = new AgendaScheduler({ mongo: mongo.db });
        const fired: Array<{ timer: DueTimer; at: number }> = [];
        await scheduler.start(async (timer) => {
            fired.push({ timer, at: Date.now() });
            return undefined;
        });
        const due = Date.now() + 700;
        await scheduler.arm({ v: 1, key: 'test/c1', reference: { conversation: { id: 'c1' } as never } }, new Date(due));
        await new Promise((r) => setTimeout(r, 2000));
        await scheduler.stop();
        await mongo.close();
        assert.strictEqual(fired.length, 1);
        assert.strictEqual(fired[0].timer.data.key, 'test/c1');
        console.log('lateness', fired[0].at - due);
    });
});
