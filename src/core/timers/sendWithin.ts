import type { Activity, ResourceResponse, TurnContext } from 'botbuilder';

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
export function sendWithin(context: TurnContext, activities: Array<Partial<Activity>>, timeoutMs: number): Promise<ResourceResponse[]> {
    let timer: NodeJS.Timeout | undefined;
    const sending = context.sendActivities(activities);
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`The channel did not answer within ${timeoutMs} ms.`), { code: 'ETIMEDOUT' })), timeoutMs);
    });
    sending.catch(() => undefined);
    return Promise.race([sending, timeout]).finally(() => clearTimeout(timer));
}
