import createDebug from 'debug';
import type { Plugin } from '../plugin';
import type { ConversationRef } from '../ports/activity';
import { noteSkippedReminder, noteStep } from '../records/runTracking';
import { TelemetryEvents, track } from '../telemetry';
import type { InactivityState } from '../turn/inactivityState';
import { conversationIdOf, stepNumberOf } from '../turn/turn';
import { withinDatabaseTimeout } from '../util/withinDatabaseTimeout';
import { afterConflict, claimStage, Outcome, TimerFlowTurn } from './timerClaim';
import { nextDue, StageName } from './stages';

const debug = createDebug('botbuilder-inactivity:timer');

/**
 * The key of the conversation's user in the fatigue store (the flow-run records' hash), or `undefined` when
 * fatigue is off, the plugin runs without MongoDB, or the conversation names no user.
 *
 * @param plugin The plugin.
 * @param reference The conversation.
 * @returns The key.
 */
export function fatigueKeyOf(plugin: Plugin, reference: ConversationRef): string | undefined {
    if (!plugin.fatigue || !plugin.flowRuns || plugin.settings.maxIgnoredReminders <= 0 || !reference.user?.id) {
        return undefined;
    }
    return plugin.flowRuns.userOf(reference.channelId ?? 'unknown', reference.user.id);
}

/**
 * Whether the reminder of this silence went out and the user has not answered it.
 *
 * @param state The plugin's record.
 * @returns True when it was let pass so far.
 */
export function reminderUnanswered(state: InactivityState): boolean {
    const last = state.flow?.reminders?.[state.flow.reminders.length - 1];
    return state.stagesDone.includes('reminder') && last !== undefined && last.answeredAt === undefined && last.at >= state.lastUserActivityAt;
}

/**
 * Whether the user's reminders are paused. A store that fails or is slow does not stop the reminder: it is sent.
 *
 * @param turn The timer's turn.
 * @returns True while the user's reminders are paused.
 */
export async function reminderPaused(turn: TimerFlowTurn): Promise<boolean> {
    const { plugin, context, state } = turn;
    const user = fatigueKeyOf(plugin, state.reference);
    if (!user || !plugin.fatigue) {
        return false;
    }
    try {
        const until = await withinDatabaseTimeout(
            plugin.fatigue.pausedUntil(user, plugin.now()),
            plugin.settings.schedulerTimeout,
            'read the reminder fatigue'
        );
        return until !== undefined;
    } catch (err) {
        plugin.warn(err, context);
        return false;
    }
}

/**
 * Skips a due reminder: of a user whose reminders are paused (`fatigue`), or of a run held out of reminders
 * (`holdout`). The stage is claimed as taken (conditionally, as a sent reminder is), the run notes the skip at the
 * step the user is silent at, `InactivityReminderSkipped` is tracked, and the final action comes at its own time
 * (counted from the user's last message, as when no reminder is configured).
 *
 * @param turn The timer's turn.
 * @param skip The stages the reminder settles, and why it is skipped.
 * @returns When to fire next.
 */
export async function skipReminder(turn: TimerFlowTurn, skip: { settled: StageName[]; reason: 'fatigue' | 'holdout' }): Promise<Outcome> {
    const { plugin, context, state, info, policy } = turn;
    const { settled, reason } = skip;
    const now = plugin.now();
    state.stagesDone.push(...settled);
    if (state.flow) {
        noteStep(state.flow, info, state.lastUserActivityAt);
        noteSkippedReminder(state.flow, { at: now, reason });
    }
    const next = nextDue(state, policy);
    state.armedFor = next;
    if (!(await claimStage(turn))) {
        return afterConflict(turn);
    }
    debug('%s: reminder skipped (%s)', turn.record.key, reason);
    track(
        { client: plugin.telemetry, onError: (e) => plugin.warn(e, context) },
        {
            name: TelemetryEvents.reminderSkipped,
            properties: { conversationId: conversationIdOf(turn), dialogId: info.flowId, step: stepNumberOf(info), reason },
            metrics: { idleMs: now - state.lastUserActivityAt },
        }
    );
    return { next };
}

/**
 * Counts a reminder the user let pass (its flow's final action was claimed without an answer). Never throws.
 *
 * @param plugin The plugin.
 * @param reference The conversation.
 */
export async function countIgnoredReminder(plugin: Plugin, reference: ConversationRef): Promise<void> {
    const user = fatigueKeyOf(plugin, reference);
    if (!user || !plugin.fatigue) {
        return;
    }
    try {
        const rule = { now: plugin.now(), max: plugin.settings.maxIgnoredReminders, cooldownMs: plugin.settings.fatigueCooldown };
        if (await withinDatabaseTimeout(plugin.fatigue.noteIgnored(user, rule), plugin.settings.schedulerTimeout, 'count an ignored reminder')) {
            debug('reminders paused for a user of %s/%s', reference.channelId, reference.conversation?.id);
        }
    } catch (err) {
        plugin.warn(err);
    }
}

/**
 * The user wrote after a reminder: the count of reminders let pass starts again. Not waited for (the turn goes
 * on); a failure is reported.
 *
 * @param plugin The plugin.
 * @param reference The conversation.
 */
export function resetIgnoredReminders(plugin: Plugin, reference: ConversationRef): void {
    const user = fatigueKeyOf(plugin, reference);
    if (user && plugin.fatigue) {
        withinDatabaseTimeout(plugin.fatigue.reset(user, plugin.now()), plugin.settings.schedulerTimeout, 'reset the reminder fatigue').catch((err: unknown) =>
            plugin.warn(err)
        );
    }
}
