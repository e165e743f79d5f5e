import type { ActivityLike, ConversationRef, TurnContextLike } from '../ports/activity';
import type { AbandonmentEvent } from '../records/abandonmentLog';
import type { ReminderVisit, StepVisit } from '../records/flowRun';

/** Version of {@link InactivityState}; bump it and upgrade old records (in `readState`) when the shape changes. */
export const STATE_VERSION = 1;

/** The property of the bot's conversation state the plugin owns. */
export const STATE_PROPERTY = 'botbuilder-inactivity';

/** A button the plugin sent and will accept once. */
export interface PendingButtons {
    /** Random one-time token carried by the buttons. */
    nonce: string;
    /** What the buttons answer. */
    kind: 'reminder' | 'resume';
    /** When they were sent (epoch ms). */
    issuedAt: number;
    /** The snapshot a resume offer is about. */
    snapshotId?: string;
}

/** One line of the recent-messages transcript kept for handoffs. */
export interface TranscriptLine {
    /** Who spoke. */
    from: 'user' | 'bot';
    /** The message text (never sent to telemetry). */
    text: string;
    /** When (epoch ms). */
    at: number;
}

/** What the plugin knows about the flow in progress. */
export interface FlowProgress {
    /** The flow's dialog id. */
    id: string;
    /**
     * When it first began (epoch ms), for `maxDuration` and time spent. Kept across Start over and restored on
     * Resume, so neither restarts the cap.
     */
    startedAt: number;
    /** Whether a reminder went out while it ran. */
    reminded: boolean;
    /** When the last reminder was claimed (epoch ms): the final action keeps its announced distance from it. */
    remindedAt?: number;
    /** The snapshot it was resumed from, if any. */
    resumedFrom?: string;
    /** Random id of this run of the flow, for its drop-off record (a Start over or a resume begins a new run). */
    runId?: string;
    /** The steps this run reached, in order, for its drop-off record. */
    steps?: StepVisit[];
    /** The reminders this run received, for its drop-off record. */
    reminders?: ReminderVisit[];
    /** How many times the bot gave the user more time in this run. Default 0. */
    extensions?: number;
    /** What `extend(context, { maxDuration })` added to the journey's cap (ms), kept across Start over and Resume. Default 0. */
    capExtendedMs?: number;
    /**
     * When the journey's current open stretch began (epoch ms): its resume, for a resumed flow. Default
     * `startedAt`. With {@link FlowProgress.openBeforeMs}, the time spent counts only while the flow was open.
     */
    openedAt?: number;
    /** How long the journey was open before its current stretch (before it was closed and resumed), in ms. Default 0. */
    openBeforeMs?: number;
    /** Reminders due in this run that were not sent, for its drop-off record. */
    skippedReminders?: SkippedReminderVisit[];
}

/** A reminder due in a run and not sent, as kept in the conversation state while the run goes on. */
export interface SkippedReminderVisit {
    /** When it was due and skipped (epoch ms). */
    at: number;
    /** Why: `fatigue` (the user's reminders are paused) or `holdout` (the run is held out of reminders). */
    reason: 'fatigue' | 'holdout';
    /** The step the user was silent at, when known. */
    step?: string;
    /** Zero-based index of that step, when known. */
    index?: number;
    /** When the user next wrote or clicked (epoch ms), if they did before the run ended. Noted for `holdout` skips. */
    answeredAt?: number;
}

/** What a timer's turn is delivering: the stage it claimed before sending anything. */
export interface DeliveryClaim {
    /** Random id of the claim; also the id of the flow's snapshot and abandonment event, so a retry records each once. */
    id: string;
    /** The ladder stage claimed. */
    stage: 'reminder' | 'final' | 'maxDuration';
    /** What the stage does. */
    action: 'reminder' | 'close' | 'handoff' | 'dialog';
    /**
     * `sending`: claimed, the send started (after a crash it is not sent again: at most once); `retry`: the last
     * attempt failed and the scheduler retries it; `done`: settled.
     */
    status: 'sending' | 'retry' | 'done';
    /** Attempts made so far. */
    attempts: number;
    /** When it was claimed (epoch ms). */
    claimedAt: number;
    /** The activities sent, kept so that a retry sends the very same ones (absent for a fallback dialog). */
    activities?: ActivityLike[];
    /** The abandonment to record once the final action is delivered (or found undeliverable). */
    abandonment?: AbandonmentDraft;
    /** The flow run the final action ends, for its drop-off record. */
    run?: FlowProgress;
}

/**
 * An abandonment event before it is recorded: what the flow was when its final stage was claimed. The id, the
 * time and the conversation are added when it is recorded.
 */
export type AbandonmentDraft = Omit<AbandonmentEvent, 'id' | 'v' | 'at' | 'channelId' | 'conversationId' | 'resumed' | 'resumedAt'>;

/**
 * The plugin's record in a conversation's state. Only serialisable data: it is saved by the bot's storage.
 */
export interface InactivityState {
    /** Schema version, {@link STATE_VERSION}. */
    v: number;
    /** The user's last message (epoch ms). Every idle time is measured from here. */
    lastUserActivityAt: number;
    /** Where to write back when a timer fires. */
    reference: ConversationRef;
    /** The user's locale, normalised. */
    locale?: string;
    /** When the armed timer is due (epoch ms); undefined when none is known to be armed. */
    armedFor?: number;
    /** Ladder stages already taken since the last user message. */
    stagesDone: string[];
    /** The flow in progress, if any. */
    flow?: FlowProgress;
    /** Buttons awaiting a click. */
    pending?: PendingButtons;
    /** Recent messages for a handoff transcript. */
    transcript: TranscriptLine[];
    /** Invalid answers in a row to the prompt waiting now (progressive re-prompts). */
    invalid?: {
        /** The prompt's identity (its dialog id and place on the stack). */
        prompt: string;
        /** Invalid answers so far. */
        count: number;
    };
    /** The stage a timer's turn claimed and is delivering, until the user writes again. */
    delivery?: DeliveryClaim;
    /**
     * More time the bot gave with `extend()` since the user's last message (cleared by the next one): the ladder's
     * idle stages move by `ms`; `afterReminderMs`, the part given after the reminder went out, moves the final
     * action announced by that reminder.
     */
    extension?: {
        /** All of it, in ms. */
        ms: number;
        /** The part given after the reminder was claimed, in ms. */
        afterReminderMs: number;
    };
    /**
     * Set while a user turn is being answered (epoch ms of its message): a timer firing then does not count the
     * silence from the message's arrival, however slow the bot's reply. Cleared when the reply is stored.
     */
    replyingSince?: number;
    /**
     * The user is typing: the reminder and the final action wait until `until` (epoch ms). `at` is when the hold
     * was last stored; it is stored again only once `typingGrace / 2` has passed. Cleared by the next message.
     */
    typing?: {
        /** When the hold was stored (epoch ms). */
        at: number;
        /** Until when the idle stages wait (epoch ms). */
        until: number;
    };
}

/**
 * Reads a stored record, upgrading older versions and discarding what cannot be read. The result is a deep
 * copy: a turn that changes it never changes what another turn (or the storage's cache) holds.
 *
 * @param raw What the storage returned.
 * @returns A current record, or `undefined`.
 */
export function readState(raw: unknown): InactivityState | undefined {
    if (!raw || typeof raw !== 'object') {
        return undefined;
    }
    const s = raw as Partial<InactivityState>;
    if (s.v !== STATE_VERSION || typeof s.lastUserActivityAt !== 'number' || !s.reference) {
        return undefined;
    }
    // A copy of every level (the fields are known: cheaper than structuredClone on every turn).
    const ref = s.reference;
    return {
        ...s,
        reference: {
            ...ref,
            conversation: ref.conversation && { ...ref.conversation },
            user: ref.user && { ...ref.user },
            bot: ref.bot && { ...ref.bot },
            // The Agents SDK's name for the bot; absent (not `undefined`) in botbuilder's references.
            ...(ref.agent && { agent: { ...ref.agent } }),
        },
        stagesDone: Array.isArray(s.stagesDone) ? [...s.stagesDone] : [],
        transcript: Array.isArray(s.transcript) ? s.transcript.map((line) => ({ ...line })) : [],
        flow: s.flow && { ...s.flow },
        pending: s.pending && { ...s.pending },
        invalid: s.invalid && { ...s.invalid },
        delivery: s.delivery && structuredClone(s.delivery),
        typing: s.typing && { ...s.typing },
    } as InactivityState;
}

/**
 * The key of a conversation's timer: one timer per channel and conversation.
 *
 * @param reference The conversation's reference.
 * @returns `<channelId>/<conversationId>`.
 */
export function conversationKey(reference: ConversationRef): string {
    return `${reference.channelId ?? 'unknown'}/${reference.conversation?.id ?? 'unknown'}`;
}

/**
 * Forgets the flow in the plugin's record: its run and the buttons waiting for a click. The flow itself (the
 * dialogs) is ended by the flow source; see `clearFlow`, which does both.
 *
 * @param state The plugin's record.
 */
export function forgetFlow(state: InactivityState): void {
    state.flow = undefined;
    state.pending = undefined;
}

/**
 * Adds a line to the handoff transcript, keeping only the most recent ones.
 *
 * @param state The plugin's record.
 * @param line Who spoke, what was said (cut to 500 characters; anything but a non-empty string is skipped) and
 *   when (epoch ms).
 * @param size How many lines to keep; 0 keeps none.
 */
export function addTranscriptLine(state: InactivityState, line: { from: 'user' | 'bot'; text: unknown; at: number }, size: number): void {
    const { from, text, at } = line;
    // Channels and bots can put a number or an object in `text`: it is no line of the conversation.
    if (size > 0 && typeof text === 'string' && text) {
        state.transcript = [...state.transcript, { from, text: text.slice(0, 500), at }].slice(-size);
    }
}

/**
 * Adds every message the bot sends in a turn to the handoff transcript, as it is sent.
 *
 * @param context The turn.
 * @param state The plugin's record for that turn.
 * @param now The clock.
 * @param size How many lines to keep.
 */
export function recordSentMessages(context: TurnContextLike, state: InactivityState, now: () => number, size: number): void {
    context.onSendActivities(async (_ctx, activities, next) => {
        for (const a of activities) {
            if (a.type === 'message' && a.text) {
                addTranscriptLine(state, { from: 'bot', text: a.text, at: now() }, size);
            }
        }
        return next();
    });
}
