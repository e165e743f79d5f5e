import * as echarts from 'echarts';
import type { DropOffReport, FlowReport } from './report';

/** Options of {@link reportPage}. */
export interface ReportPageOptions {
    /** The page's title. Default `'Drop-off report'`. */
    title?: string;
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
    const period = `${data.since ? day(data.since) : 'all time'} – ${day(data.until)}`;
    const reasons = reasonsOf(data);
    const flows = data.flows.map((f) => flowSection(f, reasons)).join('\n');
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
<p class="meta">Runs that ended ${esc(period)}${data.flowId !== undefined ? `, flow <b>${esc(data.flowId)}</b>` : ''}. Made ${esc(data.generatedAt.toISOString().replace('T', ' ').slice(0, 16))} UTC.</p>
</header>
<main>
${flows || '<p class="empty">No flow runs ended in this period.</p>'}
</main>
<footer><p>A run is one pass through a flow, from its first step to its end. <i>Started</i> counts runs begun afresh; a resumed run is counted under <i>Resumed</i>. Abandoned includes runs handed off to a human.</p></footer>
</body>
</html>
`;
}

function flowSection(f: FlowReport, reasons: string[]): string {
    const rate = (n: number, of: number) => (of > 0 ? `${Math.round((n / of) * 100)}%` : '–');
    const numbers: Array<[string, string, string?]> = [
        ['Started', String(f.started)],
        ['Completed', String(f.completed), rate(f.completed, f.started)],
        ['Abandoned', String(f.abandoned), rate(f.abandoned, f.runs)],
        ['Handed off', String(f.handedOff)],
        ['Median time to abandon', f.medianTimeToAbandonMs === null ? '–' : duration(f.medianTimeToAbandonMs)],
    ];
    const recovery: Array<[string, string, string?]> = [
        ['Reminded', String(f.reminded)],
        ['Answered after a reminder', String(f.answeredAfterReminder), rate(f.answeredAfterReminder, f.reminded)],
        ['Completed after a reminder', String(f.recoveredAfterReminder), rate(f.recoveredAfterReminder, f.reminded)],
        ['Resumed', String(f.resumed), rate(f.resumed, f.abandoned)],
        ['Completed after resuming', String(f.completedAfterResume), rate(f.completedAfterResume, f.resumed)],
        ['Given more time', String(f.extensions)],
    ];
    return `<section class="flow">
<h2>${esc(f.flowId)}</h2>
<div class="numbers">
${figureList('Outcomes', numbers)}
${figureList('Recovery', recovery)}
</div>
<div class="charts">
<figure><figcaption>Funnel: started → each step reached → completed</figcaption>${funnelChart(f)}</figure>
<figure><figcaption>Abandonments by step and reason</figcaption>${reasonsChart(f, reasons)}</figure>
</div>
${stepTable(f)}
${trendTable(f)}
</section>`;
}

function figureList(caption: string, rows: Array<[string, string, string?]>): string {
    const items = rows
        .map(([label, value, note]) => `<tr><th>${esc(label)}</th><td>${esc(value)}</td><td class="rate">${note ? esc(note) : ''}</td></tr>`)
        .join('');
    return `<table class="figures"><caption>${esc(caption)}</caption>${items}</table>`;
}

function funnelChart(f: FlowReport): string {
    const data = [
        { name: 'Started', value: f.started },
        ...f.funnel.map((s) => ({ name: `Step ${s.step}`, value: s.reached })),
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

function reasonsChart(f: FlowReport, reasons: string[]): string {
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
        xAxis: { type: 'category', data: steps.map((s) => `Step ${s}`) },
        yAxis: { type: 'value', minInterval: 1 },
        series,
    });
}

function stepTable(f: FlowReport): string {
    if (f.funnel.length === 0) {
        return '';
    }
    const rows = f.funnel
        .map((s) => `<tr><td>${esc(s.step)}</td><td>${s.reached}</td><td>${f.abandonedByStep[s.step] ?? 0}</td><td>${duration(s.meanMs)}</td></tr>`)
        .join('');
    return `<table class="grid"><caption>Steps</caption><thead><tr><th>Step</th><th>Reached</th><th>Abandoned here</th><th>Mean time on step</th></tr></thead><tbody>${rows}</tbody></table>`;
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

function day(d: Date): string {
    return d.toISOString().slice(0, 10);
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
