import type express from 'express';
import type { Localizer } from '../src/core/texts/localization';
import type { FollowUpReference } from '../src/followups/followUpReference';
import type { FollowUpServiceBase } from '../src/followups/followUpService';
import type { SampleConfig } from './sampleConfig';

/** The follow-up service of either SDK, as the sample uses it. */
export type SampleFollowUps = Pick<FollowUpServiceBase<unknown>, 'schedulePostEvent' | 'scheduleCheckIn' | 'recordScore' | 'health'>;

/**
 * The follow-up settings both samples take from the environment (`INACTIVITY_FOLLOWUP_AFTER`,
 * `INACTIVITY_REENGAGE_AFTER`, `INACTIVITY_QUIET_HOURS`), with the sample's texts.
 *
 * @param config The sample's settings.
 * @param texts The plugin's Localizer with the sample's `sample` namespace.
 * @returns The options to spread into either SDK's `FollowUpService`.
 */
export function sampleFollowUpOptions(config: SampleConfig, texts: Localizer) {
    return {
        botAppId: config.appId,
        localizer: texts,
        ...(config.followUpAfter !== undefined ? { followUpAfter: config.followUpAfter } : {}),
        ...(config.reengageAfter !== undefined ? { reengageAfter: config.reengageAfter } : {}),
        ...(config.quietHours !== undefined ? { quietHours: config.quietHours } : {}),
    };
}

/**
 * "How did the first session with {{name}} go?", after `INACTIVITY_FOLLOWUP_AFTER`, with Great / Not great: what
 * both samples schedule once a client is added. A failure is logged: the client is added either way.
 *
 * @param followUps The follow-up service.
 * @param added The conversation (the SDK's reference of the turn) and the client's name.
 */
export async function scheduleFirstSession(followUps: SampleFollowUps, added: { reference: FollowUpReference; name: string | undefined }): Promise<void> {
    try {
        await followUps.schedulePostEvent({
            reference: added.reference,
            eventAt: new Date(),
            eventId: `${added.reference.conversation?.id ?? ''}:${added.name ?? ''}`,
            template: 'sample:followUp.firstSession',
            variables: { name: added.name ?? '' },
            buttons: ['sample:followUp.great', 'sample:followUp.notGreat'],
        });
    } catch (err) {
        console.error(`[sample] could not schedule the follow-up: ${(err as Error).message}`);
    }
}

/**
 * Answers a reply to the follow-up's buttons outside a flow: Great (score 1) or Not great (0.2, with the check-in
 * the answer announces, after the service's `checkInAfter`), recorded as the user's score.
 *
 * @param followUps The follow-up service.
 * @param reply The user's text, locale, id and the conversation, and the sample's texts.
 * @returns The thanks to send, or `undefined` when the text is not an answer to the buttons.
 */
export async function answerFollowUp(
    followUps: SampleFollowUps,
    reply: { text: string | undefined; locale: string | undefined; userId: string; reference: FollowUpReference; texts: Localizer }
): Promise<string | undefined> {
    const said = (reply.text ?? '').trim().toLocaleLowerCase();
    const t = (key: string) => reply.texts.t(reply.locale, `sample:followUp.${key}`);
    const score = !said ? undefined : said === t('great').toLocaleLowerCase() ? 1 : said === t('notGreat').toLocaleLowerCase() ? 0.2 : undefined;
    if (score === undefined) {
        return undefined;
    }
    await followUps.recordScore(reply.userId, score).catch(() => undefined);
    if (score < 0.7) {
        try {
            await followUps.scheduleCheckIn({ reference: reply.reference, score });
        } catch (err) {
            console.error(`[sample] could not schedule the check-in: ${(err as Error).message}`);
        }
    }
    return t(score >= 0.7 ? 'thanksGreat' : 'thanksNotGreat');
}

/**
 * `/api/followups/health`: the follow-ups' health (503 when the database does not answer), or 404 when
 * `INACTIVITY_FOLLOWUPS=off`.
 *
 * @param app The sample's app.
 * @param route The service (none when off) and what a request passes first (the admin token).
 */
export function mountFollowUpHealth(app: express.Express, route: { followUps?: SampleFollowUps; guard: express.RequestHandler }): void {
    app.get('/api/followups/health', route.guard, (_req, res) => {
        const followUps = route.followUps;
        if (!followUps) {
            res.status(404).json({ error: 'Follow-ups are off (INACTIVITY_FOLLOWUPS=off).' });
            return;
        }
        followUps.health().then(
            (health) => res.status(health.status === 'down' ? 503 : 200).json(health),
            (err: unknown) => res.status(500).json({ error: (err as Error).message })
        );
    });
}
