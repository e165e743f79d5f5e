import { InactivityConfigError } from '../core/errors';
import type { Collection, Db, Document, Filter } from 'mongodb';
import { DEFAULT_RUNS_COLLECTION } from '../mongo/flowRunStore';
import type { FlowRunRecord } from '../core/records/flowRun';
import { newcombeInterval } from './newcombe';

/** Filters of {@link report}. */
export interface ReportQuery {
    /** Only runs that ended at or after this time. Default: all. */
    since?: Date;
    /** Only runs that ended before this time. Default: now. */
    until?: Date;
    /** Only this flow. Default: every flow. */
    flowId?: string;
    /** The records collection. Default `'inactivityRuns'` (`<collectionPrefix>Runs`). */
    collection?: string;
}

/** One step of a flow's funnel. */
export interface FunnelStep {
    /** The step's name, or its 1-based number as a string. */
    step: string;
    /** Zero-based step index, when known. */
    index?: number;
    /** Runs that reached it (a resumed run is not counted again at the step it resumed at). */
    reached: number;
    /** Mean time spent on it (ms). */
    meanMs: number;
}

/** Abandonments at one step for one reason. */
export interface StepReasonCount {
    /** The step (`'(none)'` for runs that ended before any step was noted). */
    step: string;
    /** Why. */
    reason: string;
    /** How many runs. */
    count: number;
}

/** One day of a flow's trend (UTC days, by the runs' end). */
export interface TrendDay {
    /** `YYYY-MM-DD`. */
    day: string;
    /** Runs begun afresh that ended that day. */
    started: number;
    /** Runs completed. */
    completed: number;
    /** Runs abandoned or handed off. */
    abandoned: number;
}

/** One group of the holdout experiment: runs that went quiet past the reminder time, and those that came back. */
export interface ExperimentGroup {
    /** Runs (per step: runs at that step) that went quiet past the reminder time. */
    runs: number;
    /** Of those, runs where the user wrote or clicked again after the reminder time and before the close. */
    recovered: number;
}

/**
 * The holdout experiment (`holdout` option): held-out runs (no reminder) against reminded runs, among runs that
 * went quiet past the reminder time while a holdout was configured.
 */
export interface HoldoutExperiment {
    /** Runs held out of reminders: their reminder time came and nothing was sent. */
    holdout: ExperimentGroup;
    /** Runs of the experiment that were reminded. */
    reminded: ExperimentGroup;
    /** The reminded group's recovery rate minus the held-out group's (from -1 to 1); `null` when a group is empty. */
    lift: number | null;
    /**
     * The 95% interval of `lift` by Newcombe's hybrid score method (Newcombe 1998, method 10: Wilson score
     * intervals of each rate, combined); `null` when a group is empty.
     */
    ci95: [number, number] | null;
}

/** What reminders did at one step: skipped for fatigue, and the holdout experiment of the silences there. */
export interface StepReminders {
    /** The step the user was silent at (`'(none)'` when the record does not say). */
    step: string;
    /** Zero-based step index, when known. */
    index?: number;
    /** Reminders due at this step and not sent because the user's reminders were paused (`fatigue`). */
    skippedForFatigue: number;
    /** The holdout experiment of runs that went quiet at this step (a run quiet at two steps counts at each). */
    experiment: HoldoutExperiment;
}

/** The report of one flow. Every count is of runs that ended in the report's period. */
export interface FlowReport {
    /** The flow's dialog id. */
    flowId: string;
    /** Every run: begun afresh or resumed. */
    runs: number;
    /** Runs begun afresh (not resumed): the top of the funnel. */
    started: number;
    /** Runs completed (including after a resume). */
    completed: number;
    /** Runs abandoned or handed off. */
    abandoned: number;
    /** Of those, handed off to a human. */
    handedOff: number;
    /** completed / started, 0 when nothing started. */
    completionRate: number;
    /** started → each step reached → completed. */
    funnel: FunnelStep[];
    /** Abandonments by the step they happened at. */
    abandonedByStep: Record<string, number>;
    /** Abandonments by reason: built-in reasons and the bot's own. */
    abandonedByReason: Record<string, number>;
    /** Abandonments by step and reason. */
    abandonedByStepAndReason: StepReasonCount[];
    /** Runs that received at least one reminder. */
    reminded: number;
    /** Of those, runs where the user wrote or clicked after a reminder. */
    answeredAfterReminder: number;
    /** Of those, runs that then completed. */
    recoveredAfterReminder: number;
    /** Reminders due and not sent because the user's reminders were paused (`maxIgnoredReminders`, reason `fatigue`). */
    skippedForFatigue: number;
    /** The holdout experiment: held-out runs against reminded ones (see `holdout`). */
    experiment: HoldoutExperiment;
    /** Per step the user went quiet at, in the funnel's order: fatigue skips and the experiment. */
    steps: StepReminders[];
    /** Runs begun by resuming a saved flow. */
    resumed: number;
    /** Of those, runs that completed. */
    completedAfterResume: number;
    /** Times the bot gave users more time. */
    extensions: number;
    /** Median time from a run's start to its abandonment (ms), or `null` with no abandonment. */
    medianTimeToAbandonMs: number | null;
    /** Per day. */
    trend: TrendDay[];
}

/** What {@link report} returns. */
export interface DropOffReport {
    /** The period's start, or `null` for all time. */
    since: Date | null;
    /** The period's end. */
    until: Date;
    /** The flow asked for, if any. */
    flowId?: string;
    /** When it was made. */
    generatedAt: Date;
    /** Built-in abandonment reasons, in the order the report shows them (the bot's own reasons follow). */
    builtInReasons: string[];
    /** One entry per flow, by most runs. */
    flows: FlowReport[];
}

/** The reasons the plugin itself records. */
export const BUILT_IN_REASONS = ['timeout', 'invalidInput', 'maxDuration', 'handoff', 'userCancelled', 'undeliverable'];

const NO_STEP = '(none)';

/**
 * The drop-off report: per flow, the funnel, abandonment by step and by reason, reminder recovery, resume
 * rate, median time to abandon and a per-day trend, computed in the database ($match / $group pipelines) from
 * the flow-run records.
 *
 * @example
 * ```ts
 * const data = await report(db, { since: new Date(Date.now() - 30 * 86_400_000) });
 * for (const flow of data.flows) console.log(flow.flowId, flow.started, flow.completed);
 * ```
 * @param db The bot's database.
 * @param query Period, flow and collection.
 * @returns The report.
 */
export async function report(db: Db, query: ReportQuery = {}): Promise<DropOffReport> {
    const until = query.until ?? new Date();
    const since = query.since ?? null;
    for (const [name, value] of [
        ['since', query.since],
        ['until', query.until],
    ] as const) {
        if (value !== undefined && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
            throw new InactivityConfigError(`report: '${name}' must be a valid Date, got ${String(value)}.`);
        }
    }
    if (query.flowId !== undefined && typeof query.flowId !== 'string') {
        throw new InactivityConfigError(`report: 'flowId' must be a string, got ${typeof query.flowId}.`);
    }
    const collection = db.collection<FlowRunRecord>(query.collection ?? DEFAULT_RUNS_COLLECTION);
    const match: Filter<FlowRunRecord> = { endedAt: { $gte: since ?? new Date(0), $lt: until } };
    if (query.flowId !== undefined) {
        match.flowId = query.flowId;
    }
    const abandonedMatch = { ...match, outcome: { $ne: 'completed' } } as Filter<FlowRunRecord>;
    const one = (cond: Document): Document => ({ $sum: { $cond: [cond, 1, 0] } });
    const isCompleted = { $eq: ['$outcome', 'completed'] };
    const experimentMatch = { ...match, heldOut: { $in: [true, false] } } as Filter<FlowRunRecord>;
    const [totals, byStepReason, funnel, trend, fatigue, trialsByStep, trials] = await Promise.all([
        rows<TotalsRow>(collection, [
            { $match: match },
            {
                $group: {
                    _id: '$flowId',
                    runs: { $sum: 1 },
                    started: one({ $ne: ['$resumed', true] }),
                    completed: one(isCompleted),
                    handedOff: one({ $eq: ['$outcome', 'handedOff'] }),
                    reminded: one({ $eq: ['$reminded', true] }),
                    answeredAfterReminder: one({ $and: [{ $eq: ['$reminded', true] }, { $eq: ['$answeredAfterReminder', true] }] }),
                    recoveredAfterReminder: one({ $and: [{ $eq: ['$reminded', true] }, { $eq: ['$answeredAfterReminder', true] }, isCompleted] }),
                    resumed: one({ $eq: ['$resumed', true] }),
                    completedAfterResume: one({ $and: [{ $eq: ['$resumed', true] }, isCompleted] }),
                    extensions: { $sum: '$extensions' },
                },
            },
        ]),
        rows<StepReasonRow>(collection, [
            { $match: abandonedMatch },
            { $group: { _id: { flowId: '$flowId', step: '$endStep', reason: '$reason' }, count: { $sum: 1 }, index: { $min: '$endStepIndex' } } },
        ]),
        rows<FunnelRow>(collection, [
            { $match: match },
            { $unwind: '$steps' },
            { $match: { 'steps.resumed': { $ne: true } } },
            {
                $group: {
                    _id: { flowId: '$flowId', step: '$steps.step' },
                    reached: { $sum: 1 },
                    index: { $min: '$steps.index' },
                    meanMs: { $avg: '$steps.ms' },
                },
            },
        ]),
        rows<TrendRow>(collection, [
            { $match: match },
            {
                $group: {
                    _id: { flowId: '$flowId', day: { $dateToString: { format: '%Y-%m-%d', date: '$endedAt' } } },
                    started: one({ $ne: ['$resumed', true] }),
                    completed: one(isCompleted),
                    abandoned: one({ $ne: ['$outcome', 'completed'] }),
                },
            },
        ]),
        rows<FatigueRow>(collection, [
            { $match: { ...match, 'skippedReminders.reason': 'fatigue' } },
            { $unwind: '$skippedReminders' },
            { $match: { 'skippedReminders.reason': 'fatigue' } },
            {
                $group: {
                    _id: { flowId: '$flowId', step: '$skippedReminders.step' },
                    count: { $sum: 1 },
                    index: { $min: '$skippedReminders.index' },
                },
            },
        ]),
        rows<TrialRow>(collection, [
            ...experimentPoints(experimentMatch, { flowId: '$flowId', heldOut: '$heldOut', step: '$point.step' }),
            {
                $group: {
                    _id: { flowId: '$_id.flowId', heldOut: '$_id.heldOut', step: '$_id.step' },
                    runs: { $sum: 1 },
                    recovered: { $sum: '$recovered' },
                    index: { $min: '$index' },
                },
            },
        ]),
        rows<TrialRow>(collection, [
            ...experimentPoints(experimentMatch, { flowId: '$flowId', heldOut: '$heldOut' }),
            { $group: { _id: { flowId: '$_id.flowId', heldOut: '$_id.heldOut' }, runs: { $sum: 1 }, recovered: { $sum: '$recovered' } } },
        ]),
    ]);
    const flows: FlowReport[] = [];
    for (const t of totals) {
        const flowId = String(t._id);
        const abandoned = t.runs - t.completed;
        const cells = byStepReason.filter((r) => r._id.flowId === flowId);
        const abandonedByStep: Record<string, number> = {};
        const abandonedByReason: Record<string, number> = {};
        const abandonedByStepAndReason: StepReasonCount[] = [];
        for (const c of cells) {
            const step = c._id.step ?? NO_STEP;
            const reason = c._id.reason ?? 'unknown';
            abandonedByStep[step] = (abandonedByStep[step] ?? 0) + c.count;
            abandonedByReason[reason] = (abandonedByReason[reason] ?? 0) + c.count;
            abandonedByStepAndReason.push({ step, reason, count: c.count });
        }
        const steps: FunnelStep[] = funnel
            .filter((f) => f._id.flowId === flowId)
            .map((f) => ({
                step: String(f._id.step),
                ...(typeof f.index === 'number' ? { index: f.index } : {}),
                reached: f.reached,
                meanMs: Math.round(f.meanMs ?? 0),
            }))
            .sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity) || b.reached - a.reached || a.step.localeCompare(b.step));
        const order = new Map(steps.map((s, i) => [s.step, i]));
        abandonedByStepAndReason.sort(
            (a, b) =>
                (order.get(a.step) ?? Infinity) - (order.get(b.step) ?? Infinity) ||
                a.step.localeCompare(b.step) ||
                reasonOrder(a.reason) - reasonOrder(b.reason) ||
                a.reason.localeCompare(b.reason)
        );
        const stepOf = (step: string | null | undefined) => step ?? NO_STEP;
        const reminderSteps = new Map<string, StepReminders>();
        const stepEntry = (step: string, index: number | null | undefined): StepReminders => {
            let entry = reminderSteps.get(step);
            if (!entry) {
                entry = { step, skippedForFatigue: 0, experiment: experimentOf([]) };
                reminderSteps.set(step, entry);
            }
            if (typeof index === 'number' && entry.index === undefined) {
                entry.index = index;
            }
            return entry;
        };
        for (const f of fatigue.filter((r) => r._id.flowId === flowId)) {
            stepEntry(stepOf(f._id.step), f.index).skippedForFatigue += f.count;
        }
        const stepTrials = trialsByStep.filter((r) => r._id.flowId === flowId);
        for (const step of new Set(stepTrials.map((r) => stepOf(r._id.step)))) {
            const here = stepTrials.filter((r) => stepOf(r._id.step) === step);
            stepEntry(step, here.find((r) => typeof r.index === 'number')?.index).experiment = experimentOf(here);
        }
        const reminderStepList = [...reminderSteps.values()].sort(
            (a, b) =>
                (a.index ?? Infinity) - (b.index ?? Infinity) ||
                (order.get(a.step) ?? Infinity) - (order.get(b.step) ?? Infinity) ||
                a.step.localeCompare(b.step)
        );
        flows.push({
            flowId,
            runs: t.runs,
            started: t.started,
            completed: t.completed,
            abandoned,
            handedOff: t.handedOff,
            completionRate: t.started > 0 ? t.completed / t.started : 0,
            funnel: steps,
            abandonedByStep: sortedRecord(abandonedByStep, (a, b) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || a.localeCompare(b)),
            abandonedByReason: sortedRecord(abandonedByReason, (a, b) => reasonOrder(a) - reasonOrder(b) || a.localeCompare(b)),
            abandonedByStepAndReason,
            reminded: t.reminded,
            answeredAfterReminder: t.answeredAfterReminder,
            recoveredAfterReminder: t.recoveredAfterReminder,
            skippedForFatigue: reminderStepList.reduce((sum, r) => sum + r.skippedForFatigue, 0),
            experiment: experimentOf(trials.filter((r) => r._id.flowId === flowId)),
            steps: reminderStepList,
            resumed: t.resumed,
            completedAfterResume: t.completedAfterResume,
            extensions: t.extensions ?? 0,
            medianTimeToAbandonMs: await medianDuration(collection, { ...abandonedMatch, flowId }, abandoned),
            trend: trend
                .filter((d) => d._id.flowId === flowId)
                .map((d) => ({ day: String(d._id.day), started: d.started, completed: d.completed, abandoned: d.abandoned }))
                .sort((a, b) => a.day.localeCompare(b.day)),
        });
    }
    flows.sort((a, b) => b.runs - a.runs || a.flowId.localeCompare(b.flowId));
    return {
        since,
        until,
        ...(query.flowId !== undefined ? { flowId: query.flowId } : {}),
        generatedAt: new Date(),
        builtInReasons: [...BUILT_IN_REASONS],
        flows,
    };
}

/**
 * The output shapes of the `$group` stages above. The driver cannot infer them: each names what its stage
 * computes. A `$group` key that is absent from a record comes back absent or `null`; `$min` / `$avg` over no
 * number come back `null`.
 */
interface TotalsRow {
    _id: string;
    runs: number;
    started: number;
    completed: number;
    handedOff: number;
    reminded: number;
    answeredAfterReminder: number;
    recoveredAfterReminder: number;
    resumed: number;
    completedAfterResume: number;
    extensions: number;
}

interface StepReasonRow {
    _id: { flowId: string; step?: string | null; reason?: string | null };
    count: number;
    index: number | null;
}

interface FunnelRow {
    _id: { flowId: string; step: string };
    reached: number;
    index: number | null;
    meanMs: number | null;
}

interface TrendRow {
    _id: { flowId: string; day: string };
    started: number;
    completed: number;
    abandoned: number;
}

interface FatigueRow {
    _id: { flowId: string; step?: string | null };
    count: number;
    index: number | null;
}

interface TrialRow {
    _id: { flowId: string; heldOut: boolean; step?: string | null };
    runs: number;
    recovered: number;
    index?: number | null;
}

/**
 * The silences of the experiment's runs, one row per run (and per `key` beyond the run: the step), with
 * `recovered` 1 when the user came back after any of them. A held-out run's silences are its `holdout` skips; a
 * reminded run's, its reminders (a run reminded on no silence is not in the comparison).
 */
function experimentPoints(match: Filter<FlowRunRecord>, key: Document): Document[] {
    return [
        { $match: match },
        {
            $project: {
                flowId: 1,
                heldOut: 1,
                points: {
                    $cond: [
                        { $eq: ['$heldOut', true] },
                        { $filter: { input: { $ifNull: ['$skippedReminders', []] }, as: 's', cond: { $eq: ['$$s.reason', 'holdout'] } } },
                        { $ifNull: ['$reminders', []] },
                    ],
                },
            },
        },
        { $unwind: '$points' },
        { $project: { flowId: 1, heldOut: 1, point: '$points' } },
        {
            $group: {
                _id: { run: '$_id', ...key },
                recovered: { $max: { $cond: [{ $eq: ['$point.answered', true] }, 1, 0] } },
                index: { $min: '$point.index' },
            },
        },
    ];
}

/** The experiment from its groups' counts: the lift and its interval when both groups have runs. */
function experimentOf(groups: TrialRow[]): HoldoutExperiment {
    const sum = (heldOut: boolean): ExperimentGroup => {
        const these = groups.filter((g) => g._id.heldOut === heldOut);
        return { runs: these.reduce((n, g) => n + g.runs, 0), recovered: these.reduce((n, g) => n + g.recovered, 0) };
    };
    const holdout = sum(true);
    const reminded = sum(false);
    const ci95 = newcombeInterval({ x: reminded.recovered, n: reminded.runs }, { x: holdout.recovered, n: holdout.runs });
    return {
        holdout,
        reminded,
        lift: ci95 ? reminded.recovered / reminded.runs - holdout.recovered / holdout.runs : null,
        ci95,
    };
}

function rows<T extends Document>(collection: Collection<FlowRunRecord>, pipeline: Document[]): Promise<T[]> {
    return collection.aggregate<T>(pipeline).toArray();
}

/** The median by sorting in the database and reading the middle one or two: no list of times comes to Node. */
async function medianDuration(collection: Collection<FlowRunRecord>, match: Filter<FlowRunRecord>, count: number): Promise<number | null> {
    if (count === 0) {
        return null;
    }
    const middle = await collection
        .find(match, { projection: { _id: 0, durationMs: 1 } })
        .sort({ durationMs: 1 })
        .skip(Math.floor((count - 1) / 2))
        .limit(count % 2 === 0 ? 2 : 1)
        .toArray();
    if (middle.length === 0) {
        return null;
    }
    return Math.round(middle.reduce((sum, r) => sum + r.durationMs, 0) / middle.length);
}

function reasonOrder(reason: string): number {
    const i = BUILT_IN_REASONS.indexOf(reason);
    return i === -1 ? BUILT_IN_REASONS.length : i;
}

function sortedRecord(record: Record<string, number>, compare: (a: string, b: string) => number): Record<string, number> {
    return Object.fromEntries(
        Object.keys(record)
            .sort(compare)
            .map((k) => [k, record[k]])
    );
}
