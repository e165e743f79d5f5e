import assert from 'assert';
import type { BotTelemetryClient } from 'botbuilder';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InactivityConfigError } from '../../src/core/errors';
import { freshDb } from '../support/mongo';
import { referenceOf, serviceOn } from './followUpRig';

/** A bot's own locales folder: `bot:session` has plural forms; `bot:english` exists only in en; `bot:spanish` only in es. */
function botLocales(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'followup-texts-'));
    const write = (lng: string, data: object) => {
        fs.mkdirSync(path.join(dir, lng), { recursive: true });
        fs.writeFileSync(path.join(dir, lng, 'bot.json'), JSON.stringify(data));
    };
    write('en', { session_one: '{{count}} session left, {{name}}', session_other: '{{count}} sessions left, {{name}}', english: 'Only in English' });
    write('es', {
        session_one: 'Te queda {{count}} sesión, {{name}}',
        session_many: 'Te quedan {{count}} de sesiones, {{name}}',
        session_other: 'Te quedan {{count}} sesiones, {{name}}',
        english: 'Solo en inglés',
        spanish: 'Solo en español',
    });
    return dir;
}

const past = () => new Date(Date.now() - 1000);

describe('Follow-up texts: checked when scheduled, never sent empty or with a raw {{placeholder}}', () => {
    it('refuses an unknown template key (a literal text given as a template) in the user language and the fallback, and stores nothing', async () => {
        const mongo = await freshDb();
        const { service } = serviceOn(mongo.db, { localesPath: botLocales() });
        try {
            await service.start();
            await assert.rejects(
                service.scheduleCustom({ reference: referenceOf('u1', 'msteams', 'es-ES'), at: past(), template: 'How did it go?' }),
                (err: Error) =>
                    err instanceof InactivityConfigError &&
                    /Unknown follow-up template "How did it go\?"/.test(err.message) &&
                    /in es or the fallback en/.test(err.message) &&
                    /pass `text`/.test(err.message)
            );
            // bot:spanish exists in es only: known for a Spanish user, unknown for a Brazilian one.
            await service.scheduleCustom({ reference: referenceOf('u2', 'msteams', 'es'), at: past(), template: 'bot:spanish', key: 'es' });
            await assert.rejects(
                service.scheduleCustom({ reference: referenceOf('u3', 'msteams', 'pt-BR'), at: past(), template: 'bot:spanish' }),
                /Unknown follow-up template "bot:spanish".*in pt-BR or the fallback en/
            );
            await assert.rejects(
                service.schedulePostEvent({ reference: referenceOf('u4'), eventAt: new Date(), template: 'followups:nope', variables: { name: 'Ana' } }),
                InactivityConfigError
            );
            await assert.rejects(
                service.scheduleCheckIn({ reference: referenceOf('u5'), template: 'followups:checkIn', buttons: ['nope.yes'] }),
                /Unknown follow-up button "nope.yes"/
            );
            assert.strictEqual(await mongo.db.collection('inactivityFollowUps').countDocuments(), 1);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('refuses a missing variable of any text the follow-up may be sent with (each score variant; count of a plural)', async () => {
        const mongo = await freshDb();
        const { service } = serviceOn(mongo.db, { localesPath: botLocales() });
        try {
            await service.start();
            await assert.rejects(
                service.schedulePostEvent({ reference: referenceOf('u1'), eventAt: new Date(), template: 'followups:postEvent' }),
                (err: Error) =>
                    err instanceof InactivityConfigError &&
                    err.message ===
                        'The follow-up template "followups:postEvent.neutral" (en) uses {{name}} and needs a value for "name" in variables (given: none).'
            );
            await assert.rejects(
                service.scheduleCustom({ reference: referenceOf('u1'), at: past(), template: 'bot:session', variables: { name: 'Ana' } }),
                /"bot:session" \(en\) is plural and needs a value for "count"/
            );
            await assert.rejects(
                service.scheduleCustom({ reference: referenceOf('u1'), at: past(), template: 'bot:session', variables: { count: 2 } }),
                /uses \{\{name\}\} and needs a value for "name" in variables \(given: count\)/
            );
            await assert.rejects(
                service.scheduleCustom({ reference: referenceOf('u1'), at: past(), text: 'See you at {{time}}, {{name}}', variables: { name: 'Ana' } }),
                /The follow-up's text uses \{\{time\}\} but variables has no value for "time" \(given: name\)/
            );
            await assert.rejects(service.scheduleCustom({ reference: referenceOf('u1'), at: past(), text: '  ' }), /text must be a message that is not empty/);
            await assert.rejects(
                service.scheduleCustom({ reference: referenceOf('u1'), at: past(), text: 'Hi', template: 'followups:checkIn' }),
                /either `template` \(a locale key\) or `text`/
            );
            assert.strictEqual(await mongo.db.collection('inactivityFollowUps').countDocuments(), 0);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('sends a literal text with its placeholders filled, plural forms by count per language, and the fallback language', async () => {
        const mongo = await freshDb();
        const { service, adapter } = serviceOn(mongo.db, { localesPath: botLocales() });
        try {
            await service.start();
            type Vars = Record<string, string | number>;
            const send = async (user: string, locale: string, request: { template?: string; text?: string; variables?: Vars; vars?: Vars }) => {
                await service.scheduleCustom({ reference: referenceOf(user, 'msteams', locale), at: past(), ...request });
                await service.runDue();
                return adapter.sent.filter((s) => s.conversationId === `conv-${user}`).map((s) => s.activity.text);
            };
            assert.deepStrictEqual(await send('lit', 'en-US', { text: 'See you at {{time}}, {{name}}!', variables: { name: 'Ana', time: '9:00' } }), [
                'See you at 9:00, Ana!',
            ]);
            // `vars` is `variables` under a shorter name; given both, they merge.
            assert.deepStrictEqual(await send('vars', 'en-US', { text: 'See you at {{time}}, {{name}}!', vars: { name: 'Bo', time: '8:00' } }), [
                'See you at 8:00, Bo!',
            ]);
            assert.deepStrictEqual(await send('both', 'en-US', { text: '{{time}}, {{name}}', vars: { name: 'Bo', time: '7:00' }, variables: { name: 'Cy' } }), [
                '7:00, Cy',
            ]);
            assert.deepStrictEqual(await send('one', 'en-US', { template: 'bot:session', variables: { count: 1, name: 'Ana' } }), ['1 session left, Ana']);
            assert.deepStrictEqual(await send('other', 'en-US', { template: 'bot:session', variables: { count: 3, name: 'Ana' } }), ['3 sessions left, Ana']);
            assert.deepStrictEqual(await send('es3', 'es', { template: 'bot:session', variables: { count: 3, name: 'Ana' } }), ['Te quedan 3 sesiones, Ana']);
            assert.deepStrictEqual(await send('es1m', 'es', { template: 'bot:session', variables: { count: 1_000_000, name: 'Ana' } }), [
                'Te quedan 1000000 de sesiones, Ana',
            ]);
            // A language the bot has no texts in: the fallback (en).
            assert.deepStrictEqual(await send('fr', 'fr-FR', { template: 'bot:english' }), ['Only in English']);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });

    it('at send time skips a follow-up that would be empty or show a raw {{placeholder}} (reason template, telemetry, onError), and sends the others', async () => {
        const mongo = await freshDb();
        const events: string[] = [];
        const errors: Error[] = [];
        const telemetryClient = {
            trackEvent: (e: { name: string; properties?: Record<string, string> }) => events.push(`${e.name}:${e.properties?.reason ?? ''}`),
        } as unknown as BotTelemetryClient;
        const { service, adapter } = serviceOn(mongo.db, { telemetryClient, onError: (err) => errors.push(err) });
        try {
            await service.start();
            const ok = await service.schedulePostEvent({
                reference: referenceOf('ok'),
                eventAt: past(),
                after: 0,
                template: 'followups:postEvent',
                variables: { name: 'Ana' },
            });
            const lost = await service.schedulePostEvent({
                reference: referenceOf('lost'),
                eventAt: past(),
                after: 0,
                template: 'followups:postEvent',
                variables: { name: 'Bo' },
            });
            const gone = await service.scheduleCustom({ reference: referenceOf('gone'), at: past(), template: 'followups:checkIn' });
            const literal = await service.scheduleCustom({ reference: referenceOf('literal'), at: past(), text: 'Hi {{name}}', variables: { name: 'Cy' } });
            // What changes after scheduling: a variable lost, a template removed, a literal's variable lost.
            const collection = mongo.db.collection('inactivityFollowUps');
            const { ObjectId } = await import('mongodb');
            await collection.updateOne({ _id: new ObjectId(lost.id) }, { $set: { variables: {} } });
            await collection.updateOne({ _id: new ObjectId(gone.id) }, { $set: { template: 'followups:removed' } });
            await collection.updateOne({ _id: new ObjectId(literal.id) }, { $set: { variables: {} } });
            assert.strictEqual(await service.runDue(), 4);

            assert.deepStrictEqual(
                adapter.sent.map((s) => s.activity.text),
                ['How did it go with Ana?']
            );
            assert.strictEqual((await service.get(ok.id))?.status, 'executed');
            for (const id of [lost.id, gone.id, literal.id]) {
                const f = await service.get(id);
                assert.deepStrictEqual([f?.status, f?.skipReason, f?.text], ['skipped', 'template', undefined], id);
            }
            assert.deepStrictEqual(events.filter((e) => e.endsWith(':template')).length, 3);
            assert.strictEqual(errors.length, 3);
            assert.match(errors.map((e) => e.message).join('\n'), /would have shown "How did it go with \{\{name\}\}\?"/);
            assert.match(errors.map((e) => e.message).join('\n'), /would have shown ""/);
        } finally {
            await service.stop();
            await mongo.close();
        }
    });
});
