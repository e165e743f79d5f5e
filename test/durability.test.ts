import assert from 'assert';
import { ConversationState, MemoryStorage, Storage } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import type { Db } from 'mongodb';
import { InactivityMiddleware, Localizer } from '../src';
import { EXPIRE_JOB_NAME } from '../src/mongo/pluginStores';
import { AddClientDialog } from '../samples/addClientDialog';
import { SampleBot } from '../samples/sampleBot';
import { freshDb } from './support/mongo';
import { ProactiveTestAdapter, SAMPLE_LOCALES, SAMPLE_POLICY, texts } from './support/testBot';

/** One bot process: its own adapter, middleware and Agenda; storage and MongoDB shared with the others. */
async function botInstance(storage: Storage, db: Db) {
    const t = new Localizer({ extraPaths: [SAMPLE_LOCALES] });
    const conversationState = new ConversationState(storage);
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    const dialog = new AddClientDialog(t);
    const bot = new SampleBot(conversationState, dialogState, dialog, t);
    const adapter = new ProactiveTestAdapter((ctx) => bot.run(ctx));
    const inactivity = new InactivityMiddleware({
        adapter,
        conversationState,
        dialogState,
        dialog,
        mongo: db,
        reminderAfter: 1200,
        closeAfter: '1 minute',
        localesPath: SAMPLE_LOCALES,
        policyFile: SAMPLE_POLICY,
        onError: (e) => console.error(e),
    });
    adapter.use(inactivity);
    await inactivity.start();
    return { adapter, inactivity, reminders: () => texts(adapter.activeQueue).filter((x) => x.startsWith('Still there?')) };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `done` holds (or the deadline passes), then waits one more polling interval for stragglers. */
async function settle(done: () => boolean, deadlineMs = 6000): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (!done() && Date.now() < end) {
        await wait(50);
    }
    await wait(600);
}

describe('Durable timers across bot processes (real Agenda on MongoDB)', function () {
    this.timeout(20_000);

    it('a reminder armed by one instance is sent once after that instance stops: by the stopping one when it held it already, else by another', async () => {
        const mongo = await freshDb();
        const storage = new MemoryStorage();
        const a = await botInstance(storage, mongo.db);
        let b: Awaited<ReturnType<typeof botInstance>> | undefined;
        try {
            await a.adapter.send('add client').startTest();
            await a.adapter.send('Maria Silva').startTest();
            await a.inactivity.stop(); // "restart": A goes away before the timer is due
            b = await botInstance(storage, mongo.db);
            const instance = b;
            await settle(() => a.reminders().length + instance.reminders().length > 0);
            // stop() sends the timers it had locked ahead as they fall due (the handover, docs/operations.md) and
            // hands the others back: either way one reminder, from one of the two.
            const all = [...a.reminders(), ...b.reminders()];
            assert.strictEqual(all.length, 1, all.join('\n'));
            assert.match(all[0], /Maria Silva/);
        } finally {
            await a.inactivity.stop();
            await b?.inactivity.stop();
            await mongo.close();
        }
    });

    it('with two instances running, each reminder is sent exactly once', async () => {
        const mongo = await freshDb();
        const storage = new MemoryStorage();
        const a = await botInstance(storage, mongo.db);
        const b = await botInstance(storage, mongo.db);
        try {
            for (let i = 0; i < 4; i++) {
                a.adapter.conversation = { ...a.adapter.conversation, conversation: { ...a.adapter.conversation.conversation, id: `conv-${i}` } };
                await a.adapter.send('add client').startTest();
                await a.adapter.send(`Client ${i}`).startTest();
            }
            await settle(() => a.reminders().length + b.reminders().length >= 4);
            const sweeps = await mongo.db.collection('inactivityJobs').find({ task: EXPIRE_JOB_NAME }).toArray();
            assert.strictEqual(sweeps.length, 1, 'one hourly expiry sweep shared by both instances');
            assert.strictEqual(
                await mongo.db.collection('inactivityJobs').countDocuments({ name: EXPIRE_JOB_NAME }),
                0,
                'not an Agenda job: Agenda does not poll it'
            );
            assert.ok(sweeps[0].nextRunAt > new Date(Date.now() + 59 * 60_000), 'first run an hour from start');
            const all = [...a.reminders(), ...b.reminders()];
            assert.strictEqual(all.length, 4, all.join('\n'));
            assert.deepStrictEqual(new Set(all.map((r) => /Client (\d)/.exec(r)?.[1])).size, 4);
        } finally {
            await a.inactivity.stop();
            await b.inactivity.stop();
            await mongo.close();
        }
    });
});
