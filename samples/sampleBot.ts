import { ActivityHandler, ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { DialogSet, DialogState, DialogTurnStatus } from 'botbuilder-dialogs';
import type { InactivityMiddleware, Localizer } from '../src';
import { ADD_CLIENT, AddClientDialog } from './addClientDialog';

const START = /^\s*(\/add-client|add (a )?client)\s*[.!]?\s*$/i;

/** "cancel" (or "never mind") inside a flow: the flow is abandoned with the sample's own reason. */
const CANCEL = /^\s*(\/?cancel|never ?mind)\s*[.!]?\s*$/i;

/** "give me a minute" inside a flow: the user gets 10 more minutes before the reminder. */
const WAIT = /^\s*(give me a (minute|moment|sec(ond)?)|\/wait)\s*[.!]?\s*$/i;

/** The reason the sample records for a typed "cancel", shown in the drop-off report beside the built-in ones. */
export const CANCEL_REASON = 'saidCancel';

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
     */
    constructor(
        private readonly conversationState: ConversationState,
        dialogState: StatePropertyAccessor<DialogState>,
        dialog: AddClientDialog,
        private readonly t: Localizer,
        lifecycle?: Pick<InactivityMiddleware, 'abandon' | 'extend'>
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
            if (lifecycle && dc.activeDialog && WAIT.test(text) && (await lifecycle.extend(context, '10 minutes'))) {
                await context.sendActivity(this.text(context, 'waiting'));
                await next();
                return;
            }
            const result = await dc.continueDialog();
            if (result.status === DialogTurnStatus.empty) {
                if (START.test(context.activity.text ?? '')) {
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

    private text(context: TurnContext, key: string): string {
        return this.t.t(context.activity.locale, `sample:${key}`);
    }
}
