import type { TelemetryClientLike } from './ports/activity';

/** Names of the events the plugin sends to a `TelemetryClientLike` (also listed in manifest.json). */
export const TelemetryEvents = {
    /** A reminder with Continue / Start over was sent. */
    reminderSent: 'InactivityReminderSent',
    /** A flow was closed (final action `close`, for silence, `maxDuration` or invalid answers). */
    closed: 'InactivityClosed',
    /** A flow was handed off to a person (final action `handoff`). */
    handedOff: 'InactivityHandedOff',
    /** The fallback dialog was begun (final action `dialog`). */
    fallbackStarted: 'InactivityFallbackStarted',
    /** The user clicked Continue. */
    continued: 'InactivityContinued',
    /** The user clicked Start over. */
    startedOver: 'InactivityStartedOver',
    /** A "Welcome back" offer to resume a saved flow was sent. */
    resumeOffered: 'InactivityResumeOffered',
    /** The user resumed a saved flow. */
    resumed: 'InactivityResumed',
    /** The user chose Start fresh on a resume offer. */
    startedFresh: 'InactivityStartedFresh',
    /** Reserved for invalid answers escalating to a step's final action; not sent yet (the final action's own event is). */
    repromptEscalated: 'InactivityRepromptEscalated',
    /** A flow was abandoned (every close, handoff or fallback), with the fields of the abandonment event. */
    flowAbandoned: 'InactivityFlowAbandoned',
    /** A proactive send failed (one event per failed attempt), with `status`, `attempt` and `permanent`. */
    sendFailed: 'InactivitySendFailed',
    /**
     * A due reminder was not sent (`reason` `fatigue`: the user let `maxIgnoredReminders` pass; `holdout`: the run
     * is held out of reminders); the ladder goes on.
     */
    reminderSkipped: 'InactivityReminderSkipped',
} as const;

/** Properties every plugin event carries. Never message text or user names. */
export interface EventProperties {
    /** The conversation id. */
    conversationId: string;
    /** The flow's dialog id. */
    dialogId?: string;
    /** The 1-based step, when known. */
    step?: number;
    /** Anything else the event adds (camelCase keys). */
    [key: string]: string | number | boolean | undefined;
}

/** Where telemetry goes: the bot's client (none configured: nothing is sent) and where a failure is reported. */
export interface TelemetrySink {
    /** The bot's telemetry client, or `undefined`. */
    client: TelemetryClientLike | undefined;
    /** Where a failure goes. */
    onError: (err: Error) => void;
}

/** One telemetry event. */
export interface TrackedEvent {
    /** One of {@link TelemetryEvents}. */
    name: string;
    /** Identifiers and facts (strings). */
    properties: EventProperties;
    /** Numbers such as `idleMs`. Default none. */
    metrics?: Record<string, number>;
}

/**
 * Sends an event to the telemetry client, if one is configured; a telemetry failure is reported, not thrown.
 *
 * @param sink The client and where failures go.
 * @param event The event.
 */
export function track(sink: TelemetrySink, event: TrackedEvent): void {
    const { client, onError } = sink;
    if (!client) {
        return;
    }
    try {
        const props: Record<string, string> = {};
        for (const [k, v] of Object.entries(event.properties)) {
            if (v !== undefined) {
                props[k] = String(v);
            }
        }
        client.trackEvent({ name: event.name, properties: props, metrics: event.metrics ?? {} });
    } catch (err) {
        onError(err as Error);
    }
}
