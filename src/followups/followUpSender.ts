import type { Db } from 'mongodb';
import createDebug from 'debug';
import { InactivityConfigError } from '../core/errors';
import type { BotBinding } from '../core/ports/botBinding';
import { DEFAULT_TIMER_RETRY, retryDelay } from '../core/ports/timerScheduler';
import { track } from '../core/telemetry';
import type { Localizer } from '../core/texts/localization';
import { insideWindow } from './channelPolicy';
import { deliverFollowUp, DeliveryDeps, renderFollowUp } from './followUpDelivery';
import { REENGAGEMENT_TEMPLATE } from './followUpTexts';
import type { FollowUpOptions } from './followUpOptions';
import { FollowUpDocument, SkipReason, toFollowUp } from './followUpRecord';
import type { Warn } from './followUpWarnings';
import type { FollowUpSettings } from './followUpSettings';
import type { FollowUpStore } from '../mongo/followUpStore';
import { FollowUpEvents } from './followUpTelemetry';
import type { FollowUpUserDocument, FollowUpUsers } from '../mongo/followUpUsers';
import { meanScore } from './templateChoice';
import { localDate, outsideQuietHours } from './userTime';
import { timedSweep } from '../mongo/sweepLog';
import { TIMER_LEASE_MS, TIMER_TOUCH_MS } from '../scheduling/agendaSchedulerOptions';

const debug = createDebug('botbuilder-inactivity:followups');

/**
 * How long a claimed follow-up stays with the instance that claimed it before another may claim it, from the claim
 * or its last renewal: the timers' lease. The sender renews the leases of the claims it holds every
 * {@link TIMER_TOUCH_MS}, so a claim outlives its instance by at most this (a kill -9), never a slow send.
 */
export const FOLLOW_UP_LEASE_MS = TIMER_LEASE_MS;

/** What the sender works with. */
export interface SenderDeps {
    /** The service's options (outsideWindow, telemetryClient). */
    options: FollowUpOptions;
    /** The bot's SDK follow-ups are sent through; without it (a service that only schedules) nothing is sent. */
    bot?: BotBinding;
    /** The resolved settings. */
    settings: FollowUpSettings;
    /** The texts. */
    localizer: Localizer;
    /** The follow-ups. */
    store: FollowUpStore;
    /** The users. */
    users: FollowUpUsers;
    /** The database (where sweeps are recorded). */
    db: Db;
    /** The clock. */
    now: () => number;
    /** The error path. */
    warn: Warn;
    /** Moves the wake-up to `at` (a deferral or a retry). */
    wake: (at: Date) => void;
    /** Told of a user who blocked the bot (403). */
    blocked: (userId: string) => void;
}

/**
 * The delivery loop: claims due follow-ups one at a time (pending → sending, with a lease), checks the user's
 * state, quiet hours, the channel's window and the frequency cap, sends, and records how it ended (sent, skipped,
 * retried with the timers' backoff, failed). Runs the retention sweep at most hourly.
 */
export class FollowUpSender {
    private lastPurge = 0;
    private draining?: Promise<void>;
    private drainAgain = false;
    /** Set by {@link FollowUpSender.stopClaiming}: nothing more is claimed, claims not yet sent go back. */
    private stopped = false;
    /** The claims this instance holds (by id), as claimed: their leases are renewed while they are held. */
    private readonly held = new Map<string, FollowUpDocument>();
    private renewal?: NodeJS.Timeout;
    private renewing = false;

    /**
     * @param deps What it works with.
     */
    constructor(private readonly deps: SenderDeps) {}

    /** Runs `runDue()` once at a time per instance, once more if woken meanwhile. */
    drain(): Promise<void> {
        if (this.draining) {
            this.drainAgain = true;
            return this.draining;
        }
        this.draining = (async () => {
            do {
                this.drainAgain = false;
                await this.runDue().catch((err: unknown) => this.deps.warn(err));
            } while (this.drainAgain);
        })().finally(() => {
            this.draining = undefined;
        });
        return this.draining;
    }

    /**
     * The second part of a stop (after the wake-up's hand-over): nothing more is claimed here, and a claim not yet
     * being sent goes back, pending, at once; sends under way finish (see {@link FollowUpSender.idle}).
     */
    stopClaiming(): void {
        this.stopped = true;
    }

    /** Resolves once no drain is under way. */
    async idle(): Promise<void> {
        await this.draining?.catch(() => undefined);
    }

    /**
     * Sends every due follow-up now, `concurrency` at a time.
     *
     * @returns How many were claimed.
     */
    async runDue(): Promise<number> {
        const { store, settings, now, warn } = this.deps;
        let claimed = 0;
        const worker = async (): Promise<void> => {
            while (!this.stopped) {
                const doc = await store.claimDue(new Date(now()), FOLLOW_UP_LEASE_MS);
                if (!doc) {
                    return;
                }
                claimed++;
                this.hold(doc);
                try {
                    await this.process(doc).catch((err: unknown) => warn(err));
                } finally {
                    this.unhold(doc);
                }
            }
        };
        await Promise.all(Array.from({ length: settings.concurrency }, worker));
        if (now() - this.lastPurge > settings.sweepEvery) {
            this.lastPurge = now();
            await this.purge().catch((err: unknown) => warn(err));
        }
        return claimed;
    }

    /**
     * Deletes follow-ups finished more than `retention` ago, in batches of `sweepBatchSize`, and records the sweep
     * in `<prefix>Sweeps` for `health()`.
     *
     * @returns How many were deleted.
     */
    async purge(): Promise<number> {
        const { store, settings, now, db } = this.deps;
        const collection = `${settings.prefix}FollowUps`;
        const target = { db, prefix: settings.prefix, name: 'followUps' as const, batchSize: settings.sweepBatchSize, now };
        const report = await timedSweep(target, async (deleted) => {
            deleted[collection] = await store.purge(new Date(now() - settings.retention), settings.sweepBatchSize);
        });
        return report.deleted[collection] ?? 0;
    }

    /** Holds a claim: its lease is renewed every TIMER_TOUCH_MS (one command for all held) until unheld. */
    private hold(doc: FollowUpDocument): void {
        this.held.set(doc._id.toHexString(), doc);
        this.renewal ??= setInterval(() => void this.renewLeases(), TIMER_TOUCH_MS);
        this.renewal.unref();
    }

    private unhold(doc: FollowUpDocument): void {
        this.held.delete(doc._id.toHexString());
        if (!this.held.size) {
            clearInterval(this.renewal);
            this.renewal = undefined;
        }
    }

    private async renewLeases(): Promise<void> {
        if (this.renewing) {
            return;
        }
        this.renewing = true;
        try {
            await this.deps.store.renewLeases([...this.held.values()], new Date(this.deps.now() + FOLLOW_UP_LEASE_MS));
        } catch (err) {
            debug('follow-up leases not renewed: %O', err);
        } finally {
            this.renewing = false;
        }
    }

    private async process(doc: FollowUpDocument): Promise<void> {
        const { store, users, settings, options, warn } = this.deps;
        const now = new Date(this.deps.now());
        const props = { conversationId: doc.conversationId, followUpId: doc._id.toHexString(), type: doc.type, channelId: doc.channelId };
        if (doc.sendStartedAt) {
            // Its instance stopped mid-send (its lease ran out): the message may have reached the user. Not sent again
            // (at most once), as the timers' stages after a crash.
            debug('follow-up %s was being sent when its instance stopped: not sent again', props.followUpId);
            await store.markFailed(
                doc,
                `Interrupted: the instance sending it stopped at ${doc.sendStartedAt.toISOString()}; it may have been sent, so it is not sent again.`,
                now
            );
            track(
                { client: options.telemetryClient, onError: warn },
                {
                    name: FollowUpEvents.failed,
                    properties: { ...props, status: 'interrupted', permanent: true, final: true },
                    metrics: { attempt: doc.attempts },
                }
            );
            return;
        }
        const user = await users.get(doc.userId);
        const skip = async (reason: SkipReason) => {
            await store.markSkipped(doc, reason, now);
            debug('follow-up %s skipped: %s', props.followUpId, reason);
            track({ client: options.telemetryClient, onError: warn }, { name: FollowUpEvents.skipped, properties: { ...props, reason } });
        };
        if (user?.optedOutAt) {
            return skip('optedOut');
        }
        if (user?.blockedAt) {
            return skip('blocked');
        }
        // Quiet hours are checked again at send time: a retry, a reschedule or a late run may land inside them.
        const allowed = outsideQuietHours(now, doc.timeZone, settings.quietHours);
        if (allowed.getTime() > now.getTime()) {
            await store.release(doc, { at: allowed, now, event: 'quietHours', keepAttempt: false });
            this.deps.wake(allowed);
            return;
        }
        const inWindow = insideWindow(settings.channels[doc.channelId], user?.lastMessageAt ?? undefined, now);
        if (!inWindow && !options.outsideWindow) {
            return skip('outsideWindow');
        }
        // Re-engagement speaks to a first-time user and to a past customer differently.
        const toSend =
            doc.type === 'reengagement' && doc.template === REENGAGEMENT_TEMPLATE && doc.customText === undefined
                ? { ...doc, template: `${REENGAGEMENT_TEMPLATE}.${user?.customer ? 'pastCustomer' : 'firstTime'}` }
                : doc;
        const rendered = inWindow ? renderFollowUp(this.deliveryDeps(), toSend, doc.score ?? userScore(user, settings.scoreHistory)) : undefined;
        if (rendered?.unusable) {
            // Checked when scheduled, so a template or a variable changed since: never an empty or raw {{...}} message.
            warn(
                new InactivityConfigError(
                    `Follow-up ${props.followUpId} (${doc.customText !== undefined ? 'text' : `template "${toSend.template}"`}, ${doc.locale ?? 'default locale'}) was not sent: it would have shown ${JSON.stringify(rendered.text)}. Its template or variables changed after it was scheduled.`
                )
            );
            return skip('template');
        }
        if (this.stopped) {
            // Stopping: the claim goes back at once (its attempt given back) for another instance to send.
            await store.release(doc, { at: doc.scheduledAt, now, event: 'handedBack', keepAttempt: false });
            return;
        }
        const capDay = localDate(now, doc.timeZone);
        if (settings.frequencyCap > 0 && !(await users.reserveSend(doc.userId, capDay, settings.frequencyCap))) {
            return skip('capped');
        }
        if (!(await store.markSendStarted(doc, now, new Date(this.deps.now() + FOLLOW_UP_LEASE_MS)))) {
            // Taken over meanwhile (this instance stalled past its lease): the other claim sends it, once.
            debug('follow-up %s was taken over before its send began', props.followUpId);
            if (settings.frequencyCap > 0) {
                await users.releaseSend(doc.userId, capDay);
            }
            return;
        }
        const followUp = toFollowUp(toSend);
        const outsideWindow = options.outsideWindow;
        const outcome = await deliverFollowUp(this.deliveryDeps(), toSend, {
            rendered,
            inWindow,
            outsideWindow: outsideWindow && ((context) => outsideWindow(followUp, context)),
        });
        const done = new Date(this.deps.now());
        if (outcome.kind === 'sent' || outcome.kind === 'outsideWindowSent') {
            await store.markExecuted(doc, outcome.text, done);
            if (doc.type === 'postEvent') {
                // A past customer is one who had a post-event follow-up: sent, not merely scheduled (it may be cancelled).
                await users.update(doc.userId, { customer: true });
            }
            const latenessMs = Math.max(0, done.getTime() - doc.scheduledAt.getTime());
            debug('follow-up %s sent (%d ms late)', props.followUpId, latenessMs);
            track(
                { client: options.telemetryClient, onError: warn },
                { name: FollowUpEvents.sent, properties: props, metrics: { latenessMs, attempt: doc.attempts } }
            );
            return;
        }
        if (settings.frequencyCap > 0) {
            await users.releaseSend(doc.userId, capDay);
        }
        if (outcome.kind === 'outsideWindowSkipped') {
            return skip('outsideWindow');
        }
        const last = outcome.failure.permanent || doc.attempts > settings.retries;
        track(
            { client: options.telemetryClient, onError: warn },
            {
                name: FollowUpEvents.failed,
                properties: { ...props, status: outcome.failure.status, permanent: outcome.failure.permanent, final: last },
                metrics: { attempt: doc.attempts },
            }
        );
        if (outcome.failure.status === 403) {
            // Blocked or removed: nothing more goes to this user until they write again.
            await users.update(doc.userId, { blockedAt: done });
            this.deps.blocked(doc.userId);
            await store.markSkipped(doc, 'blocked', done);
            return;
        }
        if (last) {
            await store.markFailed(doc, outcome.error, done);
            return;
        }
        // The inactivity timers' backoff (about 2, 4, 8, 16, 32 s), with its jitter, at least the channel's Retry-After.
        const backoff = { ...DEFAULT_TIMER_RETRY, retries: settings.retries };
        const delay = retryDelay(backoff, doc.attempts, outcome.failure.retryAfterMs);
        const at = new Date(done.getTime() + Math.round(delay * (1 - backoff.jitter + Math.random() * 2 * backoff.jitter)));
        await store.release(doc, { at, now: done, event: 'retry', error: outcome.error });
        this.deps.wake(at);
    }

    private deliveryDeps(): DeliveryDeps {
        const { bot, settings, localizer } = this.deps;
        if (!bot) {
            throw new InactivityConfigError('This FollowUpService was made without a bot to send through (send: false): it cannot send.');
        }
        return { bot, localizer, thresholds: settings.thresholds, sendTimeout: settings.sendTimeout };
    }
}

/**
 * The score a user's follow-ups are chosen by: the mean of their last recorded scores, else the single score
 * recorded before histories were kept.
 */
function userScore(user: FollowUpUserDocument | null, history: number): number | undefined {
    return meanScore(user?.scores, history) ?? user?.score;
}
