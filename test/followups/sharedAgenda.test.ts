import assert from 'assert';
import { ConversationState, MemoryStorage } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { MongoClient } from 'mongodb';
import sinon from 'sinon';
import { InactivityMiddleware } from '../../src/botbuilder/inactivityMiddleware';
import { FollowUpService } from '../../src/botbuilder/followUpService';
import * as agendaFactory from '../../src/scheduling/createAgenda';
import { FakeScheduler } from '../support/fakeScheduler';
import { freshDb } from '../support/mongo';
import { RecordingAdapter, referenceOf } from './followUpRig';

/** A bot's two plugins on one connection string, as a bot that uses both is configured. */
function bot(uri: string, adapter: RecordingAdapter, errors: Error[]): InactivityMiddleware {
    const conversationState = new ConversationState(new MemoryStorage());
    return new InactivityMiddleware({
        adapter,
        conversationState,
        dialogState: conversationState.createProperty<DialogState>('DialogState'),
        mongo: uri,
        processEvery: 500,
        onError: (err) => void errors.push(err),
    });
}

describe('FollowUpService sharing the InactivityMiddleware (one connection, one Agenda, one reporter)', () => {
    afterEach(() => sinon.restore());

    it('a bot with both opens 1 MongoDB client and 1 Agenda with { adapter, inactivity } (2 and 2 with { adapter, mongo }), sends through it and reports to the middleware onError', async function () {
        this.timeout(30_000);
        const mongo = await freshDb();
        const connects = sinon.spy(MongoClient.prototype, 'connect');
        const agendas = sinon.spy(agendaFactory, 'createAgenda');
        const adapter = new RecordingAdapter();
        const errors: Error[] = [];
        const inactivity = bot(mongo.uri, adapter, errors);
        const followUps = new FollowUpService({
            adapter,
            inactivity,
            quietHours: null,
            frequencyCap: 0,
            timeZone: async () => {
                throw new Error('the profile service is down');
            },
        });
        try {
            await followUps.start();
            assert.strictEqual(connects.callCount, 1, 'MongoDB clients connected');
            assert.strictEqual(agendas.callCount, 1, 'Agendas created');
            await followUps.scheduleCustom({ reference: referenceOf('shared'), at: new Date(Date.now() + 300), template: 'followups:checkIn' });
            for (let waited = 0; adapter.sent.length === 0 && waited < 10_000; waited += 100) {
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
            assert.strictEqual(adapter.sent.length, 1, "the follow-up was sent by the wake-up job on the middleware's Agenda");
            assert.ok(
                (await mongo.db.collection('inactivityJobs').findOne({ name: 'bbi:followups' })) !== null,
                "the wake-up job lives in the middleware's jobs collection"
            );
            assert.ok(
                errors.some((e) => /profile service is down/.test(e.message)),
                "the service's error reached the middleware's onError"
            );
            assert.strictEqual((await followUps.health()).running, true);
        } finally {
            await followUps.stop();
            await inactivity.stop();
        }

        connects.resetHistory();
        agendas.resetHistory();
        const before = bot(mongo.uri, adapter, errors);
        const alone = new FollowUpService({ adapter, mongo: mongo.uri, onError: () => undefined });
        try {
            await before.start();
            await alone.start();
            assert.strictEqual(connects.callCount, 2, 'each opens its own client');
            assert.strictEqual(agendas.callCount, 2, 'each runs its own Agenda');
        } finally {
            await alone.stop();
            await before.stop();
            await mongo.close();
        }
    });

    it('refuses to start on a middleware without MongoDB, saying what to give', async () => {
        const adapter = new RecordingAdapter();
        const conversationState = new ConversationState(new MemoryStorage());
        const inactivity = new InactivityMiddleware({
            adapter,
            conversationState,
            dialogState: conversationState.createProperty<DialogState>('DialogState'),
            scheduler: new FakeScheduler(),
        });
        const followUps = new FollowUpService({ adapter, inactivity });
        await assert.rejects(followUps.start(), /give it `mongo`, or give the FollowUpService its own `mongo`/);
        await inactivity.stop();
        assert.throws(() => new FollowUpService({ adapter }), /needs `inactivity` .* or `mongo`/);
    });
});
