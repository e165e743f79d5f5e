import assert from 'assert';
import { ConversationState, MemoryStorage, TurnContext } from 'botbuilder';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FlowDefinition, InactivityMiddleware } from '../../../src';
import { InactivityTestAdapter, TestScheduler } from '../../../src/testing';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const ASK = 'Email?';
const TEXTS = {
    retry1: 'That is not an email address yet.',
    retry2: 'An email address has an @ in it. {{hint}}',
    hint: 'For example maria@example.com.',
    told: "I've told the trainer you're stuck on this; they'll help.",
};

/**
 * `reportInvalid()` for a bot that validates its answers itself, with the step's own tier texts
 * (`messages.retry1`, `messages.retry2`) and the line that tells the user the owner was informed
 * (`messages.escalated`, when the `escalated` event fires).
 */
describe('reportInvalid(): the step\'s own tier texts and the "owner informed" line', () => {
    let localesPath: string;
    const stops: Array<() => Promise<void>> = [];

    before(() => {
        localesPath = mkdtempSync(join(tmpdir(), 'inactivity-tiers-'));
        mkdirSync(join(localesPath, 'en'));
        writeFileSync(join(localesPath, 'en', 'bot.json'), JSON.stringify(TEXTS));
    });
    after(() => rmSync(localesPath, { recursive: true, force: true }));
    afterEach(async () => {
        for (const stop of stops.splice(0)) {
            await stop();
        }
    });

    /** A bot without dialogs that asks for an email, validates it itself and reports an invalid one. */
    async function emailBot(addClient: FlowDefinition) {
        const conversationState = new ConversationState(new MemoryStorage());
        const ref: { inactivity?: InactivityMiddleware } = {};
        const outcomes: Array<{ attempt: number; final: boolean } | undefined> = [];
        const escalated: string[] = [];
        const adapter = new InactivityTestAdapter(async (context: TurnContext) => {
            const text = context.activity.text ?? '';
            if (text === 'add client' || text.includes('@')) {
                if (text.includes('@')) {
                    await context.sendActivity('Saved.');
                    await ref.inactivity?.flows.end(context);
                } else {
                    await context.sendActivity(ASK);
                    await ref.inactivity?.flows.step(context, { flowId: 'addClient', stepId: 'email', index: 1, of: 1, prompt: ASK });
                }
            } else {
                const outcome = await ref.inactivity?.reportInvalid(context);
                outcomes.push(outcome);
                if (!outcome?.final) {
                    await context.sendActivity(ASK);
                }
            }
            await conversationState.saveChanges(context);
        });
        const scheduler = new TestScheduler({ startAt: T0 });
        const errors: Error[] = [];
        const inactivity = new InactivityMiddleware({
            adapter,
            conversationState,
            scheduler,
            now: scheduler.now,
            localesPath,
            flows: { addClient },
            onError: (e) => void errors.push(e),
            onFlowEvent: (e) => void (e.type === 'escalated' && escalated.push(e.stepId ?? '')),
        });
        ref.inactivity = inactivity;
        adapter.use(inactivity);
        await inactivity.start();
        stops.push(async () => {
            await inactivity.stop();
            assert.deepStrictEqual(errors, [], 'the plugin reported no error');
        });
        /** Sends a message; returns the texts the bot sent in that turn. */
        const say = async (text: string): Promise<string[]> => {
            const before = adapter.activeQueue.length;
            await adapter.receiveActivity({ type: 'message', text });
            return adapter.activeQueue
                .slice(before)
                .filter((a) => a.type === 'message')
                .map((a) => a.text ?? '');
        };
        return { say, outcomes, escalated, adapter };
    }

    it('sends retry1, then retry2 with the hint and the escalated line, then takes the final action', async () => {
        const bot = await emailBot({
            steps: { email: { finalAction: 'handoff', messages: { retry1: 'bot:retry1', retry2: 'bot:retry2', hint: 'bot:hint', escalated: 'bot:told' } } },
        });
        assert.deepStrictEqual(await bot.say('add client'), [ASK]);
        assert.deepStrictEqual(await bot.say('maria'), [TEXTS.retry1, ASK]);
        assert.deepStrictEqual(bot.escalated, []);
        assert.deepStrictEqual(await bot.say('maria at home'), [`An email address has an @ in it. ${TEXTS.hint}`, TEXTS.told, ASK]);
        assert.deepStrictEqual(bot.escalated, ['email']);
        const last = await bot.say('call me');
        assert.deepStrictEqual(last, ["This seems tricky, so I'm passing you to a person who can help."], 'told once only, then the handoff');
        assert.deepStrictEqual(
            bot.outcomes.map((o) => o && [o.attempt, o.final]),
            [
                [1, false],
                [2, false],
                [3, true],
            ]
        );
    });

    it('without the step\'s own keys: the default tiers, and no "owner informed" line', async () => {
        const bot = await emailBot({ steps: { email: { messages: { hint: 'bot:hint' } } } });
        await bot.say('add client');
        assert.deepStrictEqual(await bot.say('maria'), ["Sorry, I didn't get that. Could you try again?", ASK]);
        assert.deepStrictEqual(await bot.say('maria at home'), [`That still doesn't look right. ${TEXTS.hint}`, ASK]);
        assert.deepStrictEqual(bot.escalated, ['email'], 'the event fires all the same');
    });

    it('with maxInvalidAttempts 1 the escalated line goes out alone before the final action', async () => {
        const bot = await emailBot({ steps: { email: { maxInvalidAttempts: 1, messages: { escalated: 'reprompt.escalated' } } } });
        await bot.say('add client');
        const sent = await bot.say('maria');
        assert.deepStrictEqual(sent[0], "I've let the owner know you're having trouble here, so they can help.");
        assert.strictEqual(sent.length, 2);
        assert.match(sent[1], /^Let's stop here for now, these answers didn't work out\./);
    });
});
