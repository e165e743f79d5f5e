import assert from 'assert';
import { AutoSaveStateMiddleware, ConversationState, MemoryStorage, StoreItems } from 'botbuilder';
import { DialogSet, DialogState, DialogTurnStatus } from 'botbuilder-dialogs';
import { InactivityMiddleware, Localizer } from '../src';
import { AddClientDialog } from '../samples/addClientDialog';
import { FakeScheduler } from './support/fakeScheduler';
import { ProactiveTestAdapter, SAMPLE_LOCALES, SAMPLE_POLICY } from './support/testBot';

/** MemoryStorage that counts writes. */
class CountingStorage extends MemoryStorage {
    writes = 0;
    override write(changes: StoreItems): Promise<void> {
        this.writes++;
        return super.write(changes);
    }
}

/** The README's statement about the bot's own storage: one write per turn with AutoSaveStateMiddleware before the plugin. */
describe('Writes to the bot storage per turn', () => {
    it('is one per message turn when AutoSaveStateMiddleware runs before the plugin', async () => {
        const storage = new CountingStorage();
        const conversationState = new ConversationState(storage);
        const dialogState = conversationState.createProperty<DialogState>('DialogState');
        const dialog = new AddClientDialog(new Localizer({ extraPaths: [SAMPLE_LOCALES] }));
        const dialogs = new DialogSet(dialogState).add(dialog);
        const adapter = new ProactiveTestAdapter(async (context) => {
            const dc = await dialogs.createContext(context);
            if ((await dc.continueDialog()).status === DialogTurnStatus.empty) {
                await dc.beginDialog(dialog.id);
            }
        });
        adapter.use(new AutoSaveStateMiddleware(conversationState));
        const inactivity = new InactivityMiddleware({
            adapter,
            conversationState,
            dialogState,
            dialog,
            scheduler: new FakeScheduler(),
            localesPath: SAMPLE_LOCALES,
            policyFile: SAMPLE_POLICY,
        });
        adapter.use(inactivity);
        await inactivity.start();
        const turns = ['add client', 'Maria Silva', 'Group classes', 'not a contact'];
        for (const text of turns) {
            await adapter.send(text).startTest();
        }
        assert.strictEqual(storage.writes, turns.length);
    });

    it("is one per turn inside a flow when the bot saves in its own handler (the sample, Microsoft's samples)", async () => {
        const storage = new CountingStorage();
        const conversationState = new ConversationState(storage);
        const dialogState = conversationState.createProperty<DialogState>('DialogState');
        const dialog = new AddClientDialog(new Localizer({ extraPaths: [SAMPLE_LOCALES] }));
        const dialogs = new DialogSet(dialogState).add(dialog);
        const adapter = new ProactiveTestAdapter(async (context) => {
            const dc = await dialogs.createContext(context);
            if ((await dc.continueDialog()).status === DialogTurnStatus.empty) {
                await dc.beginDialog(dialog.id);
            }
            await conversationState.saveChanges(context);
        });
        const inactivity = new InactivityMiddleware({
            adapter,
            conversationState,
            dialogState,
            dialog,
            scheduler: new FakeScheduler(),
            localesPath: SAMPLE_LOCALES,
            policyFile: SAMPLE_POLICY,
        });
        adapter.use(inactivity);
        await inactivity.start();
        await adapter.send('add client').startTest();
        // The first turn of a flow records the flow and its timer after the bot saved: a second write.
        assert.strictEqual(storage.writes, 2);
        for (const text of ['Maria Silva', 'Group classes', 'not a contact']) {
            await adapter.send(text).startTest();
        }
        // Later turns change nothing of the plugin's after the bot's own save (regression: every turn re-stamped
        // the time at its end and wrote the whole state a second time).
        assert.strictEqual(storage.writes, 2 + 3);
    });
});
