import type { ActiveFlowStore } from './ports/activeFlowStore';
import type { AbandonmentLog } from './records/abandonmentLog';
import type { FlowRunLog } from './records/flowRun';
import type { ReminderFatigueStore } from './records/reminderFatigue';
import type { Localizer } from './texts/localization';
import type { CoreOptions, ResolvedPolicy } from './policy/options';
import type { FlowDefinition } from './policy/policy';
import type { SnapshotStore } from './records/snapshotStore';
import type { TimerScheduler } from './ports/timerScheduler';
import type { FlowLifecycle } from './lifecycle/flowLifecycle';
import type { TelemetryClientLike, TurnContextLike } from './ports/activity';
import type { BotBinding } from './ports/botBinding';
import type { FlowSource } from './ports/flowSource';
import type { ConversationStore } from './ports/conversationStore';

/** Settings resolved once at construction, durations in ms. */
export interface Settings {
    /** The plugin-wide policy. */
    policy: ResolvedPolicy;
    /** The defaults of each configured channel (the plugin-wide policy with the channel's settings), by channel id. */
    channels: ReadonlyMap<string, ResolvedPolicy>;
    /** Flows from options and the policy file. */
    flows: Record<string, FlowDefinition>;
    /** App id for proactive turns. */
    botAppId: string;
    /** How long a turn waits for the scheduler. */
    schedulerTimeout: number;
    /** Messages kept for handoff transcripts. */
    transcriptSize: number;
    /** How long a user's typing holds the next stage (ms); 0 = off. */
    typingGrace: number;
    /** Reminders in a row a user may let pass before theirs are paused; 0 = off. */
    maxIgnoredReminders: number;
    /** How long a user's reminders stay paused (ms). */
    fatigueCooldown: number;
    /** The share of flow runs held out of reminders (0 to 0.5); 0 = off. */
    holdout: number;
    /** Mixed into the holdout's hash. */
    holdoutSeed: string;
    /** Whether `endOfConversation` follows a close. */
    endOfConversation: boolean;
    /** How long a proactive send may take before it counts as failed (and is retried). */
    sendTimeout: number;
    /** How long a whole timer turn may take: well inside the timer's one-minute lock, so it never runs twice. */
    timerDeadline: number;
}

/**
 * What the turn logic and the timer logic share: one object per middleware instance (two bots in one process
 * never share one). Holds no per-turn data: a turn carries its own `UserTurn` or `TimerTurn`.
 */
export interface Plugin {
    /** The options as given. */
    options: CoreOptions;
    /** Resolved settings. */
    settings: Settings;
    /** Texts. */
    localizer: Localizer;
    /** The bot SDK: references, proactive turns, the activities the plugin builds. */
    bot: BotBinding;
    /** Where the user is in a flow, and how to move them. */
    flows: FlowSource;
    /** The plugin's record in the conversation's state. */
    conversations: ConversationStore;
    /** Durable timers; created by `start()` when the plugin opens MongoDB itself. */
    scheduler?: TimerScheduler;
    /** Saved flows, once started with MongoDB. */
    snapshots?: SnapshotStore;
    /** Abandonment events, once started with MongoDB. */
    abandonments?: AbandonmentLog;
    /** Flow-run records for the drop-off report, once started with MongoDB. */
    flowRuns?: FlowRunLog;
    /** Where the instances publish their flows in progress, for `activeFlows({ scope: 'all' })`; once started with MongoDB. */
    activeFlowStore?: ActiveFlowStore;
    /** Each user's ignored reminders and pause, once started with MongoDB. */
    fatigue?: ReminderFatigueStore;
    /** The telemetry client, if any. */
    telemetry?: TelemetryClientLike;
    /** Flow event hooks and the count of flows in progress. */
    lifecycle: FlowLifecycle;
    /** The clock. */
    now(): number;
    /** Reports an error the plugin recovered from. Never throws. */
    warn(err: unknown, context?: TurnContextLike): void;
    /** Waits for a database call at most `schedulerTimeout`; the turn goes on without it after that. */
    bounded<T>(work: Promise<T>, what: string): Promise<T>;
}
