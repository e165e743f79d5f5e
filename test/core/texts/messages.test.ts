import assert from 'assert';
import { Localizer } from '../../../src/core/texts/localization';
import { durationWords } from '../../../src/core/texts/messages';
import { createRig } from '../../support/testBot';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('durationWords', () => {
    const t = new Localizer();

    // Regression: 90 minutes read "2 hours": a resume window or a time left was said rounded to one unit.
    it('says a duration that is not a whole unit exactly, in en, es and pt-BR', () => {
        assert.strictEqual(durationWords(t, 'en', 90 * MIN), '1 hour 30 minutes');
        assert.strictEqual(durationWords(t, 'es', 90 * MIN), '1 hora y 30 minutos');
        assert.strictEqual(durationWords(t, 'pt-BR', 90 * MIN), '1 hora e 30 minutos');
        assert.strictEqual(durationWords(t, 'en', 2 * HOUR + MIN), '2 hours 1 minute');
        assert.strictEqual(durationWords(t, 'es', 2 * HOUR + MIN), '2 horas y 1 minuto');
        assert.strictEqual(durationWords(t, 'pt-BR', 2 * HOUR + 2 * MIN), '2 horas e 2 minutos');
        assert.strictEqual(durationWords(t, 'en', 90 * SEC), '1 minute 30 seconds');
        assert.strictEqual(durationWords(t, 'en', 3 * DAY + 2 * HOUR + 5 * MIN), '3 days 2 hours 5 minutes');
        assert.strictEqual(durationWords(t, 'es', 3 * DAY + 2 * HOUR + 5 * MIN), '3 días, 2 horas y 5 minutos');
        assert.strictEqual(durationWords(t, 'pt-BR', 3 * DAY + 2 * HOUR + 5 * MIN), '3 dias, 2 horas e 5 minutos');
    });

    it('keeps whole units short: hours below 2 days, days from 2 days up', () => {
        assert.strictEqual(durationWords(t, 'en', 24 * HOUR), '24 hours');
        assert.strictEqual(durationWords(t, 'en', 36 * HOUR), '36 hours');
        assert.strictEqual(durationWords(t, 'en', 2 * DAY), '2 days');
        assert.strictEqual(durationWords(t, 'en', 30 * MIN), '30 minutes');
        assert.strictEqual(durationWords(t, 'en', 45 * SEC), '45 seconds');
        assert.strictEqual(durationWords(t, 'es', HOUR), '1 hora');
    });

    it("rounded up, time left is never less than the user has, and never '0 minutes'", () => {
        assert.strictEqual(durationWords(t, 'en', 9 * MIN + 20 * SEC, 'up'), '10 minutes');
        assert.strictEqual(durationWords(t, 'en', 86 * MIN + 10 * SEC, 'up'), '1 hour 27 minutes');
        assert.strictEqual(durationWords(t, 'en', 59 * MIN + 30 * SEC, 'up'), '1 hour');
        assert.strictEqual(durationWords(t, 'en', 10 * MIN + 40, 'up'), '10 minutes', 'a timer a few ms early is not a minute more');
        assert.strictEqual(durationWords(t, 'en', 40 * SEC, 'up'), '40 seconds');
        assert.strictEqual(durationWords(t, 'en', 0, 'up'), '1 second');
        assert.strictEqual(durationWords(t, 'pt-BR', 0), '1 segundo');
    });
});

describe('the reminder says the time left rounded up', () => {
    // Regression: a reminder sent 40 s after it was due said "I'll close it in 9 minutes" with 9 min 20 s left.
    it('"10 minutes" when 9 minutes 20 seconds are left', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('Maria Silva');
        const [reminder] = await rig.fireAt(5 * MIN + 40 * SEC);
        assert.match(reminder.text ?? '', /I'll close it in 10 minutes if I don't hear from you\.$/);
        await rig.inactivity.stop();
    });

    it('a close after 1 hour 35 minutes is announced as 1 hour 30 minutes away, not "2 hours"', async () => {
        const rig = await createRig({ closeAfter: '95 minutes' });
        await rig.say('add client');
        const [reminder] = await rig.fireAt();
        assert.match(reminder.text ?? '', /I'll close it in 1 hour 30 minutes if I don't hear from you\.$/);
        await rig.inactivity.stop();
    });
});
