import { ActivityHandler, ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { DialogSet, DialogState, DialogTurnStatus } from 'botbuilder-dialogs';
import type { Localizer } from '../src';
import { ADD_CLIENT, AddClientDialog } from './addClientDialog';

const START = /^\s*(\/add-client|add (a )?client)\s*[.!]?\s*$/i;

/**
 * The sample bot: "add client" (or "/add-client") starts the add-client flow; anything else gets a one-line help.
 */
export class SampleBot extends ActivityHandler {
    private readonly dialogs: DialogSet;

    /**
     * @param conversationState The bot's conversation state (saved after every turn).
     * @param dialogState The dialog state accessor shared with the inactivity plugin.
     * @param dialog The add-client flow.
     * @param t The sample's texts.
     */
    constructor(
        private readonly conversationState: ConversationState,
        dialogState: StatePropertyAccessor<DialogState>,
        dialog: AddClientDialog,
        private readonly t: Localizer
    ) {
        super();
        this.dialogs = new DialogSet(dialogState).add(dialog);
        this.onMessage(async (context, next) => {
            const dc = await this.dialogs.createContext(context);
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
