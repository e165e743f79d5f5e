import { strict as assert } from 'assert';
import { existsSync, mkdirSync } from 'fs';
import { MongoClient } from 'mongodb';
import { join } from 'path';
import { Browser, chromium } from 'playwright-core';
import { MongoFlowRunStore } from '../../src/mongo/flowRunStore';
import { readSampleConfig } from '../../samples/sampleConfig';
import { RunningSample, startSample } from '../../samples/sampleServer';
import { seededRecords } from '../support/flowRunSeed';

/*
 * The drop-off report page as a designer sees it: the sample serves /report for its database (seeded with the
 * known dataset), Debian Chromium opens it on a laptop-sized screen and in print layout, and the screenshots are
 * kept in test-results/e2e/. `npm run test:e2e`; not part of `npm test`.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
];
const SHOTS = join(__dirname, '..', '..', '..', 'test-results', 'e2e');

describe("the drop-off report page in a real browser (the sample's /report, Chromium)", function () {
    let sample: RunningSample;
    let browser: Browser;

    before(async function () {
        if (!existsSync(CHROMIUM)) {
            throw new Error(`Chromium is not installed at ${CHROMIUM}. On Debian/Ubuntu run \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
        }
        mkdirSync(SHOTS, { recursive: true });
        sample = await startSample(readSampleConfig({ PORT: '0', ...(process.env.MONGODB_URI ? { MONGODB_URI: process.env.MONGODB_URI } : {}) }));
        const client = await MongoClient.connect(sample.mongo.uri);
        try {
            const store = new MongoFlowRunStore(client.db());
            for (const r of seededRecords()) {
                await store.record(`seed/${r.runId}`, r);
            }
        } finally {
            await client.close();
        }
        browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });

    after(async function () {
        await browser?.close();
        await sample?.stop();
    });

    it('shows every flow with its numbers and charts, fits a laptop screen, fetches nothing, and prints', async function () {
        const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 768 } });
        const page = await context.newPage();
        const base = `http://localhost:${sample.port}`;
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        const response = await page.goto(`${base}/report?since=2026-11-15`);
        assert.strictEqual(response?.status(), 200);
        assert.deepStrictEqual(requests, [`${base}/report?since=2026-11-15`], 'the page loads nothing else: no network');
        assert.deepStrictEqual(errors, []);
        assert.deepStrictEqual(await page.locator('h2').allInnerTexts(), ['booking', 'signup']);
        const booking = page.locator('section.flow').first();
        const outcomes = await booking.locator('table.figures').first().innerText();
        for (const row of [/Started\s+9/, /Completed\s+5\s+56%/, /Abandoned\s+6\s+55%/, /Median time to abandon\s+2 min 40 s/]) {
            assert.match(outcomes, row);
        }
        const recovery = await booking.locator('table.figures').nth(1).innerText();
        assert.match(recovery, /Completed after a reminder\s+1\s+25%/);
        assert.match(recovery, /Completed after resuming\s+1\s+50%/);
        assert.strictEqual(await page.locator('figure svg').count(), 4);
        const funnel = await booking.locator('figure').first().innerText();
        for (const label of ['Started: 9', 'Step name: 9', 'Step date: 8', 'Step confirm: 8', 'Completed: 5']) {
            assert.ok(funnel.includes(label), `the funnel shows ${label}`);
        }
        const reasons = await booking.locator('figure').nth(1).innerText();
        for (const reason of ['timeout', 'invalidInput', 'handoff', 'paymentFailed']) {
            assert.ok(reasons.includes(reason), `the reasons chart names ${reason}`);
        }
        const fits = await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
        assert.ok(fits, 'no sideways scrolling on a 1366-pixel laptop screen');
        const screen = join(SHOTS, 'report.png');
        await page.screenshot({ path: screen, fullPage: true });
        await page.emulateMedia({ media: 'print' });
        const printed = join(SHOTS, 'report-print.png');
        await page.screenshot({ path: printed, fullPage: true });
        const pdf = await page.pdf({ format: 'A4', printBackground: false });
        assert.ok(pdf.length > 10_000, 'it prints');
        console.log(`      screenshots: ${screen}, ${printed}`);
        await context.close();
    });

    it('answers a bad period with a clear 400', async function () {
        const res = await fetch(`http://localhost:${sample.port}/report?since=yesterday`);
        assert.strictEqual(res.status, 400);
        const text = await res.text();
        // The same sentence as the CLI's --since (one parser): what was wrong, and what a duration or a date looks like.
        assert.match(text, /^since "yesterday" is neither a duration \(30d, 12h, '2 weeks'\) nor a date \(2026-11-01, /);
        assert.ok(!text.includes('..'), `one sentence, no double period: ${text}`);
    });
});
