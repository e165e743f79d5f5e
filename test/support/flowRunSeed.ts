import { FLOW_RUN_VERSION, FlowRunRecord, RunStep } from '../../src/core/records/flowRun';

/** Day 1 of the seeded period (UTC). */
export const DAY1 = new Date(Date.UTC(2026, 10, 20, 10, 0, 0));
/** Day 2. */
export const DAY2 = new Date(Date.UTC(2026, 10, 21, 10, 0, 0));
/** Before the period the tests ask for. */
export const BEFORE = new Date(Date.UTC(2026, 9, 1, 10, 0, 0));
/** The period the tests ask for. */
export const SINCE = new Date(Date.UTC(2026, 10, 15));
export const UNTIL = new Date(Date.UTC(2026, 10, 25));

const S = 1000;
let seq = 0;

interface Seed {
    flowId?: string;
    outcome?: FlowRunRecord['outcome'];
    reason?: string;
    steps?: Array<[string, number, number] | [string, number, number, true]>;
    durationMs?: number;
    endedAt?: Date;
    reminders?: boolean[];
    resumed?: boolean;
    extensions?: number;
}

/** One record with the fields the report reads; every number is given by the test. */
export function seedRecord(s: Seed): FlowRunRecord {
    seq += 1;
    const steps: RunStep[] = (s.steps ?? []).map(([step, index, ms, resumed]) => ({ step, index, ms, ...(resumed ? { resumed: true as const } : {}) }));
    const endedAt = s.endedAt ?? DAY1;
    const durationMs = s.durationMs ?? steps.reduce((sum, st) => sum + st.ms, 0);
    const last = steps[steps.length - 1];
    const reminders = (s.reminders ?? []).map((answered) => ({ at: new Date(endedAt.getTime() - 1000), answered }));
    return {
        v: FLOW_RUN_VERSION,
        runId: `run-${seq}`,
        flowId: s.flowId ?? 'booking',
        outcome: s.outcome ?? 'completed',
        ...(s.reason ? { reason: s.reason } : {}),
        ...(last ? { endStep: last.step, endStepIndex: last.index } : {}),
        startedAt: new Date(endedAt.getTime() - durationMs),
        endedAt,
        durationMs,
        steps,
        reminders,
        reminded: reminders.length > 0,
        answeredAfterReminder: reminders.some((r) => r.answered),
        resumed: s.resumed === true,
        ...(s.resumed ? { resumedFrom: `snap-${seq}` } : {}),
        extensions: s.extensions ?? 0,
        channelId: 'msteams',
        tenantId: 'tenant-a',
        user: `user-${seq % 4}`,
    };
}

const NAME: [string, number, number] = ['name', 0, 10 * S];
const DATE: [string, number, number] = ['date', 1, 20 * S];
const CONFIRM: [string, number, number] = ['confirm', 2, 30 * S];

/**
 * The seeded dataset. Its counts, worked out by hand, are in {@link EXPECTED}: the tests compare the report
 * with those numbers, never with numbers computed from the records.
 */
export function seededRecords(): FlowRunRecord[] {
    return [
        // booking: four completed runs afresh, one after answering a reminder; two on day 2.
        seedRecord({ steps: [NAME, DATE, CONFIRM] }),
        seedRecord({ steps: [NAME, DATE, CONFIRM], reminders: [true], extensions: 1 }),
        seedRecord({ steps: [NAME, DATE, CONFIRM], endedAt: DAY2 }),
        seedRecord({ steps: [NAME, DATE, CONFIRM], endedAt: DAY2 }),
        // Two timeouts at "date" after an unanswered reminder (60 s and 120 s into the run).
        seedRecord({ outcome: 'abandoned', reason: 'timeout', steps: [NAME, DATE], durationMs: 60 * S, reminders: [false] }),
        seedRecord({ outcome: 'abandoned', reason: 'timeout', steps: [NAME, DATE], durationMs: 120 * S, reminders: [false], endedAt: DAY2 }),
        // Invalid answers at "name", 30 s in.
        seedRecord({ outcome: 'abandoned', reason: 'invalidInput', steps: [NAME], durationMs: 30 * S }),
        // Handed off at "confirm" after answering a reminder, 300 s in.
        seedRecord({ outcome: 'handedOff', reason: 'handoff', steps: [NAME, DATE, CONFIRM], durationMs: 300 * S, reminders: [true], endedAt: DAY2 }),
        // The bot's own reason at "confirm", 200 s in; two extensions.
        seedRecord({ outcome: 'abandoned', reason: 'paymentFailed', steps: [NAME, DATE, CONFIRM], durationMs: 200 * S, extensions: 2 }),
        // Two resumed runs (resumed at "date"): one completed, one timed out at "confirm" 500 s in.
        seedRecord({ resumed: true, steps: [['date', 1, 20 * S, true], CONFIRM], endedAt: DAY2 }),
        seedRecord({ resumed: true, outcome: 'abandoned', reason: 'timeout', steps: [['date', 1, 20 * S, true], CONFIRM], durationMs: 500 * S, endedAt: DAY2 }),
        // signup: two completed, one cancelled by the user at step "1".
        seedRecord({
            flowId: 'signup',
            steps: [
                ['1', 0, 5 * S],
                ['2', 1, 5 * S],
            ],
        }),
        seedRecord({
            flowId: 'signup',
            steps: [
                ['1', 0, 5 * S],
                ['2', 1, 5 * S],
            ],
            endedAt: DAY2,
        }),
        seedRecord({ flowId: 'signup', outcome: 'abandoned', reason: 'userCancelled', steps: [['1', 0, 40 * S]], durationMs: 40 * S }),
        // Outside the period: never counted.
        seedRecord({ flowId: 'signup', outcome: 'abandoned', reason: 'timeout', steps: [['1', 0, 5 * S]], endedAt: BEFORE }),
        seedRecord({ endedAt: BEFORE, steps: [NAME] }),
    ];
}

/** The report's numbers for {@link seededRecords} between SINCE and UNTIL, worked out by hand. */
export const EXPECTED = {
    booking: {
        runs: 11,
        started: 9,
        completed: 5,
        abandoned: 6,
        handedOff: 1,
        abandonedByStep: { name: 1, date: 2, confirm: 3 },
        abandonedByReason: { timeout: 3, invalidInput: 1, handoff: 1, paymentFailed: 1 },
        reminded: 4,
        answeredAfterReminder: 2,
        recoveredAfterReminder: 1,
        resumed: 2,
        completedAfterResume: 1,
        extensions: 3,
        medianTimeToAbandonMs: 160 * S,
        funnel: [
            { step: 'name', reached: 9 },
            { step: 'date', reached: 8 },
            { step: 'confirm', reached: 8 },
        ],
        trend: [
            { day: '2026-11-20', started: 5, completed: 2, abandoned: 3 },
            { day: '2026-11-21', started: 4, completed: 3, abandoned: 3 },
        ],
    },
    signup: {
        runs: 3,
        started: 3,
        completed: 2,
        abandoned: 1,
        handedOff: 0,
        abandonedByStep: { '1': 1 },
        abandonedByReason: { userCancelled: 1 },
        reminded: 0,
        answeredAfterReminder: 0,
        recoveredAfterReminder: 0,
        resumed: 0,
        completedAfterResume: 0,
        extensions: 0,
        medianTimeToAbandonMs: 40 * S,
    },
};
