/** The current version of {@link FlowRunRecord}. */
export const FLOW_RUN_VERSION = 1;

/**
 * How a flow run ended. `completed`: the flow's dialog ended in the bot's own logic (the plugin did not end it);
 * `abandoned`: the plugin (or the bot, with its own reason) closed it or began a fallback; `handedOff`: it was
 * handed to a human.
 */
export type RunOutcome = 'completed' | 'abandoned' | 'handedOff';

/** A step a run reached, as kept in the conversation state while the run goes on. */
export interface StepVisit {
    /** The step's name, or its 1-based number as a string. */
    step: string;
    /** Zero-based step index, when known. */
    index?: number;
    /** When the user reached it (epoch ms). */
    at: number;
    /** The step a resumed run began at: already counted by the run that was abandoned there. */
    resumed?: true;
}

/** A reminder a run received, as kept in the conversation state while the run goes on. */
export interface ReminderVisit {
    /** When it was sent (epoch ms). */
    at: number;
    /** The step the user was silent at, when known. */
    step?: string;
    /** Zero-based index of that step, when known. */
    index?: number;
    /** When the user next wrote or clicked (epoch ms), if they did. */
    answeredAt?: number;
}

/** A step of a finished run. */
export interface RunStep {
    /** The step's name, or its 1-based number as a string. */
    step: string;
    /** Zero-based step index, when known. */
    index?: number;
    /** Time spent on it: from reaching it to reaching the next step or the end of the run (ms). */
    ms: number;
    /** True for the step a resumed run began at (the funnel counts it once, in the run abandoned there). */
    resumed?: true;
}

/** A reminder of a finished run. */
export interface RunReminder {
    /** When it was sent. */
    at: Date;
    /** The step the user was silent at, when known (absent in records written before the holdout came). */
    step?: string;
    /** Zero-based index of that step, when known. */
    index?: number;
    /** Whether the user wrote or clicked after it (before the run ended). */
    answered: boolean;
}

/** A reminder due in a finished run and not sent. */
export interface SkippedReminder {
    /** When the reminder was due and skipped. */
    at: Date;
    /** Why it was skipped: `fatigue` (the user's reminders were paused) or `holdout` (the run is held out). */
    reason: string;
    /** The step the user was silent at, when known. */
    step?: string;
    /** Zero-based index of that step, when known. */
    index?: number;
    /** For a `holdout` skip: whether the user wrote or clicked after it, before the run ended. */
    answered?: boolean;
}

/**
 * One flow run as the drop-off report reads it: written once, when the run ends. Its `_id` is derived from the
 * conversation and the run id, so an end recorded twice (a retried timer) stores one record.
 */
export interface FlowRunRecord {
    /** Schema version, {@link FLOW_RUN_VERSION}. */
    v: number;
    /** Random id of the run. */
    runId: string;
    /** The flow's dialog id. */
    flowId: string;
    /** How it ended. */
    outcome: RunOutcome;
    /**
     * Why it was abandoned or handed off: a built-in reason (`timeout`, `invalidInput`, `maxDuration`,
     * `handoff`, `userCancelled`, `undeliverable`) or one of the bot's own. Absent for `completed`.
     */
    reason?: string;
    /** The step the run ended at. */
    endStep?: string;
    /** Zero-based index of that step. */
    endStepIndex?: number;
    /** When the run began (its first step). */
    startedAt: Date;
    /** When it ended. The report's `since` / `until` and its per-day trend go by this time. */
    endedAt: Date;
    /** From `startedAt` to `endedAt` (ms). */
    durationMs: number;
    /** The steps reached, in order, with the time spent on each. */
    steps: RunStep[];
    /** The reminders sent during the run. */
    reminders: RunReminder[];
    /** Reminders due in the run that were not sent, and why (`fatigue`, `holdout`). Absent when none were skipped. */
    skippedReminders?: SkippedReminder[];
    /**
     * Whether the run is in the share held out of reminders (`holdout`): `true` held out, `false` reminded as
     * usual. Absent when the run ended with no holdout configured, so the report compares only runs of the
     * experiment.
     */
    heldOut?: boolean;
    /** Whether at least one reminder was sent. */
    reminded: boolean;
    /** Whether the user came back after a reminder. */
    answeredAfterReminder: boolean;
    /** Whether this run began by resuming a saved flow. */
    resumed: boolean;
    /** The saved flow (snapshot id) this run was resumed from, when it was. */
    resumedFrom?: string;
    /** The snapshot saved when this run was closed, which a later run may resume from. */
    snapshotId?: string;
    /** How many times the bot gave the user more time in this run. */
    extensions: number;
    /** Channel id. */
    channelId: string;
    /** Tenant id (Teams), when the channel gives one. */
    tenantId?: string;
    /** The user: a keyed hash (HMAC-SHA256) of channel and user id, or the raw id when `rawUserIds` is on. */
    user?: string;
}

/**
 * Where flow-run records are kept (the drop-off report reads them): MongoDB's `<prefix>Runs` collection.
 */
export interface FlowRunLog {
    /**
     * How a user is named in records: a keyed hash of the channel and user id, or the raw id when configured.
     *
     * @param channelId The channel.
     * @param userId The user's id.
     */
    userOf(channelId: string, userId: string | undefined): string | undefined;
    /**
     * Records a finished run, once: recording the same run of the same conversation again changes nothing.
     *
     * @param conversationKey The conversation (`<channelId>/<conversationId>`).
     * @param record The run.
     */
    record(conversationKey: string, record: FlowRunRecord): Promise<void>;
}
