import assert from 'assert';
import { CloudAdapter as AgentsCloudAdapter } from '@microsoft/agents-hosting';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { AgentsBinding } from '../../../src/agents/agentsBinding';
import { BotbuilderBinding } from '../../../src/botbuilder/botbuilderBinding';
import type { ActivityLike } from '../../../src/core/ports/activity';
import type { BotBinding } from '../../../src/core/ports/botBinding';
import { buttonStyleFor } from '../../../src/core/texts/buttonStyle';

/*
 * The reminder's Continue / Start over: suggested actions where the channel shows them (gone once used, as Web Chat
 * removes them), a hero card elsewhere; both bindings build the same activity for the same style.
 */

const BUTTONS = [
    { title: 'Continue', value: { inactivity: 'continue', nonce: 'n1' } },
    { title: 'Start over', value: { inactivity: 'startOver', nonce: 'n1' } },
];

type Actions = Array<{ type: string; title: string; text?: string; displayText?: string; value?: unknown }>;
const cardButtons = (a: ActivityLike): Actions => (a.attachments ?? []).flatMap((x) => (x.content as { buttons?: Actions }).buttons ?? []);
const suggested = (a: ActivityLike): Actions => (a as { suggestedActions?: { actions: Actions } }).suggestedActions?.actions ?? [];

const bindings: Array<[string, BotBinding]> = [
    ['botbuilder', new BotbuilderBinding(new CloudAdapter(new ConfigurationBotFrameworkAuthentication({})), '')],
    ['the Agents SDK', new AgentsBinding(new AgentsCloudAdapter({}), '')],
];

describe('reminder buttons per channel (buttonStyleFor and the bindings)', () => {
    it('suggested actions on Web Chat, Direct Line (and Speech) and the Emulator, as ChoiceFactory.forChannel decides, up to their 100 buttons', () => {
        for (const channel of ['webchat', 'directline', 'directlinespeech', 'emulator']) {
            assert.strictEqual(buttonStyleFor(channel, 2), 'suggestedActions', channel);
            assert.strictEqual(buttonStyleFor(channel, 100), 'suggestedActions', channel);
            assert.strictEqual(buttonStyleFor(channel, 101), 'card', `${channel}: more than it shows`);
        }
    });

    it('a card on Teams, Slack, an unknown or a missing channel, and where the value round trip is not verified', () => {
        for (const channel of ['msteams', 'slack', 'test', 'whatsapp', 'telegram', 'facebook', 'toString', undefined]) {
            assert.strictEqual(buttonStyleFor(channel, 2), 'card', String(channel));
        }
        assert.strictEqual(buttonStyleFor('webchat', 0), 'card');
    });

    for (const [name, binding] of bindings) {
        it(`${name}: suggested actions carry the value back as messageBack, with no card; the card is the default`, () => {
            const s = binding.messageWithButtons('Still there?', BUTTONS, 'suggestedActions');
            assert.strictEqual(s.text, 'Still there?');
            assert.strictEqual(s.inputHint, 'expectingInput');
            assert.deepStrictEqual(s.attachments ?? [], []);
            assert.deepStrictEqual(
                suggested(s).map((a) => ({ type: a.type, title: a.title, text: a.text, displayText: a.displayText, value: a.value })),
                BUTTONS.map((b) => ({ type: 'messageBack', title: b.title, text: b.title, displayText: b.title, value: b.value }))
            );

            const c = binding.messageWithButtons('Still there?', BUTTONS);
            assert.deepStrictEqual(suggested(c), []);
            assert.deepStrictEqual(
                cardButtons(c).map((a) => [a.type, a.title, a.value]),
                BUTTONS.map((b) => ['messageBack', b.title, b.value])
            );
        });
    }
});
