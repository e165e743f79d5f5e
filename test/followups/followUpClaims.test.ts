import assert from 'assert';
import { freshDb } from '../support/mongo';
import { referenceOf, serviceOn } from './followUpRig';

/** Claims as a sender that died left them: `sending`, its lease run out, with or without its send begun. */
describe('FollowUpService: a claim whose sender died (issue #17)', () => {
    for (const begun of [false, true]) {
        it(
            begun
                ? 'a claim taken over after its send began is not sent again (at most once): recorded failed, interrupted'
                : 'a claim taken over before its send began is sent by the new holder, once',
            async () => {
                const mongo = await freshDb();
                const { service, adapter } = serviceOn(mongo.db);
                try {
                    await service.start();
                    const { id } = await service.scheduleCustom({ reference: referenceOf('dead'), at: new Date(Date.now() - 1000), text: 'Hello again' });
                    const past = new Date(Date.now() - 500);
                    await mongo.db
                        .collection('inactivityFollowUps')
                        .updateOne({}, { $set: { status: 'sending', leaseUntil: past, attempts: 1, ...(begun ? { sendStartedAt: past } : {}) } });
                    assert.strictEqual(await service.runDue(), 1, 'the expired claim is claimed again');
                    const doc = await service.get(id);
                    if (begun) {
                        assert.strictEqual(adapter.sent.length, 0, 'not sent a second time');
                        assert.strictEqual(doc?.status, 'failed');
                        assert.match(String(doc?.lastError), /^Interrupted/);
                    } else {
                        assert.deepStrictEqual(
                            adapter.sent.map((s) => s.activity.text),
                            ['Hello again']
                        );
                        assert.strictEqual(doc?.status, 'executed');
                    }
                    assert.strictEqual(await service.runDue(), 0, 'nothing left to claim');
                } finally {
                    await service.stop();
                    await mongo.close();
                }
            }
        );
    }
});
