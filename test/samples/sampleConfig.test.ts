import assert from 'assert';
import { readSampleConfig } from '../../samples/sampleConfig';
import { toMilliseconds } from '../../src';

describe("the sample's environment settings", () => {
    // Regression: digits alone became the string "N ms", the form the plugin now refuses without a unit; they
    // are passed on as a number of milliseconds, which the plugin takes as such.
    it('reads digits alone as milliseconds, and passes durations with a unit on as written', () => {
        const config = readSampleConfig({ INACTIVITY_REMINDER_AFTER: '2000', INACTIVITY_CLOSE_AFTER: ' 10 Seconds ', INACTIVITY_RESUME_WINDOW: '0' });
        assert.strictEqual(config.reminderAfter, 2000);
        assert.strictEqual(config.closeAfter, '10 Seconds');
        assert.strictEqual(config.resumeWindow, 0, '0 turns resuming off, as the option does');
        assert.strictEqual(readSampleConfig({ INACTIVITY_TYPING_GRACE: '0' }).typingGrace, 0, '0 turns the typing hold off');
        assert.strictEqual(readSampleConfig({ INACTIVITY_TYPING_GRACE: '10 seconds' }).typingGrace, '10 seconds');
        assert.strictEqual(readSampleConfig({ INACTIVITY_HOLDOUT: '0.2' }).holdout, 0.2);
        assert.throws(() => readSampleConfig({ INACTIVITY_HOLDOUT: '0.7' }), /INACTIVITY_HOLDOUT must be a share from 0 to 0\.5/);
        assert.throws(() => readSampleConfig({ INACTIVITY_HOLDOUT: 'half' }), /INACTIVITY_HOLDOUT must be a share from 0 to 0\.5/);
        assert.strictEqual(toMilliseconds(config.reminderAfter, 'INACTIVITY_REMINDER_AFTER'), 2000);
        assert.strictEqual(toMilliseconds(config.closeAfter, 'INACTIVITY_CLOSE_AFTER'), 10_000);
    });

    it('leaves unset and blank durations to the plugin defaults', () => {
        const config = readSampleConfig({ INACTIVITY_REMINDER_AFTER: '  ' });
        assert.strictEqual(config.reminderAfter, undefined);
        assert.strictEqual(config.closeAfter, undefined);
        assert.strictEqual(config.typingGrace, undefined);
        assert.strictEqual(config.holdout, undefined);
    });

    it('reads the policy file named by INACTIVITY_POLICY_FILE, and leaves the sample its own when unset', () => {
        assert.strictEqual(readSampleConfig({ INACTIVITY_POLICY_FILE: ' policies/whatsapp.json ' }).policyFile, 'policies/whatsapp.json');
        assert.strictEqual(readSampleConfig({ INACTIVITY_POLICY_FILE: '' }).policyFile, undefined);
        assert.strictEqual(readSampleConfig({}).policyFile, undefined);
    });
});
