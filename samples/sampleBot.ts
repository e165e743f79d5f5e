import { ActivityHandler, ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { DialogSet, DialogState, DialogTurnStatus } from 'botbuilder-dialogs';
import type { FollowUpService, InactivityMiddleware, Localizer } from '../src';
import { AddClientDialog } from './addClientDialog';
import { ADD_CLIENT, CANCEL, CANCEL_REASON, START, WAIT, WAIT_FOR } from './addClientParts';

/**
 * The sample bot: "add client" (or "/add-client") starts the add-client flow; anything else gets a one-line help.
 * Inside the flow, "cancel" abandons it through the plugin (`abandon`: recorded with the reason `saidCancel`,
 * resumable) and "give me a minute" gives the user 10 more minutes (`extend`).
 */
export class SampleBot extends ActivityHandler {
    private readonly dialogs: DialogSet;

    /**
     * @param conversationState The bot's conversation state (saved after every turn).
     * @param dialogState The dialog state accessor shared with the inactivity plugin.
     * @param dialog The add-client flow.
     * @param t The sample's texts.
     * @param lifecycle The inactivity middleware's flow lifecycle API; without it "cancel" and "give me a minute"
     *   are answers like any other.
     * @param followUps The follow-up service, when follow-ups are on.
     */
    constructor(
        private readonly conversationState: ConversationState,
        dialogState: StatePropertyAccessor<DialogState>,
        dialog: AddClientDialog,
        private readonly t: Localizer,
        lifecycle?: Pick<InactivityMiddleware, 'abandon' | 'extend'>,
        private readonly followUps?: FollowUpService
    ) {
        super();
        this.dialogs = new DialogSet(dialogState).add(dialog);
        this.onMessage(async (context, next) => {
            const dc = await this.dialogs.createContext(context);
            const text = context.activity.text ?? '';
            if (lifecycle && dc.activeDialog && CANCEL.test(text)) {
                // The plugin ends the dialogs, keeps the answers for resuming and records why.
                await lifecycle.abandon(context, CANCEL_REASON);
                await context.sendActivity(this.text(context, 'cancelled'));
                await next();
                return;
            }
            if (lifecycle && dc.activeDialog && WAIT.test(text) && (await lifecycle.extend(context, WAIT_FOR))) {
                await context.sendActivity(this.text(context, 'waiting'));
                await next();
                return;
            }
            const result = await dc.continueDialog();
            if (result.status === DialogTurnStatus.complete && this.followUps) {
                await this.scheduleFirstSession(context, (result.result as { name?: string } | undefined)?.name);
            }
            if (result.status === DialogTurnStatus.empty) {
                const answer = this.followUpAnswer(context);
                if (answer !== undefined) {
                    await this.followUps?.recordScore(context.activity.from.id, answer).catch(() => undefined);
                    if (answer < 0.7) {
                        await this.scheduleCheckIn(context, answer);
                    }
                    await context.sendActivity(this.text(context, answer >= 0.7 ? 'followUp.thanksGreat' : 'followUp.thanksNotGreat'));
                } else if (START.test(context.activity.text ?? '')) {
                    await dc.beginDialog(ADD_CLIENT);
                } else {
                    await context.sendActivity(this.text(context, 'help'));
                }
            }
            await next();
        });
        this.onMembersAdded(async (context, next) => {
            for (const member of context.activity.membersAdded ?? []) {
                if (member.id !== context.activity.recipient.id) {
                    await context.sendActivity(this.text(context, 'welcome'));
                }
            }
            await next();
        });
    }

    /** @inheritdoc */
    override async run(context: TurnContext): Promise<void> {
        await super.run(context);
        await this.conversationState.saveChanges(context);
    }

    /** "How did the first session with {{name}} go?", after `INACTIVITY_FOLLOWUP_AFTER`, with Great / Not great. */
    private async scheduleFirstSession(context: TurnContext, name: string | undefined): Promise<void> {
        try {
            await this.followUps?.schedulePostEvent({
                reference: TurnContext.getConversationReference(context.activity),
                eventAt: new Date(),
                eventId: `${context.activity.conversation.id}:${name ?? ''}`,
                template: 'sample:followUp.firstSession',
                variables: { name: name ?? '' },
                buttons: ['sample:followUp.great', 'sample:followUp.notGreat'],
            });
        } catch (err) {
            // The client is added either way; the follow-up is a nicety.
            console.error(`[sample] could not schedule the follow-up: ${(err as Error).message}`);
        }
    }

    /** "Not great": the check-in the answer announces ("I'll check in again soon"), after the service's `checkInAfter` (a day). */
    private async scheduleCheckIn(context: TurnContext, score: number): Promise<void> {
        try {
            await this.followUps?.scheduleCheckIn({ reference: TurnContext.getConversationReference(context.activity), score });
        } catch (err) {
            console.error(`[sample] could not schedule the check-in: ${(err as Error).message}`);
        }
    }

    /** The score of an answer to the follow-up's buttons: Great 1, Not great 0.2; undefined for anything else. */
    private followUpAnswer(context: TurnContext): number | undefined {
        const said = (context.activity.text ?? '').trim().toLocaleLowerCase();
        if (!said) {
            return undefined;
        }
        if (said === this.text(context, 'followUp.great').toLocaleLowerCase()) {
            return 1;
        }
        if (said === this.text(context, 'followUp.notGreat').toLocaleLowerCase()) {
            return 0.2;
        }
        return undefined;
    }

    private text(context: TurnContext, key: string): string {
        return this.t.t(context.activity.locale, `sample:${key}`);
    }
}
