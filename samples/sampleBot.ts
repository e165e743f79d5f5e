import { ActivityHandler, ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { DialogSet, DialogState, DialogTurnStatus } from 'botbuilder-dialogs';
import type { FollowUpService, InactivityMiddleware, Localizer } from '../src';
import { AddClientDialog } from './addClientDialog';
import { ADD_CLIENT, CANCEL, CANCEL_REASON, START, WAIT, WAIT_FOR } from './addClientParts';
import { answerFollowUp, scheduleFirstSession } from './sampleFollowUps';

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
                const name = (result.result as { name?: string } | undefined)?.name;
                await scheduleFirstSession(this.followUps, { reference: TurnContext.getConversationReference(context.activity), name });
            }
            if (result.status === DialogTurnStatus.empty) {
                const thanks = this.followUps && (await answerFollowUp(this.followUps, this.reply(context)));
                if (thanks) {
                    await context.sendActivity(thanks);
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

    /** A user's reply, as the follow-ups' answer reads it. */
    private reply(context: TurnContext) {
        const { text, locale, from } = context.activity;
        return { text, locale, userId: from.id, reference: TurnContext.getConversationReference(context.activity), texts: this.t };
    }

    private text(context: TurnContext, key: string): string {
        return this.t.t(context.activity.locale, `sample:${key}`);
    }
}
