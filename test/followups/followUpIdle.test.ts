import assert from 'assert';
import { freshDb } from '../support/mongo';
import { referenceOf, serviceOn } from './followUpRig';

describe('Follow-ups without traffic', () => {
    it('cost one database command per Agenda poll and nothing else while the next follow-up is far away', async function () {
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
            console.log(
                `      idle follow-ups: ${seen.length} commands in 5 s at processEvery 1 s (${seen.join(', ')}); at the default 30 s: ${(seen.length / polls / 30).toFixed(3)}/s`
            );
            assert.ok(seen.length <= polls + 1, `${seen.length} commands in ${polls} polls`);
            assert.ok(seen.length >= polls - 1, `${seen.length} commands in ${polls} polls: the service must still poll`);
            assert.ok(
                seen.every((c) => c === 'findAndModify'),
                'only the poll'
            );
        } finally {
            await service.stop();
            await mongo.close();
        }
    });
});
