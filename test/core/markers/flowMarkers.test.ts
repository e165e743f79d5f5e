import assert from 'assert';
import { ConversationState, MemoryStorage, Storage, StoreItems, TurnContext } from 'botbuilder';
import { InactivityConfigError, InactivityMiddleware } from '../../../src';
import { checkStepMark, MAX_MARKER_CHARS } from '../../../src/core/markers/flowMarker';
import type { StepMark } from '../../../src/core/markers/markedFlow';
import { PAYLOAD_KEY } from '../../../src/core/turn/buttonPayload';
import { clickContinue, InactivityTestAdapter, TestScheduler } from '../../../src/testing';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

describe('flows.step(): the mark a bot gives is checked', () => {
    const refused = (mark: unknown, pattern: RegExp) =>
        assert.throws(
            () => checkStepMark(mark as StepMark),
            (err: Error) => err instanceof InactivityConfigError && pattern.test(err.message)
        );

    it('refuses missing or blank ids, step numbers below 1 or past `of`, values that are not an object, and marks over 16 KB', () => {
        refused(undefined, /needs a mark/);
        refused({ stepId: 's' }, /flowId/);
        refused({ flowId: 'f', stepId: 'two words' }, /stepId/);
        refused({ flowId: 'f', stepId: 's', index: 0 }, /index/);
        refused({ flowId: 'f', stepId: 's', index: 1.5 }, /index/);
        refused({ flowId: 'f', stepId: 's', index: 4, of: 3 }, /of is the number of steps/);
        refused({ flowId: 'f', stepId: 's', values: [1] }, /values must be an object/);
        refused({ flowId: 'f', stepId: 's', prompt: 42 }, /prompt/);
        refused({ flowId: 'f', stepId: 's', values: { big: 'x'.repeat(MAX_MARKER_CHARS) } }, /at most 16384/);
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        refused({ flowId: 'f', stepId: 's', values: cyclic }, /plain JSON/);
    });

    it('keeps a plain copy: what the bot changes afterwards is not what the plugin keeps; an activity prompt keeps what a question needs', () => {
        const values = { name: 'Maria' };
        const prompt = { type: 'message', text: 'Email?', id: 'a1', from: { id: 'bot' }, suggestedActions: { actions: [] } };
        const kept = checkStepMark({ flowId: 'addClient', stepId: 'email', index: 2, of: 3, values, prompt });
        values.name = 'changed';
        assert.deepStrictEqual(kept, {
            flowId: 'addClient',
            stepId: 'email',
            index: 2,
            of: 3,
            values: { name: 'Maria' },
            prompt: { type: 'message', text: 'Email?', suggestedActions: { actions: [] } },
        });
    });
});

/** A storage whose reads fail while `down` is set. */
class FlakyStorage implements Storage {
    down = false;
    private readonly inner = new MemoryStorage();
    read(keys: string[]): Promise<StoreItems> {
        return this.down ? Promise.reject(new Error('storage down')) : this.inner.read(keys);
    }
    write(changes: StoreItems): Promise<void> {
        return this.inner.write(changes);
    }
    delete(keys: string[]): Promise<void> {
        return this.inner.delete(keys);
    }
}

/** A bot without dialogs that asks one question per turn and marks it; its own step lives in `botStep`. */
async function markedBot(options: { storage?: Storage; flows?: Record<string, unknown>; hooks?: boolean } = {}) {
    const conversationState = new ConversationState(options.storage ?? new MemoryStorage());
    const botStep = conversationState.createProperty<string>('botStep');
    const handled: string[] = [];
    const ended: string[] = [];
    const ref: { inactivity?: InactivityMiddleware } = {};
    const adapter = new InactivityTestAdapter(async (context) => {
        handled.push(context.activity.text ?? '');
        if (context.activity.text === 'cancel') {
            await ref.inactivity?.flows.end(context, 'userCancelled');
        } else {
            await botStep.set(context, 'email');
            await context.sendActivity('Email?');
            await ref.inactivity?.flows.step(context, { flowId: 'addClient', stepId: 'email', index: 2, of: 3, values: { name: 'Maria' }, prompt: 'Email?' });
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
        reminderAfter: '5 minutes',
        closeAfter: '15 minutes',
        flows: options.flows as never,
        onError: (e) => void errors.push(e),
        ...(options.hooks === false
            ? {}
            : {
                  onEnd: async (context: TurnContext, flow) => {
                      ended.push(`${flow.flowId}/${flow.stepId}`);
                      await botStep.delete(context);
                  },
              }),
    });
    ref.inactivity = inactivity;
    adapter.use(inactivity);
    await inactivity.start();
    const storedStep = async () => {
        const items = await (options.storage ?? conversationState['storage']).read(['test/conversations/Convo1/']);
        return items['test/conversations/Convo1/']?.botStep as string | undefined;
    };
    return { adapter, scheduler, inactivity, handled, ended, errors, storedStep };
}

describe('flows without dialogs on botbuilder', () => {
    it('uses the policy of the marked step, keyed by its stepId', async () => {
        const { adapter, scheduler, inactivity } = await markedBot({ flows: { addClient: { steps: { email: { reminderAfter: '1 minute' } } } } });
        await adapter.send('add client').assertReply('Email?');
        await scheduler.advance('1 minute');
        await adapter.assertReply((a) => assert.ok(a.text?.startsWith('Still there?'), a.text));
        await inactivity.stop();
    });

    it("calls onEnd in the timer's turn that closes the flow, and the bot's state it cleared there is stored", async () => {
        const { adapter, scheduler, inactivity, ended, storedStep, errors } = await markedBot();
        await adapter.send('add client').assertReply('Email?');
        assert.strictEqual(await storedStep(), 'email');
        await scheduler.advance('15 minutes');
        assert.deepStrictEqual(ended, ['addClient/email']);
        assert.strictEqual(await storedStep(), undefined, "the bot's own step was cleared and stored by the close");
        await inactivity.stop();
        assert.deepStrictEqual(errors, []);
    });

    it('offers Continue only when the bot has no onStartOver, and Continue sends the stored prompt', async () => {
        const { adapter, scheduler, inactivity, handled } = await markedBot({ hooks: false });
        await adapter.send('add client').assertReply('Email?');
        await scheduler.advance('5 minutes');
        await adapter.assertReply((a) => {
            const buttons = (a.attachments?.[0]?.content as { buttons: Array<{ title: string }> }).buttons.map((b) => b.title);
            assert.deepStrictEqual(buttons, ['Continue']);
        });
        await clickContinue(adapter).assertReply("Great, let's pick up where we left off.").assertReply('Email?');
        assert.deepStrictEqual(handled, ['add client'], 'the click never reached the bot');
        await inactivity.stop();
    });

    it('flows.end(context, reason) abandons the flow as abandon() does: onEnd, no timer left to remind', async () => {
        const { adapter, scheduler, inactivity, ended } = await markedBot();
        await adapter.send('add client').assertReply('Email?');
        await adapter.send('cancel');
        assert.deepStrictEqual(ended, ['addClient/email']);
        await scheduler.advance('1 hour');
        await adapter.assertNoReply('nothing to remind');
        await assert.rejects(
            async () => {
                const ctx = new TurnContext(adapter, {
                    type: 'message',
                    channelId: 'test',
                    conversation: { id: 'Convo1' } as never,
                    from: { id: 'u', name: 'u' },
                });
                await inactivity.flows.end(ctx, 'Bad Reason');
            },
            (err: Error) => err instanceof InactivityConfigError
        );
        await inactivity.stop();
    });

    it('flows.step() and flows.end() report a storage failure through onError and do not throw into the bot', async () => {
        const storage = new FlakyStorage();
        const { adapter, inactivity, errors } = await markedBot({ storage });
        storage.down = true;
        const ctx = new TurnContext(adapter, { type: 'event', channelId: 'test', conversation: { id: 'Convo9' } as never, from: { id: 'u', name: 'u' } });
        await inactivity.flows.step(ctx, { flowId: 'addClient', stepId: 'email' });
        assert.strictEqual(await inactivity.flows.end(ctx), false);
        assert.strictEqual(errors.filter((e) => /storage down/.test(e.message)).length, 2);
        await assert.rejects(
            inactivity.flows.step(ctx, { flowId: '', stepId: 'email' }),
            (err: Error) => err instanceof InactivityConfigError,
            'bad input still throws'
        );
        await inactivity.stop();
    });

    it('reportInvalid() is refused outside the turn that answers a message, and counts nothing where maxInvalidAttempts is 0', async () => {
        const { adapter, inactivity } = await markedBot({ flows: { addClient: { steps: { email: { maxInvalidAttempts: 0 } } } } });
        const ctx = new TurnContext(adapter, { type: 'event', channelId: 'test', conversation: { id: 'Convo1' } as never, from: { id: 'u', name: 'u' } });
        await assert.rejects(inactivity.reportInvalid(ctx), (err: Error) => err instanceof InactivityConfigError && /turn that answers/.test(err.message));
        const outcomes: unknown[] = [];
        adapter.use(async (context, next) => {
            await next();
            if (context.activity.text === 'not an email') {
                outcomes.push(await inactivity.reportInvalid(context));
            }
        });
        await adapter.send('add client').assertReply('Email?');
        await adapter.send('not an email').assertReply('Email?');
        assert.deepStrictEqual(outcomes, [undefined]);
        await inactivity.stop();
    });

    it("answers a click on the plugin's button itself while the conversation's record cannot be read: the bot never gets it", async () => {
        const storage = new FlakyStorage();
        const { adapter, inactivity, handled, errors } = await markedBot({ storage });
        await adapter.send('add client').assertReply('Email?');
        storage.down = true;
        await adapter
            .send({ type: 'message', text: 'Continue', value: { [PAYLOAD_KEY]: { v: 1, action: 'continue', nonce: 'A'.repeat(22) } } })
            .assertReply("I couldn't handle that button just now, so I didn't change anything. Please try it again in a moment.");
        assert.deepStrictEqual(handled, ['add client']);
        assert.ok(
            errors.some((e) => /storage down/.test(e.message)),
            'the failure was reported'
        );
        await inactivity.stop();
    });
});
