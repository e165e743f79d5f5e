import * as echarts from 'echarts';
import type { DropOffReport, FlowReport, HoldoutExperiment } from './report';

/** What designers call a flow and its steps: shown on the report page, with the ids the code uses beside them. */
export interface FlowLabels {
    /** The flow's label, e.g. `'Add a client'` for `addClient`. Default: none (the id alone is shown). */
    label?: string;
    /** Labels of the steps, keyed by the step's id as the report names it (`name`, or `"2"`). Default: none. */
    steps?: Record<string, string>;
}

/** Options of {@link reportPage}. */
export interface ReportPageOptions {
    /** The page's title. Default `'Drop-off report'`. */
    title?: string;
    /**
     * Labels of flows and steps, keyed by flow id, e.g. `{ addClient: { label: 'Add a client', steps: { name: "Client's name" } } }`.
     * A labelled flow or step is shown by its label with its id beside it; without a label, by its id. Default: none.
     */
    labels?: Record<string, FlowLabels>;
}

// Colours that stay apart when printed in grey: built-in reasons first, the bot's own reasons after.
const PALETTE = ['#d1495b', '#edae49', '#00798c', '#30638e', '#66a182', '#8d6a9f', '#003d5b', '#c97b84', '#7a9e7e', '#b07d2b'];

/**
 * The drop-off report as one self-contained HTML page: no script, no network, charts as inline SVG rendered in
 * Node by ECharts' server-side SVG renderer. A funnel and a bar chart of abandonment reasons by step per flow,
 * the recovery rates as plain numbers, and a per-day table; print styles for paper. The page is for the bot's
 * designers, in English.
 *
 * @example
 * ```ts
 * fs.writeFileSync('report.html', reportPage(await report(db, { since })));
 * ```
 * @param data What {@link report} returned.
 * @param options Title.
 * @returns The HTML.
 */
export function reportPage(data: DropOffReport, options: ReportPageOptions = {}): string {
    const title = options.title ?? 'Drop-off report';
    const reasons = reasonsOf(data);
    const flows = data.flows.map((f) => flowSection(f, { reasons, labels: options.labels?.[f.flowId] ?? {} })).join('\n');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
${CSS}
</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p class="meta">${esc(periodOf(data))}${data.flowId !== undefined ? `, flow <b>${esc(options.labels?.[data.flowId]?.label ?? data.flowId)}</b>` : ''}. Made ${esc(moment(data.generatedAt))}.</p>
</header>
<main>
${flows || '<p class="empty">No flow runs ended in this period.</p>'}
</main>
<footer><p>A run is one pass through a flow, from its first step to its end. <i>Started</i> counts runs begun afresh; a resumed run is counted under <i>Resumed</i>. <i>Abandoned</i> counts every run that ended without completing; the line below it says how many of those were handed off to a person, and the rest were closed or left.</p></footer>
</body>
</html>
`;
}

/** What a flow's section shows beside its numbers: every reason (one colour each across flows) and its labels. */
interface SectionContext {
    reasons: string[];
    labels: FlowLabels;
}

/**
 * "All runs that ended up to 2026-12-07 16:55 UTC" or "Runs that ended from 2026-11-01 to 2026-12-07": the period
 * in words, a day alone when the bound is midnight UTC.
 */
function periodOf(data: DropOffReport): string {
    return data.since ? `Runs that ended from ${moment(data.since)} to ${moment(data.until)}` : `All runs that ended up to ${moment(data.until)}`;
}

function moment(d: Date): string {
    const iso = d.toISOString();
    return iso.slice(11, 16) === '00:00' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A step as the charts name it: its label (with the id in brackets), or "Step <id>". */
function stepName(labels: FlowLabels, step: string): string {
    const label = labels.steps?.[step];
    return label ? `${label} (${step})` : `Step ${step}`;
}

function flowSection(f: FlowReport, section: SectionContext): string {
    const { labels } = section;
    const rate = (n: number, of: number) => (of > 0 ? `${Math.round((n / of) * 100)}%` : '–');
    const numbers: Array<[string, string, string?]> = [
        ['Started', String(f.started)],
        ['Completed', String(f.completed), rate(f.completed, f.started)],
        ['Abandoned', String(f.abandoned), rate(f.abandoned, f.runs)],
        ['of which handed off to a person', String(f.handedOff), rate(f.handedOff, f.abandoned)],
        ['Median time to abandon', f.medianTimeToAbandonMs === null ? '–' : duration(f.medianTimeToAbandonMs)],
    ];
    const recovery: Array<[string, string, string?]> = [
        ['Reminded', String(f.reminded)],
        ['Answered after a reminder', String(f.answeredAfterReminder), rate(f.answeredAfterReminder, f.reminded)],
        ['Completed after a reminder', String(f.recoveredAfterReminder), rate(f.recoveredAfterReminder, f.reminded)],
        ['Resumed', String(f.resumed), rate(f.resumed, f.abandoned)],
        ['Completed after resuming', String(f.completedAfterResume), rate(f.completedAfterResume, f.resumed)],
        ['Given more time', String(f.extensions)],
        ['Reminders skipped for fatigue', String(f.skippedForFatigue)],
    ];
    return `<section class="flow">
<h2>${labels.label ? `${esc(labels.label)} <code class="id">${esc(f.flowId)}</code>` : esc(f.flowId)}</h2>
<div class="numbers">
${figureList('Outcomes', numbers)}
${figureList('Recovery', recovery)}
</div>
<div class="charts">
<figure><figcaption>Funnel: started → each step reached → completed</figcaption>${funnelChart(f, labels)}</figure>
<figure><figcaption>Abandonments by step and reason</figcaption>${reasonsChart(f, section)}</figure>
</div>
${experimentSection(f, labels)}
${stepTable(f, labels)}
${trendTable(f)}
</section>`;
}

function figureList(caption: string, rows: Array<[string, string, string?]>): string {
    const items = rows
        .map(
            ([label, value, note]) =>
                `<tr${label.startsWith('of which') ? ' class="part"' : ''}><th>${esc(label)}</th><td>${esc(value)}</td><td class="rate">${note ? esc(note) : ''}</td></tr>`
        )
        .join('');
    return `<table class="figures"><caption>${esc(caption)}</caption>${items}</table>`;
}

function funnelChart(f: FlowReport, labels: FlowLabels): string {
    const data = [
        { name: 'Started', value: f.started },
        ...f.funnel.map((s) => ({ name: stepName(labels, s.step), value: s.reached })),
        { name: 'Completed', value: f.completed },
    ];
    return svg(560, 60 + data.length * 38, {
        color: ['#30638e', '#00798c', '#66a182', '#8dbf8b', '#b5d6a7', '#d9ead3'],
        series: [
            {
                type: 'funnel',
                sort: 'none',
                left: 10,
                right: 170,
                top: 10,
                bottom: 10,
                minSize: '4%',
                max: Math.max(1, ...data.map((d) => d.value)),
                gap: 2,
                label: { show: true, position: 'right', formatter: '{b}: {c}', color: '#222', fontSize: 13 },
                labelLine: { show: true },
                data,
            },
        ],
    });
}

function reasonsChart(f: FlowReport, section: SectionContext): string {
    const { reasons, labels } = section;
    const steps = Object.keys(f.abandonedByStep);
    if (steps.length === 0) {
        return '<p class="empty">No abandonments.</p>';
    }
    const used = reasons.filter((r) => f.abandonedByReason[r] !== undefined);
    const series = used.map((reason) => ({
        name: reason,
        type: 'bar',
        stack: 'reasons',
        barMaxWidth: 48,
        label: { show: true, color: '#fff', fontSize: 11, formatter: (p: { value: number }) => (p.value ? String(p.value) : '') },
        itemStyle: { color: PALETTE[reasons.indexOf(reason) % PALETTE.length] },
        data: steps.map((step) => f.abandonedByStepAndReason.find((c) => c.step === step && c.reason === reason)?.count ?? 0),
    }));
    return svg(560, 300, {
        legend: { top: 0, itemGap: 28, textStyle: { fontSize: 12 } },
        grid: { left: 40, right: 10, top: 40 + Math.floor(used.length / 5) * 20, bottom: 30 },
        xAxis: { type: 'category', data: steps.map((s) => labels.steps?.[s] ?? `Step ${s}`), axisLabel: { interval: 0, width: 90, overflow: 'truncate' } },
        yAxis: { type: 'value', minInterval: 1 },
        series,
    });
}

function stepTable(f: FlowReport, labels: FlowLabels): string {
    if (f.funnel.length === 0) {
        return '';
    }
    const cell = (step: string) => {
        const label = labels.steps?.[step];
        return label ? `${esc(label)} <code class="id">${esc(step)}</code>` : esc(step);
    };
    const skipped = (step: string) => f.steps.find((r) => r.step === step)?.skippedForFatigue ?? 0;
    const rows = f.funnel
        .map(
            (s) =>
                `<tr><td>${cell(s.step)}</td><td>${s.reached}</td><td>${f.abandonedByStep[s.step] ?? 0}</td><td>${duration(s.meanMs)}</td><td>${skipped(s.step)}</td></tr>`
        )
        .join('');
    return `<table class="grid"><caption>Steps</caption><thead><tr><th>Step</th><th>Reached</th><th>Abandoned here</th><th>Mean time on step</th><th>Reminders skipped for fatigue</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * The holdout experiment in a sentence ("Reminders brought back 18 more runs in 100 (95% CI 9–27)"), the two
 * groups' numbers, and a chart of the lift with its interval for the flow and each step. Absent when no run of
 * the flow was in an experiment.
 */
function experimentSection(f: FlowReport, labels: FlowLabels): string {
    const e = f.experiment;
    if (e.holdout.runs + e.reminded.runs === 0) {
        return '';
    }
    const rate = (n: number, of: number) => (of > 0 ? `${Math.round((n / of) * 100)}%` : '–');
    const groups: Array<[string, string, string?]> = [
        ['Held out: quiet past the reminder time', String(e.holdout.runs)],
        ['of which came back before the close', String(e.holdout.recovered), rate(e.holdout.recovered, e.holdout.runs)],
        ['Reminded: quiet past the reminder time', String(e.reminded.runs)],
        ['of which came back before the close', String(e.reminded.recovered), rate(e.reminded.recovered, e.reminded.runs)],
    ];
    const rows = [
        { name: 'Whole flow', experiment: e },
        ...f.steps.filter((s) => s.experiment.lift !== null).map((s) => ({ name: stepName(labels, s.step), experiment: s.experiment })),
    ];
    const chart =
        e.lift === null ? '' : `<figure><figcaption>More runs back in 100 with reminders, with the 95% interval</figcaption>${liftChart(rows)}</figure>`;
    return `<div class="experiment">
<p class="verdict">${esc(verdict(e))}</p>
<div class="numbers">${figureList('Holdout experiment', groups)}${chart}</div>
</div>`;
}

/** The experiment's result in words, in runs per 100. */
function verdict(e: HoldoutExperiment): string {
    if (e.lift === null || e.ci95 === null) {
        return 'Not enough runs yet to tell: the held-out or the reminded group has no run quiet past the reminder time.';
    }
    const [lift, low, high] = [e.lift, ...e.ci95].map((v) => Math.round(v * 100));
    const interval = low >= 0 ? `${low}–${high}` : `${low} to ${high}`;
    return lift >= 0
        ? `Reminders brought back ${lift} more runs in 100 (95% CI ${interval}).`
        : `Reminded runs came back ${-lift} fewer in 100 than held-out runs (95% CI ${interval}).`;
}

/**
 * The lift of each row (the flow, then its steps) as a point, and its interval as a bar with caps drawn by an
 * ECharts custom series (ECharts has no error-bar series; this is its documented way), a line at 0.
 */
function liftChart(rows: Array<{ name: string; experiment: HoldoutExperiment }>): string {
    const names = rows.map((r) => r.name);
    const intervals = rows.map((r, i) => [i, ...(r.experiment.ci95 ?? [0, 0]).map((v) => Math.round(v * 1000) / 10)]);
    const points = rows.map((r, i) => [Math.round((r.experiment.lift ?? 0) * 1000) / 10, i]);
    // The axis spans every interval and 0, in tens.
    const ends = intervals.flatMap((r) => r.slice(1));
    const min = Math.min(-10, Math.floor(Math.min(...ends) / 10) * 10);
    const max = Math.max(10, Math.ceil(Math.max(...ends) / 10) * 10);
    return svg(560, 70 + rows.length * 44, {
        grid: { left: 150, right: 30, top: 20, bottom: 40 },
        xAxis: { type: 'value', min, max, name: 'runs in 100', nameLocation: 'middle', nameGap: 26 },
        yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 140, overflow: 'truncate' } },
        series: [
            {
                type: 'custom',
                renderItem: (_params: unknown, api: CustomApi) => {
                    const row = api.value(0);
                    const low = api.coord([api.value(1), row]);
                    const high = api.coord([api.value(2), row]);
                    const cap = 8;
                    const style = { stroke: '#30638e', lineWidth: 2 };
                    return {
                        type: 'group',
                        children: [
                            { type: 'line', shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style },
                            { type: 'line', shape: { x1: low[0], y1: low[1] - cap, x2: low[0], y2: low[1] + cap }, style },
                            { type: 'line', shape: { x1: high[0], y1: high[1] - cap, x2: high[0], y2: high[1] + cap }, style },
                        ],
                    };
                },
                encode: { x: [1, 2], y: 0 },
                data: intervals,
                z: 1,
            },
            {
                type: 'scatter',
                symbolSize: 11,
                itemStyle: { color: '#d1495b' },
                label: { show: true, position: 'top', formatter: (p: { value: number[] }) => String(Math.round(p.value[0])), fontSize: 12 },
                data: points,
                markLine: { silent: true, symbol: 'none', lineStyle: { color: '#888', type: 'dashed' }, label: { show: false }, data: [{ xAxis: 0 }] },
                z: 2,
            },
        ],
    });
}

/** The part of ECharts' custom-series API the interval uses. */
interface CustomApi {
    value(dimension: number): number;
    coord(data: number[]): number[];
}

function trendTable(f: FlowReport): string {
    const rows = f.trend.map((d) => `<tr><td>${esc(d.day)}</td><td>${d.started}</td><td>${d.completed}</td><td>${d.abandoned}</td></tr>`).join('');
    return `<table class="grid"><caption>Per day (UTC, by the run's end)</caption><thead><tr><th>Day</th><th>Started</th><th>Completed</th><th>Abandoned</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function svg(width: number, height: number, option: echarts.EChartsCoreOption): string {
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
    try {
        chart.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
        return chart.renderToSVGString();
    } finally {
        chart.dispose();
    }
}

/** Built-in reasons in their order, then the bot's own reasons by name: one colour per reason across flows. */
function reasonsOf(data: DropOffReport): string[] {
    const own = new Set<string>();
    for (const f of data.flows) {
        Object.keys(f.abandonedByReason).forEach((r) => (data.builtInReasons.includes(r) ? undefined : own.add(r)));
    }
    return [...data.builtInReasons, ...[...own].sort()];
}

function duration(ms: number): string {
    const s = Math.round(ms / 1000);
    if (s < 90) {
        return `${s} s`;
    }
    if (s < 3600) {
        return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
    }
    return `${(s / 3600).toFixed(1)} h`;
}

function esc(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CSS = `
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0 auto; padding: 16px 24px; max-width: 1240px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 0 0 12px; border-bottom: 2px solid #30638e; padding-bottom: 4px; }
.meta, footer { color: #555; font-size: 13px; }
section.flow { margin: 24px 0 36px; }
.numbers { display: flex; flex-wrap: wrap; gap: 24px; }
table { border-collapse: collapse; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
.figures th { text-align: left; font-weight: normal; padding: 2px 16px 2px 0; color: #444; }
.figures td { font-variant-numeric: tabular-nums; text-align: right; font-weight: 600; padding: 2px 8px; }
.figures td.rate { color: #30638e; font-weight: normal; min-width: 3em; }
.verdict { font-size: 17px; font-weight: 600; margin: 16px 0 4px; }
.figures tr.part th { padding-left: 1.2em; font-size: 13px; }
.figures tr.part td { font-weight: normal; }
code.id { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; color: #666; background: #f2f2f2; padding: 0 4px; border-radius: 3px; font-weight: normal; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; margin: 12px 0; }
figure { margin: 0; flex: 1 1 520px; max-width: 580px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
figure svg { width: 100%; height: auto; }
.grid { margin: 8px 24px 8px 0; display: inline-table; vertical-align: top; }
.grid th, .grid td { border: 1px solid #ccc; padding: 3px 10px; text-align: right; font-variant-numeric: tabular-nums; }
.grid th:first-child, .grid td:first-child { text-align: left; }
.empty { color: #777; font-style: italic; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  section.flow { break-inside: avoid-page; break-before: auto; }
  figure { break-inside: avoid; }
  h2 { border-color: #000; }
}
`;
