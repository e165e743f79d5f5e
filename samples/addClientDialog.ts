import {
    ChoiceFactory,
    ChoicePrompt,
    ComponentDialog,
    FoundChoice,
    PromptValidatorContext,
    TextPrompt,
    WaterfallDialog,
    WaterfallStepContext,
} from 'botbuilder-dialogs';
import type { Localizer } from '../src';
import { ADD_CLIENT, CLIENT_TYPES, isContact } from './addClientParts';

/** What the flow collects, in the waterfall's `values`. */
interface ClientValues {
    name?: string;
    type?: string;
    contact?: string;
}

const values = (step: WaterfallStepContext): ClientValues => step.values;

/**
 * A fitness trainer adding a client: name (free text), client type (buttons), contact (email or phone,
 * validated), then a summary.
 */
export class AddClientDialog extends ComponentDialog {
    /**
     * @param t The sample's texts (the plugin's Localizer with the sample's `sample` namespace added).
     */
    constructor(private readonly t: Localizer) {
        super(ADD_CLIENT);
        this.addDialog(new TextPrompt('namePrompt', async (p: PromptValidatorContext<string>) => Boolean(p.recognized.value?.trim())));
        this.addDialog(new ChoicePrompt('typePrompt'));
        this.addDialog(
            new TextPrompt('contactPrompt', async (p: PromptValidatorContext<string>) => p.recognized.succeeded && isContact(p.recognized.value ?? ''))
        );
        this.addDialog(
            new WaterfallDialog('addClientSteps', [
                (step) => this.askName(step),
                (step) => this.askType(step),
                (step) => this.askContact(step),
                (step) => this.summary(step),
            ])
        );
        this.initialDialogId = 'addClientSteps';
    }

    private async askName(step: WaterfallStepContext) {
        return step.prompt('namePrompt', { prompt: this.text(step, 'askName') });
    }

    private async askType(step: WaterfallStepContext) {
        values(step).name = String(step.result).trim();
        const types = CLIENT_TYPES.map((k) => this.text(step, `types.${k}`));
        return step.prompt('typePrompt', {
            prompt: this.text(step, 'askType', { name: values(step).name }),
            choices: ChoiceFactory.toChoices(types),
        });
    }

    private async askContact(step: WaterfallStepContext) {
        values(step).type = (step.result as FoundChoice).value;
        return step.prompt('contactPrompt', {
            prompt: this.text(step, 'askContact', { name: values(step).name }),
            retryPrompt: this.text(step, 'retryContact'),
        });
    }

    private async summary(step: WaterfallStepContext) {
        values(step).contact = String(step.result).trim();
        await step.context.sendActivity(this.text(step, 'done', { ...values(step) }));
        return step.endDialog({ ...step.values });
    }

    private text(step: WaterfallStepContext, key: string, vars: Record<string, unknown> = {}): string {
        return this.t.t(step.context.activity.locale, `sample:addClient.${key}`, vars);
    }
}
