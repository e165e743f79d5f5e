import assert from 'assert';
import { reportPage } from '../../src/report/htmlPage';
import type { DropOffReport, FlowReport } from '../../src/report/report';
import { Localizer } from '../../src';
import { SAMPLE_LOCALES, sampleReportLabels } from '../../samples/sampleHttp';

/** The page's visible text, tags removed (the SVG charts' labels included). */
function textOf(html: string): string {
    return html
        .replace(/<style>[\s\S]*?<\/style>/, '')
        .replace(/<[^>]+>/g, ' ')
        .replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))
        .replace(/\s+/g, ' ');
}

const UNTIL = new Date('2026-12-07T16:55:00Z');
const NO_EXPERIMENT = { holdout: { runs: 0, recovered: 0 }, reminded: { runs: 0, recovered: 0 }, lift: null, ci95: null };

function flow(over: Partial<FlowReport> = {}): FlowReport {
    return {
        flowId: 'addClient',
        runs: 10,
        started: 10,
        completed: 4,
        abandoned: 6,
        handedOff: 2,
        completionRate: 0.4,
        funnel: [
            { step: 'name', reached: 10, meanMs: 10_000 },
            { step: 'type', reached: 8, meanMs: 20_000 },
            { step: 'contact', reached: 6, meanMs: 30_000 },
        ],
        abandonedByStep: { name: 2, type: 2, contact: 2 },
        abandonedByReason: { timeout: 4, handoff: 2 },
        abandonedByStepAndReason: [
            { step: 'name', reason: 'timeout', count: 2 },
            { step: 'type', reason: 'timeout', count: 2 },
            { step: 'contact', reason: 'handoff', count: 2 },
        ],
        reminded: 0,
        answeredAfterReminder: 0,
        recoveredAfterReminder: 0,
        skippedForFatigue: 0,
        experiment: NO_EXPERIMENT,
        steps: [],
        resumed: 0,
        completedAfterResume: 0,
        extensions: 0,
        medianTimeToAbandonMs: 60_000,
        trend: [],
        ...over,
    };
}

function data(over: Partial<DropOffReport> = {}): DropOffReport {
    return { since: null, until: UNTIL, generatedAt: UNTIL, builtInReasons: ['timeout', 'handoff'], flows: [flow()], ...over };
}

const LABELS = { addClient: { label: 'Add a client', steps: { name: "Client's name", type: 'Client type', contact: 'Contact' } } };

describe('the report page: labels, period and outcomes as a designer reads them', () => {
    it("shows the designers' labels of the flow and its steps, with the code's ids beside them", () => {
        const html = reportPage(data(), { labels: LABELS });
        assert.match(html, /<h2>Add a client <code class="id">addClient<\/code><\/h2>/);
        const text = textOf(html);
        for (const part of [
            "Client's name (name): 10",
            'Client type (type): 8',
            'Contact (contact): 6',
            "Client's name name 10 2 10 s",
            'Contact contact 6 2 30 s',
        ]) {
            assert.ok(text.includes(part), `the page lacks "${part}"`);
        }
        assert.ok(!text.includes('Step name'), 'a labelled step is not called by its id alone');
    });

    it('without labels, shows the ids as before', () => {
        const text = textOf(reportPage(data()));
        assert.match(reportPage(data()), /<h2>addClient<\/h2>/);
        assert.ok(text.includes('Step name: 10'));
        assert.ok(text.includes('name 10 2 10 s'));
    });

    it('says the period in words: all runs up to the end, or from one date to another', () => {
        const all = textOf(reportPage(data()));
        assert.ok(all.includes('All runs that ended up to 2026-12-07 16:55 UTC.'), all.slice(0, 200));
        assert.ok(!all.includes('all time –'));
        const some = textOf(reportPage(data({ since: new Date('2026-11-01T00:00:00Z'), until: new Date('2026-12-07T00:00:00Z') })));
        assert.ok(some.includes('Runs that ended from 2026-11-01 to 2026-12-07.'), some.slice(0, 200));
    });

    it('shows handed-off runs as a part of the abandoned ones, on the line below, not as a category of their own', () => {
        const html = reportPage(data());
        const text = textOf(html);
        assert.ok(text.includes('Abandoned 6 60% of which handed off to a person 2 33%'), text);
        assert.ok(!/Handed off \d/.test(text), 'no separate "Handed off" row that reads as a category beside Abandoned');
        assert.match(html, /<tr class="part"><th>of which handed off to a person<\/th>/);
    });

    it("the sample's labels come from its locale, for every step of its policy file", () => {
        const labels = sampleReportLabels(new Localizer({ extraPaths: [SAMPLE_LOCALES] }));
        assert.deepStrictEqual(labels, {
            addClient: { label: 'Add a client', steps: { name: "Client's name", type: 'Client type', contact: 'Contact', summary: 'Summary' } },
        });
    });
});

describe('the report page: the holdout experiment and the fatigue skips', () => {
    const experiment = (over: Partial<FlowReport['experiment']>): FlowReport['experiment'] => ({ ...NO_EXPERIMENT, ...over });
    // 100 held out, 20 back; 400 reminded, 152 back: 18 more in 100, 95% CI 7.99 to 26.2 (Newcombe).
    const measured = experiment({
        holdout: { runs: 100, recovered: 20 },
        reminded: { runs: 400, recovered: 152 },
        lift: 0.18,
        ci95: [0.0799, 0.2624],
    });

    it('says what reminders brought back in a sentence with the interval, beside both groups and a chart of the interval', () => {
        const html = reportPage(
            data({ flows: [flow({ experiment: measured, steps: [{ step: 'name', index: 0, skippedForFatigue: 0, experiment: measured }] })] })
        );
        const text = textOf(html);
        assert.ok(text.includes('Reminders brought back 18 more runs in 100 (95% CI 8–26).'), text);
        assert.ok(text.includes('Held out: quiet past the reminder time 100 of which came back before the close 20 20%'), text);
        assert.ok(text.includes('Reminded: quiet past the reminder time 400 of which came back before the close 152 38%'), text);
        const chart = /More runs back in 100 with reminders, with the 95% interval<\/figcaption>(<svg[\s\S]*?<\/svg>)/.exec(html);
        assert.ok(chart, 'a chart of the lift and its interval');
        assert.ok(textOf(chart[1]).includes('Whole flow') && textOf(chart[1]).includes('Step name'), 'one row for the flow, one per step');
    });

    it('a lift below zero says fewer; an empty group says there is not enough yet, with no chart', () => {
        const worse = reportPage(data({ flows: [flow({ experiment: experiment({ ...measured, lift: -0.05, ci95: [-0.12, 0.03] }) })] }));
        assert.ok(textOf(worse).includes('Reminded runs came back 5 fewer in 100 than held-out runs (95% CI -12 to 3).'));
        const early = reportPage(data({ flows: [flow({ experiment: experiment({ reminded: { runs: 30, recovered: 9 } }) })] }));
        assert.ok(textOf(early).includes('Not enough runs yet to tell'));
        assert.ok(!early.includes('More runs back in 100'));
        assert.ok(!reportPage(data()).includes('Holdout experiment'), 'no experiment, no section');
    });

    it('counts reminders skipped for fatigue under Recovery and per step', () => {
        const text = textOf(
            reportPage(
                data({
                    flows: [flow({ skippedForFatigue: 3, steps: [{ step: 'type', index: 1, skippedForFatigue: 3, experiment: NO_EXPERIMENT }] })],
                })
            )
        );
        assert.ok(text.includes('Reminders skipped for fatigue 3'), text);
        assert.ok(text.includes('type 8 2 20 s 3'), 'the step table has the skips of the step');
        assert.ok(text.includes('name 10 2 10 s 0'));
    });
});
