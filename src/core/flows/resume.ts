import { TurnContext } from 'botbuilder';
import { DialogState } from 'botbuilder-dialogs';
import { buttonValue, newNonce } from '../turn/buttonPayload';
import { activePath, FlowInfo, inspectFlow } from '../../botbuilder/dialogPath';
import { dialogContextAt, scopeOf } from './flowActions';
import type { InactivityState, PendingButtons } from '../turn/inactivityState';
import { describeFlow, textActivity, withButtons } from '../texts/messages';
import type { Services } from '../runtime';
import type { FlowSnapshot } from '../records/snapshotStore';
import { TelemetryEvents, track } from '../telemetry';

/**
 * When a user begins a flow they abandoned within the resume window, offers Resume / Start fresh, naming
 * what they had entered ("You were adding Maria Silva").
 *
 * @param svc The services.
 * @param context The turn in which the flow began.
 * @param state The plugin's record (gets the pending offer).
 * @param info The flow that began.
 */
export async function offerResume(svc: Services, context: TurnContext, state: InactivityState, info: FlowInfo): Promise<void> {
    const scope = scopeOf(state);
    if (!svc.snapshots || !scope) {
        return;
    }
    const snapshot = await svc.snapshots.findResumable(scope, info.flowId, svc.now());
    if (!snapshot) {
        return;
    }
    let saved: FlowInfo | undefined;
    try {
        saved = inspectFlow(activePath(JSON.parse(snapshot.dialogStateJson) as DialogState), svc.settings.flows, svc.options.dialog);
    } catch (err) {
        svc.report(err, context);
        return;
    }
    if (!saved || saved.flowId !== info.flowId) {
        return;
    }
    const t = svc.localizer;
    const locale = state.locale;
    const description = describeFlow(t, locale, saved);
    const nonce = newNonce();
    state.pending = { nonce, kind: 'resume', issuedAt: svc.now(), snapshotId: snapshot.id };
    const text = t.firstFitting(locale, description.step !== undefined ? ['resume.offerWithStep', 'resume.offer'] : ['resume.offer'], { ...description }) ?? t.t(locale, 'resume.offer', { activity: t.t(locale, 'activity.generic') });
    const resumeTitle = description.summary ? t.t(locale, 'buttons.resume', { summary: description.summary }) : t.t(locale, 'buttons.resumeGeneric');
    await context.sendActivity(
        withButtons(text, [
            { title: resumeTitle, value: buttonValue('resume', nonce) },
            { title: t.t(locale, 'buttons.startFresh'), value: buttonValue('fresh', nonce) },
        ])
    );
    track(svc.telemetry, TelemetryEvents.resumeOffered, { conversationId: context.activity.conversation.id, dialogId: info.flowId, step: description.step }, { ageMs: svc.now() - snapshot.createdAt }, (e) => svc.report(e, context));
}

/**
 * The user typed instead of clicking a pending Resume / Start fresh offer. The offer says that answering the
 * question starts fresh, so the saved flow is discarded, as Start fresh would: it is not offered again.
 *
 * @param svc The services.
 * @param context The turn.
 * @param state The plugin's record.
 * @param pending The offer the user did not click.
 */
export async function discardIgnoredOffer(svc: Services, context: TurnContext, state: InactivityState, pending: PendingButtons): Promise<void> {
    const scope = scopeOf(state);
    if (pending.kind !== 'resume' || !pending.snapshotId || !svc.snapshots || !scope) {
        return;
    }
    const now = svc.now();
    const snapshot = await svc.budget(svc.snapshots.claim(pending.snapshotId, scope, 'discarded', now), 'discard the saved flow').catch((err: unknown) => {
        svc.report(err, context);
        return undefined;
    });
    if (snapshot) {
        track(
            svc.telemetry,
            TelemetryEvents.startedFresh,
            { conversationId: context.activity.conversation.id, dialogId: snapshot.flowId, step: snapshot.stepIndex !== undefined ? snapshot.stepIndex + 1 : undefined, answeredBy: 'typing' },
            { ageMs: now - snapshot.createdAt },
            (e) => svc.report(e, context)
        );
    }
}

/**
 * Answers Resume or Start fresh. The snapshot is claimed atomically for this user, so a replayed, expired or
 * foreign offer restores nothing and reveals nothing. When the claim cannot be answered within
 * `schedulerTimeout`, the user is told that nothing changed and the offer stays open; a claim that succeeds
 * later is undone (the snapshot goes back to `abandoned`), so that stays true.
 *
 * @param svc The services.
 * @param context The turn.
 * @param state The plugin's record.
 * @param pending The offer the click answers.
 * @param resume True for Resume, false for Start fresh.
 */
export async function answerResume(svc: Services, context: TurnContext, state: InactivityState, pending: PendingButtons, resume: boolean): Promise<void> {
    const t = svc.localizer;
    const scope = scopeOf(state);
    const now = svc.now();
    const store = svc.snapshots;
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
            snapshot = await svc.budget(claiming, 'claim the saved flow');
        } catch (err) {
            svc.report(err, context);
            if (!answered) {
                // Still running: the claim may yet succeed, after this turn has told the user nothing changed. Then
                // it is undone, so that what the user was told stays true and the offer can be clicked again.
                claiming
                    .then((late) => (late ? store.release(late, to) : false))
                    .catch((e: unknown) => svc.report(e, context));
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
        await svc.dialogState.set(context, JSON.parse(snapshot.dialogStateJson) as DialogState);
        // maxDuration counts from the flow's first start, not from the resume (older snapshots lack it).
        state.flow = { id: snapshot.flowId, startedAt: snapshot.flowStartedAt ?? now, reminded: false, resumedFrom: snapshot.id };
        if (svc.abandonments) {
            await svc.budget(svc.abandonments.markResumed(snapshot.id, new Date(now)), 'mark the abandonment resumed').catch((err: unknown) => svc.report(err, context));
        }
    }
    await context.sendActivity(textActivity(t.t(state.locale, resume ? 'resume.resumed' : 'resume.fresh')));
    // Re-ask the step: the saved one on Resume, the first question of the new run on Start fresh.
    await (await dialogContextAt(svc, context))?.repromptDialog();
    track(
        svc.telemetry,
        resume ? TelemetryEvents.resumed : TelemetryEvents.startedFresh,
        { conversationId: context.activity.conversation.id, dialogId: snapshot.flowId, step: snapshot.stepIndex !== undefined ? snapshot.stepIndex + 1 : undefined },
        { ageMs: now - snapshot.createdAt },
        (e) => svc.report(e, context)
    );
    if (resume) {
        await svc.lifecycle.emit(context, 'resumed', { flowId: snapshot.flowId, stepIndex: snapshot.stepIndex, stepId: snapshot.stepName });
    }
}
