import { Activity, ActivityTypes, EndOfConversationCodes, EventFactory, TurnContext } from 'botbuilder';
import { DialogContext, DialogState } from 'botbuilder-dialogs';
import { randomUUID } from 'crypto';
import { AbandonmentEvent, AbandonReason } from './analytics/abandonmentLog';
import { FlowInfo } from './dialogPath';
import { InactivityState } from './inactivityState';
import { durationWords, textActivity } from './messages';
import type { ResolvedPolicy } from './options';
import type { Services } from './services';
import { FlowSnapshot, SNAPSHOT_VERSION, SnapshotScope } from './snapshots/snapshotStore';
import { TelemetryEvents, track } from './telemetry';

/** Channels that reject a bot's `endOfConversation`. */
const NO_END_OF_CONVERSATION = new Set(['msteams']);

/**
 * The dialog context at a depth of the active path (0 = the root set), when the bot gave its root dialog.
 *
 * @param svc The services.
 * @param context The turn.
 * @param depth How deep.
 * @returns The context, or `undefined`.
 */
export async function dialogContextAt(svc: Services, context: TurnContext, depth = 0): Promise<DialogContext | undefined> {
    if (!svc.dialogs) {
        return undefined;
    }
    let dc: DialogContext | undefined = await svc.dialogs.createContext(context);
    for (let i = 0; i < depth && dc; i++) {
        dc = dc.child;
    }
    return dc;
}

/**
 * Who may resume a flow of this conversation: channel, user and tenant; in a group chat, that conversation only.
 *
 * @param state The plugin's record.
 * @returns The scope, or `undefined` when the user is unknown.
 */
export function scopeOf(state: Pick<InactivityState, 'reference'>): SnapshotScope | undefined {
    const ref = state.reference;
    const userId = ref.user?.id;
    if (!ref.channelId || !userId) {
        return undefined;
    }
    const conversation = ref.conversation as { id?: string; tenantId?: string; isGroup?: boolean; conversationType?: string } | undefined;
    const tenantId = conversation?.tenantId;
    const isGroup = conversation?.isGroup === true || conversation?.conversationType === 'groupChat' || conversation?.conversationType === 'channel';
    return { channelId: ref.channelId, userId, ...(tenantId ? { tenantId } : {}), ...(isGroup && conversation?.id ? { groupId: conversation.id } : {}) };
}

/**
 * Re-asks the step the user was on (Continue).
 *
 * @param svc The services.
 * @param context The turn.
 * @param state The plugin's record.
 * @param info The flow, if one is active.
 */
export async function continueFlow(svc: Services, context: TurnContext, state: InactivityState, info: FlowInfo | undefined): Promise<void> {
    const dc = await dialogContextAt(svc, context);
    if (!info || !dc?.activeDialog) {
        await context.sendActivity(textActivity(svc.localizer.t(state.locale, 'continue.nothingToContinue')));
        return;
    }
    await context.sendActivity(textActivity(svc.localizer.t(state.locale, 'continue.text')));
    await dc.repromptDialog();
    track(svc.telemetry, TelemetryEvents.continued, { conversationId: convId(context), dialogId: info.flowId, step: stepOf(info) }, { idleMs: idleMs(svc, state) }, (e) => svc.report(e, context));
}

/**
 * Cancels the flow the user was in and begins it again with its original options (Start over).
 *
 * @param svc The services.
 * @param context The turn.
 * @param state The plugin's record.
 * @param info The flow, if one is active.
 */
export async function startOver(svc: Services, context: TurnContext, state: InactivityState, info: FlowInfo | undefined): Promise<void> {
    const dc = info ? await dialogContextAt(svc, context, info.flowDepth) : undefined;
    if (!info || !dc?.activeDialog) {
        await context.sendActivity(textActivity(svc.localizer.t(state.locale, 'continue.nothingToContinue')));
        return;
    }
    await recordAbandonment(svc, context, state, info, 'userCancelled');
    await context.sendActivity(textActivity(svc.localizer.t(state.locale, 'startOver.text')));
    // Dialogs the flow began (its prompt) are dropped quietly: ending them would resume the flow with a result.
    dc.stack.length = info.flowIndex + 1;
    // A ComponentDialog keeps its begin options on its inner first dialog, not on its own stack entry.
    const flowFrame = info.path.find((f) => f.depth === info.flowDepth && f.index === info.flowIndex);
    const innerFirst = info.path.find((f) => f.depth === info.flowDepth + 1 && f.index === 0);
    const options = (flowFrame?.state.options ?? (flowFrame?.state.dialogs ? innerFirst?.state.options : undefined)) as object | undefined;
    await dc.replaceDialog(info.flowId, options);
    // maxDuration counts from the flow's first start: starting over does not restart it.
    state.flow = { id: info.flowId, startedAt: state.flow?.id === info.flowId ? state.flow.startedAt : svc.now(), reminded: false };
    track(svc.telemetry, TelemetryEvents.startedOver, { conversationId: convId(context), dialogId: info.flowId, step: stepOf(info) }, { idleMs: idleMs(svc, state) }, (e) => svc.report(e, context));
}

/**
 * Takes a flow's final action: close (saving the flow for resuming), hand off to a human, or begin the
 * fallback dialog. Records the abandonment.
 *
 * @param svc The services.
 * @param context The turn (a proactive one for timeouts).
 * @param state The plugin's record; cleared of the flow.
 * @param info The flow.
 * @param policy The policy in force.
 * @param reason Why the flow ends.
 */
export async function endFlow(svc: Services, context: TurnContext, state: InactivityState, info: FlowInfo, policy: ResolvedPolicy, reason: AbandonReason): Promise<void> {
    const t = svc.localizer;
    const locale = state.locale;
    const conversationId = convId(context);
    const metrics = { idleMs: idleMs(svc, state), timeSpentMs: state.flow ? svc.now() - state.flow.startedAt : 0 };
    if (policy.finalAction === 'handoff') {
        await context.sendActivity(textActivity(t.t(locale, policy.messages.handoff ?? (reason === 'invalidInput' ? 'handoff.invalidInput' : 'handoff.text'))));
        const transcript = { activities: state.transcript.map((l) => transcriptActivity(context, l)) };
        const handoffContext = { reason: reason === 'timeout' ? 'inactivity' : reason, flowId: info.flowId, step: stepOf(info), locale };
        await context.sendActivity(EventFactory.createHandoffInitiation(context, handoffContext, transcript));
        await recordAbandonment(svc, context, state, info, reason === 'timeout' ? 'handoff' : reason);
        await cancelAll(svc, context);
        track(svc.telemetry, TelemetryEvents.handedOff, { conversationId, dialogId: info.flowId, step: stepOf(info), reason }, metrics, (e) => svc.report(e, context));
    } else if (policy.finalAction === 'dialog' && policy.fallbackDialog && (await beginFallback(svc, context, info, policy.fallbackDialog, locale))) {
        await recordAbandonment(svc, context, state, info, reason);
        track(svc.telemetry, TelemetryEvents.fallbackStarted, { conversationId, dialogId: info.flowId, step: stepOf(info), reason, fallbackDialog: policy.fallbackDialog }, metrics, (e) => svc.report(e, context));
    } else {
        const snapshot = await saveSnapshot(svc, context, state, info, policy, reason);
        await recordAbandonment(svc, context, state, info, reason, snapshot?.id);
        await cancelAll(svc, context);
        const window = durationWords(t, locale, snapshot ? snapshot.expiresAt - snapshot.createdAt : policy.resumeWindow);
        const byReason = reason === 'maxDuration' ? 'close.maxDuration' : reason === 'invalidInput' ? 'close.invalidInput' : 'close.text';
        const key = policy.messages.close ?? (snapshot ? byReason : byReason === 'close.text' ? 'close.textNoResume' : `${byReason}NoResume`);
        await context.sendActivity(textActivity(t.t(locale, key, { window })));
        if (svc.settings.endOfConversation && !NO_END_OF_CONVERSATION.has(context.activity.channelId)) {
            await context.sendActivity({ type: ActivityTypes.EndOfConversation, code: EndOfConversationCodes.BotTimedOut });
        }
        track(svc.telemetry, TelemetryEvents.closed, { conversationId, dialogId: info.flowId, step: stepOf(info), reason, resumable: Boolean(snapshot) }, metrics, (e) => svc.report(e, context));
    }
    state.flow = undefined;
    state.pending = undefined;
    state.armedFor = undefined;
}

/**
 * Records one abandonment event (MongoDB and telemetry). A storage failure is reported, never thrown.
 *
 * @param svc The services.
 * @param context The turn.
 * @param state The plugin's record.
 * @param info The flow.
 * @param reason Why.
 * @param snapshotId The snapshot saved for resuming, if any.
 */
export async function recordAbandonment(svc: Services, context: TurnContext, state: InactivityState, info: FlowInfo, reason: AbandonReason, snapshotId?: string): Promise<void> {
    const now = svc.now();
    const event: AbandonmentEvent = {
        id: randomUUID(),
        v: 1,
        at: new Date(now),
        reason,
        flowId: info.flowId,
        stepId: info.stepName ?? (info.stepIndex !== undefined ? String(info.stepIndex + 1) : undefined),
        stepIndex: info.stepIndex,
        // WaterfallDialog keeps its own telemetry id in `values`: it is not something the user gave.
        fieldsCollected: Object.keys(info.values).filter((k) => k !== 'instanceId'),
        reminderSent: Boolean(state.flow?.reminded),
        timeSpentMs: state.flow ? now - state.flow.startedAt : 0,
        idleMs: now - state.lastUserActivityAt,
        channelId: context.activity.channelId,
        conversationId: convId(context),
        ...(snapshotId ? { snapshotId } : {}),
        resumed: false,
    };
    track(
        svc.telemetry,
        TelemetryEvents.flowAbandoned,
        { conversationId: event.conversationId, dialogId: event.flowId, step: stepOf(info), stepId: event.stepId, reason, reminderSent: event.reminderSent, fieldsCollected: event.fieldsCollected.join(','), snapshotId },
        { timeSpentMs: event.timeSpentMs, idleMs: event.idleMs },
        (e) => svc.report(e, context)
    );
    if (svc.abandonments) {
        await svc.budget(svc.abandonments.record(event), 'record an abandonment').catch((err: unknown) => svc.report(err, context));
    }
}

async function saveSnapshot(svc: Services, context: TurnContext, state: InactivityState, info: FlowInfo, policy: ResolvedPolicy, reason: AbandonReason): Promise<FlowSnapshot | undefined> {
    const scope = scopeOf(state);
    if (!svc.snapshots || !scope || policy.resumeWindow <= 0) {
        return undefined;
    }
    const now = svc.now();
    // A resumed flow keeps its first start, so it can be resumed only while its maxDuration lasts; a flow closed
    // for its maxDuration cannot be continued at all, and nothing is promised.
    const flowStartedAt = state.flow?.startedAt;
    const expiresAt = Math.min(now + policy.resumeWindow, policy.maxDuration !== null && flowStartedAt !== undefined ? flowStartedAt + policy.maxDuration : Infinity);
    if (expiresAt <= now) {
        return undefined;
    }
    const dialogState = (await svc.dialogState.get(context, { dialogStack: [] })) as DialogState;
    const snapshot: FlowSnapshot = {
        id: randomUUID(),
        v: SNAPSHOT_VERSION,
        scope,
        flowId: info.flowId,
        conversationId: convId(context),
        dialogStateJson: JSON.stringify(dialogState),
        stepIndex: info.stepIndex,
        ...(info.stepName ? { stepName: info.stepName } : {}),
        reason,
        status: 'abandoned',
        createdAt: now,
        ...(flowStartedAt !== undefined ? { flowStartedAt } : {}),
        expiresAt,
        updatedAt: now,
    };
    try {
        await svc.budget(svc.snapshots.save(snapshot), 'save the flow for resuming');
        return snapshot;
    } catch (err) {
        svc.report(err, context);
        return undefined;
    }
}

async function beginFallback(svc: Services, context: TurnContext, info: FlowInfo, dialogId: string, locale: string | undefined): Promise<boolean> {
    // Replace the flow where it runs when the fallback is registered beside it, so the dialogs around the flow
    // (a main menu) stay; otherwise begin it inside the flow, at the first level that registers it.
    let depth = info.flowDepth;
    for (let dc = await dialogContextAt(svc, context, depth); dc; dc = dc.child, depth++) {
        if (!dc.dialogs.find(dialogId)) {
            continue;
        }
        await context.sendActivity(textActivity(svc.localizer.t(locale, 'fallback.text')));
        if (depth === info.flowDepth) {
            dc.stack.length = info.flowIndex + 1;
            await dc.replaceDialog(dialogId);
        } else {
            await dc.cancelAllDialogs();
            await dc.beginDialog(dialogId);
        }
        return true;
    }
    svc.report(new Error(`The fallback dialog '${dialogId}' is not registered in the flow '${info.flowId}' or beside it; the flow was closed instead.`), context);
    return false;
}

async function cancelAll(svc: Services, context: TurnContext): Promise<void> {
    const dc = await dialogContextAt(svc, context);
    if (dc) {
        await dc.cancelAllDialogs();
    } else {
        await svc.dialogState.set(context, { dialogStack: [] });
    }
}

function transcriptActivity(context: TurnContext, line: { from: 'user' | 'bot'; text: string; at: number }): Activity {
    const ref = TurnContext.getConversationReference(context.activity);
    return {
        type: ActivityTypes.Message,
        text: line.text,
        timestamp: new Date(line.at),
        from: line.from === 'user' ? { ...(ref.user ?? { id: 'user', name: 'user' }), role: 'user' } : { ...(ref.bot ?? { id: 'bot', name: 'bot' }), role: 'bot' },
        conversation: ref.conversation,
        channelId: ref.channelId,
    } as Activity;
}

function convId(context: TurnContext): string {
    return context.activity.conversation?.id ?? '';
}

function stepOf(info: FlowInfo): number | undefined {
    return info.stepIndex !== undefined ? info.stepIndex + 1 : undefined;
}

function idleMs(svc: Services, state: InactivityState): number {
    return svc.now() - state.lastUserActivityAt;
}
