import { Activity, ConversationReference, ConversationState, MemoryStorage, Middleware, ResourceResponse, Storage, TestAdapter, TurnContext } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import { join } from 'path';
import { InactivityMiddleware, InactivityOptions, Localizer } from '../../src';
import { AddClientDialog } from '../../samples/addClientDialog';
import { SampleBot } from '../../samples/sampleBot';
import { FakeScheduler } from './fakeScheduler';

/** TestAdapter with the proactive call the plugin uses (TestAdapter throws NotImplemented for it). */
export class ProactiveTestAdapter extends TestAdapter {
    /**
     * Called before the bot's activities reach the "channel"; throwing makes the send fail as a channel error
     * would (give the error a `statusCode`). Lets tests fail sends and run a user turn in the middle of one.
     */
    sendHook?: (activities: Array<Partial<Activity>>) => void | Promise<void>;

    /** @inheritdoc */
    override async sendActivities(context: TurnContext, activities: Array<Partial<Activity>>): Promise<ResourceResponse[]> {
        await this.sendHook?.(activities);
        return super.sendActivities(context, activities);
    }

    /** Runs `logic` in a proactive turn, through the middleware, as CloudAdapter does. */
    override async continueConversationAsync(_botAppId: unknown, reference: Partial<ConversationReference>, logic?: unknown): Promise<void> {
        const activity = TurnContext.applyConversationReference({ type: 'event', name: 'ContinueConversation' }, reference, true);
        const context = new TurnContext(this, activity);
        await this.runMiddleware(context, logic as (c: TurnContext) => Promise<void>);
    }
}

/** The samples' locales folder. */
export const SAMPLE_LOCALES = join(__dirname, '..', '..', '..', 'samples', 'locales');

/** The sample's policy file. */
export const SAMPLE_POLICY = join(__dirname, '..', '..', '..', 'samples', 'inactivity-policy.json');

/** A test rig: the sample bot on a TestAdapter, the plugin with a fake scheduler and a controllable clock. */
export interface Rig {
    adapter: ProactiveTestAdapter;
    scheduler: FakeScheduler;
    inactivity: InactivityMiddleware;
    conversationState: ConversationState;
    dialogState: ReturnType<ConversationState['createProperty']>;
    errors: Error[];
    clock: { now: number };
    /** The sample bot's texts (stub `t` to make a step fail). */
    sampleTexts: Localizer;
    /** Everything the bot sent so far (and clears the list). */
    take(): Array<Partial<Activity>>;
    /** Sends a user message (with an optional button value) and returns what the bot sent in that turn. */
    say(
        text: string,
        value?: unknown,
        from?: { locale?: string; userId?: string; conversationId?: string; isGroup?: boolean }
    ): Promise<Array<Partial<Activity>>>;
    /** Advances the clock and fires the conversation's timer; returns what the bot sent. */
    fireAt(msAfterLastArm?: number): Promise<Array<Partial<Activity>>>;
}

/**
 * Builds a rig around the sample's add-client flow.
 *
 * @param options Plugin options to override.
 * @param extra `locale`: the conversation's locale.
 * @returns The rig, started.
 */
export async function createRig(
    options: Partial<InactivityOptions> = {},
    extra: { locale?: string; storage?: Storage; before?: Middleware[] } = {}
): Promise<Rig> {
    const texts = new Localizer({ extraPaths: [SAMPLE_LOCALES] });
    const storage = extra.storage ?? new MemoryStorage();
    const conversationState = new ConversationState(storage);
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    const dialog = new AddClientDialog(texts);
    // The sample's "cancel" and "give me a minute" call the middleware made below.
    const bot = new SampleBot(conversationState, dialogState, dialog, texts, {
        abandon: (c, r): Promise<boolean> => inactivity.abandon(c, r),
        extend: (c, d): Promise<boolean> => inactivity.extend(c, d),
    });
    const adapter = new ProactiveTestAdapter((ctx) => bot.run(ctx));
    if (extra.locale) {
        adapter.locale = extra.locale;
    }
    const scheduler = new FakeScheduler();
    const errors: Error[] = [];
    const clock = { now: Date.UTC(2026, 10, 21, 12, 0, 0) };
    const inactivity: InactivityMiddleware = new InactivityMiddleware({
        adapter,
        conversationState,
        dialogState,
        dialog,
        scheduler,
        localesPath: SAMPLE_LOCALES,
        policyFile: SAMPLE_POLICY,
        reminderAfter: '5 minutes',
        closeAfter: '15 minutes',
        now: () => clock.now,
        onError: (e) => {
            errors.push(e);
        },
        ...options,
    });
    for (const m of extra.before ?? []) {
        adapter.use(m);
    }
    adapter.use(inactivity);
    await inactivity.start();
    let seen = 0;
    const take = () => {
        const all = adapter.activeQueue.slice(seen);
        seen = adapter.activeQueue.length;
        return all;
    };
    return {
        adapter,
        scheduler,
        inactivity,
        conversationState,
        dialogState,
        errors,
        clock,
        sampleTexts: texts,
        take,
        async say(text, value, from) {
            take();
            const activity: Partial<Activity> = { type: 'message', text, ...(value !== undefined ? { value } : {}) };
            if (from?.locale) activity.locale = from.locale;
            if (from?.userId || from?.conversationId || from?.isGroup) {
                const ref = { ...adapter.conversation };
                if (from.userId) activity.from = { id: from.userId, name: from.userId };
                activity.conversation = {
                    ...(ref.conversation as object),
                    id: from.conversationId ?? ref.conversation?.id,
                    ...(from.isGroup ? { isGroup: true } : {}),
                } as Activity['conversation'];
            }
            await adapter.receiveActivity(activity);
            return take();
        },
        async fireAt(ms) {
            take();
            const timer = scheduler.only();
            clock.now = ms === undefined ? timer.dueAt.getTime() : clock.now + ms;
            await scheduler.fire();
            return take();
        },
    };
}

/** Texts of messages. */
export const texts = (activities: Array<Partial<Activity>>): string[] => activities.filter((a) => a.type === 'message').map((a) => a.text ?? '');

/** Buttons of hero cards in messages. */
export const buttons = (activity: Partial<Activity> | undefined): Array<{ title: string; value: unknown; type: string }> =>
    activity?.attachments?.flatMap((a) => (a.content as { buttons?: Array<{ title: string; value: unknown; type: string }> }).buttons ?? []) ?? [];
