import createDebug from 'debug';
import type { FollowUpReference } from './followUpReference';
import type { ActivityLike, ConversationRef as ConversationReference, TurnContextLike } from '../core/ports/activity';
import type { Localizer } from '../core/texts/localization';
import { withTimeout } from '../core/util/withTimeout';
import type { CheckInFollowUp, ScheduleResult } from './followUpOptions';

const debug = createDebug('botbuilder-inactivity:followups');

/** How long the middleware waits for its database write after the bot's turn before it lets the turn end. */
const WRITE_BOUND_MS = 2000;

/** How stale the recorded last message may be on a channel with a window. */
const WINDOW_NOTE_MS = 60 * 60_000;

/** Users remembered per process for the once-a-day write; the oldest are forgotten first. */
const MAX_REMEMBERED_USERS = 50_000;

/**
 * What {@link FollowUpMiddleware} needs of the follow-ups (a `FollowUpService` is one). The middleware depends on
 * this, not on the service, so the service can create its middleware without an import cycle.
 */
export interface FollowUpTurnPort {
    /** The texts: stop and start words, their confirmations. */
    readonly texts: Localizer;
    /** The silence before a re-engagement, ms. */
    readonly reengageAfterMs: number;
    /** The score below which a message schedules a check-in. */
    readonly lowScore: number;
    /** Opts a user out; resolves to how many pending follow-ups were cancelled. */
    optOut(userId: string): Promise<number>;
    /** Opts a user back in. */
    optIn(userId: string): Promise<void>;
    /** Records the user's last message time and time zone, and ends a 403 suppression. */
    noteUserMessage(userId: string, at: Date, timeZone?: string): Promise<void>;
    /** Arms or moves the user's re-engagement; false when its send is under way. */
    armReengagement(reference: FollowUpReference, options?: { timeZone?: string; locale?: string; userId?: string }): Promise<boolean>;
    /** The channel's window for free-form messages, ms, if its policy has one. */
    channelWindowMs(channelId: string | undefined): number | undefined;
    /** Scores a message, when a scorer is configured. */
    scoreMessage(text: string, context: TurnContextLike): Promise<number | undefined>;
    /** The conversation reference of a user's activity, in the bot's SDK's shape. */
    referenceOf(activity: ActivityLike): ConversationReference;
    /** Schedules a check-in. */
    scheduleCheckIn(request: CheckInFollowUp): Promise<ScheduleResult>;
}

/**
 * Arms and moves re-engagements from users' messages (at most one write per user per day, per process), ends a
 * 403 suppression when the user writes again, honours the localized stop and start words, and schedules a check-in
 * when `scoreSentiment` finds a message's score low. Get it from `FollowUpService.middleware()`.
 *
 * The bot's reply never waits on it: the write runs beside the turn and is awaited (at most 2 s) only after it.
 * `C` is the SDK's turn context (botbuilder's or the Agents SDK's): add it with `adapter.use(...)` on either.
 */
export class FollowUpMiddleware<C = TurnContextLike> {
    /** userId → when this process last wrote for them (epoch ms). */
    private readonly written = new Map<string, number>();
    /** userId → when this process last recorded their last message on a channel with a window (epoch ms). */
    private readonly noted = new Map<string, number>();

    /**
     * @param service The follow-ups (a `FollowUpService`).
     */
    constructor(private readonly service: FollowUpTurnPort) {}

    /**
     * Handles a turn (the adapter's middleware calls it).
     *
     * @param turn The turn.
     * @param next The rest of the pipeline.
     */
    async onTurn(turn: C, next: () => Promise<void>): Promise<void> {
        const context = turn as unknown as TurnContextLike;
        const activity = context.activity;
        const userId = activity?.from?.id;
        if (activity?.type !== 'message' || !userId || activity.from?.role === 'bot') {
            // Proactive turns (ContinueConversation events) and the bot's own activities are not the user writing.
            await next();
            return;
        }
        const words = this.stopWords(activity.locale);
        const text = (activity.text ?? '').trim().toLocaleLowerCase();
        if (text && words.stop.has(text)) {
            await this.bounded(this.service.optOut(userId).then((n) => debug('user opted out; %d cancelled', n)));
            this.written.delete(userId);
            await context.sendActivity(this.service.texts.t(activity.locale, 'followups:optOut.confirm'));
            return;
        }
        if (text && words.start.has(text)) {
            await this.bounded(this.service.optIn(userId));
            await context.sendActivity(this.service.texts.t(activity.locale, 'followups:optIn.confirm'));
            return;
        }
        const work = this.afterMessage(context, userId).catch((err: unknown) => debug('follow-up bookkeeping failed: %O', err));
        try {
            await next();
        } finally {
            await this.bounded(work);
        }
    }

    /** Forgets when this process last wrote for a user (the service calls it on a 403), so their next message writes. */
    forget(userId: string): void {
        this.written.delete(userId);
    }

    private async afterMessage(context: TurnContextLike, userId: string): Promise<void> {
        const activity = context.activity;
        const now = Date.now();
        const last = this.written.get(userId);
        // Once a day, or twice per silence when the silence is shorter than two days, so that a due
        // re-engagement is always moved by the message that ends its silence.
        const interval = Math.min(24 * 60 * 60_000, this.service.reengageAfterMs / 2);
        if (last === undefined || now - last >= interval) {
            this.remember(userId, now);
            const reference = this.service.referenceOf(activity);
            const timeZone = activity.localTimezone ?? undefined;
            await this.service.noteUserMessage(userId, new Date(now), timeZone);
            if (!(await this.service.armReengagement(reference, { timeZone, locale: activity.locale, userId }))) {
                // Its send was under way: the next message arms the next one.
                this.written.delete(userId);
            }
            this.noted.delete(userId);
        } else if (this.service.channelWindowMs(activity.channelId) !== undefined && now - (this.noted.get(userId) ?? last) >= WINDOW_NOTE_MS) {
            // A channel with a window (WhatsApp): the last message is recorded hourly, so the window the service
            // computes ends at most an hour early, never late.
            this.noted.set(userId, now);
            if (this.noted.size > MAX_REMEMBERED_USERS) {
                this.noted.clear();
            }
            await this.service.noteUserMessage(userId, new Date(now), activity.localTimezone ?? undefined);
        }
        const score = await this.service.scoreMessage(activity.text ?? '', context);
        if (score !== undefined && score < this.service.lowScore) {
            await this.service.scheduleCheckIn({
                reference: this.service.referenceOf(activity),
                userId,
                score,
                ...(activity.localTimezone ? { timeZone: activity.localTimezone } : {}),
            });
        }
    }

    private remember(userId: string, at: number): void {
        this.written.delete(userId);
        this.written.set(userId, at);
        if (this.written.size > MAX_REMEMBERED_USERS) {
            const oldest = this.written.keys().next().value;
            if (oldest !== undefined) this.written.delete(oldest);
        }
    }

    private stopWords(locale: string | undefined): { stop: Set<string>; start: Set<string> } {
        const read = (key: string) =>
            new Set(
                this.service.texts
                    .t(locale, key)
                    .split(',')
                    .map((w) => w.trim().toLocaleLowerCase())
                    .filter(Boolean)
            );
        return { stop: read('followups:optOut.words'), start: read('followups:optIn.words') };
    }

    /** Waits for the middleware's database work at most `WRITE_BOUND_MS`; a failure or a timeout is only logged. */
    private async bounded(work: Promise<unknown>): Promise<void> {
        await withTimeout(work, WRITE_BOUND_MS, () => new Error(`no answer in ${WRITE_BOUND_MS} ms; the turn went on`)).catch((err: unknown) =>
            debug('follow-up write failed: %O', err)
        );
    }
}
