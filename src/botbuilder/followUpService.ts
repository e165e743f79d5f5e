import type { BotTelemetryClient, TurnContext } from 'botbuilder';
import { InactivityConfigError } from '../core/errors';
import { FollowUpServiceBase } from '../followups/followUpService';
import type { FollowUpOptions as SdkFollowUpOptions } from '../followups/followUpOptions';
import { BotbuilderBinding, ProactiveAdapter } from './botbuilderBinding';

/**
 * Options of the botbuilder {@link FollowUpService}: the bot's adapter (`continueConversationAsync`) and the
 * follow-ups' settings. Durations accept milliseconds or strings such as `'24 hours'`.
 */
export interface FollowUpOptions extends SdkFollowUpOptions<TurnContext, ProactiveAdapter> {
    /** Receives `trackEvent` calls for follow-ups scheduled, sent, skipped and failed. */
    telemetryClient?: BotTelemetryClient;
}

/**
 * Follow-ups and re-engagement for a botbuilder bot: scheduled outreach after events and silences, sent through
 * the bot's adapter with the same bounded, retried send as the inactivity timers, on the bot's MongoDB. See
 * {@link FollowUpServiceBase} for how it works.
 *
 * @example
 * ```ts
 * const followUps = new FollowUpService({ adapter, inactivity });
 * await inactivity.start();
 * await followUps.start();
 * adapter.use(followUps.middleware());
 * await followUps.schedulePostEvent({
 *     reference: TurnContext.getConversationReference(context.activity),
 *     eventAt: new Date(),
 *     eventId: bookingId,
 *     template: 'sample:followUp.firstSession',
 *     variables: { name: 'Maria' },
 * });
 * ```
 */
export class FollowUpService extends FollowUpServiceBase<TurnContext> {
    /**
     * @param options See {@link FollowUpOptions}.
     * @throws InactivityConfigError naming the option that cannot be used.
     */
    constructor(options: FollowUpOptions) {
        if (typeof options?.adapter?.continueConversationAsync !== 'function') {
            throw new InactivityConfigError('FollowUpService needs `adapter`: the bot adapter (CloudAdapter) follow-ups are sent through.');
        }
        super(options, new BotbuilderBinding(options.adapter, options.botAppId ?? ''));
    }
}
