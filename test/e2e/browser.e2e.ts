import { strict as assert } from 'assert';
import { existsSync, mkdirSync } from 'fs';
import { join } from 'path';
import { Browser, BrowserContext, chromium, Locator, Page } from 'playwright-core';
import { startAgentsSample } from '../../samples/agents/agentsSampleServer';
import { readSampleConfig, SampleConfig } from '../../samples/sampleConfig';
import type { SampleExtension } from '../../samples/sampleHttp';
import { startSample } from '../../samples/sampleServer';
import { webChat, webChatPageUrl } from '../../samples/webChat';

/*
 * The sample bot in a real browser: Microsoft's Web Chat in Debian Chromium, talking through the sample's local
 * Direct Line (offline-directline) to the bot and the plugin, timers on MongoDB (embedded unless MONGODB_URI is
 * set). `npm run test:e2e`; not part of `npm test`. The same walk runs against both samples: the botbuilder one
 * (`npm start`, a dialog) and the Agents SDK one (`npm run start:agents`, route handlers that mark their steps),
 * which has no follow-ups yet.
 *
 * The script runs mocha with --exit: after the sample has stopped, Agenda 6.2.6 still holds a 5-minute timer for
 * every job that ran (JobProcessor's checkIfJobIsStillAlive delay is never cleared), so the process would linger.
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
    '--disable-quic',
];
const SHOTS = join(__dirname, '..', '..', '..', 'test-results', 'e2e');

/** A sample the walk runs against. */
interface SampleUnderTest {
    /** How the walk's title names it. */
    name: string;
    /** Starts it. */
    start(config: SampleConfig, extensions: SampleExtension[], log: (line: string) => void): Promise<{ port: number; stop(): Promise<void> }>;
    /** Whether it sends follow-ups (both do; a sample run with INACTIVITY_FOLLOWUPS=off would not). */
    followUps: boolean;
    /** Where its screenshots go (the botbuilder sample's stay where the README's screenshot is taken from). */
    shots: string;
}

const SAMPLES: SampleUnderTest[] = [
    { name: 'sample', start: startSample, followUps: true, shots: SHOTS },
    { name: 'Agents SDK sample', start: startAgentsSample, followUps: true, shots: join(SHOTS, 'agents') },
];

/*
 * Web Chat 4.18 holds a bot message whose replyToId it has not seen for up to 5 s (BotFramework-WebChat#3874).
 * The plugin sends proactive messages without a replyToId, so a reminder shows within one Direct Line poll of
 * being sent; the test checks that, and leaves the reminder on screen well before the flow closes.
 */
const REMINDER_AFTER_MS = 2_000;
const CLOSE_AFTER_MS = 8_000;
const POLL_MS = 1_000;
/** A reminder must be on screen this soon after the answer: the timer, one Direct Line poll, and slack. */
const REMINDER_ON_SCREEN_MS = REMINDER_AFTER_MS + POLL_MS + 1_500;
/** Longest wait for a reminder to show before the test gives up (the assertion above is the real check). */
const REMINDER_WAIT_MS = REMINDER_AFTER_MS + POLL_MS + 8_000;
const CLOSE_WAIT_MS = CLOSE_AFTER_MS + POLL_MS + 8_000;
const REPLY_WAIT_MS = 10_000;

const NAME = 'Maria Silva';
const ASK_NAME = "What's the client's name?";
const ASK_TYPE = `What kind of client is ${NAME}?`;
const REMINDER = `Still there? You were adding ${NAME} (step 2 of 3).`;

/** One entry of Web Chat's transcript as a user sees it. */
interface Shown {
    fromUser: boolean;
    text: string;
    buttons: string[];
}

for (const target of SAMPLES) {
    describe(`the ${target.name} in a real browser (Web Chat, local Direct Line, Chromium)`, function () {
        this.bail(true);

        let sample: { port: number; stop(): Promise<void> };
        let browser: Browser;
        let context: BrowserContext;
        let page: Page;
        let portuguese: BrowserContext | undefined;
        /** The tab the stage screenshot shows. */
        let shotPage: Page;
        let shot = 0;
        const consoleErrors: string[] = [];

        before(async function () {
            if (!existsSync(CHROMIUM)) {
                throw new Error(
                    `Chromium is not installed at ${CHROMIUM}. On Debian/Ubuntu run \`apt-get install -y chromium\` ` +
                        '(or set CHROMIUM_PATH to a Chromium or Chrome binary). `npx playwright install` cannot download a browser here.'
                );
            }
            mkdirSync(target.shots, { recursive: true });
            sample = await target.start(
                readSampleConfig({
                    PORT: '0',
                    INACTIVITY_REMINDER_AFTER: String(REMINDER_AFTER_MS),
                    INACTIVITY_CLOSE_AFTER: String(CLOSE_AFTER_MS),
                    INACTIVITY_FINAL_ACTION: 'close',
                    INACTIVITY_FOLLOWUP_AFTER: '4000',
                    INACTIVITY_QUIET_HOURS: 'off',
                    ...(process.env.MONGODB_URI ? { MONGODB_URI: process.env.MONGODB_URI } : {}),
                }),
                [webChat()],
                (line) => console.log(`      ${line}`)
            );
            browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
            context = await browser.newContext({ locale: 'en-US', viewport: { width: 1000, height: 900 } });
            page = await context.newPage();
            shotPage = page;
            page.on('console', (m) => {
                if (m.type() === 'error') {
                    consoleErrors.push(m.text().split('\n')[0]);
                }
            });
            page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
        });

        afterEach(async function () {
            const title = (this.currentTest?.title ?? 'step')
                .replace(/[^a-z0-9]+/gi, '-')
                .replace(/^-|-$/g, '')
                .toLowerCase();
            const failed = this.currentTest?.state === 'failed';
            shot += 1;
            if (shotPage && !shotPage.isClosed()) {
                const file = join(target.shots, `${String(shot).padStart(2, '0')}-${title}${failed ? '-FAILED' : ''}.png`);
                await shotPage.screenshot({ path: file }).catch(() => undefined);
                if (failed) {
                    console.log(`      screenshot: ${file}`);
                    console.log(`      transcript as shown:\n${(await transcript(shotPage).catch(() => [])).map(describeShown).join('\n')}`);
                    console.log(`      browser console errors: ${JSON.stringify(consoleErrors)}`);
                }
            }
        });

        after(async function () {
            await portuguese?.close().catch(() => undefined);
            await context?.close().catch(() => undefined);
            await browser?.close().catch(() => undefined);
            await sample?.stop();
        });

        it('opens the page and connects Web Chat', async () => {
            await page.goto(webChatPageUrl(sample.port));
            await sendBox(page).waitFor({ timeout: REPLY_WAIT_MS });
            const status = page.locator('#status');
            assert.equal(await status.getAttribute('data-locale'), 'en-US');
            assert.match((await status.getAttribute('data-user-id')) ?? '', /^web-[0-9a-f]{16}$/);
        });

        it('starts the flow and asks for the name', async () => {
            await say(page, 'add client');
            await waitShown(page, 'the name question', (t) => count(t, ASK_NAME) === 1);
        });

        it('asks for the client type with buttons', async () => {
            await say(page, NAME);
            await waitShown(page, 'the client-type question', (t) => count(t, ASK_TYPE) === 1);
            await page.locator('button.webchat__suggested-action', { hasText: 'Group classes' }).waitFor({ timeout: REPLY_WAIT_MS });
        });

        it('reminds after a quiet spell, with Continue and Start over', async () => {
            const sent = Date.now();
            const shown = await waitShown(page, 'the first reminder', (t) => count(t, REMINDER) === 1, REMINDER_WAIT_MS);
            const onScreen = Date.now() - sent;
            console.log(`      reminder on screen ${(onScreen / 1000).toFixed(1)} s after the answer (timer ${REMINDER_AFTER_MS / 1000} s)`);
            assert.ok(onScreen <= REMINDER_ON_SCREEN_MS, `the reminder took ${onScreen} ms to show`);
            // Suggested actions on Web Chat (not a card): they go once used.
            assert.deepEqual(last(shown, REMINDER)?.buttons, []);
            await suggestedAction(page, 'Continue').waitFor({ timeout: REPLY_WAIT_MS });
            assert.deepEqual(await page.locator('button.webchat__suggested-action').allInnerTexts(), ['Continue', 'Start over']);
        });

        it('Continue re-asks the same question with its own buttons, and leaves nothing to click twice', async () => {
            await suggestedAction(page, 'Continue').click();
            const shown = await waitShown(page, 'the question again', (t) => count(t, ASK_TYPE) === 2);
            const bot = shown.filter((s) => !s.fromUser).map((s) => s.text);
            assert.deepEqual(bot.slice(-2), ["Great, let's pick up where we left off.", ASK_TYPE]);
            await suggestedAction(page, 'Group classes').waitFor({ timeout: REPLY_WAIT_MS });
            assert.strictEqual(await suggestedAction(page, 'Continue').count(), 0, 'the used Continue is gone');
            assert.strictEqual(await page.locator('.ac-pushButton', { hasText: 'Continue' }).count(), 0, 'no card button left to click');
        });

        it('reminds again, and Start over goes back to the first question', async () => {
            await waitShown(page, 'the second reminder', (t) => count(t, REMINDER) === 2, REMINDER_WAIT_MS);
            await suggestedAction(page, 'Start over').click();
            const shown = await waitShown(page, 'the name question again', (t) => count(t, ASK_NAME) === 2);
            const bot = shown.filter((s) => !s.fromUser).map((s) => s.text);
            assert.deepEqual(bot.slice(-2), ["No problem, let's start over.", ASK_NAME]);
        });

        it('closes the flow when the user stays quiet', async () => {
            await say(page, NAME);
            await waitShown(page, 'the client-type question', (t) => count(t, ASK_TYPE) === 3);
            await waitShown(
                page,
                'the close message',
                (t) => t.some((s) => s.text.startsWith('I closed this because it was quiet for a while.')),
                CLOSE_WAIT_MS
            );
        });

        it('offers to resume the closed flow, and Resume returns to the client-type question', async () => {
            await say(page, 'add client');
            const offer = `Welcome back! You were adding ${NAME} (step 2 of 3).`;
            const shown = await waitShown(page, 'the resume offer', (t) => count(t, offer) === 1);
            assert.deepEqual(last(shown, offer)?.buttons, [`Resume ${NAME}`, 'Start fresh']);
            await clickCardButton(page, offer, `Resume ${NAME}`);
            const after = await waitShown(page, 'the client-type question after Resume', (t) => count(t, ASK_TYPE) === 4);
            const bot = after.filter((s) => !s.fromUser).map((s) => s.text);
            assert.deepEqual(bot.slice(-2), ['Here we go, picking up where you left off.', ASK_TYPE]);
        });

        it('finishes the flow and shows the summary naming the client', async () => {
            await page.locator('button.webchat__suggested-action', { hasText: 'Group classes' }).click();
            await waitShown(page, 'the contact question', (t) => count(t, `How can we reach ${NAME}?`) === 1);
            await say(page, 'maria@example.com');
            await waitShown(page, 'the summary', (t) => count(t, `Done! ${NAME} (Group classes) is added. Contact: maria@example.com.`) === 1);
        });

        (target.followUps ? it : it.skip)('asks how the first session went, with Great / Not great, and thanks for the answer', async () => {
            await waitShown(page, 'the follow-up', (t) => count(t, `How did the first session with ${NAME} go?`) === 1);
            await page.locator('button.webchat__suggested-action', { hasText: /^Great$/ }).click();
            await waitShown(page, 'the thanks', (t) => count(t, 'Wonderful, thanks for telling me!') === 1);
        });

        it("sends the browser's language as the locale and keeps one user id per tab", async () => {
            portuguese = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1000, height: 900 } });
            const tab = await portuguese.newPage();
            shotPage = tab;
            await tab.goto(webChatPageUrl(sample.port));
            await sendBox(tab).waitFor({ timeout: REPLY_WAIT_MS });
            const userId = await tab.locator('#status').getAttribute('data-user-id');
            assert.equal(await tab.locator('#status').getAttribute('data-locale'), 'pt-BR');
            await tab.reload();
            await sendBox(tab).waitFor({ timeout: REPLY_WAIT_MS });
            assert.equal(await tab.locator('#status').getAttribute('data-user-id'), userId, 'the same tab keeps its user id across a reload');
            const other = await portuguese.newPage();
            await other.goto(webChatPageUrl(sample.port));
            assert.notEqual(await other.locator('#status').getAttribute('data-user-id'), userId, 'another tab is another user');
            await other.close();
            await say(tab, 'add client');
            await waitShown(tab, 'the name question in Portuguese', (t) => count(t, 'Qual é o nome do cliente?') === 1);
        });
    });
}

function sendBox(page: Page) {
    return page.locator('[data-id="webchat-sendbox-input"]');
}

async function say(page: Page, text: string): Promise<void> {
    const box = sendBox(page);
    await box.fill(text);
    await box.press('Enter');
}

/** Clicks a hero-card button of the latest activity whose text starts with `text`. */
/** A suggested action under the latest message, by its exact title. */
function suggestedAction(page: Page, title: string): Locator {
    return page.locator('button.webchat__suggested-action', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) });
}

async function clickCardButton(page: Page, text: string, button: string): Promise<void> {
    await page.locator('.webchat__basic-transcript__activity').filter({ hasText: text }).last().locator('.ac-pushButton', { hasText: button }).click();
}

/** The little of the DOM the transcript reader uses (the build has no DOM lib, on purpose: src/ must not use one). */
interface DomNode {
    querySelector(selector: string): DomNode | null;
    querySelectorAll(selector: string): ArrayLike<DomNode>;
    innerText: string;
}

/**
 * Web Chat's transcript as shown: each activity's text and buttons. Web Chat's markdown turns quotes typographic
 * and wraps autolinked addresses in zero-width spaces; both are undone so texts compare with the locale files.
 */
function transcript(page: Page): Promise<Shown[]> {
    return page.evaluate(() => {
        const doc = (globalThis as unknown as { document: DomNode }).document;
        return Array.from(doc.querySelectorAll('.webchat__basic-transcript__activity')).map((el) => ({
            fromUser: el.querySelector('.webchat__stacked-layout--from-user') !== null,
            text: Array.from(el.querySelectorAll('.webchat__text-content'))
                .map((t) => t.innerText.trim())
                .join('\n')
                .replace(/[\u2018\u2019]/g, "'")
                .replace(/[\u201c\u201d]/g, '"')
                .replace(/[\u200b-\u200d\ufeff]/g, ''),
            buttons: Array.from(el.querySelectorAll('.ac-pushButton')).map((b) => b.innerText.trim()),
        }));
    });
}

/** Polls the transcript until `done` holds; on timeout, says what was on screen. */
async function waitShown(page: Page, what: string, done: (t: Shown[]) => boolean, timeoutMs = REPLY_WAIT_MS): Promise<Shown[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const shown = await transcript(page);
        if (done(shown)) {
            return shown;
        }
        if (Date.now() > deadline) {
            throw new Error(`Web Chat did not show ${what} within ${timeoutMs / 1000} s. On screen:\n${shown.map(describeShown).join('\n')}`);
        }
        await page.waitForTimeout(100);
    }
}

function count(shown: Shown[], prefix: string): number {
    return shown.filter((s) => !s.fromUser && s.text.startsWith(prefix)).length;
}

function last(shown: Shown[], prefix: string): Shown | undefined {
    return shown.filter((s) => !s.fromUser && s.text.startsWith(prefix)).pop();
}

function describeShown(s: Shown): string {
    return `        ${s.fromUser ? 'user' : 'bot '}: ${s.text}${s.buttons.length ? ` [${s.buttons.join('] [')}]` : ''}`;
}
