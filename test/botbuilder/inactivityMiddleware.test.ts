import assert from 'assert';
import sinon from 'sinon';
import { TurnContext } from 'botbuilder';
import { PAYLOAD_KEY, STATE_PROPERTY } from '../../src';
import { buttons, createRig, texts } from '../support/testBot';

const MIN = 60_000;

describe('InactivityMiddleware', () => {
    it('arms one timer when a flow starts, and none for turns outside a flow', async () => {
        const rig = await createRig();
        assert.deepStrictEqual(texts(await rig.say('hello')), ['I can add a client for you: just say "add client".']);
        assert.strictEqual(rig.scheduler.armed.size, 0);
        await rig.say('add client');
        const timer = rig.scheduler.only();
        assert.strictEqual(timer.dueAt.getTime(), rig.clock.now + 5 * MIN);
        assert.ok(timer.data.reference.conversation?.id, 'the timer carries the conversation reference');
    });

    it('stamps the last user message in its own versioned property of conversation state', async () => {
        const rig = await createRig();
        await rig.say('add client');
        rig.clock.now += 1234;
        await rig.say('Maria Silva');
        const ctx = new TurnContext(rig.adapter, { ...rig.adapter.conversation, type: 'message' });
        const state = (await rig.conversationState.createProperty(STATE_PROPERTY).get(ctx)) as { v: number; lastUserActivityAt: number };
        assert.strictEqual(state.v, 1);
        assert.strictEqual(state.lastUserActivityAt, rig.clock.now);
    });

    it('makes one scheduler write for 20 user turns inside one reminder period', async () => {
        const rig = await createRig();
        await rig.say('add client');
        for (let i = 0; i < 19; i++) {
            rig.clock.now += 10_000;
            await rig.say(i % 2 ? 'not a contact' : 'Maria Silva');
        }
        assert.strictEqual(rig.scheduler.writes, 1);
    });

    it('sends a localized reminder naming the flow, the collected name and the step, with Continue and Start over', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('John Doe');
        const sent = await rig.fireAt();
        assert.strictEqual(sent.length, 1);
        assert.match(sent[0].text ?? '', /^Still there\? You were adding John Doe \(step 2 of 3\)\. I'll close it in 10 minutes/);
        assert.deepStrictEqual(
            buttons(sent[0]).map((b) => b.title),
            ['Continue', 'Start over']
        );
        assert.ok(buttons(sent[0]).every((b) => b.type === 'messageBack'));
        assert.strictEqual(sent[0].replyToId, undefined, 'not a reply to the internal proactive event (Web Chat would hold it 5 s)');
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), rig.clock.now - 5 * MIN + 15 * MIN, 'then armed for the close');
    });

    it('sends nothing stale when the user spoke after the timer was armed, and re-arms from the newer message', async () => {
        const rig = await createRig();
        await rig.say('add client');
        rig.clock.now += 4 * MIN;
        await rig.say('John Doe');
        const lastMessage = rig.clock.now;
        assert.strictEqual(rig.scheduler.writes, 1, 'the earlier timer still fires first');
        const sent = await rig.fireAt();
        assert.deepStrictEqual(sent, []);
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), lastMessage + 5 * MIN);
    });

    it('Continue re-asks the exact step, once', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('John Doe');
        const [reminder] = await rig.fireAt();
        const cont = buttons(reminder)[0];
        const answer = texts(await rig.say(cont.title, cont.value));
        assert.strictEqual(answer[0], "Great, let's pick up where we left off.");
        assert.match(answer[1], /^What kind of client is John Doe\?/);
        assert.strictEqual(answer.length, 2);
        const again = texts(await rig.say(cont.title, cont.value));
        assert.deepStrictEqual(again, ["That button is no longer active, so I didn't change anything. Just carry on from the latest message."]);
        assert.deepStrictEqual(texts(await rig.say('Group classes')), ['How can we reach John Doe? Send an email address or a phone number.']);
    });

    it('Start over restarts the flow at its first question', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('John Doe');
        const [reminder] = await rig.fireAt();
        const restart = buttons(reminder)[1];
        assert.deepStrictEqual(texts(await rig.say(restart.title, restart.value)), ["No problem, let's start over.", "What's the client's name?"]);
        assert.match(texts(await rig.say('Ann Lee'))[0], /^What kind of client is Ann Lee\?/);
    });

    it('answers forged, garbage and other-conversation payloads kindly and changes nothing', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('John Doe');
        const [reminder] = await rig.fireAt();
        const real = buttons(reminder)[0].value as Record<string, { nonce: string }>;
        const stale = "That button is no longer active, so I didn't change anything. Just carry on from the latest message.";
        const staleOffer = "That offer is no longer available, so I didn't change anything.";
        const forged = [
            { [PAYLOAD_KEY]: { v: 1, action: 'continue', nonce: 'AAAAAAAAAAAAAAAAAAAAAA' } },
            { [PAYLOAD_KEY]: { v: 1, action: 'explode', nonce: real[PAYLOAD_KEY].nonce } },
            { [PAYLOAD_KEY]: 'garbage' },
            { [PAYLOAD_KEY]: { v: 1, action: 'resume', nonce: real[PAYLOAD_KEY].nonce } },
            JSON.stringify({ [PAYLOAD_KEY]: { v: 2 } }),
        ];
        for (const value of forged) {
            const expected = JSON.stringify(value).includes('"resume"') ? staleOffer : stale;
            assert.deepStrictEqual(texts(await rig.say('Continue', value)), [expected], JSON.stringify(value));
        }
        // Another conversation replaying this conversation's real payload.
        assert.deepStrictEqual(texts(await rig.say('Continue', real, { conversationId: 'someone-else', userId: 'mallory' })), [stale]);
        // The real button still works afterwards: nothing was consumed or changed.
        assert.match(texts(await rig.say('Continue', real)).join('\n'), /^Great, let's pick up where we left off\.\nWhat kind of client is John Doe\?/);
    });

    it('a typed answer makes the reminder buttons stale', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('John Doe');
        const [reminder] = await rig.fireAt();
        await rig.say('Group classes');
        const cont = buttons(reminder)[0];
        assert.match(texts(await rig.say(cont.title, cont.value))[0], /no longer active/);
    });

    it('closes after the longer idle time: goodbye, endOfConversation botTimedOut, dialog stack cleared', async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('John Doe');
        await rig.fireAt();
        const sent = await rig.fireAt();
        assert.match(sent[0].text ?? '', /^I closed this because it was quiet for a while\./);
        assert.strictEqual(sent[1].type, 'endOfConversation');
        assert.strictEqual(sent[1].code, 'botTimedOut');
        assert.strictEqual(rig.scheduler.armed.size, 0, 'nothing left to fire');
        assert.deepStrictEqual(texts(await rig.say('Group classes')), ['I can add a client for you: just say "add client".']);
    });

    it('hands off with a handoff.initiate event whose transcript holds the recent turns', async () => {
        const rig = await createRig({ finalAction: 'handoff' });
        await rig.say('add client');
        await rig.say('John Doe');
        await rig.fireAt();
        const sent = await rig.fireAt();
        assert.strictEqual(sent[0].text, "I'm passing you to a person who can help. They can see what we talked about.");
        const event = sent[1];
        assert.strictEqual(event.type, 'event');
        assert.strictEqual(event.name, 'handoff.initiate');
        const transcript = event.attachments?.find((a) => a.name === 'Transcript')?.content as { activities: Array<{ text: string; from: { role: string } }> };
        const lines = transcript.activities.map((a) => `${a.from.role}: ${a.text}`);
        assert.ok(lines.includes('user: John Doe'), lines.join('\n'));
        assert.ok(
            lines.some((l) => l.startsWith('bot: What kind of client is John Doe?')),
            lines.join('\n')
        );
        assert.ok(
            lines.some((l) => l.startsWith('bot: Still there?')),
            'the reminder is in the transcript'
        );
    });

    it('begins a fallback dialog as the final action when configured', async () => {
        const rig = await createRig({ finalAction: 'dialog', fallbackDialog: 'namePrompt' });
        await rig.say('add client');
        await rig.say('John Doe');
        await rig.fireAt();
        const sent = texts(await rig.fireAt());
        assert.deepStrictEqual(sent.slice(0, 1), ["Let's try something else."]);
    });

    for (const locale of ['pt-br', 'pt_BR', 'PT-BR']) {
        it(`speaks Brazilian Portuguese to a '${locale}' conversation`, async () => {
            const rig = await createRig({}, { locale });
            await rig.say('add client', undefined, { locale });
            await rig.say('Maria Silva', undefined, { locale });
            const [reminder] = await rig.fireAt();
            assert.match(reminder.text ?? '', /^Ainda está aí\?/);
            assert.match(reminder.text ?? '', /Maria Silva/);
            assert.deepStrictEqual(
                buttons(reminder).map((b) => b.title),
                ['Continuar', 'Recomeçar']
            );
        });
    }

    it('falls back to English for an unknown locale and never sends a raw key', async () => {
        const rig = await createRig({}, { locale: 'xx-YY' });
        await rig.say('add client', undefined, { locale: 'xx-YY' });
        await rig.say('Bob', undefined, { locale: 'xx-YY' });
        const all = [...(await rig.fireAt()), ...(await rig.fireAt())];
        assert.match(all[0].text ?? '', /^Still there\?/);
        for (const text of texts(all)) {
            assert.doesNotMatch(text, /^[a-z]+(\.[A-Za-z]+)+$/, `raw key sent: ${text}`);
        }
    });

    it('still replies when the scheduler fails, reports it, and re-arms on a later turn', async () => {
        const rig = await createRig();
        rig.scheduler.failWith = new Error('connection refused');
        assert.deepStrictEqual(texts(await rig.say('add client')), ["What's the client's name?"]);
        assert.strictEqual(rig.errors.length, 1);
        assert.strictEqual(rig.scheduler.armed.size, 0);
        rig.scheduler.failWith = undefined;
        await rig.say('John Doe');
        assert.strictEqual(rig.scheduler.armed.size, 1, 're-armed on the next turn');
    });

    it('does not hold the turn when MongoDB hangs: the reply goes out and the turn ends after schedulerTimeout', async () => {
        const rig = await createRig({ schedulerTimeout: 50 });
        rig.scheduler.failWith = 'hang';
        const started = Date.now();
        assert.deepStrictEqual(texts(await rig.say('add client')), ["What's the client's name?"]);
        assert.ok(Date.now() - started < 2000);
        assert.match(rig.errors[0]?.message ?? '', /Gave up waiting for MongoDB/);
    });

    // Regression: `text: 42` made the transcript bookkeeping throw (text.slice), so the turn was not stamped and
    // no timer was armed: the user was never reminded.
    it('a message whose text is not a string (42) still stamps the time and arms the timer', async () => {
        const rig = await createRig();
        rig.scheduler.failWith = new Error('connection refused');
        await rig.say('add client');
        assert.strictEqual(rig.scheduler.armed.size, 0, 'the first arm failed');
        rig.scheduler.failWith = undefined;
        rig.errors.length = 0;
        rig.clock.now += MIN;
        await rig.adapter.receiveActivity({ type: 'message', text: 42 as unknown as string });
        assert.deepStrictEqual(rig.errors, []);
        assert.strictEqual(rig.scheduler.only().dueAt.getTime(), rig.clock.now + 5 * MIN, 'armed from the 42 message');
        const [reminder] = await rig.fireAt();
        assert.match(reminder?.text ?? '', /^Still there\?/);
    });

    it('ignores typing, conversationUpdate and its own proactive event', async () => {
        const rig = await createRig();
        await rig.adapter.receiveActivity({ type: 'typing' });
        await rig.adapter.receiveActivity({ type: 'conversationUpdate', membersAdded: [] });
        assert.strictEqual(rig.scheduler.armed.size, 0);
        assert.strictEqual(rig.errors.length, 0);
    });

    it('reports telemetry without message text', async () => {
        const events: Array<{ name: string; properties?: Record<string, string>; metrics?: Record<string, number> }> = [];
        const telemetryClient = {
            trackEvent: (e: (typeof events)[number]) => events.push(e),
            trackDependency() {},
            trackException() {},
            trackTrace() {},
            flush() {},
        };
        const rig = await createRig({ telemetryClient: telemetryClient });
        await rig.say('add client');
        await rig.say('Secret Name');
        const [reminder] = await rig.fireAt();
        await rig.say('Continue', buttons(reminder)[0].value);
        const names = events.map((e) => e.name);
        assert.deepStrictEqual(names.slice(0, 2), ['InactivityReminderSent', 'InactivityContinued']);
        const sent = events[0];
        assert.strictEqual(sent.properties?.dialogId, 'addClient');
        assert.strictEqual(sent.properties?.step, '2');
        assert.strictEqual(sent.metrics?.idleMs, 5 * MIN);
        assert.ok(!JSON.stringify(events).includes('Secret Name'), 'no user text in telemetry');
    });

    it('closes at the cap without answering, and says nothing about saved answers when none were saved', async () => {
        const rig = await createRig({ maxDuration: '10 minutes' });
        await rig.say('add client');
        rig.clock.now += 10 * MIN;
        const sent = await rig.say('John Doe');
        assert.deepStrictEqual(texts(sent), ["This has been open for too long, so I closed it. Start again whenever you're ready."]);
        assert.strictEqual(sent[1]?.type, 'endOfConversation');
    });

    it('reports recovered errors as a process warning, never through onTurnError', async () => {
        const rig = await createRig({ onError: undefined });
        const onTurnError = sinon.spy();
        rig.adapter.onTurnError = onTurnError;
        const warnings: Error[] = [];
        const listener = (w: Error) => warnings.push(w);
        process.on('warning', listener);
        try {
            rig.scheduler.failWith = new Error('connection refused');
            assert.deepStrictEqual(texts(await rig.say('add client')), ["What's the client's name?"]);
            await new Promise((r) => setImmediate(r));
            assert.strictEqual(onTurnError.callCount, 0);
            assert.ok(
                warnings.some((w) => w.name === 'BotbuilderInactivityWarning'),
                warnings.map((w) => w.name).join()
            );
        } finally {
            process.off('warning', listener);
        }
    });

    it("does not save a half-done dialog state when the bot's logic throws", async () => {
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('Maria Silva');
        const t = sinon.stub(rig.sampleTexts, 't').callThrough();
        t.withArgs(sinon.match.any, 'sample:addClient.askContact').throws(new Error('API down'));
        await rig.say('Group classes').catch(() => undefined);
        t.restore();
        // The step that failed is asked again: the answer is taken as the client type, not as a contact.
        assert.match(texts(await rig.say('Group classes'))[0], /^How can we reach Maria Silva\?/);
    });

    it('answers Start over without waiting for a stalled MongoDB', async () => {
        const rig = await createRig({ schedulerTimeout: 50 });
        (rig.inactivity as unknown as { engine: { plugin: { abandonments: unknown } } }).engine.plugin.abandonments = {
            record: () => new Promise(() => undefined),
            markResumed: () => new Promise(() => undefined),
        };
        await rig.say('add client');
        await rig.say('John Doe');
        const [reminder] = await rig.fireAt();
        const restart = buttons(reminder)[1];
        const started = Date.now();
        assert.deepStrictEqual(texts(await rig.say(restart.title, restart.value)), ["No problem, let's start over.", "What's the client's name?"]);
        assert.ok(Date.now() - started < 2000);
        assert.match(rig.errors[0]?.message ?? '', /Gave up waiting for MongoDB to record an abandonment/);
    });

    it('does not take other bot messages for a prompt asking again (an acknowledgement, an interruption)', async () => {
        const rig = await createRig();
        await rig.say('add client');
        rig.adapter.use({
            onTurn: async (ctx, next) => {
                if (ctx.activity.text === 'help') {
                    await ctx.sendActivity('You can type the client type or click a button.');
                    return;
                }
                if (ctx.activity.text === 'Maria Silva') {
                    await ctx.sendActivity('ack');
                }
                await next();
            },
        });
        const valid = texts(await rig.say('Maria Silva'));
        assert.strictEqual(valid[0], 'ack');
        assert.match(valid[1], /^What kind of client is Maria Silva\?/);
        assert.strictEqual(valid.length, 2, valid.join(' | '));
        assert.deepStrictEqual(texts(await rig.say('help')), ['You can type the client type or click a button.'], 'an interruption is not a refusal');
        const first = texts(await rig.say('a unicorn'));
        assert.strictEqual(first[0], "Sorry, I didn't get that. Could you try again?", 'still the first refusal');
        const second = texts(await rig.say('a dragon'));
        assert.match(second[0], /^That still doesn't look right\./);
    });

    it('keeps an answer the user gave while the timer turn was sending the reminder', async () => {
        const rig = await createRig();
        await rig.say('add client');
        let interleaved = false;
        rig.adapter.use({
            onTurn: async (ctx, next) => {
                if (ctx.activity.name === 'ContinueConversation') {
                    ctx.onSendActivities(async (_c, activities, send) => {
                        if (!interleaved) {
                            interleaved = true;
                            await rig.adapter.receiveActivity({ type: 'message', text: 'Maria Silva' });
                        }
                        return send();
                    });
                }
                await next();
            },
        });
        await rig.fireAt();
        assert.ok(interleaved);
        assert.match(texts(await rig.say('Group classes'))[0], /^How can we reach Maria Silva\?/, 'the name given meanwhile was kept');
    });

    it('refuses, at construction, text keys no locale file has and durations that would end every flow at once', async () => {
        await assert.rejects(createRig({ messages: { close: 'closing.typo' } }), {
            name: 'InactivityConfigError',
            message: /options\.messages\.close names the text 'closing\.typo'/,
        });
        await assert.rejects(createRig({ flows: { addClient: { activity: 'sample:addClient.activityTypo' } } }), {
            name: 'InactivityConfigError',
            message: /flows\.addClient\.activity names 'sample:addClient\.activityTypo'/,
        });
        await assert.rejects(createRig({ remind: false, closeAfter: 0 }), { name: 'InactivityConfigError', message: /closeAfter is 0/ });
        await assert.rejects(createRig({ maxDuration: 0 }), { name: 'InactivityConfigError', message: /maxDuration is 0/ });
    });
});
