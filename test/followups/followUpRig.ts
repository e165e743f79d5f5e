import type { Activity, ConversationReference, TurnContext } from 'botbuilder';
import { Db } from 'mongodb';
import { FollowUpService } from '../../src/botbuilder/followUpService';
import type { FollowUpOptions } from '../../src/botbuilder/followUpService';

/** A channel for follow-up tests: records what was sent, and can refuse sends with a status. */
export class RecordingAdapter {
    /** Every activity sent, with its conversation id. */
    readonly sent: Array<{ conversationId: string; activity: Partial<Activity> }> = [];
    /** Answers a send with this error when set. */
    fail?: (activity: Partial<Activity>) => { statusCode: number } | undefined;

    /** The proactive path the service uses. */
    async continueConversationAsync(_appId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
        const context = {
            activity: { type: 'event', name: 'ContinueConversation', conversation: reference.conversation, channelId: reference.channelId },
            adapter: this,
            turnState: new Map(),
            sendActivity: async (activity: string | Partial<Activity>) =>
                (await context.sendActivities([typeof activity === 'string' ? { type: 'message', text: activity } : activity]))[0],
            sendActivities: async (activities: Array<Partial<Activity>>) => {
                for (const activity of activities) {
                    const fault = this.fail?.(activity);
                    if (fault) {
                        throw Object.assign(new Error(`channel answered ${fault.statusCode}`), fault);
                    }
                    this.sent.push({ conversationId: reference.conversation?.id ?? '', activity });
                }
                return activities.map(() => ({ id: 'x' }));
            },
        } as unknown as TurnContext & { sendActivities(a: Array<Partial<Activity>>): Promise<unknown[]> };
        await logic(context);
    }
}

/** A conversation reference for user `u`. */
export function referenceOf(u: string, channelId = 'msteams', locale = 'en-US'): Partial<ConversationReference> {
    return {
        channelId,
        serviceUrl: 'https://example.invalid/',
        conversation: { id: `conv-${u}`, isGroup: false, conversationType: 'personal', name: '' },
        user: { id: u, name: '' },
        bot: { id: 'bot', name: 'bot' },
        locale,
    };
}

/** A service on `db` with a recording adapter; quiet hours off, no cap, sending only on `runDue()`, unless given. */
export function serviceOn(db: Db, options: Partial<FollowUpOptions> = {}): { service: FollowUpService; adapter: RecordingAdapter } {
    const adapter = (options.adapter as RecordingAdapter | undefined) ?? new RecordingAdapter();
    const service = new FollowUpService({
        quietHours: null,
        frequencyCap: 0,
        processEvery: 60_000,
        send: false,
        onError: () => undefined,
        ...options,
        adapter,
        mongo: db,
    });
    return { service, adapter };
}
