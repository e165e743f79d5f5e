import assert from 'assert';
import { FlowEvent, FlowEventType, InactivityConfigError, InactivityHookError } from '../../../src';
import { buttons, createRig, Rig, texts } from '../../support/testBot';
import { mongoRigs } from '../../support/mongoRig';

const MIN = 60_000;
const ASK_NAME = "What's the client's name?";
const DONE = 'Done! Maria Silva (Group classes) is added. Contact: maria@example.com.';

/** A rig whose hook records every event. */
async function recording(options: Parameters<typeof createRig>[0] = {}): Promise<{ rig: Rig; events: FlowEvent[]; types(): FlowEventType[]; clear(): void }> {
    const events: FlowEvent[] = [];
    const rig = await createRig({ onFlowEvent: (e) => void events.push(e), ...options });
    return { rig, events, types: () => events.map((e) => e.type), clear: () => void events.splice(0) };
}

describe('lifecycle: flow events (onFlowEvent)', () => {
    it('started: when a turn ends inside a new flow, with the flow, step, user, conversation, channel and time; nothing outside a flow', async () => {
        const { rig, events, types } = await recording();
        await rig.say('hello');
        assert.deepStrictEqual(types(), []);
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME]);
        assert.deepStrictEqual(types(), ['started']);
        const [e] = events;
        const ref = rig.adapter.conversation;
        assert.strictEqual(e.flowId, 'addClient');
        assert.strictEqual(e.step, 1);
        assert.strictEqual(e.stepId, 'name');
        assert.strictEqual(e.userId, ref.user?.id);
        assert.strictEqual(e.conversationId, ref.conversation.id);
        assert.strictEqual(e.channelId, ref.channelId);
        assert.strictEqual(e.at.getTime(), rig.clock.now);
        assert.strictEqual(e.reference.conversation?.id, ref.conversation.id);
        await rig.say('Maria Silva');
        assert.deepStrictEqual(types(), ['started'], 'a later turn of the same flow starts nothing');
        await rig.inactivity.stop();
    });

    it('reminded: when the reminder is delivered, with its step; then closed and abandoned (timeout) when the flow is closed', async () => {
        const { rig, events, types, clear } = await recording();
        await rig.say('add client');
        await rig.say('Maria Silva');
        clear();
        const [reminder] = await rig.fireAt();
        assert.match(reminder.text ?? '', /^Still there\?/);
        assert.deepStrictEqual(types(), ['reminded']);
        assert.strictEqual(events[0].step, 2);
        assert.strictEqual(events[0].stepId, 'type');
        assert.strictEqual(events[0].at.getTime(), rig.clock.now);
        assert.strictEqual(events[0].userId, rig.adapter.conversation.user?.id, 'the timer turn knows the user too');
        clear();
        await rig.fireAt();
        assert.deepStrictEqual(types().sort(), ['abandoned', 'closed']);
        assert.ok(events.every((e) => e.reason === 'timeout' && e.flowId === 'addClient' && e.step === 2));
        assert.deepStrictEqual(rig.inactivity.activeFlows(), {}, 'a closed flow is no longer in progress');
        await rig.inactivity.stop();
    });

    it('completed: when the bot finishes the flow; never after the plugin closed it', async () => {
        const { rig, types, clear } = await recording();
        await rig.say('add client');
        await rig.say('Maria Silva');
        await rig.say('Group classes');
        clear();
        assert.deepStrictEqual(texts(await rig.say('maria@example.com')), [DONE]);
        assert.deepStrictEqual(types(), ['completed']);
        clear();
        await rig.say('add client');
        await rig.fireAt();
        await rig.fireAt();
        clear();
        await rig.say('hello');
        assert.deepStrictEqual(types(), [], 'the closed flow is not reported completed by the next turn');
        await rig.inactivity.stop();
    });

    it('escalated: at the second invalid answer to one question (the explicit tier), once; handedOff and abandoned (invalidInput) at the third', async () => {
        const { rig, events, types, clear } = await recording();
        await rig.say('add client');
        await rig.say('Maria Silva');
        await rig.say('Group classes');
        clear();
        await rig.say('call me maybe');
        assert.deepStrictEqual(types(), [], 'the gentle tier is no escalation');
        await rig.say('at the gym');
        assert.deepStrictEqual(types(), ['escalated']);
        assert.strictEqual(events[0].reason, 'invalidInput');
        assert.strictEqual(events[0].stepId, 'contact');
        assert.strictEqual(events[0].step, 3);
        clear();
        await rig.say('nope');
        assert.deepStrictEqual(types().sort(), ['abandoned', 'handedOff']);
        assert.ok(events.every((e) => e.reason === 'invalidInput'));
        await rig.inactivity.stop();
    });

    it('escalated comes at the final tier when maxInvalidAttempts is 1, before the close', async () => {
        const { rig, types, clear } = await recording({ maxInvalidAttempts: 1, flows: { addClient: { steps: { contact: { maxInvalidAttempts: 1 } } } } });
        await rig.say('add client');
        await rig.say('Maria Silva');
        await rig.say('Group classes');
        clear();
        await rig.say('call me maybe');
        assert.strictEqual(types()[0], 'escalated');
        assert.ok(types().includes('abandoned'));
        await rig.inactivity.stop();
    });

    it('extended and abandoned (the bot\'s own reason) from the sample\'s "give me a minute" and "cancel"', async () => {
        const { rig, events, types, clear } = await recording();
        await rig.say('add client');
        clear();
        assert.deepStrictEqual(texts(await rig.say('give me a minute')), ["Sure, take your time. I'll wait before reminding you."]);
        assert.deepStrictEqual(types(), ['extended']);
        assert.strictEqual(events[0].extendedByMs, 10 * MIN);
        clear();
        const sent = texts(await rig.say('cancel'));
        assert.match(sent[0], /^No problem, I've cancelled that/);
        assert.deepStrictEqual(types(), ['abandoned'], 'abandoned, and not completed');
        assert.strictEqual(events[0].reason, 'saidCancel');
        assert.strictEqual(events[0].step, 1);
        await rig.inactivity.stop();
    });

    it('Start over: the old run is abandoned (userCancelled), then a new run is started at step 1', async () => {
        const { rig, events, types, clear } = await recording();
        await rig.say('add client');
        await rig.say('Maria Silva');
        const [reminder] = await rig.fireAt();
        clear();
        const startOver = buttons(reminder)[1];
        assert.strictEqual(startOver.title, 'Start over');
        await rig.say(startOver.title, startOver.value);
        assert.deepStrictEqual(types(), ['abandoned', 'started']);
        assert.strictEqual(events[0].reason, 'userCancelled');
        assert.strictEqual(events[0].step, 2);
        assert.strictEqual(events[1].step, 1);
        assert.strictEqual(events[1].stepId, 'name');
        assert.deepStrictEqual(rig.inactivity.activeFlows(), { addClient: 1 });
        await rig.inactivity.stop();
    });

    it('a hook added with onFlowEvent() runs beside the option, and its remover stops it', async () => {
        const { rig, types } = await recording();
        const seen: string[] = [];
        const remove = rig.inactivity.onFlowEvent((e) => void seen.push(e.type));
        await rig.say('add client');
        remove();
        await rig.say('cancel');
        assert.deepStrictEqual(seen, ['started']);
        assert.deepStrictEqual(types(), ['started', 'abandoned']);
        await rig.inactivity.stop();
    });

    it('a hook that throws is reported (InactivityHookError) and breaks neither the turn nor the timer turns', async () => {
        const rig = await createRig({
            onFlowEvent: (e) => {
                throw new Error(`hook broke on ${e.type}`);
            },
        });
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME]);
        assert.match(texts(await rig.say('Maria Silva'))[0], /^What kind of client is Maria Silva\?/);
        const [reminder] = await rig.fireAt();
        assert.match(reminder.text ?? '', /^Still there\?/);
        const close = texts(await rig.fireAt());
        assert.match(close[0], /^I closed this because it was quiet/);
        assert.deepStrictEqual(rig.scheduler.thrown, [], 'the timer turn did not fail');
        const hookErrors = rig.errors.filter((e): e is InactivityHookError => e instanceof InactivityHookError);
        assert.deepStrictEqual(hookErrors.map((e) => e.eventType).sort(), ['abandoned', 'closed', 'reminded', 'started']);
        assert.ok(hookErrors.every((e) => !e.timedOut && /hook broke on/.test((e.cause as Error).message)));
        assert.strictEqual(rig.errors.length, hookErrors.length, 'nothing else was reported');
        await rig.inactivity.stop();
    });

    it('a hook that rejects is reported the same way', async () => {
        const rig = await createRig({ onFlowEvent: async () => Promise.reject(new Error('CRM down')) });
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME]);
        assert.strictEqual(rig.errors.length, 1);
        assert.ok(rig.errors[0] instanceof InactivityHookError);
        assert.match(rig.errors[0].message, /onFlowEvent hook for 'started' of flow 'addClient'.*failed: CRM down/);
        await rig.inactivity.stop();
    });

    it('a hook that hangs holds a user turn and a timer turn at most flowEventTimeout, and is reported as timed out', async () => {
        const bound = 150;
        const rig = await createRig({ flowEventTimeout: bound, onFlowEvent: () => new Promise<void>(() => undefined) });
        let t = Date.now();
        assert.deepStrictEqual(texts(await rig.say('add client')), [ASK_NAME]);
        const turnMs = Date.now() - t;
        assert.ok(turnMs >= bound - 5 && turnMs < bound + 400, `the turn took ${turnMs} ms`);
        await rig.say('Maria Silva');
        t = Date.now();
        const [reminder] = await rig.fireAt();
        const timerMs = Date.now() - t;
        assert.match(reminder.text ?? '', /^Still there\?/);
        assert.ok(timerMs < bound + 400, `the timer turn took ${timerMs} ms`);
        assert.deepStrictEqual(rig.scheduler.thrown, []);
        console.log(`      hanging hook, flowEventTimeout ${bound} ms: user turn ${turnMs} ms, timer turn ${timerMs} ms`);
        const errors = rig.errors as InactivityHookError[];
        assert.deepStrictEqual(
            errors.map((e) => [e.name, e.eventType, e.timedOut]),
            [
                ['InactivityHookError', 'started', true],
                ['InactivityHookError', 'reminded', true],
            ]
        );
        assert.match(errors[0].message, new RegExp(`did not finish within ${bound} ms`));
        await rig.inactivity.stop();
    });

    it('hooks run at once: two slow hooks cost the time of one, and each gets its own copy of the event', async () => {
        const seen: FlowEvent[] = [];
        const rig = await createRig({
            onFlowEvent: async (e) => {
                e.flowId = 'changed by a hook';
                await new Promise((r) => setTimeout(r, 100));
            },
        });
        rig.inactivity.onFlowEvent(async (e) => {
            await new Promise((r) => setTimeout(r, 100));
            seen.push(e);
        });
        const t = Date.now();
        await rig.say('add client');
        assert.ok(Date.now() - t < 190, `${Date.now() - t} ms`);
        assert.strictEqual(seen[0].flowId, 'addClient');
        assert.deepStrictEqual(rig.errors, []);
        await rig.inactivity.stop();
    });

    it('refuses a flowEventTimeout of 0 or over 10 seconds, and an onFlowEvent that is not a function', async () => {
        await assert.rejects(
            () => createRig({ flowEventTimeout: 0 }),
            (e: Error) => e instanceof InactivityConfigError && /flowEventTimeout is 0 ms/.test(e.message)
        );
        await assert.rejects(() => createRig({ flowEventTimeout: '11 seconds' }), /flowEventTimeout is 11000 ms; it must be more than 0 and at most 10000 ms/);
        await assert.rejects(() => createRig({ flowEventTimeout: 'soon' }), /flowEventTimeout/);
        await assert.rejects(() => createRig({ onFlowEvent: 'log' as never }), /options.onFlowEvent must be a function.*got string/);
    });

    describe('with MongoDB (saved flows)', () => {
        const rigs = mongoRigs();
        afterEach(() => rigs.closeAll());

        it('resumed: when the user clicks Resume; started is not raised again for the resumed run', async () => {
            const events: FlowEvent[] = [];
            const { rig } = await rigs.setup({ onFlowEvent: (e) => void events.push(e) });
            await rig.say('add client');
            await rig.say('Maria Silva');
            await rig.fireAt();
            await rig.fireAt();
            events.splice(0);
            const sent = await rig.say('add client');
            const offer = sent[1];
            assert.match(offer.text ?? '', /^Welcome back!/);
            assert.deepStrictEqual(
                events.map((e) => e.type),
                ['started'],
                'the new run started (the offer is in it)'
            );
            events.splice(0);
            const resume = buttons(offer)[0];
            await rig.say(resume.title, resume.value);
            assert.deepStrictEqual(
                events.map((e) => e.type),
                ['resumed']
            );
            assert.strictEqual(events[0].step, 2);
            assert.strictEqual(events[0].flowId, 'addClient');
        });
    });
});
