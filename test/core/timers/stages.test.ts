import assert from 'assert';
import { dueStage, nextDue } from '../../../src/core/timers/stages';
import type { InactivityState } from '../../../src/core/turn/inactivityState';
import type { ResolvedPolicy } from '../../../src/core/policy/options';
import { createRig, texts } from '../../support/testBot';

const MIN = 60_000;

describe('The ladder when a timer fires late', () => {
    // Regression (issue 9): 2,000 flows abandoned together fired minutes late, found the reminder and the close
    // both overdue, and closed without ever reminding.
    it('a reminder whose close is already overdue is still sent, and the close comes the announced time after it', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('John Doe');
        const spokeAt = rig.clock.now;
        // The queue was 40 minutes behind: the reminder (5 min) and the close (15 min) are both overdue.
        const late = await rig.fireAt(40 * MIN);
        const reminder = texts(late);
        assert.strictEqual(reminder.length, 1, reminder.join(' | '));
        assert.match(reminder[0], /^Still there\?/);
        assert.match(reminder[0], /10 minutes/, 'it announces the time it really leaves');
        const closeAt = rig.scheduler.only().dueAt.getTime();
        assert.strictEqual(closeAt, spokeAt + 40 * MIN + 10 * MIN, 'the close keeps its distance from the reminder');
        const goodbye = texts(await rig.fireAt());
        assert.match(goodbye.join(' '), /closed/i);
        assert.deepStrictEqual(rig.errors, []);
    });

    it('a flow past its maxDuration still ends at once, settling the overdue reminder', () => {
        const policy = { enabled: true, remind: true, reminderAfter: 5 * MIN, closeAfter: 15 * MIN, maxDuration: 20 * MIN } as ResolvedPolicy;
        const state = { lastUserActivityAt: 0, stagesDone: [], flow: { id: 'f', startedAt: 0, reminded: false }, transcript: [] } as unknown as InactivityState;
        const due = dueStage(state, policy, 30 * MIN);
        assert.strictEqual(due?.stage.name, 'maxDuration');
        assert.deepStrictEqual([...(due?.settled ?? [])].sort(), ['final', 'maxDuration', 'reminder']);
        assert.strictEqual(
            nextDue({ ...state, stagesDone: ['reminder'] }, policy),
            15 * MIN,
            'without a reminder time, the close is measured from the last message'
        );
    });
});
