import { InactivityConfigError } from '../core/errors';
import type { Collection, Db, Document, Filter } from 'mongodb';
import { DEFAULT_RUNS_COLLECTION } from '../mongo/flowRunStore';
import type { FlowRunRecord } from '../core/records/flowRun';

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
    const [totals, byStepReason, funnel, trend] = await Promise.all([
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
