import assert from 'assert';
import { freshDb } from '../support/mongo';
import { referenceOf, serviceOn } from './followUpRig';

describe('Follow-ups without traffic', () => {
    it('cost one database command per Agenda poll and one read per lease watch (3 s) and nothing else while the next follow-up is far away', async function () {
        this.timeout(30_000);
        const mongo = await freshDb({ monitorCommands: true });
        const { service } = serviceOn(mongo.db, { send: true, processEvery: 1000 });
        try {
            await service.start();
            await service.scheduleCustom({ reference: referenceOf('far'), at: new Date(Date.now() + 3600_000), template: 'followups:checkIn' });
            await new Promise((r) => setTimeout(r, 1500)); // the first wake-up run settles
            const seen: string[] = [];
            const listener = (e: { commandName: string }) => seen.push(e.commandName);
            mongo.client.on('commandStarted', listener);
            await new Promise((r) => setTimeout(r, 5000));
            mongo.client.off('commandStarted', listener);
            const polls = 5;
            // The watch that takes a dead instance's wake-up over within seconds (issue #17): one read every 3 s.
            const watches = seen.filter((c) => c === 'find').length;
            const lockQueries = seen.filter((c) => c === 'findAndModify').length;
            console.log(
                `      idle follow-ups: ${seen.length} commands in 5 s at processEvery 1 s (${seen.join(', ')}); at the default 30 s: ${(1 / 30 + 1 / 3).toFixed(3)}/s (a poll per 30 s, a watch per 3 s)`
            );
            assert.ok(lockQueries <= polls + 1, `${lockQueries} lock queries in ${polls} polls`);
            assert.ok(lockQueries >= polls - 1, `${lockQueries} lock queries in ${polls} polls: the service must still poll`);
            assert.ok(watches >= 1 && watches <= 2, `${watches} lease watches in 5 s (one per 3 s)`);
            assert.strictEqual(seen.length, lockQueries + watches, 'only the poll and the watch');
        } finally {
            await service.stop();
            await mongo.close();
        }
    });
});
