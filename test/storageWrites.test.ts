import assert from 'assert';
import { AutoSaveStateMiddleware, ConversationState, MemoryStorage, StoreItems } from 'botbuilder';
import { DialogSet, DialogState, DialogTurnStatus } from 'botbuilder-dialogs';
import { InactivityMiddleware, Localizer } from '../src';
import { AddClientDialog } from '../samples/addClientDialog';
import { FakeScheduler } from './support/fakeScheduler';
import { createRig, ProactiveTestAdapter, SAMPLE_LOCALES, SAMPLE_POLICY } from './support/testBot';

/** MemoryStorage that counts writes. */
class CountingStorage extends MemoryStorage {
    writes = 0;
    /** The keys written. */
    keys(): Set<string> {
        return this.written;
    }
    private readonly written = new Set<string>();
    override write(changes: StoreItems): Promise<void> {
        this.writes++;
        Object.keys(changes).forEach((k) => this.written.add(k));
        return super.write(changes);
    }
}

/** The plugin's record as stored in `storage` (one conversation). */
async function storedRecord(storage: CountingStorage): Promise<{ flow?: { id: string }; armedFor?: number } | undefined> {
    const item = Object.values(await storage.read([...storage.keys()]))[0] as Record<string, { flow?: { id: string }; armedFor?: number }> | undefined;
    return item?.['botbuilder-inactivity'];
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
        const { say } = await createRig({}, { storage });
        await say('add client');
        // The flow begun and its timer's due time are noted before the bot's save: they go out in its write.
        assert.strictEqual(storage.writes, 1);
        for (const text of ['Maria Silva', 'Group classes', 'not a contact']) {
            await say(text);
        }
        // Later turns change nothing of the plugin's after the bot's own save (regression: every turn re-stamped
        // the time at its end and wrote the whole state a second time).
        assert.strictEqual(storage.writes, 1 + 3);
        // The last turn: the run completes in the bot's save too.
        await say('maria@example.com');
        assert.strictEqual(storage.writes, 1 + 3 + 1);
        assert.strictEqual((await storedRecord(storage))?.flow, undefined, 'the completed flow is stored ended');
    });

    it('stores no due time when the arm noted before the bot saved fails, in a second write', async () => {
        const storage = new CountingStorage();
        const { say, scheduler, errors } = await createRig({}, { storage });
        scheduler.failWith = new Error('scheduler down');
        await say('add client');
        assert.strictEqual(storage.writes, 2, 'the bot saved the assumed due time; the failed arm is stored over it');
        assert.strictEqual((await storedRecord(storage))?.flow?.id, 'addClient');
        assert.strictEqual((await storedRecord(storage))?.armedFor, undefined, 'not known to be armed: the next turn arms');
        assert.ok(errors.length > 0);
        scheduler.failWith = undefined;
        await say('Maria Silva');
        assert.strictEqual(scheduler.armed.size, 1, 'the next turn armed it');
    });
});
