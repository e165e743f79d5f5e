import assert from 'assert';
import type { Activity } from 'botbuilder';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { InactivityConfigError, InactivityOptions } from '../../../src';
import { loadPolicyFile } from '../../../src/core/policy/config';
import { createRig, Rig, texts } from '../../support/testBot';

const MIN = 60_000;
const HOUR = 60 * MIN;
const ASK_NAME = "What's the client's name?";

/** A user message on a channel of its own (its own conversation, as channels keep them apart). */
async function sayOn(rig: Rig, channelId: string, text: string): Promise<Array<Partial<Activity>>> {
    rig.take();
    await rig.adapter.receiveActivity({
        type: 'message',
        text,
        channelId,
        conversation: { id: `conversation-on-${channelId}` } as Activity['conversation'],
        from: { id: `user-on-${channelId}`, name: 'user' },
    });
    return rig.take();
}

/** The timer armed for the conversation on a channel. */
function timerOn(rig: Rig, channelId: string): { key: string; dueAt: number } {
    const found = [...rig.scheduler.armed.entries()].filter(([key]) => key.startsWith(`${channelId}/`));
    assert.strictEqual(found.length, 1, `one timer armed on ${channelId}; armed: ${[...rig.scheduler.armed.keys()].join(', ')}`);
    return { key: found[0][0], dueAt: found[0][1].dueAt.getTime() };
}

/** Moves the clock to the channel's timer and fires it; returns what the bot sent there. */
async function fireOn(rig: Rig, channelId: string): Promise<Array<Partial<Activity>>> {
    const { key, dueAt } = timerOn(rig, channelId);
    rig.take();
    rig.clock.now = dueAt;
    await rig.scheduler.fire(key);
    return rig.take();
}

function configError(run: () => unknown, ...patterns: RegExp[]): InactivityConfigError {
    let caught: unknown;
    try {
        run();
    } catch (err) {
        caught = err;
    }
    assert.ok(caught instanceof InactivityConfigError, `expected an InactivityConfigError, got ${String(caught)}`);
    for (const p of patterns) {
        assert.match(caught.message, p);
    }
    return caught;
}

describe('channels: defaults per channel', () => {
    let dir: string;
    const write = (name: string, content: unknown): string => {
        const path = join(dir, name);
        writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
        return path;
    };
    const rigs: Rig[] = [];
    const rig = async (options: Partial<InactivityOptions>): Promise<Rig> => {
        const r = await createRig(options);
        rigs.push(r);
        return r;
    };

    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'inactivity-channels-'));
    });
    afterEach(async () => {
        rmSync(dir, { recursive: true, force: true });
        await Promise.all(rigs.splice(0).map((r) => r.inactivity.stop()));
    });

    describe('through the middleware', () => {
        const channels = { whatsapp: { reminderAfter: '4 hours', closeAfter: '20 hours' }, webchat: { reminderAfter: '2 minutes', closeAfter: '10 minutes' } };

        it('a Web Chat user is reminded after minutes, a WhatsApp user after hours, any other channel after the plugin-wide delay', async () => {
            const r = await rig({ channels });
            const t0 = r.clock.now;
            assert.deepStrictEqual(texts(await sayOn(r, 'webchat', 'add client')), [ASK_NAME]);
            assert.deepStrictEqual(texts(await sayOn(r, 'whatsapp', 'add client')), [ASK_NAME]);
            assert.deepStrictEqual(texts(await sayOn(r, 'msteams', 'add client')), [ASK_NAME]);
            assert.strictEqual(timerOn(r, 'webchat').dueAt, t0 + 2 * MIN);
            assert.strictEqual(timerOn(r, 'whatsapp').dueAt, t0 + 4 * HOUR);
            assert.strictEqual(timerOn(r, 'msteams').dueAt, t0 + 5 * MIN, "the rig's plugin-wide reminderAfter");

            const [webchatReminder] = await fireOn(r, 'webchat');
            assert.match(webchatReminder.text ?? '', /^Still there\?/);
            assert.strictEqual(webchatReminder.conversation?.id, 'conversation-on-webchat');
            assert.strictEqual(timerOn(r, 'webchat').dueAt, t0 + 10 * MIN, 'the web chat flow closes 10 minutes after the message');
            const [teamsReminder] = await fireOn(r, 'msteams');
            assert.match(teamsReminder.text ?? '', /^Still there\?/);
            assert.strictEqual(timerOn(r, 'msteams').dueAt, t0 + 15 * MIN);
            assert.match(texts(await fireOn(r, 'webchat'))[0], /^I closed this/);

            const [whatsappReminder] = await fireOn(r, 'whatsapp');
            assert.strictEqual(r.clock.now, t0 + 4 * HOUR);
            assert.match(whatsappReminder.text ?? '', /^Still there\?/);
            assert.strictEqual(whatsappReminder.conversation?.id, 'conversation-on-whatsapp');
            assert.strictEqual(timerOn(r, 'whatsapp').dueAt, t0 + 20 * HOUR);
            assert.deepStrictEqual(r.errors, []);
        });

        it("a flow's and a step's own settings still win over the channel's", async () => {
            const r = await rig({
                channels,
                flows: { addClient: { closeAfter: '30 hours', steps: { type: { reminderAfter: '1 hour' } } } },
            });
            const t0 = r.clock.now;
            await sayOn(r, 'whatsapp', 'add client');
            assert.strictEqual(timerOn(r, 'whatsapp').dueAt, t0 + 4 * HOUR, "the channel's reminder at the name step");
            await fireOn(r, 'whatsapp');
            assert.strictEqual(timerOn(r, 'whatsapp').dueAt, t0 + 30 * HOUR, "the flow's closeAfter over the channel's");
            r.clock.now = t0 + 5 * HOUR;
            await sayOn(r, 'whatsapp', 'Maria Silva');
            assert.strictEqual(timerOn(r, 'whatsapp').dueAt, t0 + 6 * HOUR, "the type step's own reminderAfter");
        });

        it("reads the policy file's channels block, the option's winning field by field", async () => {
            const policyFile = write('policy.json', {
                defaults: { reminderAfter: '3 minutes' },
                channels: { whatsapp: { reminderAfter: '2 hours', closeAfter: '6 hours' }, webchat: { reminderAfter: '1 minute' } },
            });
            const r = await rig({ policyFile, reminderAfter: undefined, channels: { whatsapp: { reminderAfter: '3 hours' } } });
            const t0 = r.clock.now;
            await sayOn(r, 'whatsapp', 'add client');
            await sayOn(r, 'webchat', 'add client');
            await sayOn(r, 'emulator', 'add client');
            assert.strictEqual(timerOn(r, 'whatsapp').dueAt, t0 + 3 * HOUR, 'the option over the file');
            assert.strictEqual(timerOn(r, 'webchat').dueAt, t0 + 1 * MIN, "the file's channel over its defaults");
            assert.strictEqual(timerOn(r, 'emulator').dueAt, t0 + 3 * MIN, "no channel entry: the file's defaults");
            await fireOn(r, 'whatsapp');
            assert.strictEqual(timerOn(r, 'whatsapp').dueAt, t0 + 6 * HOUR, "the file's closeAfter, which the option does not set");
        });

        it('a channel may turn the plugin off for its conversations', async () => {
            const r = await rig({ channels: { directline: { enabled: false } } });
            assert.deepStrictEqual(texts(await sayOn(r, 'directline', 'add client')), [ASK_NAME]);
            assert.strictEqual(
                [...r.scheduler.armed.keys()].filter((k) => k.startsWith('directline/')).length,
                0,
                'no timer for a channel the plugin does not watch'
            );
            await sayOn(r, 'webchat', 'add client');
            assert.strictEqual(timerOn(r, 'webchat').dueAt, r.clock.now + 5 * MIN);
        });
    });

    describe('validation', () => {
        it('refuses a bad value in the policy file, naming the file and the path inside it', () => {
            const path = write('bad.json', { channels: { whatsapp: { reminderAfter: 'later' } } });
            const err = configError(() => loadPolicyFile(path), /channels\.whatsapp\.reminderAfter/, /"later"/, /milliseconds/);
            assert.ok(err.message.includes(path));
            configError(
                () => loadPolicyFile(write('typo.json', { channels: { whatsapp: { reminderafter: '1 hour' } } })),
                /channels\.whatsapp\.reminderafter is not a known setting/,
                /did you mean reminderAfter\?/
            );
            configError(
                () => loadPolicyFile(write('order.json', { channels: { whatsapp: { reminderAfter: '4 hours', closeAfter: '1 hour' } } })),
                /channels\.whatsapp\.reminderAfter \("4 hours"\) must be shorter than .*channels\.whatsapp\.closeAfter/
            );
            configError(
                () => loadPolicyFile(write('proto.json', '{ "channels": { "__proto__": { "enabled": false } } }')),
                /channels\.__proto__ uses the key '__proto__'/
            );
        });

        it('refuses bad channel settings given in code, naming the path', async () => {
            await assert.rejects(
                () => rig({ channels: { whatsapp: { finalAction: 'later' as never } } }),
                /options\.channels\.whatsapp\.finalAction is "later"; it must be one of \["close","handoff","dialog"\]/
            );
            await assert.rejects(
                () => rig({ channels: { whatsapp: { finalAction: 'dialog' } } }),
                /options\.channels\.whatsapp\.finalAction is 'dialog' but options\.channels\.whatsapp\.fallbackDialog is not set/
            );
            await assert.rejects(
                () => rig({ channels: { whatsapp: { messages: { reminder: 'sample:nope' } } } }),
                /channels\.whatsapp\.messages\.reminder names the text 'sample:nope'/
            );
        });

        it("checks every flow over every channel's defaults: a channel's reminder after a flow's close is refused", async () => {
            await assert.rejects(
                () => rig({ channels: { whatsapp: { reminderAfter: '4 hours', closeAfter: '20 hours' } }, flows: { addClient: { closeAfter: '1 hour' } } }),
                (err: Error) =>
                    err instanceof InactivityConfigError &&
                    /For channels\.whatsapp, flows\.addClient, the reminder would come at 14400000 ms but the final action already at 3600000 ms/.test(
                        err.message
                    )
            );
            // The same flow is fine on a channel that reminds sooner.
            await rig({ channels: { webchat: { reminderAfter: '4 minutes' } }, flows: { addClient: { closeAfter: '1 hour' } } });
        });
    });
});
