import type { TurnContext } from '@microsoft/agents-hosting';
import { InactivityConfigError } from '../core/errors';
import { FollowUpServiceBase } from '../followups/followUpService';
import type { FollowUpOptions as SdkFollowUpOptions } from '../followups/followUpOptions';
import { AgentsBinding, AgentsProactiveAdapter } from './agentsBinding';

/**
 * Options of the Agents SDK's {@link FollowUpService}: the agent's adapter (`continueConversation`) and the
 * follow-ups' settings, the same as the botbuilder service's. Durations accept milliseconds or strings such as
 * `'24 hours'`.
 */
export type FollowUpOptions = SdkFollowUpOptions<TurnContext, AgentsProactiveAdapter>;

/**
 * Follow-ups and re-engagement for a Microsoft 365 Agents SDK agent: the botbuilder service's features (post-event
 * follow-ups, re-engagement after silence, check-ins, quiet hours, caps, channel windows, opt-out words), sent
 * through `agent.adapter` in the agent's proactive turns. Share the agents `InactivityMiddleware` as `inactivity`
 * for one connection and one Agenda.
 *
 * @example
 * ```ts
 * const followUps = new FollowUpService({ adapter: agent.adapter, inactivity });
 * await followUps.start();
 * agent.adapter.use(followUps.middleware());
 * await followUps.schedulePostEvent({
 *     reference: context.activity.getConversationReference(),
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
        if (typeof options?.adapter?.continueConversation !== 'function') {
            throw new InactivityConfigError(
                "FollowUpService needs `adapter`: the agent's adapter (agent.adapter of an AgentApplication, or a CloudAdapter) follow-ups are sent through."
            );
        }
        super(options, new AgentsBinding(options.adapter, options.botAppId ?? ''));
    }
}
