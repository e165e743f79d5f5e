import { ConversationState, MemoryStorage } from 'botbuilder';
import { ComponentDialog, DialogSet, DialogState, DialogTurnStatus } from 'botbuilder-dialogs';
import { InactivityMiddleware, InactivityOptions } from '../../src';
import { InactivityTestAdapter, TestScheduler } from '../../src/testing';

/** A dialog bot on InactivityTestAdapter and TestScheduler, with what the plugin reported. */
export interface DialogTestBot {
    adapter: InactivityTestAdapter;
    scheduler: TestScheduler;
    inactivity: InactivityMiddleware;
    /** Errors the plugin reported through `onError`. */
    errors: Error[];
    /** Telemetry events the plugin tracked. */
    events: Array<{ name: string; properties?: Record<string, unknown> }>;
}

/**
 * A bot that begins `dialog` on any message outside it and says "Thanks!" when it completes, with the plugin on
 * an InactivityTestAdapter and a TestScheduler (its clock the plugin's), errors and telemetry collected.
 *
 * @param dialog The flow.
 * @param setup The scheduler's start time and the plugin's options (adapter, states, dialog, scheduler, clock,
 *   telemetry and `onError` are filled in).
 * @returns The bot, started.
 */
export async function dialogTestBot(dialog: ComponentDialog, setup: { startAt: number; options: Partial<InactivityOptions> }): Promise<DialogTestBot> {
    const conversationState = new ConversationState(new MemoryStorage());
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    const dialogs = new DialogSet(dialogState).add(dialog);
    const adapter = new InactivityTestAdapter(async (context) => {
        const dc = await dialogs.createContext(context);
        const result = await dc.continueDialog();
        if (result.status === DialogTurnStatus.empty) {
            await dc.beginDialog(dialog.id);
        } else if (result.status === DialogTurnStatus.complete) {
            await context.sendActivity('Thanks!');
        }
        await conversationState.saveChanges(context);
    });
    const scheduler = new TestScheduler({ startAt: setup.startAt });
    const errors: Error[] = [];
    const events: DialogTestBot['events'] = [];
    const inactivity = new InactivityMiddleware({
        adapter,
        conversationState,
        dialogState,
        dialog,
        scheduler,
        now: scheduler.now,
        telemetryClient: {
            trackEvent: (e) => void events.push(e),
            trackDependency() {},
            trackException() {},
            trackTrace() {},
            flush() {},
        },
        onError: (e) => {
            errors.push(e);
        },
        ...setup.options,
    });
    adapter.use(inactivity);
    await inactivity.start();
    return { adapter, scheduler, inactivity, errors, events };
}
