import type { Activity, CardAction, TestAdapter, TestFlow } from 'botbuilder';
import { ButtonAction, PAYLOAD_KEY, readPayload } from '../core/turn/buttonPayload';

/** A button of the plugin found in what the bot sent. */
export interface FoundButton {
    /** The button (a hero-card `messageBack` action). */
    button: CardAction;
    /** The message that carried it. */
    activity: Partial<Activity>;
}

/**
 * Finds the newest button of the plugin for `action` in what the bot sent: hero-card buttons and suggested
 * actions whose value carries the plugin's payload.
 *
 * @param activities What the bot sent, oldest first (for example `InactivityTestAdapter.sent`), or one activity.
 * @param action `'continue'` and `'startOver'` (on a reminder), `'resume'` and `'fresh'` (on a "Welcome back" offer).
 * @returns The button and its message, or `undefined`.
 */
export function findButton(activities: Partial<Activity> | Array<Partial<Activity>>, action: ButtonAction): FoundButton | undefined {
    const list = Array.isArray(activities) ? activities : [activities];
    for (let i = list.length - 1; i >= 0; i--) {
        const activity = list[i];
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
 * Clicks the newest button of the plugin for `action`, as a channel sends a `messageBack` click: a message with
 * the button's text and value, through `adapter.send()`.
 *
 * @param adapter The test adapter. Its `sent` list (an `InactivityTestAdapter` has one) is searched unless `from` is given.
 * @param action `'continue'`, `'startOver'`, `'resume'` or `'fresh'`.
 * @param from The activity or activities to search instead.
 * @returns The `TestFlow` of the click, to chain `assertReply` on.
 * @throws Error naming the buttons that were found when none is for `action`.
 */
export function click(adapter: TestAdapter, action: ButtonAction, from?: Partial<Activity> | Array<Partial<Activity>>): TestFlow {
    const searched = from ?? (adapter as TestAdapter & { sent?: Array<Partial<Activity>> }).sent;
    if (!searched) {
        throw new Error(
            `click('${action}'): this adapter does not record what the bot sent. Use InactivityTestAdapter, or pass the message with the buttons as \`from\`.`
        );
    }
    const found = findButton(searched, action);
    if (!found) {
        const seen = (Array.isArray(searched) ? searched : [searched]).flatMap(actionsOf).map((b) => b.title);
        throw new Error(
            `click('${action}'): the bot sent no ${PAYLOAD_KEY} button for '${action}'. Buttons seen: ${seen.length ? seen.map((t) => JSON.stringify(t)).join(', ') : 'none'}.`
        );
    }
    const { button } = found;
    return adapter.send({ type: 'message', text: typeof button.text === 'string' ? button.text : button.title, value: button.value as unknown });
}

/**
 * Clicks **Continue** on the newest reminder.
 *
 * @param adapter The test adapter (see {@link click}).
 * @returns The `TestFlow` of the click.
 */
export function clickContinue(adapter: TestAdapter): TestFlow {
    return click(adapter, 'continue');
}

/**
 * Clicks **Start over** on the newest reminder.
 *
 * @param adapter The test adapter (see {@link click}).
 * @returns The `TestFlow` of the click.
 */
export function clickStartOver(adapter: TestAdapter): TestFlow {
    return click(adapter, 'startOver');
}

/**
 * Clicks **Resume** on the newest "Welcome back" offer. Offers need saved flows: give the middleware `mongo`.
 *
 * @param adapter The test adapter (see {@link click}).
 * @returns The `TestFlow` of the click.
 */
export function clickResume(adapter: TestAdapter): TestFlow {
    return click(adapter, 'resume');
}

/**
 * Clicks **Start fresh** on the newest "Welcome back" offer.
 *
 * @param adapter The test adapter (see {@link click}).
 * @returns The `TestFlow` of the click.
 */
export function clickStartFresh(adapter: TestAdapter): TestFlow {
    return click(adapter, 'fresh');
}

function actionsOf(activity: Partial<Activity>): CardAction[] {
    const card = (activity.attachments ?? []).flatMap((a) => (a.content as { buttons?: CardAction[] } | undefined)?.buttons ?? []);
    return [...card, ...(activity.suggestedActions?.actions ?? [])];
}
