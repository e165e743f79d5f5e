// From the core, not the botbuilder entry: the Agents SDK sample reads the same settings and loads no botbuilder.
import type { Duration } from '../src/core/policy/duration';
import type { FinalAction } from '../src/core/policy/policy';

/** The sample's settings, read from the environment. */
export interface SampleConfig {
    /** HTTP port. `PORT`, default 3978. */
    port: number;
    /** `MONGODB_URI`; when absent the sample starts an embedded wire-protocol server. */
    mongoUri?: string;
    /** `INACTIVITY_REMINDER_AFTER`, default the plugin's ('5 minutes'); digits alone are milliseconds. */
    reminderAfter?: Duration;
    /** `INACTIVITY_CLOSE_AFTER`, default the plugin's ('15 minutes'); digits alone are milliseconds. */
    closeAfter?: Duration;
    /** `INACTIVITY_FINAL_ACTION`: close or handoff. */
    finalAction?: FinalAction;
    /** `INACTIVITY_RESUME_WINDOW`, default the plugin's ('24 hours'); digits alone are milliseconds. */
    resumeWindow?: Duration;
    /** `INACTIVITY_POLICY_FILE`: the policy file designers edit (relative to the working folder). Default `samples/inactivity-policy.json`. */
    policyFile?: string;
    /** `INACTIVITY_TYPING_GRACE`, default the plugin's ('30 seconds'); `0` turns the typing hold off; digits alone are milliseconds. */
    typingGrace?: Duration;
    /** `INACTIVITY_HOLDOUT`: the share of flow runs (0 to 0.5) held out of reminders, to measure what they bring back. Default the plugin's (0). */
    holdout?: number;
    /** `INACTIVITY_FOLLOWUPS`: `off` turns follow-ups and re-engagement off. Default on. */
    followUps: boolean;
    /** `INACTIVITY_FOLLOWUP_AFTER`: delay of the follow-up after "add client" completes. Default the service's ('24 hours'). */
    followUpAfter?: Duration;
    /** `INACTIVITY_REENGAGE_AFTER`: silence before a re-engagement. Default the service's ('30 days'). */
    reengageAfter?: Duration;
    /** `INACTIVITY_QUIET_HOURS`: `'21:00-08:00'` (the default) or `off`. */
    quietHours?: { start: string; end: string } | null;
    /**
     * `INACTIVITY_ADMIN_TOKEN`: when set, `/report` and `/api/followups/health` need `Authorization: Bearer <token>`
     * or `?token=<token>` (a 401 otherwise). Unset: open to anyone who can reach the bot.
     */
    adminToken?: string;
    /** `MicrosoftAppId`, empty for the Emulator. */
    appId: string;
    /** `MicrosoftAppPassword`. */
    appPassword: string;
}

/**
 * Reads the sample's settings. A duration variable holds either a duration with its unit ('3 seconds',
 * '5 minutes'), passed on for the plugin to validate, or digits alone, read as milliseconds ('3000' is 3
 * seconds) and passed on as a number: an environment variable cannot hold a number, and scripts set timeouts
 * in milliseconds. The plugin itself refuses a string without a unit.
 *
 * @param env The environment.
 * @returns The settings.
 * @throws Error when a value cannot be used.
 */
export function readSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
    const port = Number(env.PORT ?? 3978);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new Error(`PORT must be a TCP port number; got ${JSON.stringify(env.PORT)}.`);
    }
    const finalAction = env.INACTIVITY_FINAL_ACTION?.trim().toLowerCase() || undefined;
    if (finalAction !== undefined && finalAction !== 'close' && finalAction !== 'handoff') {
        throw new Error(`INACTIVITY_FINAL_ACTION must be 'close' or 'handoff'; got ${JSON.stringify(env.INACTIVITY_FINAL_ACTION)}.`);
    }
    const followUps = (env.INACTIVITY_FOLLOWUPS?.trim().toLowerCase() || 'on') !== 'off';
    const quiet = env.INACTIVITY_QUIET_HOURS?.trim().toLowerCase();
    let quietHours: SampleConfig['quietHours'];
    if (quiet === 'off') {
        quietHours = null;
    } else if (quiet) {
        const m = /^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(quiet);
        if (!m) {
            throw new Error(
                `INACTIVITY_QUIET_HOURS must be 'HH:mm-HH:mm' (for example '21:00-08:00') or 'off'; got ${JSON.stringify(env.INACTIVITY_QUIET_HOURS)}.`
            );
        }
        quietHours = { start: m[1], end: m[2] };
    }
    const holdoutText = env.INACTIVITY_HOLDOUT?.trim();
    const holdout = holdoutText ? Number(holdoutText) : undefined;
    if (holdout !== undefined && !(holdout >= 0 && holdout <= 0.5)) {
        throw new Error(
            `INACTIVITY_HOLDOUT must be a share from 0 to 0.5 (0.1 holds 10% of runs out of reminders); got ${JSON.stringify(env.INACTIVITY_HOLDOUT)}.`
        );
    }
    const duration = (v: string | undefined): Duration | undefined => (v?.trim() ? (/^\d+$/.test(v.trim()) ? Number(v.trim()) : v.trim()) : undefined);
    return {
        port,
        mongoUri: env.MONGODB_URI?.trim() || undefined,
        reminderAfter: duration(env.INACTIVITY_REMINDER_AFTER),
        closeAfter: duration(env.INACTIVITY_CLOSE_AFTER),
        finalAction,
        resumeWindow: duration(env.INACTIVITY_RESUME_WINDOW),
        policyFile: env.INACTIVITY_POLICY_FILE?.trim() || undefined,
        typingGrace: duration(env.INACTIVITY_TYPING_GRACE),
        ...(holdout !== undefined ? { holdout } : {}),
        followUps,
        followUpAfter: duration(env.INACTIVITY_FOLLOWUP_AFTER),
        reengageAfter: duration(env.INACTIVITY_REENGAGE_AFTER),
        ...(quietHours !== undefined ? { quietHours } : {}),
        ...(env.INACTIVITY_ADMIN_TOKEN?.trim() ? { adminToken: env.INACTIVITY_ADMIN_TOKEN.trim() } : {}),
        appId: env.MicrosoftAppId ?? '',
        appPassword: env.MicrosoftAppPassword ?? '',
    };
}
