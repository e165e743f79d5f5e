import type { Duration } from './duration';
import type { FinalAction, FlowDefinition, InactivityPolicy, PolicyMessages } from './policy';
import type { TimerScheduler } from '../ports/timerScheduler';
import type { FlowEventHandler } from '../lifecycle/flowEvent';
import type { TelemetryClientLike, TurnContextLike } from '../ports/activity';
import type { MarkedFlow } from '../markers/markedFlow';

/**
 * The options every binding of the plugin takes (botbuilder's `InactivityOptions` adds the adapter, the bot's
 * state and dialogs, and MongoDB). Durations accept milliseconds or strings such as `'5 minutes'`. Every field
 * that has a default is also described, with that default, in `manifest.json`.
 *
 * @typeParam C The SDK's turn context type, for the callbacks.
 */
export interface CoreOptions<C = TurnContextLike> extends InactivityPolicy {
    /**
     * A scheduler of your choice: `new MemoryScheduler()` for a first look without MongoDB (not durable),
     * `TestScheduler` from `botbuilder-inactivity/testing` in unit tests, or your own implementation of
     * {@link TimerScheduler}. Takes precedence over `mongo` / `agenda` for timers (`mongo` still keeps saved flows
     * and abandonment records).
     */
    scheduler?: TimerScheduler;
    /** The bot's app id for proactive messages. Default `''`, as the Emulator and credential-less bots need. */
    botAppId?: string;
    /** Per-flow (dialog id) descriptions and overrides. Default `{}`. */
    flows?: Record<string, FlowDefinition>;
    /**
     * Defaults per channel, keyed by the activity's `channelId` (`'msteams'`, `'webchat'`, `'whatsapp'`, ...): any
     * setting of the ladder. They apply over the plugin-wide settings (the policy file's `defaults`, then these
     * options) and under each flow's and step's own; merged over the policy file's `channels`, field by field.
     * Default `{}`.
     *
     * @example
     * ```ts
     * channels: { whatsapp: { reminderAfter: '4 hours', closeAfter: '20 hours' }, webchat: { reminderAfter: '3 minutes' } }
     * ```
     */
    channels?: Record<string, InactivityPolicy>;
    /** Path of a JSON policy file designers edit (`{ "defaults": {...}, "channels": {...}, "flows": {...} }`), merged under `channels` and `flows`. */
    policyFile?: string;
    /** Language used when the user's cannot be served. Default `'en'`. */
    defaultLocale?: string;
    /** A folder of the bot's own texts laid out `<lng>/<namespace>.json`, for flow activity and summary keys. */
    localesPath?: string;
    /** Picks the user's locale; default: the activity's `locale`. */
    localeNegotiator?: (context: C) => string | undefined | Promise<string | undefined>;
    /**
     * Polling interval of the Agenda the plugin creates. Default `5000` ms: timers armed on an instance are locked
     * by its notification channel the moment they are due before the next poll, so the poll only picks up timers
     * armed elsewhere ahead of time (one database command per poll).
     */
    processEvery?: Duration;
    /** How long a turn waits for the scheduler before it carries on (the timer is re-armed on a later turn). Default `'2 seconds'`. */
    schedulerTimeout?: Duration;
    /**
     * How long a proactive send (reminder, goodbye, handoff, fallback) may take before it counts as failed and is
     * retried; at most 15 seconds, so a timer's turn ends well inside its one-minute lock. Default `'10 seconds'`.
     */
    sendTimeout?: Duration;
    /**
     * Retries of a proactive send the channel refused, with Agenda's exponential backoff and jitter (about 2, 4,
     * 8, 16 and 32 s; a 429's `Retry-After` is honoured). After the last the flow is closed without a message and
     * recorded as `undeliverable`; a 401, 403 or 404 does that at once. Default `5`.
     */
    sendRetries?: number;
    /** Recent messages kept for a handoff transcript. Default `10`. */
    transcriptSize?: number;
    /**
     * A user's `typing` activity holds the conversation's next reminder or final action until at least this long
     * after the last one (the bot's own typing does not count; `maxDuration` is a cap and is not held). The hold
     * is stored at most once per `typingGrace / 2` of continuous typing, so it lasts from `typingGrace` to
     * `1.5 × typingGrace` after the last typing activity. `0` turns it off. Default `'30 seconds'`.
     */
    typingGrace?: Duration;
    /**
     * Reminders in a row a user may let pass without answering (across flows and conversations) before the plugin
     * stops reminding them for `fatigueCooldown`; their flows still close, hand off or fall back as configured.
     * Any message the user sends after a reminder, before its final action, answers it and starts the count
     * again. Needs MongoDB (`mongo`): the count is kept per user in `<prefix>ReminderFatigue`. `0` turns it off.
     * Default `3`.
     */
    maxIgnoredReminders?: number;
    /** How long a user's reminders stay paused once they let `maxIgnoredReminders` pass. Default `'7 days'`. */
    fatigueCooldown?: Duration;
    /**
     * A share of flow runs, from 0 to 0.5, that get no reminder, to measure what reminders bring back: a run is
     * held out by a hash of its conversation and its run id (and `holdoutSeed`), so the same run is in the same
     * group on every instance and after restarts. A held-out run's reminder stage still comes at its time and
     * is recorded (the run record's `heldOut`, a skip with reason `holdout`), but sends nothing; everything else
     * happens as configured, the close included. The report compares held-out and reminded runs
     * (`flows[].experiment`). Default `0` (every run is reminded).
     */
    holdout?: number;
    /** Mixed into the holdout's hash: another seed draws another split of the same runs (tests fix it). Default `''`. */
    holdoutSeed?: string;
    /** Send `endOfConversation` (code `botTimedOut`) after closing, on channels that accept it. Default `true`. */
    endOfConversation?: boolean;
    /** Prefix of the plugin's MongoDB collections (`<prefix>Jobs`, `<prefix>Snapshots`, `<prefix>Events`). Default `'inactivity'`. */
    collectionPrefix?: string;
    /**
     * How long flow-run records (`<prefix>Runs`, read by the drop-off report) and abandonment events
     * (`<prefix>Events`) are kept. Purged hourly, and by a TTL index where the server applies one. Default
     * `'90 days'`.
     */
    recordRetention?: Duration;
    /**
     * How often one instance sweeps: saved flows past their resume window expired, and records past their
     * retention deleted (at least 1 minute). Default `'1 hour'`.
     */
    sweepEvery?: Duration;
    /** Documents each delete command of a sweep removes, at most (1 to 100,000). Default `1000`. */
    sweepBatchSize?: number;
    /** Keep users' raw ids in flow-run records instead of a keyed hash (HMAC-SHA256). Default `false`. */
    rawUserIds?: boolean;
    /**
     * The secret of the user hashes in flow-run records (at least 16 characters). Default: a random key made once
     * and kept in the `<prefix>Runs` collection, so hashes stay stable across restarts and instances.
     */
    userHashKey?: string;
    /** Receives `trackEvent` calls for reminders, closes, handoffs, continues, restarts and abandonments. */
    telemetryClient?: TelemetryClientLike;
    /**
     * Receives every error the plugin recovers from (the user's turn has gone on without it). Default: a
     * `process.emitWarning` of type `BotbuilderInactivityWarning` and the `botbuilder-inactivity:*` debug log. The
     * adapter's `onTurnError` is not called: template handlers tell the user the bot failed and delete the
     * conversation state, for a failure the user never saw.
     */
    onError?: (error: Error, context?: C) => void | Promise<void>;
    /** The clock, in epoch milliseconds. Default `Date.now`. */
    now?: () => number;
    /**
     * A hook on flow events (started, reminded, escalated, closed, handedOff, abandoned, resumed, completed,
     * extended): the bot's own code for a flow's life. More can be added with `onFlowEvent()`. A hook is awaited
     * at most `flowEventTimeout`; what it throws is reported through `onError`, never to the user.
     */
    onFlowEvent?: FlowEventHandler;
    /**
     * For flows the bot marks with `flows.step()`: Continue asks the step again by calling this. Default: the
     * step's `prompt` is sent.
     */
    onContinue?: (context: C, flow: MarkedFlow) => void | Promise<void>;
    /**
     * For flows the bot marks with `flows.step()`: Start over calls this after `onEnd`; the bot begins the flow
     * again (asks its first question and marks it). Without it, the reminder of such a flow offers Continue only.
     */
    onStartOver?: (context: C, flow: MarkedFlow) => void | Promise<void>;
    /**
     * For flows the bot marks with `flows.step()`: Resume calls this with the saved step and answers
     * (`flow.stepId`, `flow.values`) for the bot to take back; then the step is asked again (`onContinue` or the
     * prompt).
     */
    onResume?: (context: C, flow: MarkedFlow) => void | Promise<void>;
    /**
     * For flows the bot marks with `flows.step()`: called in the turn in which the plugin ends the flow (close,
     * handoff, fallback, maxDuration, Start over, `abandon`), so that the bot clears its own state there.
     */
    onEnd?: (context: C, flow: MarkedFlow) => void | Promise<void>;
    /**
     * How long the flow event hooks are waited for, together, before the turn or timer goes on without them
     * (they keep running in the background); more than 0 and at most 10 seconds. Default `'2 seconds'`.
     */
    flowEventTimeout?: Duration;
}

/** The settings every flow starts from; merged from {@link DEFAULTS} and the options. Durations in ms. */
export interface ResolvedPolicy {
    /** Whether the flow or step is watched. */
    enabled: boolean;
    /** Whether a reminder goes out before the final action. */
    remind: boolean;
    /** Idle time before the reminder (ms). */
    reminderAfter: number;
    /** Idle time before the final action (ms). */
    closeAfter: number;
    /** What happens after `closeAfter`. */
    finalAction: FinalAction;
    /** The dialog begun by the final action `'dialog'`. */
    fallbackDialog?: string;
    /** How long a closed flow can be resumed (ms); 0 = never. */
    resumeWindow: number;
    /** Invalid answers to one prompt before the final action; 0 = off. */
    maxInvalidAttempts: number;
    /** Cap on a whole flow's duration (ms), or `null` for none. */
    maxDuration: number | null;
    /** Locale keys replacing the default texts. */
    messages: PolicyMessages;
}

/** The plugin's defaults: the single source for code, README and manifest.json (a test keeps them equal). */
export const DEFAULTS = {
    /** {@link InactivityPolicy.enabled} */
    enabled: true,
    /** {@link InactivityPolicy.remind} */
    remind: true,
    /** {@link InactivityPolicy.reminderAfter} */
    reminderAfter: '5 minutes',
    /** {@link InactivityPolicy.closeAfter} */
    closeAfter: '15 minutes',
    /** {@link InactivityPolicy.finalAction} */
    finalAction: 'close',
    /** {@link InactivityPolicy.resumeWindow} */
    resumeWindow: '24 hours',
    /** {@link InactivityPolicy.maxInvalidAttempts} */
    maxInvalidAttempts: 3,
    /** {@link InactivityPolicy.maxDuration} */
    maxDuration: null,
    /** {@link InactivityOptions.botAppId} */
    botAppId: '',
    /** {@link InactivityOptions.flows} */
    flows: {},
    /** {@link InactivityOptions.channels} */
    channels: {},
    /** {@link InactivityOptions.defaultLocale} */
    defaultLocale: 'en',
    /** {@link InactivityOptions.processEvery} (ms) */
    processEvery: 5000,
    /** {@link InactivityOptions.schedulerTimeout} */
    schedulerTimeout: '2 seconds',
    /** {@link InactivityOptions.sendTimeout} */
    sendTimeout: '10 seconds',
    /** {@link InactivityOptions.sendRetries} */
    sendRetries: 5,
    /** {@link InactivityOptions.transcriptSize} */
    transcriptSize: 10,
    /** {@link InactivityOptions.typingGrace} */
    typingGrace: '30 seconds',
    /** {@link InactivityOptions.maxIgnoredReminders} */
    maxIgnoredReminders: 3,
    /** {@link InactivityOptions.fatigueCooldown} */
    fatigueCooldown: '7 days',
    /** {@link InactivityOptions.holdout} */
    holdout: 0,
    /** {@link InactivityOptions.holdoutSeed} */
    holdoutSeed: '',
    /** {@link InactivityOptions.endOfConversation} */
    endOfConversation: true,
    /** {@link InactivityOptions.collectionPrefix} */
    collectionPrefix: 'inactivity',
    /** {@link InactivityOptions.flowEventTimeout} */
    flowEventTimeout: '2 seconds',
    /** {@link InactivityOptions.recordRetention} */
    recordRetention: '90 days',
    /** {@link InactivityOptions.rawUserIds} */
    rawUserIds: false,
    /** {@link InactivityOptions.sweepEvery} */
    sweepEvery: '1 hour',
    /** {@link InactivityOptions.sweepBatchSize} */
    sweepBatchSize: 1000,
} as const;
