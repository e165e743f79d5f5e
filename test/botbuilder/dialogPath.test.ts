import assert from 'assert';
import { ConversationState, MemoryStorage, TestAdapter } from 'botbuilder';
import { ComponentDialog, DialogSet, DialogState, DialogTurnStatus, NumberPrompt, TextPrompt, WaterfallDialog, WaterfallStepContext } from 'botbuilder-dialogs';
import { defaultPolicy } from '../../src/core/policy/config';
import * as dialogsLibrary from 'botbuilder-dialogs';
import { activePath, inspectFlow } from '../../src/dialogs/dialogPath';
import type { DialogsLibrary } from '../../src/dialogs/dialogsLibrary';
import { FlowInfo, resolvePolicy, valueVariables } from '../../src/core/flows/flowInfo';
import type { FlowDefinition } from '../../src/core/policy/policy';

const MIN = 60_000;

// Hand-built dialog state in botbuilder-dialogs' layout: the top of a stack is its LAST element.
type Instance = { id: string; state: Record<string, unknown> };
const stack = (...instances: Instance[]): DialogState => ({ dialogStack: instances });
const component = (id: string, ...inner: Instance[]): Instance => ({ id, state: { dialogs: stack(...inner) } });
const waterfall = (id: string, stepIndex: number, values: Record<string, unknown> = {}): Instance => ({ id, state: { options: {}, values, stepIndex } });
const prompt = (id: string, text = '?'): Instance => ({ id, state: { options: { prompt: text }, state: {} } });

/** main → addClient (a component) → its waterfall at `step`, waiting on `promptId`. */
const inAddClient = (step: number, promptId = 'contactPrompt', values: Record<string, unknown> = { name: 'Ana' }): DialogState =>
    stack(component('main', component('addClient', waterfall('addClientSteps', step, values), prompt(promptId))));

/** A 3-step waterfall in a component: ask a name, ask a city, finish. */
class AddClient extends ComponentDialog {
    constructor(id = 'addClient', waterfallId = 'addClientSteps', promptId = 'textPrompt') {
        super(id);
        this.addDialog(new TextPrompt(promptId));
        this.addDialog(
            new WaterfallDialog(waterfallId, [
                async (step: WaterfallStepContext) => step.prompt(promptId, { prompt: 'Name?' }),
                async (step: WaterfallStepContext) => {
                    (step.values as Record<string, unknown>).name = step.result;
                    return step.prompt(promptId, { prompt: 'City?' });
                },
                async (step: WaterfallStepContext) => step.endDialog(),
            ])
        );
        this.initialDialogId = waterfallId;
    }
}

function flowOf(state: DialogState, flows: Record<string, FlowDefinition>, root?: ComponentDialog): FlowInfo {
    const info = inspectFlow(activePath(state), flows, { root, lib });
    assert.ok(info, 'a flow is active');
    return info;
}

const lib = dialogsLibrary as unknown as DialogsLibrary;

describe('dialogPath', () => {
    describe('activePath', () => {
        it('lists each stack bottom first, then descends into the top dialog only', () => {
            const state = stack(
                component('helpDialog', waterfall('helpSteps', 0)),
                component('main', waterfall('mainSteps', 1), component('addClient', waterfall('addClientSteps', 2), prompt('contactPrompt')))
            );
            const path = activePath(state);
            assert.deepStrictEqual(
                path.map((f) => [f.id, f.depth, f.index]),
                [
                    ['helpDialog', 0, 0],
                    ['main', 0, 1],
                    ['mainSteps', 1, 0],
                    ['addClient', 1, 1],
                    ['addClientSteps', 2, 0],
                    ['contactPrompt', 2, 1],
                ]
            );
            assert.strictEqual(path[path.length - 1].id, 'contactPrompt', 'the last frame is the dialog waiting for the user');
            assert.strictEqual(path[4].state.stepIndex, 2);
        });

        it('is empty when no dialog is active', () => {
            assert.deepStrictEqual(activePath(undefined), []);
            assert.deepStrictEqual(activePath(stack()), []);
            assert.deepStrictEqual(activePath({} as DialogState), []);
        });
    });

    describe('inspectFlow', () => {
        it('describes the configured flow: step, name, count, values and the waiting prompt', () => {
            const info = flowOf(inAddClient(2, 'contactPrompt', { name: 'Ana', type: 'group' }), {
                addClient: { stepCount: 4, stepNames: ['name', 'type', 'contact', 'summary'] },
            });
            assert.strictEqual(info.flowId, 'addClient');
            assert.strictEqual(info.flowDepth, 1);
            assert.strictEqual(info.flowIndex, 0);
            assert.strictEqual(info.stepIndex, 2);
            assert.strictEqual(info.stepName, 'contact');
            assert.strictEqual(info.stepCount, 4);
            assert.deepStrictEqual(info.values, { name: 'Ana', type: 'group' });
            assert.deepStrictEqual(info.prompt && [info.prompt.id, info.prompt.depth], ['contactPrompt', 2]);
        });

        it('picks the outermost configured flow when flows are nested', () => {
            const state = stack(
                component(
                    'onboarding',
                    waterfall('onboardingSteps', 1, { plan: 'gold' }),
                    component('addClient', waterfall('addClientSteps', 0), prompt('namePrompt'))
                )
            );
            const info = flowOf(state, { addClient: {}, onboarding: {} });
            assert.strictEqual(info.flowId, 'onboarding');
            assert.strictEqual(info.stepIndex, 1, "the outer flow's own step");
            assert.deepStrictEqual(info.values, { plan: 'gold' });
            assert.strictEqual(info.prompt?.id, 'namePrompt');
        });

        it('sees no prompt when the waterfall itself is on top', () => {
            const info = flowOf(stack(component('addClient', waterfall('addClientSteps', 1))), { addClient: {} });
            assert.strictEqual(info.stepIndex, 1);
            assert.strictEqual(info.prompt, undefined);
        });

        it("takes the step count from the real WaterfallDialog when the root dialog is given and the flow doesn't say", () => {
            const root = new AddClient();
            const state = stack(component('addClient', waterfall('addClientSteps', 1, { name: 'Ana' }), prompt('textPrompt')));
            const info = flowOf(state, { addClient: {} }, root);
            assert.strictEqual(info.stepCount, 3);
            assert.strictEqual(info.prompt?.kind, 'text');
            assert.strictEqual(flowOf(state, { addClient: {} }).stepCount, undefined, 'unknown without the root dialog');
            assert.strictEqual(flowOf(state, { addClient: { stepCount: 2 } }, root).stepCount, 2, 'the definition wins');
        });

        // Regression: dialogs were found by id anywhere in the tree, so with Microsoft's sample naming (every
        // component has a 'WATERFALL_DIALOG' and a 'TEXT_PROMPT') the reminder said "step 2 of 5" for a
        // 3-step flow and the re-prompt hint came from another component's NumberPrompt.
        it('finds each dialog inside its own component when ids repeat across components', () => {
            class EditClient extends ComponentDialog {
                constructor() {
                    super('editClient');
                    this.addDialog(new NumberPrompt('TEXT_PROMPT'));
                    this.addDialog(
                        new WaterfallDialog(
                            'WATERFALL_DIALOG',
                            [1, 2, 3, 4, 5].map(() => async (s: WaterfallStepContext) => s.next())
                        )
                    );
                }
            }
            class Main extends ComponentDialog {
                constructor() {
                    super('main');
                    this.addDialog(new EditClient());
                    this.addDialog(new AddClient('addClient', 'WATERFALL_DIALOG', 'TEXT_PROMPT'));
                }
            }
            const state = stack(component('main', component('addClient', waterfall('WATERFALL_DIALOG', 1), prompt('TEXT_PROMPT'))));
            const info = flowOf(state, { addClient: {} }, new Main());
            assert.strictEqual(info.stepCount, 3);
            assert.strictEqual(info.prompt?.kind, 'text', 'the TEXT_PROMPT of the inner component, not a NUMBER prompt of the same id elsewhere');
        });

        it('reads the state botbuilder-dialogs really writes', async () => {
            const root = new AddClient();
            const conversationState = new ConversationState(new MemoryStorage());
            const dialogState = conversationState.createProperty<DialogState>('dialogState');
            const dialogs = new DialogSet(dialogState).add(root);
            let saved: DialogState | undefined;
            const adapter = new TestAdapter(async (context) => {
                const dc = await dialogs.createContext(context);
                const result = await dc.continueDialog();
                if (result.status === DialogTurnStatus.empty) {
                    await dc.beginDialog(root.id);
                }
                saved = JSON.parse(JSON.stringify(await dialogState.get(context))) as DialogState;
                await conversationState.saveChanges(context);
            });
            await adapter.send('hi').assertReply('Name?');
            let info = flowOf(saved as DialogState, {}, root);
            assert.deepStrictEqual([info.flowId, info.stepIndex, info.stepCount, info.prompt?.id], ['addClient', 0, 3, 'textPrompt']);
            await adapter.send('Ana').assertReply('City?');
            info = flowOf(saved as DialogState, { addClient: { stepNames: ['name', 'city', 'done'] } });
            assert.deepStrictEqual([info.stepIndex, info.stepName, info.values.name, info.prompt?.id], [1, 'city', 'Ana', 'textPrompt']);
        });

        it('treats the root dialog as the flow when no flows are configured', () => {
            const info = flowOf(inAddClient(1), {});
            assert.strictEqual(info.flowId, 'main');
            assert.strictEqual(info.flowDepth, 0);
            assert.strictEqual(info.definition, undefined);
            assert.strictEqual(info.stepIndex, 1);
        });

        it('finds no flow when flows are configured but none is active, or nothing is active', () => {
            assert.strictEqual(inspectFlow(activePath(inAddClient(1)), { checkout: {} }, { lib }), undefined);
            assert.strictEqual(inspectFlow(activePath(stack()), {}, { lib }), undefined);
        });
    });

    describe('resolvePolicy', () => {
        const base = defaultPolicy();
        const resolve = (state: DialogState, flows: Record<string, FlowDefinition>) =>
            resolvePolicy({ policy: base, channels: new Map(), flows }, flowOf(state, flows), 'test');

        it("applies the flow's overrides over the base and keeps the rest", () => {
            const policy = resolve(inAddClient(0), { addClient: { closeAfter: '30 minutes', messages: { close: 'sample:addClient.close' } } });
            assert.strictEqual(policy.closeAfter, 30 * MIN);
            assert.strictEqual(policy.reminderAfter, base.reminderAfter);
            assert.strictEqual(policy.finalAction, 'close');
            assert.deepStrictEqual(policy.messages, { close: 'sample:addClient.close' });
        });

        it('applies step overrides by step name only on that step', () => {
            const flows = { addClient: { stepNames: ['name', 'type', 'contact'], steps: { contact: { finalAction: 'handoff' as const } } } };
            assert.strictEqual(resolve(inAddClient(2), flows).finalAction, 'handoff');
            assert.strictEqual(resolve(inAddClient(1), flows).finalAction, 'close');
        });

        it('applies step overrides by 1-based step number', () => {
            const flows = { addClient: { steps: { '3': { maxInvalidAttempts: 1 } } } };
            assert.strictEqual(resolve(inAddClient(2), flows).maxInvalidAttempts, 1);
            assert.strictEqual(resolve(inAddClient(1), flows).maxInvalidAttempts, 3);
        });

        it('applies step overrides by the id of the waiting prompt', () => {
            const flows = { addClient: { steps: { contactPrompt: { reminderAfter: '1 minute', closeAfter: '2 minutes' } } } };
            const policy = resolve(inAddClient(2, 'contactPrompt'), flows);
            assert.deepStrictEqual([policy.reminderAfter, policy.closeAfter], [MIN, 2 * MIN]);
            assert.strictEqual(resolve(inAddClient(2, 'namePrompt'), flows).reminderAfter, base.reminderAfter);
        });

        it('lets the innermost of nested flows win, falling back to the outer flow and then to the base', () => {
            const flows: Record<string, FlowDefinition> = {
                onboarding: {
                    reminderAfter: '10 minutes',
                    closeAfter: '1 hour',
                    finalAction: 'handoff',
                    maxInvalidAttempts: 5,
                    steps: { '2': { reminderAfter: '20 minutes', messages: { reminder: 'sample:onboarding.reminder' } } },
                },
                addClient: {
                    reminderAfter: '2 minutes',
                    stepNames: ['name', 'type', 'contact'],
                    steps: { contact: { maxInvalidAttempts: 1 } },
                },
            };
            const state = stack(
                component('onboarding', waterfall('onboardingSteps', 1), component('addClient', waterfall('addClientSteps', 2), prompt('contactPrompt')))
            );
            const policy = resolve(state, flows);
            assert.strictEqual(policy.reminderAfter, 2 * MIN, 'the inner flow beats the outer flow and its step');
            assert.strictEqual(policy.maxInvalidAttempts, 1, "the inner flow's step beats the outer flow");
            assert.strictEqual(policy.closeAfter, 60 * MIN, 'not set inside: from the outer flow');
            assert.strictEqual(policy.finalAction, 'handoff', 'not set inside: from the outer flow');
            assert.deepStrictEqual(policy.messages, { reminder: 'sample:onboarding.reminder' }, "from the outer flow's step");
            assert.strictEqual(policy.resumeWindow, base.resumeWindow, 'set nowhere: from the base');
            assert.deepStrictEqual(base, defaultPolicy(), 'the base is not modified');
        });

        it('ignores a configured flow that is not on the path', () => {
            const policy = resolve(inAddClient(1), { addClient: {}, checkout: { closeAfter: '1 minute', remind: false } });
            assert.strictEqual(policy.closeAfter, base.closeAfter);
            assert.strictEqual(policy.remind, true);
        });
    });

    describe('valueVariables', () => {
        it('keeps scalars and flattens one level of objects to a.b', () => {
            assert.deepStrictEqual(
                valueVariables({
                    name: 'Ana',
                    sessions: 3,
                    vip: false,
                    contact: { email: 'ana@example.com', phone: 5551234, address: { city: 'Lisbon' }, tags: ['x'] },
                    list: ['a', 'b'],
                    nothing: null,
                    missing: undefined,
                }),
                { name: 'Ana', sessions: 3, vip: false, 'contact.email': 'ana@example.com', 'contact.phone': 5551234 }
            );
        });
    });
});
