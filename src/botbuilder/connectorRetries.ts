import type { TurnContext } from 'botbuilder';
import createDebug from 'debug';

const debug = createDebug('botbuilder-inactivity:delivery');

/** The retry policy `@azure/core-rest-pipeline` puts in every client's pipeline, the Bot Framework connector's too. */
const PIPELINE_RETRY_POLICY = 'defaultRetryPolicy';

interface PipelineLike {
    removePolicy(options: { name?: string }): unknown[];
}

/**
 * Makes each proactive send of this turn a single HTTP call. The Bot Framework connector's pipeline retries a
 * failed call by itself (3 times, 1-8 s apart, a 429's `Retry-After` waited out in memory) where the plugin
 * already retries durably with Agenda's backoff. Left in place, one attempt of the plugin's becomes up to four
 * POSTs; and a retry still waiting when `sendTimeout` gives up on the call goes on in the background, so the
 * plugin's own retry and the connector's both deliver: the user gets the reminder twice.
 *
 * Only this turn's connector client is changed (CloudAdapter creates one per proactive turn); the bot's replies
 * to its users keep the connector's retries. Adapters without a Bot Framework connector are left as they are.
 *
 * @param context The timer's proactive turn.
 * @returns True when the connector's retries were turned off.
 */
export function turnOffConnectorRetries(context: TurnContext): boolean {
    const key = (context.adapter as { ConnectorClientKey?: symbol } | undefined)?.ConnectorClientKey;
    const connector = key ? context.turnState.get<{ client?: { pipeline?: Partial<PipelineLike> } } | undefined>(key) : undefined;
    const pipeline = connector?.client?.pipeline;
    if (typeof pipeline?.removePolicy !== 'function') {
        return false;
    }
    const removed = pipeline.removePolicy({ name: PIPELINE_RETRY_POLICY });
    debug('connector retries off for this turn (%d policy removed)', removed.length);
    return true;
}
