import type { Activity, CardAction } from '@microsoft/agents-activity';
import { ButtonAction, PAYLOAD_KEY, readPayload } from '../../core/turn/buttonPayload';
import type { InactivityTestAdapter } from './inactivityTestAdapter';

/** A button of the plugin found in what the bot sent. */
export interface FoundButton {
    /** The button (a hero-card `messageBack` action). */
    button: CardAction;
    /** The message that carried it. */
    activity: Activity;
}

/**
 * Finds the newest button of the plugin for `action` in what the bot sent: hero-card buttons and suggested
 * actions whose value carries the plugin's payload.
 *
 * @param activities What the bot sent, oldest first (for example `InactivityTestAdapter.sent`).
 * @param action `'continue'` and `'startOver'` (on a reminder), `'resume'` and `'fresh'` (on a "Welcome back" offer).
 * @returns The button and its message, or `undefined`.
 */
export function findButton(activities: Activity[], action: ButtonAction): FoundButton | undefined {
    for (let i = activities.length - 1; i >= 0; i--) {
        const activity = activities[i];
        const button = actionsOf(activity).find((b) => {
            const payload = readPayload({ value: b.value });
            return typeof payload === 'object' && payload.action === action;
        });
        if (button) {
            return { button, activity };
        }
    }
    return undefined;
}

/**
 * Clicks the newest button of the plugin for `action` in everything the adapter recorded, as a channel sends a
 * `messageBack` click: a message with the button's text and value, in a user's turn.
 *
 * @param adapter The test adapter.
 * @param action `'continue'`, `'startOver'`, `'resume'` or `'fresh'`.
 * @returns What the bot sent in the click's turn.
 * @throws Error naming the buttons that were found when none is for `action`.
 */
export function click(adapter: InactivityTestAdapter, action: ButtonAction): Promise<Activity[]> {
    const found = findButton(adapter.sent, action);
    if (!found) {
        const seen = adapter.sent.flatMap(actionsOf).map((b) => JSON.stringify(b.title));
        throw new Error(`click('${action}'): the bot sent no ${PAYLOAD_KEY} button for '${action}'. Buttons seen: ${seen.length ? seen.join(', ') : 'none'}.`);
    }
    const { button } = found;
    return adapter.send({ text: typeof button.text === 'string' ? button.text : button.title, value: button.value as unknown });
}

function actionsOf(activity: Activity): CardAction[] {
    const card = (activity.attachments ?? []).flatMap((a) => (a.content as { buttons?: CardAction[] } | undefined)?.buttons ?? []);
    return [...card, ...(activity.suggestedActions?.actions ?? [])];
}
