import assert from 'assert';
import type { CommandStartedEvent } from 'mongodb';
import { conversationKey } from '../../src/inactivityState';
import { EARLY_TOLERANCE_MS } from '../../src/ladder';
import { freshDb } from '../support/mongo';
import { createRig, texts } from '../support/testBot';

const WRITES = new Set(['insert', 'update', 'findAndModify', 'delete']);

/**
 * The figure in the README: a conversation with 20 user turns inside one reminder period makes at most 2
 * scheduler writes. Counted with the driver's command monitoring against the real Agenda scheduler: every
 * write command to the jobs collection that names this conversation's timer.
 */
describe('Scheduler writes per conversation (command monitoring, real Agenda)', function () {
    this.timeout(20_000);

    it('20 user turns inside one reminder period make at most 2 scheduler writes (measured: 1)', async () => {
        const mongo = await freshDb({ monitorCommands: true });
        const commands: CommandStartedEvent[] = [];
        mongo.client.on('commandStarted', (e) => commands.push(e));
        const rig = await createRig({ scheduler: undefined, mongo: mongo.db, now: Date.now, policyFile: undefined, maxInvalidAttempts: 0 });
        try {
            await rig.say('add client');
            await rig.say('Maria Silva');
            await rig.say('Group classes');
            for (let i = 0; i < 17; i++) {
                await rig.say(`not a contact ${i}`);
            }
            assert.match(texts(rig.take()).join('\n') + texts(await rig.say('still not')).join('\n'), /email address or a phone number/);
            const key = conversationKey(rig.adapter.conversation);
            const writes = commands.filter((c) => WRITES.has(c.commandName) && c.command[c.commandName] === 'inactivityJobs' && JSON.stringify(c.command).includes(key));
            console.log(`      scheduler writes for 21 turns: ${writes.length} (${writes.map((w) => w.commandName).join(', ')})`);
            assert.ok(writes.length >= 1, 'the first turn arms the timer');
            assert.ok(writes.length <= 2, `expected at most 2 writes, saw ${writes.length}`);
            const jobs = await mongo.db.collection('inactivityJobs').find({ 'data.key': key }).toArray();
            assert.strictEqual(jobs.length, 1, 'one job per conversation');
        } finally {
            await rig.inactivity.stop();
            await mongo.close();
        }
    });

    it('a timer that comes due after the user spoke re-arms inside Agenda\'s own completion write, then reminds once', async () => {
        const mongo = await freshDb({ monitorCommands: true });
        const commands: CommandStartedEvent[] = [];
        mongo.client.on('commandStarted', (e) => commands.push(e));
        const rig = await createRig({ scheduler: undefined, mongo: mongo.db, now: Date.now, reminderAfter: 1500, closeAfter: '1 minute', policyFile: undefined });
        try {
            await rig.say('add client');
            await new Promise((r) => setTimeout(r, 1000));
            await rig.say('Maria Silva');
            const spokeAt = Date.now();
            const key = conversationKey(rig.adapter.conversation);
            const deadline = Date.now() + 6000;
            let reminders: string[] = [];
            while (Date.now() < deadline && reminders.length === 0) {
                await new Promise((r) => setTimeout(r, 100));
                reminders = texts(rig.adapter.activeQueue).filter((t) => t.startsWith('Still there?'));
            }
            assert.strictEqual(reminders.length, 1, 'one reminder');
            // A stage within EARLY_TOLERANCE_MS of its time is taken rather than re-armed for a moment later.
            assert.ok(Date.now() - spokeAt >= 1500 - EARLY_TOLERANCE_MS, 'not before 1.5 s after the newer message');
            const upserts = commands.filter((c) => c.commandName === 'findAndModify' && c.command.findAndModify === 'inactivityJobs' && c.command.upsert && JSON.stringify(c.command).includes(key));
            assert.strictEqual(upserts.length, 1, 'only the first turn armed; the stale fire re-armed through the completion write');
        } finally {
            await rig.inactivity.stop();
            await mongo.close();
        }
    });
});
