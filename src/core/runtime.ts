import type { BotTelemetryClient, ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { DialogSet, DialogState } from 'botbuilder-dialogs';
import type { AbandonmentLog } from './records/abandonmentLog';
import type { InactivityState } from './turn/inactivityState';
import type { MongoFlowRunStore } from '../mongo/flowRunStore';
import type { Localizer } from './texts/localization';
import type { InactivityOptions, ResolvedPolicy } from './policy/options';
import type { FlowDefinition } from './policy/policy';
import type { SnapshotStore } from './records/snapshotStore';
import type { TimerScheduler } from './ports/timerScheduler';
import type { withinBudget } from './util/withinBudget';
import type { FlowLifecycle } from './lifecycle/flowLifecycle';

/** Settings resolved once at construction, durations in ms. */
export interface Settings {
    /** The plugin-wide policy. */
    policy: ResolvedPolicy;
    /** Flows from options and the policy file. */
    flows: Record<string, FlowDefinition>;
    /** App id for proactive turns. */
    botAppId: string;
    /** How long a turn waits for the scheduler. */
    schedulerTimeout: number;
    /** Messages kept for handoff transcripts. */
    transcriptSize: number;
    /** Whether `endOfConversation` follows a close. */
    endOfConversation: boolean;
    /** How long a proactive send may take before it counts as failed (and is retried). */
    sendTimeout: number;
    /** How long a whole timer turn may take: well inside the timer's one-minute lock, so it never runs twice. */
    timerDeadline: number;
}

/**
 * What the turn logic and the timer logic share: one object per middleware instance (two bots in one process
 * never share one). Holds no per-turn data.
 */
export interface Services {
    /** The options as given. */
    options: InactivityOptions;
    /** Resolved settings. */
    settings: Settings;
    /** Texts. */
    localizer: Localizer;
    /** Durable timers; created by `start()` when the plugin opens MongoDB itself. */
    scheduler?: TimerScheduler;
    /** Saved flows, once started with MongoDB. */
    snapshots?: SnapshotStore;
    /** Abandonment events, once started with MongoDB. */
    abandonments?: AbandonmentLog;
    /** Flow-run records for the drop-off report, once started with MongoDB. */
    flowRuns?: MongoFlowRunStore;
    /** The plugin's property in conversation state. */
    state: StatePropertyAccessor<InactivityState | undefined>;
    /** The bot's conversation state. */
    conversationState: ConversationState;
    /** The bot's dialog state accessor. */
    dialogState: StatePropertyAccessor<DialogState>;
    /** A dialog set holding the bot's root dialog, when one was given. */
    dialogs?: DialogSet;
    /** The telemetry client, if any. */
    telemetry?: BotTelemetryClient;
    /** Flow event hooks and the count of flows in progress. */
    lifecycle: FlowLifecycle;
    /** The clock. */
    now(): number;
    /** Reports an error the plugin recovered from. Never throws. */
    report(err: unknown, context?: TurnContext): void;
    /** Waits for a database call at most `schedulerTimeout` (see {@link withinBudget}). */
    budget<T>(work: Promise<T>, what: string): Promise<T>;
}
