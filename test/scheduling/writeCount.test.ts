import assert from 'assert';
import { CommandCounter } from '../../bench/support/commandCounter';
import { conversationKey } from '../../src/core/turn/inactivityState';
import { EARLY_TOLERANCE_MS } from '../../src/core/timers/stages';
import { timerId } from '../../src/scheduling/timerDocument';
import { freshDb } from '../support/mongo';
import { createRig, texts } from '../support/testBot';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The arm() of `key`: one upsert by the timer's _id. */
function isArmOf(key: string) {
    const id = timerId(key).toHexString();
    return (c: { name: string; command: { updates?: Array<{ q?: { _id?: { toHexString?(): string } }; upsert?: boolean }> } }) =>
        c.name === 'update' && (c.command.updates ?? []).some((u) => u.upsert && u.q?._id?.toHexString?.() === id);
}

/**
 * The figures in the README: scheduler writes per user turn, counted with the driver's command monitoring against
 * the real Agenda scheduler. A write is a command that changed a document (a poll that locks nothing is not one).
 */
describe('Scheduler writes per conversation (command monitoring, real Agenda)', function () {
    this.timeout(20_000);

    it('20 user turns inside one reminder period make at most 2 scheduler writes (measured: 1)', async () => {
        const mongo = await freshDb({ monitorCommands: true });
        const counter = new CommandCounter(mongo.client, ['inactivityJobs']);
        const rig = await createRig({ scheduler: undefined, mongo: mongo.db, now: Date.now, policyFile: undefined, maxInvalidAttempts: 0 });
        try {
            counter.reset();
            await rig.say('add client');
            await rig.say('Maria Silva');
            await rig.say('Group classes');
            for (let i = 0; i < 17; i++) {
                await rig.say(`not a contact ${i}`);
            }
            assert.match(texts(rig.take()).join('\n') + texts(await rig.say('still not')).join('\n'), /email address or a phone number/);
            await counter.settled();
            const writes = counter.writes;
            console.log(`      scheduler writes for 21 turns: ${writes.length} (${writes.map((w) => w.name).join(', ')})`);
            assert.strictEqual(counter.commands.filter(isArmOf(conversationKey(rig.adapter.conversation))).length, 1, 'the first turn arms the timer');
            assert.ok(writes.length <= 2, `expected at most 2 writes, saw ${writes.length}`);
            assert.strictEqual(
                await mongo.db.collection('inactivityJobs').countDocuments({ _id: timerId(conversationKey(rig.adapter.conversation)) }),
                1,
                'one job per conversation'
            );
        } finally {
            counter.close();
            await rig.inactivity.stop();
            await mongo.close();
        }
    });

    it("a timer that comes due after the user spoke re-arms inside Agenda's own completion write, then reminds once", async () => {
        const mongo = await freshDb({ monitorCommands: true });
        const counter = new CommandCounter(mongo.client, ['inactivityJobs']);
        const rig = await createRig({
            scheduler: undefined,
            mongo: mongo.db,
            now: Date.now,
            reminderAfter: 1500,
            closeAfter: '1 minute',
            policyFile: undefined,
        });
        try {
            await rig.say('add client');
            await sleep(1000);
            await rig.say('Maria Silva');
            const spokeAt = Date.now();
            const deadline = Date.now() + 6000;
            let reminders: string[] = [];
            while (Date.now() < deadline && reminders.length === 0) {
                await sleep(100);
                reminders = texts(rig.adapter.activeQueue).filter((t) => t.startsWith('Still there?'));
            }
            assert.strictEqual(reminders.length, 1, 'one reminder');
            // A stage within EARLY_TOLERANCE_MS of its time is taken rather than re-armed for a moment later.
            assert.ok(Date.now() - spokeAt >= 1500 - EARLY_TOLERANCE_MS, 'not before 1.5 s after the newer message');
            assert.strictEqual(
                counter.commands.filter(isArmOf(conversationKey(rig.adapter.conversation))).length,
                1,
                'only the first turn armed; the stale fire re-armed through the completion write'
            );
        } finally {
            counter.close();
            await rig.inactivity.stop();
            await mongo.close();
        }
    });

    it('3 flows × 4 turns at conversational pace: at most 0.25 scheduler writes per user turn, the timer firing included', async () => {
        const mongo = await freshDb({ monitorCommands: true });
        const counter = new CommandCounter(mongo.client, ['inactivityJobs']);
        // Turns 150 ms apart inside a 3 s reminder period: the pace of a person answering every few seconds with
        // the default 5 minutes.
        const reminderAfter = 3000;
        const rig = await createRig({ scheduler: undefined, mongo: mongo.db, now: Date.now, reminderAfter, closeAfter: '1 minute', policyFile: undefined });
        try {
            counter.reset();
            const firstAt = Date.now();
            for (let flow = 0; flow < 3; flow++) {
                for (const text of ['add client', `Client ${flow}`, 'Group classes', `client${flow}@example.com`]) {
                    await rig.say(text);
                    await sleep(150);
                }
            }
            const key = timerId(conversationKey(rig.adapter.conversation));
            // The timer armed by the first turn fires once after the last flow completed, finds no flow and ends.
            const jobs = mongo.db.collection('inactivityJobs');
            while ((await jobs.countDocuments({ _id: key })) > 0 && Date.now() < firstAt + reminderAfter + 5000) {
                await sleep(100);
            }
            await counter.settled();
            assert.strictEqual(await jobs.countDocuments({ _id: key }), 0, 'the timer fired and ended');
            const writes = counter.writes;
            console.log(
                `      scheduler writes for 3 flows × 4 turns, the timer's firing included: ${writes.length} (${writes.map((w) => w.name).join(', ')}) = ${(writes.length / 12).toFixed(2)} per turn`
            );
            assert.ok(writes.length / 12 <= 0.25, `${writes.length} writes for 12 turns`);
            assert.deepStrictEqual(
                texts(rig.take()).filter((t) => t.startsWith('Still there?')),
                [],
                'no reminder: every flow completed'
            );
        } finally {
            counter.close();
            await rig.inactivity.stop();
            await mongo.close();
        }
    });
});
