import type { ActivityLike, ResourceResponseLike, TurnContextLike } from '../ports/activity';
import { timeoutError, withTimeout } from '../util/withTimeout';

/**
 * Sends activities in one call and gives up waiting after `timeoutMs`. The HTTP call itself is not cancelled:
 * a channel that answers late may still show the message, which is why a timed-out send is retried
 * (at-least-once) rather than counted as sent.
 *
 * @param context The (proactive) turn.
 * @param activities What to send.
 * @param timeoutMs How long to wait for the channel.
 * @returns The channel's responses.
 * @throws An error with `code: 'ETIMEDOUT'` when the channel did not answer in time; the channel's error otherwise.
 */
export function sendWithin(context: TurnContextLike, activities: ActivityLike[], timeoutMs: number): Promise<ResourceResponseLike[]> {
    return withTimeout(context.sendActivities(activities), timeoutMs, () => timeoutError(`The channel did not answer within ${timeoutMs} ms.`));
}
