import type { ButtonStyle } from '../ports/botBinding';

/**
 * The channels that show suggested actions and the most buttons they show, as botbuilder-dialogs'
 * `ChoiceFactory.forChannel` decides (its `supportsSuggestedActions`), limited to the channels whose suggested
 * actions carry a `messageBack` value back to the bot: the plugin's buttons are recognised by that value. Facebook,
 * Skype (10), LINE (13), Kik (20) and Telegram (100) also show suggested actions, but their `messageBack` value
 * round trip is not verified, so they keep the card.
 */
export const SUGGESTED_ACTION_CHANNELS: Readonly<Record<string, number>> = {
    webchat: 100,
    directline: 100,
    directlinespeech: 100,
    emulator: 100,
};

/**
 * The style for `count` buttons on a channel: suggested actions where the channel shows that many, a card elsewhere.
 *
 * @param channelId The activity's channel id (`webchat`, `msteams`, ...).
 * @param count How many buttons.
 * @returns The style.
 */
export function buttonStyleFor(channelId: string | undefined, count: number): ButtonStyle {
    const most = channelId !== undefined && Object.hasOwn(SUGGESTED_ACTION_CHANNELS, channelId) ? SUGGESTED_ACTION_CHANNELS[channelId] : 0;
    return count > 0 && count <= most ? 'suggestedActions' : 'card';
}
