import assert from 'assert';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { FlowDefinition } from '../../../src';
import { createRig, Rig, SAMPLE_LOCALES, texts } from '../../support/testBot';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A designer's own texts, in a namespace of the bot's (`designer:`), beside the sample's. */
const DESIGNER_TEXTS = {
    typeReminder: 'Which kind of client is {{summary}}? Personal, group or online.',
    typeClose: 'I stopped adding the client; say "add client" when you know the kind.',
    contactReminder: 'Still looking for a way to reach {{summary}}?',
    contactHandoff: 'A colleague will find the contact with you now.',
};

/**
 * End to end through the middleware: what a designer sets on one step in the policy (`enabled: false`, the
 * step's own `messages.reminder/close/handoff`) is what the user gets at that step, and only there.
 */
describe("designers' step settings reach the user", () => {
    let localesPath: string;
    const rigs: Rig[] = [];
    const rig = async (addClient: FlowDefinition): Promise<Rig> => {
        const r = await createRig({ localesPath, flows: { addClient } });
        rigs.push(r);
        return r;
    };

    before(() => {
        localesPath = mkdtempSync(join(tmpdir(), 'inactivity-designer-'));
        for (const lng of readdirSync(SAMPLE_LOCALES)) {
            mkdirSync(join(localesPath, lng));
            copyFileSync(join(SAMPLE_LOCALES, lng, 'sample.json'), join(localesPath, lng, 'sample.json'));
        }
        writeFileSync(join(localesPath, 'en', 'designer.json'), JSON.stringify(DESIGNER_TEXTS));
    });
    after(() => rmSync(localesPath, { recursive: true, force: true }));
    afterEach(async () => {
        await Promise.all(rigs.splice(0).map((r) => r.inactivity.stop()));
    });

    it('enabled: false on a step sends nothing while the user is on that step, and the steps around it are watched as before', async () => {
        const r = await rig({ steps: { type: { enabled: false } } });
        await r.say('add client');
        const [nameReminder] = await r.fireAt();
        assert.match(nameReminder.text ?? '', /^Still there\? You were adding a client \(step 1 of 3\)\./, 'the step before is reminded');
        assert.match(texts(await r.say('Maria Silva'))[0], /^What kind of client is Maria Silva\?/);
        // A day of silence at the unwatched step: the timer left from the name step fires and sends nothing.
        assert.strictEqual(r.scheduler.armed.size, 1, 'the timer armed at the name step stays (moving it would cost a write)');
        assert.deepStrictEqual(await r.fireAt(24 * HOUR), [], 'nothing sent at the step with enabled: false');
        assert.strictEqual(r.scheduler.armed.size, 0, 'and no timer is armed again for it');
        // The flow is still open: the user answers and the next step is watched again.
        assert.match(texts(await r.say('Group classes'))[0], /^How can we reach Maria Silva\?/);
        assert.strictEqual(r.scheduler.only().dueAt.getTime(), r.clock.now + 5 * MIN, 'the contact step arms its reminder');
        const [contactReminder] = await r.fireAt();
        assert.match(contactReminder.text ?? '', /^Still there\? You were adding Maria Silva \(step 3 of 3\)\./);
        assert.deepStrictEqual(r.errors, []);
    });

    it("a step's own reminder and close texts are the ones sent at that step; the other steps keep the default texts", async () => {
        const r = await rig({ steps: { type: { messages: { reminder: 'designer:typeReminder', close: 'designer:typeClose' } } } });
        await r.say('add client');
        const [nameReminder] = await r.fireAt();
        assert.match(nameReminder.text ?? '', /^Still there\? You were adding a client/, 'the name step keeps the default reminder');
        await r.say('Maria Silva');
        const [typeReminder] = await r.fireAt();
        assert.strictEqual(
            typeReminder.text,
            "Which kind of client is Maria Silva? Personal, group or online. I'll close it in 10 minutes if I don't hear from you."
        );
        const closed = texts(await r.fireAt());
        assert.deepStrictEqual(closed, [DESIGNER_TEXTS.typeClose]);
        assert.deepStrictEqual(r.errors, []);
    });

    it("a step's own handoff text is the one sent when that step hands off, with its own reminder before it", async () => {
        // The sample's policy file already makes the contact step hand off.
        const r = await rig({ steps: { contact: { messages: { reminder: 'designer:contactReminder', handoff: 'designer:contactHandoff' } } } });
        await r.say('add client');
        await r.say('Maria Silva');
        await r.say('Group classes');
        const [reminder] = await r.fireAt();
        assert.strictEqual(reminder.text, "Still looking for a way to reach Maria Silva? If I don't hear from you in 10 minutes, I'll pass you to a person.");
        const sent = await r.fireAt();
        assert.deepStrictEqual(texts(sent), [DESIGNER_TEXTS.contactHandoff]);
        assert.strictEqual(sent.find((a) => a.type === 'event')?.name, 'handoff.initiate');
        assert.deepStrictEqual(r.errors, []);
    });
});
