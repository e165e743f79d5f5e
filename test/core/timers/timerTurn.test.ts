import assert from 'assert';
import { buttons, createRig, texts } from '../../support/testBot';

describe('The timer turn', () => {
    it("accepts a click on the reminder's button that arrives before the timer turn has finished", async () => {
        // A client that clicks as soon as the reminder arrives (an automated one, or a user on a slow storage):
        // the click's turn runs while the timer turn is still returning from sending the reminder.
        const rig = await createRig();
        await rig.say('add client');
        await rig.say('John Doe');
        let clickAnswers: string[] | undefined;
        rig.adapter.use({
            onTurn: async (ctx, next) => {
                if (ctx.activity.name === 'ContinueConversation') {
                    ctx.onSendActivities(async (_c, activities, send) => {
                        const result = await send();
                        const reminder = activities.find((a) => /^Still there\?/.test(a.text ?? ''));
                        if (reminder && !clickAnswers) {
                            const cont = buttons(reminder)[0];
                            const before = rig.adapter.activeQueue.length;
                            await rig.adapter.receiveActivity({ type: 'message', text: cont.title, value: cont.value });
                            clickAnswers = texts(rig.adapter.activeQueue.slice(before));
                        }
                        return result;
                    });
                }
                await next();
            },
        });

        await rig.fireAt();

        assert.ok(clickAnswers, 'the reminder was sent and clicked');
        assert.strictEqual(clickAnswers[0], "Great, let's pick up where we left off.", clickAnswers.join(' | '));
        assert.match(clickAnswers[1], /^What kind of client is John Doe\?/);
        assert.match(texts(await rig.say('Group classes'))[0], /^How can we reach John Doe\?/, 'the flow goes on from the re-asked step');
        assert.deepStrictEqual(rig.errors, []);
    });
});
