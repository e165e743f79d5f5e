import { buttonValue, newNonce } from '../turn/buttonPayload';
import type { FlowInfo } from './flowInfo';
import { scopeOf } from './snapshot';
import type { PendingButtons } from '../turn/inactivityState';
import { describeFlow, textActivity } from '../texts/messages';
import { conversationIdOf, Turn } from '../turn/turn';
import type { FlowSnapshot } from '../records/snapshotStore';
import { TelemetryEvents, track } from '../telemetry';

/**
 * When a user begins a flow they abandoned within the resume window, offers Resume / Start fresh, naming
 * what they had entered ("You were adding Maria Silva").
 *
 * @param turn The turn in which the flow began (its record gets the pending offer).
 * @param info The flow that began.
 */
export async function offerResume(turn: Turn, info: FlowInfo): Promise<void> {
    const { plugin, context, state } = turn;
    const scope = scopeOf(state);
    if (!plugin.snapshots || !scope) {
        return;
    }
    const snapshot = await plugin.snapshots.findResumable(scope, info.flowId, plugin.now());
    if (!snapshot) {
        return;
    }
    let saved: FlowInfo | undefined;
    try {
        saved = plugin.flows.inspectSaved(snapshot.dialogStateJson);
    } catch (err) {
        plugin.warn(err, context);
        return;
    }
    if (!saved || saved.flowId !== info.flowId) {
        return;
    }
    const t = plugin.localizer;
    const locale = state.locale;
    const description = describeFlow(t, locale, saved);
    const nonce = newNonce();
    state.pending = { nonce, kind: 'resume', issuedAt: plugin.now(), snapshotId: snapshot.id };
    const text =
        t.firstFitting(locale, description.step !== undefined ? ['resume.offerWithStep', 'resume.offer'] : ['resume.offer'], { ...description }) ??
        t.t(locale, 'resume.offer', { activity: t.t(locale, 'activity.generic') });
    const resumeTitle = description.summary ? t.t(locale, 'buttons.resume', { summary: description.summary }) : t.t(locale, 'buttons.resumeGeneric');
    await context.sendActivity(
        plugin.bot.messageWithButtons(text, [
            { title: resumeTitle, value: buttonValue('resume', nonce) },
            { title: t.t(locale, 'buttons.startFresh'), value: buttonValue('fresh', nonce) },
        ])
    );
    track(
        { client: plugin.telemetry, onError: (e) => plugin.warn(e, context) },
        {
            name: TelemetryEvents.resumeOffered,
            properties: { conversationId: conversationIdOf(turn), dialogId: info.flowId, step: description.step },
            metrics: { ageMs: plugin.now() - snapshot.createdAt },
        }
    );
}

/**
 * The user typed instead of clicking a pending Resume / Start fresh offer. The offer says that answering the
 * question starts fresh, so the saved flow is discarded, as Start fresh would: it is not offered again.
 *
 * @param turn The turn.
 * @param pending The offer the user did not click.
 */
export async function discardIgnoredOffer(turn: Turn, pending: PendingButtons): Promise<void> {
    const { plugin, context, state } = turn;
    const scope = scopeOf(state);
    if (pending.kind !== 'resume' || !pending.snapshotId || !plugin.snapshots || !scope) {
        return;
    }
    const now = plugin.now();
    const snapshot = await plugin
        .bounded(plugin.snapshots.claim(pending.snapshotId, scope, 'discarded', now), 'discard the saved flow')
        .catch((err: unknown) => {
            plugin.warn(err, context);
            return undefined;
        });
    if (snapshot) {
        track(
            { client: plugin.telemetry, onError: (e) => plugin.warn(e, context) },
            {
                name: TelemetryEvents.startedFresh,
                properties: {
                    conversationId: conversationIdOf(turn),
                    dialogId: snapshot.flowId,
                    step: snapshot.stepIndex !== undefined ? snapshot.stepIndex + 1 : undefined,
                    answeredBy: 'typing',
                },
                metrics: { ageMs: now - snapshot.createdAt },
            }
        );
    }
}

/**
 * Answers Resume or Start fresh. The snapshot is claimed atomically for this user, so a replayed, expired or
 * foreign offer restores nothing and reveals nothing. When the claim cannot be answered within
 * `schedulerTimeout`, the user is told that nothing changed and the offer stays open; a claim that succeeds
 * later is undone (the snapshot goes back to `abandoned`), so that stays true.
 *
 * @param turn The turn.
 * @param answer The offer the click answers, and whether it is Resume (else Start fresh).
 */
export async function answerResume(turn: Turn, answer: { pending: PendingButtons; resume: boolean }): Promise<void> {
    const { plugin, context, state } = turn;
    const { pending, resume } = answer;
    const t = plugin.localizer;
    const scope = scopeOf(state);
    const now = plugin.now();
    const store = plugin.snapshots;
    let snapshot: FlowSnapshot | undefined;
    if (store && scope && pending.snapshotId) {
        const to = resume ? 'resumed' : 'discarded';
        const claiming = store.claim(pending.snapshotId, scope, to, now);
        let answered = false;
        claiming.then(
            () => (answered = true),
            () => (answered = true)
        );
        try {
            snapshot = await plugin.bounded(claiming, 'claim the saved flow');
        } catch (err) {
            plugin.warn(err, context);
            if (!answered) {
                // Still running: the claim may yet succeed, after this turn has told the user nothing changed. Then
                // it is undone, so that what the user was told stays true and the offer can be clicked again.
                claiming.then((late) => (late ? store.release(late, to) : false)).catch((e: unknown) => plugin.warn(e, context));
            }
            state.pending = pending;
            await context.sendActivity(textActivity(t.t(state.locale, 'resume.unavailable')));
            return;
        }
    }
    if (!snapshot) {
        await context.sendActivity(textActivity(t.t(state.locale, 'stale.resume')));
        return;
    }
    if (resume) {
        await plugin.flows.restore(context, snapshot.dialogStateJson);
        // maxDuration counts from the flow's first start, not from the resume (older snapshots lack it); the time
        // spent goes on from the time it had been open, leaving out the time it sat closed.
        state.flow = {
            id: snapshot.flowId,
            startedAt: snapshot.flowStartedAt ?? now,
            reminded: false,
            resumedFrom: snapshot.id,
            ...(snapshot.capExtendedMs ? { capExtendedMs: snapshot.capExtendedMs } : {}),
            ...(snapshot.timeOpenMs !== undefined ? { openedAt: now, openBeforeMs: snapshot.timeOpenMs } : {}),
        };
        if (plugin.abandonments) {
            await plugin
                .bounded(plugin.abandonments.markResumed(snapshot.id, new Date(now)), 'mark the abandonment resumed')
                .catch((err: unknown) => plugin.warn(err, context));
        }
    }
    await context.sendActivity(textActivity(t.t(state.locale, resume ? 'resume.resumed' : 'resume.fresh')));
    // Re-ask the step: the saved one on Resume, the first question of the new run on Start fresh.
    await plugin.flows.reask(context);
    track(
        { client: plugin.telemetry, onError: (e) => plugin.warn(e, context) },
        {
            name: resume ? TelemetryEvents.resumed : TelemetryEvents.startedFresh,
            properties: {
                conversationId: conversationIdOf(turn),
                dialogId: snapshot.flowId,
                step: snapshot.stepIndex !== undefined ? snapshot.stepIndex + 1 : undefined,
            },
            metrics: { ageMs: now - snapshot.createdAt },
        }
    );
    if (resume) {
        await plugin.lifecycle.emit(context, 'resumed', { flowId: snapshot.flowId, stepIndex: snapshot.stepIndex, stepId: snapshot.stepName });
    }
}
