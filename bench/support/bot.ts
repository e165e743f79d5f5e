import { Activity, ConversationReference, ConversationState, MemoryStorage, Middleware, ResourceResponse, Storage, TestAdapter, TurnContext } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import type { Agenda } from 'agenda' with { 'resolution-mode': 'import' };
import { join } from 'path';
import { InactivityMiddleware, InactivityOptions, Localizer } from '../../src';
import type { TimerScheduler } from '../../src/core/ports/timerScheduler';
import { AddClientDialog } from '../../samples/addClientDialog';
import { SampleBot } from '../../samples/sampleBot';

/** The samples' locales and policy (the bench runs the sample's add-client flow). */
export const SAMPLE_LOCALES = join(__dirname, '..', '..', '..', 'samples', 'locales');
export const SAMPLE_POLICY = join(__dirname, '..', '..', '..', 'samples', 'inactivity-policy.json');

/** The four user messages of one add-client flow (the fourth completes it). */
export function flowTurns(i: number): string[] {
    return ['add client', `Client ${i}`, 'Group classes', `client${i}@example.com`];
}

/** A conversation id shaped like Direct Line's (a GUID-like id and a suffix), for realistic sizes. */
export function conversationId(tag: string, i: number): string {
    const hex = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0');
    return `${hex}-${tag}-4c1e-9a2d-${hex}${hex.slice(0, 4)}|livechat`;
}

/** The reference shape a Direct Line conversation gives (used for user turns of the bench). */
export function directLineActivity(id: string, text: string): Partial<Activity> {
    return {
        type: 'message',
        text,
        channelId: 'directline',
        serviceUrl: 'https://directline.botframework.com/',
        conversation: { id } as Activity['conversation'],
        from: { id: `dl_${id.slice(0, 8)}-user-7f3a9c2e`, name: 'User' },
        recipient: { id: 'inactivity-bench-bot@a1b2c3d4', name: 'Inactivity bench bot' },
        locale: 'en-US',
    };
}

/** A TestAdapter with the proactive call the plugin uses, reporting what the bot sends. */
export class BenchAdapter extends TestAdapter {
    /** Called with every activity the bot sends. */
    onSend?: (activities: Array<Partial<Activity>>, context: TurnContext) => void;
    /** Keep sent activities in `activeQueue` (TestAdapter's default); off for long runs. */
    keep = false;

    /** @inheritdoc */
    override async sendActivities(context: TurnContext, activities: Array<Partial<Activity>>): Promise<ResourceResponse[]> {
        this.onSend?.(activities, context);
        if (this.keep) {
            return super.sendActivities(context, activities);
        }
        return activities.map((_, i) => ({ id: String(i) }));
    }

    /** Runs `logic` in a proactive turn, through the middleware, as CloudAdapter does. */
    override async continueConversationAsync(_botAppId: unknown, reference: Partial<ConversationReference>, logic?: unknown): Promise<void> {
        const activity = TurnContext.applyConversationReference({ type: 'event', name: 'ContinueConversation' }, reference, true);
        const context = new TurnContext(this, activity);
        await this.runMiddleware(context, logic as (c: TurnContext) => Promise<void>);
    }
}

/** One bot: the sample's add-client flow, with the plugin or the naive per-turn upsert or neither. */
export interface BenchBot {
    adapter: BenchAdapter;
    conversationState: ConversationState;
    storage: Storage;
    inactivity?: InactivityMiddleware;
    /** Sends one user message and waits for the whole turn. */
    say(conversationId: string, text: string): Promise<void>;
    stop(): Promise<void>;
}

/** Options of {@link benchBot}. */
export interface BenchBotOptions {
    /** The plugin's options (adapter, states and dialog are filled in); none: no plugin. */
    plugin?: Partial<InactivityOptions>;
    /** The naive way instead: a hand-written `create().unique().schedule().save()` after every user message. */
    naive?: { agenda: Agenda; delayMs: number };
    /** The bot's storage. Default a MemoryStorage. */
    storage?: Storage;
}

/** The job name of the naive way. */
export const NAIVE_JOB = 'naive-inactivity-timer';

/**
 * What a developer writes without the plugin: after every user message, an upsert of the conversation's timer
 * (Agenda's `create().unique().schedule().save()`), with Agenda's defaults.
 */
export class NaiveTimerMiddleware implements Middleware {
    constructor(
        private readonly agenda: Agenda,
        private readonly delayMs: number
    ) {}

    async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
        await next();
        if (context.activity.type === 'message') {
            const reference = TurnContext.getConversationReference(context.activity);
            await this.agenda
                .create(NAIVE_JOB, { reference })
                .unique({ 'data.reference.conversation.id': reference.conversation?.id })
                .schedule(new Date(Date.now() + this.delayMs))
                .save();
        }
    }
}

/**
 * Builds a bench bot.
 *
 * @param options See {@link BenchBotOptions}.
 * @returns The bot, started.
 */
export async function benchBot(options: BenchBotOptions = {}): Promise<BenchBot> {
    const texts = new Localizer({ extraPaths: [SAMPLE_LOCALES] });
    const storage = options.storage ?? new MemoryStorage();
    const conversationState = new ConversationState(storage);
    const dialogState = conversationState.createProperty<DialogState>('DialogState');
    const dialog = new AddClientDialog(texts);
    const bot = new SampleBot(conversationState, dialogState, dialog, texts);
    const adapter = new BenchAdapter((ctx) => bot.run(ctx));
    let inactivity: InactivityMiddleware | undefined;
    if (options.plugin) {
        inactivity = new InactivityMiddleware({
            adapter,
            conversationState,
            dialogState,
            dialog,
            localesPath: SAMPLE_LOCALES,
            policyFile: SAMPLE_POLICY,
            reminderAfter: '5 minutes',
            closeAfter: '15 minutes',
            onError: (e) =>
                console.error(`  [bench] plugin error: ${e.message}${(e as { cause?: Error }).cause ? ` (${(e as { cause?: Error }).cause?.message})` : ''}`),
            ...options.plugin,
        });
        adapter.use(inactivity);
        await inactivity.start();
    }
    if (options.naive) {
        adapter.use(new NaiveTimerMiddleware(options.naive.agenda, options.naive.delayMs));
    }
    return {
        adapter,
        conversationState,
        storage,
        inactivity,
        say: async (id, text) => {
            await adapter.processActivity(directLineActivity(id, text));
        },
        stop: async () => {
            await inactivity?.stop();
        },
    };
}

/** A scheduler that arms nothing: builds conversation states without a database. */
export class NullScheduler implements TimerScheduler {
    async start(): Promise<void> {}
    async arm(): Promise<void> {}
    async cancel(): Promise<void> {}
    async stop(): Promise<void> {}
}

/**
 * Writes `count` conversations into `storage`, each in the add-client flow at its second step, silent since
 * `reminderAfterMs` before `dueAt`: their reminders are all due at `dueAt`. One conversation is run through the
 * sample bot; the others are copies of its state with their own ids.
 *
 * @returns The conversation ids and the timer data to arm for each.
 */
export async function seedConversations(
    storage: Storage,
    count: number,
    dueAt: number,
    reminderAfterMs: number,
    tag = 'burst'
): Promise<Array<{ id: string; reference: Partial<ConversationReference> }>> {
    const template = await benchBot({
        plugin: { scheduler: new NullScheduler(), reminderAfter: reminderAfterMs, closeAfter: '10 minutes', onError: () => undefined },
        storage: new MemoryStorage(),
    });
    const templateId = conversationId(tag, 0);
    await template.say(templateId, 'add client');
    await template.say(templateId, 'Maria Silva');
    const key = `directline/conversations/${templateId}/`;
    const item = (await template.storage.read([key]))[key] as Record<string, unknown>;
    await template.stop();
    const seeded: Array<{ id: string; reference: Partial<ConversationReference> }> = [];
    const batch: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) {
        const id = conversationId(tag, i);
        const copy = structuredClone(item) as Record<string, Record<string, unknown>>;
        delete (copy as Record<string, unknown>).eTag;
        const plugin = copy['botbuilder-inactivity'];
        const reference = { ...(plugin.reference as Partial<ConversationReference>), conversation: { id } as ConversationReference['conversation'] };
        plugin.reference = reference;
        plugin.lastUserActivityAt = dueAt - reminderAfterMs;
        plugin.armedFor = dueAt;
        (plugin.flow as { startedAt: number }).startedAt = dueAt - reminderAfterMs - 1000;
        batch[`directline/conversations/${id}/`] = copy;
        seeded.push({ id, reference });
        if (i % 500 === 499 || i === count - 1) {
            await storage.write(batch);
            for (const k of Object.keys(batch)) delete batch[k];
        }
    }
    return seeded;
}
