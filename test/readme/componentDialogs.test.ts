import assert from 'assert';
import { Activity, ConversationState, MemoryStorage } from 'botbuilder';
import {
    ComponentDialog,
    ConfirmPrompt,
    DialogSet,
    DialogState,
    DialogTurnStatus,
    NumberPrompt,
    TextPrompt,
    WaterfallDialog,
    WaterfallStepContext,
} from 'botbuilder-dialogs';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { InactivityMiddleware } from '../../src';
import { InactivityTestAdapter, TestScheduler } from '../../src/testing';
import { readmeJsonAfter } from './readmeBlocks';

/** A dialog shaped like the sample's UserProfileDialog: a component holding prompts and one seven-step waterfall. */
class UserProfileDialog extends ComponentDialog {
    constructor() {
        super('userProfileDialog');
        this.addDialog(new TextPrompt('NAME_PROMPT'));
        this.addDialog(new ConfirmPrompt('CONFIRM_PROMPT'));
        this.addDialog(new NumberPrompt('NUMBER_PROMPT'));
        const ask = (prompt: string, text: string) => async (step: WaterfallStepContext) => step.prompt(prompt, text);
        this.addDialog(
            new WaterfallDialog('WATERFALL_DIALOG', [
                ask('NAME_PROMPT', 'Please enter your mode of transport.'),
                ask('NAME_PROMPT', 'Please enter your name.'),
                ask('CONFIRM_PROMPT', 'Do you want to give your age?'),
                ask('NUMBER_PROMPT', 'Please enter your age.'),
                ask('NAME_PROMPT', 'Please attach a profile picture (or type any message to skip).'),
                ask('CONFIRM_PROMPT', 'Is this okay?'),
                async (step) => step.endDialog(),
            ])
        );
        this.initialDialogId = 'WATERFALL_DIALOG';
    }
}

describe("the designers guide's component dialog policy (docs/designers.md)", () => {
    let dir: string;
    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'inactivity-policy-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("applies to the component's flow by its own id, with steps named on its inner waterfall", async () => {
        const policyFile = join(dir, 'inactivity-policy.json');
        writeFileSync(policyFile, readmeJsonAfter('## Component dialogs'));
        const conversationState = new ConversationState(new MemoryStorage());
        const dialogState = conversationState.createProperty<DialogState>('DialogState');
        const dialog = new UserProfileDialog();
        const dialogs = new DialogSet(dialogState).add(dialog);
        const adapter = new InactivityTestAdapter(async (context) => {
            const dc = await dialogs.createContext(context);
            if ((await dc.continueDialog()).status === DialogTurnStatus.empty) {
                await dc.beginDialog('userProfileDialog');
            }
            await conversationState.saveChanges(context);
        });
        const scheduler = new TestScheduler();
        const errors: Error[] = [];
        const inactivity = new InactivityMiddleware({
            adapter,
            conversationState,
            dialogState,
            dialog,
            scheduler,
            now: scheduler.now,
            policyFile,
            onError: (e) => void errors.push(e),
        });
        adapter.use(inactivity);
        await inactivity.start();
        const reminder = (text: string) => (a: Partial<Activity>) => assert.strictEqual(a.text?.split(" I'll close")[0], text);

        await adapter.send('hi').assertReply('Please enter your mode of transport.');
        await adapter.send('Bus').assertReply('Please enter your name.');
        await adapter.send('Ada').assertReply((a) => assert.match(a.text ?? '', /^Do you want to give your age\?/));
        await adapter.send('yes').assertReply('Please enter your age.');
        // The flow's reminderAfter (3 minutes, not the plugin's 5), and "step 4 of 7" counted on the inner waterfall.
        await scheduler.advance('3 minutes');
        await adapter.assertReply(reminder('Still there? You were in the middle of something (step 4 of 7).'));
        // NUMBER_PROMPT: two invalid answers are the limit, then the flow's final action (close).
        await adapter
            .send('old')
            .assertReply((a) => assert.match(a.text ?? '', /^Sorry, I didn't get that/))
            .assertReply('Please enter your age.');
        await adapter.send('very old').assertReply((a) => assert.match(a.text ?? '', /^Let's stop here for now/));
        assert.deepStrictEqual(errors, []);
        await inactivity.stop();
    });
});
