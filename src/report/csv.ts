import type { DropOffReport, HoldoutExperiment } from './report';

/** The columns of {@link reportCsv}. */
export const CSV_COLUMNS = ['flowId', 'metric', 'step', 'reason', 'day', 'value'] as const;

/**
 * The drop-off report as CSV (RFC 4180, CRLF line ends): one row per number, in long form for a spreadsheet's
 * pivot table. `metric` is a field of the `--json` output (`started`, `completed`, `abandoned`, `handedOff`,
 * `reminded`, `answeredAfterReminder`, `recoveredAfterReminder`, `resumed`, `completedAfterResume`,
 * `extensions`, `medianTimeToAbandonMs`, `skippedForFatigue`), or `reached` / `meanMs` (with `step`), `abandonedByStep`
 * (with `step`), `abandonedByReason` (with `reason`), `abandonedByStepAndReason` (with `step` and `reason`),
 * `trendStarted` / `trendCompleted` / `trendAbandoned` (with `day`). The holdout experiment (`experiment`) gives
 * `holdoutRuns`, `holdoutRecovered`, `remindedRuns`, `remindedRecovered`, `lift`, `liftCi95Low`, `liftCi95High`
 * for the flow (no `step`) and for each step of `steps[]` (with `step`, beside its `skippedForFatigue`); `lift`
 * and the interval are empty when a group is empty.
 *
 * @param data What `report` returned.
 * @returns The CSV text.
 */
export function reportCsv(data: DropOffReport): string {
    const rows: Array<Array<string | number>> = [[...CSV_COLUMNS]];
    for (const f of data.flows) {
        const add = (metric: string, value: number | null, at: { step?: string; reason?: string; day?: string } = {}) =>
            rows.push([f.flowId, metric, at.step ?? '', at.reason ?? '', at.day ?? '', value ?? '']);
        for (const metric of [
            'runs',
            'started',
            'completed',
            'abandoned',
            'handedOff',
            'reminded',
            'answeredAfterReminder',
            'recoveredAfterReminder',
            'skippedForFatigue',
            'resumed',
            'completedAfterResume',
            'extensions',
            'medianTimeToAbandonMs',
        ] as const) {
            add(metric, f[metric]);
        }
        for (const s of f.funnel) {
            add('reached', s.reached, { step: s.step });
            add('meanMs', s.meanMs, { step: s.step });
        }
        for (const [step, count] of Object.entries(f.abandonedByStep)) {
            add('abandonedByStep', count, { step });
        }
        for (const [reason, count] of Object.entries(f.abandonedByReason)) {
            add('abandonedByReason', count, { reason });
        }
        for (const c of f.abandonedByStepAndReason) {
            add('abandonedByStepAndReason', c.count, { step: c.step, reason: c.reason });
        }
        addExperiment(add, f.experiment);
        for (const r of f.steps) {
            add('skippedForFatigue', r.skippedForFatigue, { step: r.step });
            addExperiment(add, r.experiment, r.step);
        }
        for (const d of f.trend) {
            add('trendStarted', d.started, { day: d.day });
            add('trendCompleted', d.completed, { day: d.day });
            add('trendAbandoned', d.abandoned, { day: d.day });
        }
    }
    return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** The experiment's numbers, one row each (`lift` and the interval empty when a group is empty). */
function addExperiment(add: (metric: string, value: number | null, at?: { step?: string }) => unknown, e: HoldoutExperiment, step?: string): void {
    const at = step !== undefined ? { step } : {};
    add('holdoutRuns', e.holdout.runs, at);
    add('holdoutRecovered', e.holdout.recovered, at);
    add('remindedRuns', e.reminded.runs, at);
    add('remindedRecovered', e.reminded.recovered, at);
    add('lift', e.lift, at);
    add('liftCi95Low', e.ci95?.[0] ?? null, at);
    add('liftCi95High', e.ci95?.[1] ?? null, at);
}

function cell(value: string | number): string {
    const text = String(value);
    // Quoted when needed; a leading = + - @ is prefixed so a spreadsheet does not run a bot-chosen name as a formula.
    const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
