import assert from 'assert';
import { MemoryStorage, StoreItems } from 'botbuilder';
import { InactivityState, readState, STATE_PROPERTY } from '../../../src/core/turn/inactivityState';
import { createRig, Rig, texts } from '../../support/testBot';
import { inBotTurn, storedState } from './support';

const MIN = 60_000;
const ROUNDS = 200;

/** A global order of what happened, across the storage and the channel. */
let seq = 0;

/** Waits 0 to `max` turns of the event loop, at random: the two turns interleave differently each round. */
async function jitter(max = 4): Promise<void> {
    for (let i = Math.floor(Math.random() * (max + 1)); i > 0; i--) {
        await new Promise<void>((resolve) => setImmediate(resolve));
    }
}

/** MemoryStorage (eTags enforced) with random delays, logging every write it stored in order. */
class JitterStorage extends MemoryStorage {
    readonly stored: Array<{ seq: number; plugin?: InactivityState }> = [];

    override async read(keys: string[]): Promise<StoreItems> {
        await jitter();
        return super.read(keys);
    }

    override async write(changes: StoreItems): Promise<void> {
        await jitter();
        await super.write(changes);
        for (const item of Object.values(changes)) {
            this.stored.push({ seq: ++seq, plugin: readState((item as Record<string, unknown>)[STATE_PROPERTY]) });
        }
        await jitter();
    }
}

/** A rig in a flow at step 2, its clock at the reminder's due time, reminders logged in the global order. */
async function atReminderDue(
    options: Parameters<typeof createRig>[0] = {}
): Promise<{ rig: Rig; storage: JitterStorage; reminders: number[]; spokeAt: number }> {
    const storage = new JitterStorage();
    const rig = await createRig(options, { storage });
    await rig.say('add client');
    await rig.say('Maria Silva');
    const spokeAt = rig.clock.now;
    const reminders: number[] = [];
    rig.adapter.sendHook = (activities) => {
        if (activities.some((a) => /^Still there\?/.test(a.text ?? ''))) {
            reminders.push(++seq);
        }
    };
    rig.clock.now = rig.scheduler.only().dueAt.getTime();
    return { rig, storage, reminders, spokeAt };
}

/** Fires whatever timer is armed until none is (at most `max` times), each at its due time; returns what was sent and when. */
async function runOut(rig: Rig, max = 4): Promise<Array<{ at: number; text: string }>> {
    const out: Array<{ at: number; text: string }> = [];
    for (let i = 0; i < max && rig.scheduler.armed.size > 0; i++) {
        for (const text of texts(await rig.fireAt())) {
            out.push({ at: rig.clock.now, text });
        }
    }
    return out;
}

describe('lifecycle: abandon() and extend() colliding with a due timer', function () {
    this.timeout(120_000);

    it(`abandon() in a turn of the bot's own while the reminder's timer fires, ${ROUNDS} times: never a reminder claimed after the abandonment, never a message afterwards`, async () => {
        const outcomes = { reminderThenAbandoned: 0, abandonedFirst: 0 };
        for (let round = 0; round < ROUNDS; round++) {
            const { rig, storage, reminders } = await atReminderDue();
            const written = storage.stored.length;
            const [, abandoned] = await Promise.all([
                // A timer the abandonment cancelled before it came due does not fire (Agenda's cancel deletes it).
                (async () => (await jitter(8), rig.scheduler.armed.size > 0 ? rig.scheduler.fire() : undefined))(),
                (async () => (await jitter(8), inBotTurn(rig, (ctx) => rig.inactivity.abandon(ctx, 'paymentFailed'))))(),
            ]);
            assert.strictEqual(abandoned, true, `round ${round}: the flow was in progress either way`);
            const writes = storage.stored.slice(written);
            const abandonAt = writes.find((w) => w.plugin && !w.plugin.flow)?.seq;
            assert.ok(abandonAt, `round ${round}: the abandonment was stored`);
            assert.ok(
                writes.every((w) => w.seq <= abandonAt || !w.plugin?.flow),
                `round ${round}: no write brought the flow back`
            );
            const claimedReminder = writes.find((w) => w.plugin?.delivery?.action === 'reminder' && w.plugin.delivery.status === 'sending');
            if (reminders.length > 0) {
                assert.strictEqual(reminders.length, 1);
                assert.ok(claimedReminder && claimedReminder.seq < abandonAt, `round ${round}: the reminder sent was claimed before the abandonment`);
                outcomes.reminderThenAbandoned++;
            } else {
                assert.strictEqual(claimedReminder, undefined, `round ${round}: no reminder claimed after the abandonment`);
                outcomes.abandonedFirst++;
            }
            assert.deepStrictEqual(await runOut(rig), [], `round ${round}: nothing is sent afterwards`);
            assert.strictEqual((await storedState(rig))?.flow, undefined);
            assert.deepStrictEqual(rig.errors, [], `round ${round}`);
            await rig.inactivity.stop();
        }
        console.log(`      abandon vs timer, ${ROUNDS} rounds: ${JSON.stringify(outcomes)}`);
        assert.ok(outcomes.reminderThenAbandoned > 0 && outcomes.abandonedFirst > 0, `both orders happened: ${JSON.stringify(outcomes)}`);
    });

    it(`the user's "cancel" (abandon() in the user's turn) arriving as the reminder's timer fires, ${ROUNDS} times: one abandonment each, never a reminder claimed after it`, async () => {
        const outcomes = { reminderThenCancelled: 0, cancelledFirst: 0 };
        for (let round = 0; round < ROUNDS; round++) {
            const abandonments: string[] = [];
            const { rig, storage, reminders } = await atReminderDue({
                onFlowEvent: (e) => void (e.type === 'abandoned' && abandonments.push(String(e.reason))),
            });
            const written = storage.stored.length;
            const before = rig.adapter.activeQueue.length;
            await Promise.all([
                (async () => (await jitter(8), rig.scheduler.armed.size > 0 ? rig.scheduler.fire() : undefined))(),
                (async () => (await jitter(8), rig.adapter.receiveActivity({ type: 'message', text: 'cancel' })))(),
            ]);
            const sent = texts(rig.adapter.activeQueue.slice(before));
            assert.ok(
                sent.some((t) => /^No problem, I've cancelled that/.test(t)),
                `round ${round}: the user is answered`
            );
            assert.deepStrictEqual(abandonments, ['saidCancel'], `round ${round}: one abandonment`);
            const writes = storage.stored.slice(written);
            const abandonAt = writes.find((w) => w.plugin && !w.plugin.flow)?.seq;
            assert.ok(abandonAt, `round ${round}: the abandonment was stored`);
            const claimedReminder = writes.find((w) => w.plugin?.delivery?.action === 'reminder' && w.plugin.delivery.status === 'sending');
            if (reminders.length > 0) {
                assert.ok(claimedReminder && claimedReminder.seq < abandonAt, `round ${round}: the reminder was claimed before the abandonment`);
                outcomes.reminderThenCancelled++;
            } else {
                assert.strictEqual(claimedReminder, undefined, `round ${round}`);
                outcomes.cancelledFirst++;
            }
            assert.deepStrictEqual(await runOut(rig), [], `round ${round}: nothing is sent afterwards`);
            assert.deepStrictEqual(rig.errors, [], `round ${round}`);
            await rig.inactivity.stop();
        }
        console.log(`      user's cancel vs timer, ${ROUNDS} rounds: ${JSON.stringify(outcomes)}`);
        assert.ok(outcomes.reminderThenCancelled > 0 && outcomes.cancelledFirst > 0, `both orders happened: ${JSON.stringify(outcomes)}`);
    });

    it(`extend() in a turn of the bot's own while the reminder's timer fires, ${ROUNDS} times: the extension is never lost`, async () => {
        const outcomes = { reminderThenExtended: 0, extendedFirst: 0 };
        for (let round = 0; round < ROUNDS; round++) {
            const { rig, reminders, spokeAt } = await atReminderDue();
            const [, extended] = await Promise.all([
                (async () => (await jitter(8), rig.scheduler.fire()))(),
                (async () => (await jitter(8), inBotTurn(rig, (ctx) => rig.inactivity.extend(ctx, '10 minutes'))))(),
            ]);
            assert.strictEqual(extended, true, `round ${round}`);
            const state = await storedState(rig);
            assert.strictEqual(state?.flow?.extensions, 1, `round ${round}: counted once`);
            assert.strictEqual(state?.extension?.ms, 10 * MIN, `round ${round}: stored`);
            const rest = await runOut(rig);
            const close = rest.find((m) => /^I closed this/.test(m.text));
            assert.ok(close, `round ${round}: the flow is closed in the end`);
            if (reminders.length === 1 && rest.every((m) => !/^Still there\?/.test(m.text))) {
                // The timer came first: the reminder went out on time, and the close it announced moved by 10 minutes.
                assert.strictEqual(state?.extension?.afterReminderMs, 10 * MIN, `round ${round}`);
                outcomes.reminderThenExtended++;
            } else {
                // The extension came first: the reminder moved by 10 minutes, the close keeps its distance from it.
                assert.strictEqual(reminders.length, 1, `round ${round}: one reminder`);
                const reminder = rest.find((m) => /^Still there\?/.test(m.text));
                assert.strictEqual(reminder?.at, spokeAt + 15 * MIN, `round ${round}: reminder moved`);
                outcomes.extendedFirst++;
            }
            assert.strictEqual(close.at, spokeAt + 25 * MIN, `round ${round}: the close moved by the extension either way`);
            assert.deepStrictEqual(rig.errors, [], `round ${round}`);
            await rig.inactivity.stop();
        }
        console.log(`      extend vs timer, ${ROUNDS} rounds: ${JSON.stringify(outcomes)}`);
        assert.ok(outcomes.reminderThenExtended > 0 && outcomes.extendedFirst > 0, `both orders happened: ${JSON.stringify(outcomes)}`);
    });
});
