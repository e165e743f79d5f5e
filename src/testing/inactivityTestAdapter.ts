import { Activity, ConversationReference, ResourceResponse, TestActivityInspector, TestAdapter, TestFlow, TurnContext } from 'botbuilder';

/**
 * botbuilder's `TestAdapter` with what the plugin needs to send reminders in a unit test:
 *
 * - `continueConversationAsync`, which `TestAdapter` does not implement: it runs a proactive turn (an `event`
 *   named `ContinueConversation`, as `CloudAdapter` does) through the adapter's middleware, so the plugin's
 *   reminders and closes land in the same queue as every other reply;
 * - {@link InactivityTestAdapter.sent}, everything the bot sent, which the click helpers search for buttons;
 * - {@link InactivityTestAdapter.assertReply} and {@link InactivityTestAdapter.assertNoReply}, to check what a
 *   timer sent after `TestScheduler.advance()`, outside a `send()` chain.
 *
 * Everything else is `TestAdapter`'s: `send(...).assertReply(...)` transcripts work as usual.
 */
export class InactivityTestAdapter extends TestAdapter {
    /** Every activity the bot sent, in order, including proactive ones (`assertReply` does not remove them from here). */
    readonly sent: Array<Partial<Activity>> = [];

    /**
     * Runs `logic` in a proactive turn for `reference`, through the middleware, as `CloudAdapter` does. Accepts
     * the same arguments as `BotAdapter.continueConversationAsync` (an app id or claims, the reference, an
     * optional audience, the logic).
     *
     * @param _botAppIdOrClaims The bot's app id or claims identity (not checked here).
     * @param reference The conversation to continue.
     * @param logicOrAudience The logic, or an audience followed by the logic.
     * @param maybeLogic The logic, when an audience was given.
     */
    override async continueConversationAsync(
        _botAppIdOrClaims: unknown,
        reference: Partial<ConversationReference>,
        logicOrAudience: ((context: TurnContext) => Promise<void>) | string,
        maybeLogic?: (context: TurnContext) => Promise<void>
    ): Promise<void> {
        const logic = typeof logicOrAudience === 'function' ? logicOrAudience : maybeLogic;
        const activity = TurnContext.applyConversationReference({ type: 'event', name: 'ContinueConversation' }, reference, true);
        const context = new TurnContext(this, activity);
        await this.runMiddleware(context, logic ?? (async () => undefined));
    }

    /**
     * Records what the bot sends, then queues it as `TestAdapter` does.
     *
     * @param context The turn.
     * @param activities What the bot sends.
     * @returns The ids given to the activities.
     */
    override sendActivities(context: TurnContext, activities: Array<Partial<Activity>>): Promise<ResourceResponse[]> {
        this.sent.push(...(activities ?? []).filter((a) => a.type !== 'trace' || this.enableTrace));
        return super.sendActivities(context, activities);
    }

    /**
     * Checks the next reply the bot sent (a proactive one too), as `TestFlow.assertReply` does.
     *
     * @param expected The text, an activity to compare field by field, or a function that asserts.
     * @param description Shown when the check fails.
     * @param timeout How long to wait for the reply, in ms (default 3000).
     * @returns A `TestFlow` to chain more steps on.
     */
    assertReply(expected: string | Partial<Activity> | TestActivityInspector, description?: string, timeout?: number): TestFlow {
        return new TestFlow(Promise.resolve(), this).assertReply(expected, description, timeout);
    }

    /**
     * Checks that the bot has sent nothing more. Unlike `TestFlow.assertNoReply` it looks at once by default:
     * once `TestScheduler.advance()` has resolved, whatever its timers sent is already queued.
     *
     * @param description Shown when the check fails.
     * @param timeout How long to wait for a stray reply, in ms (default 1).
     * @returns A `TestFlow` to chain more steps on.
     */
    assertNoReply(description?: string, timeout = 1): TestFlow {
        return new TestFlow(Promise.resolve(), this).assertNoReply(description, timeout);
    }
}
