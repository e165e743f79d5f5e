import { Activity, ActivityTypes, EndOfConversationCodes, EventFactory, TurnContext } from 'botbuilder';
import { DialogContext, DialogState } from 'botbuilder-dialogs';
import { randomUUID } from 'crypto';
import { AbandonmentEvent, AbandonReason } from '../records/abandonmentLog';
import { activePath, FlowInfo, inspectFlow } from '../../botbuilder/dialogPath';
import { AbandonmentDraft, FlowProgress, InactivityState } from '../turn/inactivityState';
import type { RunOutcome } from '../records/flowRun';
import { noteStep, recordRun } from '../records/runTracking';
import { durationWords, textActivity } from '../texts/messages';
import type { ResolvedPolicy } from '../policy/options';
import type { Services } from '../runtime';
import { FlowSnapshot, SNAPSHOT_VERSION, SnapshotScope } from '../records/snapshotStore';
import { TelemetryEvents, track } from '../telemetry';

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
    await recordAbandonment(svc, context, abandonmentDraft(svc, state, info, 'userCancelled'), undefined, runOf(state, 'abandoned'));
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
    // A new run of the flow: its `started` follows the old run's `abandoned` (userCancelled).
    const restarted = inspectFlow(activePath(await svc.dialogState.get(context, { dialogStack: [] })), svc.settings.flows, svc.options.dialog);
    await svc.lifecycle.emit(context, 'started', { flowId: info.flowId, stepIndex: restarted?.stepIndex, stepId: restarted?.stepName });
}

/** The `endOfConversation` code for each way a flow ends; none is sent when the channel refused our messages. */
const END_CODES: Partial<Record<AbandonReason, string>> = {
    timeout: EndOfConversationCodes.BotTimedOut,
    maxDuration: EndOfConversationCodes.BotTimedOut,
    invalidInput: EndOfConversationCodes.Unknown,
    userCancelled: EndOfConversationCodes.UserCancelled,
};

/**
 * Takes a flow's final action in a user's turn (invalid answers, maxDuration): close (saving the flow for
 * resuming), hand off to a human, or begin the fallback dialog. Records the abandonment. A timer's turn does the
 * same in steps, claiming before it sends (see timerHandler.ts).
 *
 * @param svc The services.
 * @param context The turn.
 * @param state The plugin's record; cleared of the flow.
 * @param info The flow.
 * @param policy The policy in force.
 * @param reason Why the flow ends.
 */
export async function endFlow(svc: Services, context: TurnContext, state: InactivityState, info: FlowInfo, policy: ResolvedPolicy, reason: AbandonReason): Promise<void> {
    const id = randomUUID();
    if (policy.finalAction === 'handoff') {
        const draft = abandonmentDraft(svc, state, info, reason === 'timeout' ? 'handoff' : reason);
        await context.sendActivities(handoffActivities(svc, context, state, info, policy, reason));
        await cancelAll(svc, context);
        await recordAbandonment(svc, context, draft, id, runOf(state, 'handedOff'));
        await trackFinal(svc, context, 'handoff', draft, reason);
    } else if (policy.finalAction === 'dialog' && policy.fallbackDialog && (await findFallback(svc, context, info, policy.fallbackDialog)) !== undefined) {
        const draft = abandonmentDraft(svc, state, info, reason);
        await beginFallback(svc, context, info, policy.fallbackDialog, state.locale);
        await recordAbandonment(svc, context, draft, id, runOf(state, 'abandoned'));
        await trackFinal(svc, context, 'dialog', draft, reason, policy.fallbackDialog);
    } else {
        const snapshot = snapshotOf(svc, context, state, info, policy, reason, id, await svc.dialogState.get(context, { dialogStack: [] }));
        const saved = snapshot ? await saveSnapshot(svc, context, snapshot) : false;
        const draft = abandonmentDraft(svc, state, info, reason, saved ? id : undefined);
        await cancelAll(svc, context);
        await context.sendActivities(closeActivities(svc, context, state.locale, policy, reason, saved && snapshot ? snapshot.expiresAt - snapshot.createdAt : undefined));
        await recordAbandonment(svc, context, draft, id, runOf(state, 'abandoned'));
        await trackFinal(svc, context, 'close', draft, reason);
    }
    state.flow = undefined;
    state.pending = undefined;
}

/**
 * What a flow's abandonment will be recorded as: where the user was and what they had done, names only.
 *
 * @param svc The services.
 * @param state The plugin's record, before the flow is cleared.
 * @param info The flow.
 * @param reason Why it ends.
 * @param snapshotId The snapshot saved for resuming, if any.
 * @returns The draft.
 */
export function abandonmentDraft(svc: Services, state: InactivityState, info: FlowInfo, reason: AbandonReason, snapshotId?: string): AbandonmentDraft {
    const now = svc.now();
    if (state.flow) {
        // The step the run ends at, if the user never answered it (reached when the bot last asked).
        noteStep(state.flow, info, state.lastUserActivityAt);
    }
    return {
        reason,
        flowId: info.flowId,
        stepId: info.stepName ?? (info.stepIndex !== undefined ? String(info.stepIndex + 1) : undefined),
        stepIndex: info.stepIndex,
        // WaterfallDialog keeps its own telemetry id in `values`: it is not something the user gave.
        fieldsCollected: Object.keys(info.values).filter((k) => k !== 'instanceId'),
        reminderSent: Boolean(state.flow?.reminded),
        timeSpentMs: state.flow ? now - state.flow.startedAt : 0,
        idleMs: now - state.lastUserActivityAt,
        ...(snapshotId ? { snapshotId } : {}),
    };
}

/** The flow run an abandonment ends, for its drop-off record. */
export interface EndedRun {
    /** The run's progress. */
    flow: FlowProgress | undefined;
    /** The conversation (the plugin's stored reference). */
    reference: InactivityState['reference'];
    /** How it ended. */
    outcome: RunOutcome;
}

/**
 * The run in progress in a conversation, as ended now.
 *
 * @param state The plugin's record, before the flow is cleared.
 * @param outcome How it ends.
 * @returns What {@link recordAbandonment} records.
 */
export function runOf(state: InactivityState, outcome: RunOutcome): EndedRun {
    return { flow: state.flow, reference: state.reference, outcome };
}

/**
 * Records one abandonment event (MongoDB and telemetry) and, when given, the record of the run it ends.
 * Recording the same `eventId` (or run) twice stores one. A storage failure is reported, never thrown.
 *
 * @param svc The services.
 * @param context The turn.
 * @param draft What to record.
 * @param eventId The event's id.
 * @param run The run it ends.
 */
export async function recordAbandonment(svc: Services, context: TurnContext, draft: AbandonmentDraft, eventId: string = randomUUID(), run?: EndedRun): Promise<void> {
    const ending = run ? recordRun(svc, context, run.reference, run.flow, { outcome: run.outcome, reason: draft.reason, snapshotId: draft.snapshotId }) : undefined;
    const event: AbandonmentEvent = {
        id: eventId,
        v: 1,
        at: new Date(svc.now()),
        ...draft,
        channelId: context.activity.channelId,
        conversationId: convId(context),
        resumed: false,
    };
    const step = draft.stepIndex !== undefined ? draft.stepIndex + 1 : undefined;
    track(
        svc.telemetry,
        TelemetryEvents.flowAbandoned,
        { conversationId: event.conversationId, dialogId: event.flowId, step, stepId: event.stepId, reason: event.reason, reminderSent: event.reminderSent, fieldsCollected: event.fieldsCollected.join(','), snapshotId: event.snapshotId },
        { timeSpentMs: event.timeSpentMs, idleMs: event.idleMs },
        (e) => svc.report(e, context)
    );
    if (svc.abandonments) {
        await svc.budget(svc.abandonments.record(event), 'record an abandonment').catch((err: unknown) => svc.report(err, context));
    }
    await ending;
    await svc.lifecycle.emit(context, 'abandoned', { flowId: draft.flowId, stepIndex: draft.stepIndex, stepId: draft.stepId, reason: draft.reason });
}

/**
 * Sends the telemetry event of a final action, and raises its flow event (`closed`, `handedOff`; a fallback
 * dialog has none of its own: its `abandoned` says it).
 *
 * @param svc The services.
 * @param context The turn.
 * @param action What was done.
 * @param draft The abandonment.
 * @param reason Why the flow ended.
 * @param fallbackDialog The fallback begun, for `dialog`.
 */
export async function trackFinal(svc: Services, context: TurnContext, action: 'close' | 'handoff' | 'dialog', draft: AbandonmentDraft, reason: AbandonReason, fallbackDialog?: string): Promise<void> {
    const name = action === 'handoff' ? TelemetryEvents.handedOff : action === 'dialog' ? TelemetryEvents.fallbackStarted : TelemetryEvents.closed;
    const step = draft.stepIndex !== undefined ? draft.stepIndex + 1 : undefined;
    const props = { conversationId: convId(context), dialogId: draft.flowId, step, reason, ...(action === 'close' ? { resumable: Boolean(draft.snapshotId) } : {}), ...(fallbackDialog ? { fallbackDialog } : {}) };
    track(svc.telemetry, name, props, { idleMs: draft.idleMs, timeSpentMs: draft.timeSpentMs }, (e) => svc.report(e, context));
    if (action !== 'dialog') {
        await svc.lifecycle.emit(context, action === 'handoff' ? 'handedOff' : 'closed', { flowId: draft.flowId, stepIndex: draft.stepIndex, stepId: draft.stepId, reason });
    }
}

/**
 * The goodbye of a close, and `endOfConversation` where the channel takes it.
 *
 * @param svc The services.
 * @param context The turn.
 * @param locale The user's locale.
 * @param policy The policy in force.
 * @param reason Why the flow ends.
 * @param resumableFor How long the saved flow can be resumed (ms), or `undefined` when it was not saved.
 * @returns The activities to send.
 */
export function closeActivities(svc: Services, context: TurnContext, locale: string | undefined, policy: ResolvedPolicy, reason: AbandonReason, resumableFor: number | undefined): Array<Partial<Activity>> {
    const t = svc.localizer;
    const resumable = resumableFor !== undefined;
    const window = durationWords(t, locale, resumableFor ?? policy.resumeWindow);
    const byReason = reason === 'maxDuration' ? 'close.maxDuration' : reason === 'invalidInput' ? 'close.invalidInput' : 'close.text';
    const key = policy.messages.close ?? (resumable ? byReason : byReason === 'close.text' ? 'close.textNoResume' : `${byReason}NoResume`);
    const out: Array<Partial<Activity>> = [textActivity(t.t(locale, key, { window }))];
    const code = END_CODES[reason];
    if (code && svc.settings.endOfConversation && !NO_END_OF_CONVERSATION.has(context.activity.channelId)) {
        out.push({ type: ActivityTypes.EndOfConversation, code });
    }
    return out;
}

/**
 * The handoff's text and its `handoff.initiate` event, with the recent messages as a transcript.
 *
 * @param svc The services.
 * @param context The turn.
 * @param state The plugin's record.
 * @param info The flow.
 * @param policy The policy in force.
 * @param reason Why the flow ends.
 * @returns The activities to send.
 */
export function handoffActivities(svc: Services, context: TurnContext, state: InactivityState, info: FlowInfo, policy: ResolvedPolicy, reason: AbandonReason): Array<Partial<Activity>> {
    const locale = state.locale;
    const text = textActivity(svc.localizer.t(locale, policy.messages.handoff ?? (reason === 'invalidInput' ? 'handoff.invalidInput' : 'handoff.text')));
    // The handoff text itself belongs in the transcript the agent reads.
    const lines = [...state.transcript, { from: 'bot' as const, text: text.text ?? '', at: svc.now() }].slice(-Math.max(1, svc.settings.transcriptSize));
    const transcript = { activities: lines.map((l) => transcriptActivity(context, l)) };
    const handoffContext = { reason: reason === 'timeout' ? 'inactivity' : reason, flowId: info.flowId, step: stepOf(info), locale };
    return [text, EventFactory.createHandoffInitiation(context, handoffContext, transcript)];
}

/**
 * The snapshot a close saves for resuming, built from the dialog state before it is cleared.
 *
 * @param svc The services.
 * @param context The turn.
 * @param state The plugin's record.
 * @param info The flow.
 * @param policy The policy in force.
 * @param reason Why the flow ends.
 * @param id The snapshot's id.
 * @param dialogState The bot's dialog state now.
 * @returns The snapshot, or `undefined` when resuming is off or the user is unknown.
 */
export function snapshotOf(svc: Services, context: TurnContext, state: InactivityState, info: FlowInfo, policy: ResolvedPolicy, reason: AbandonReason, id: string, dialogState: DialogState): FlowSnapshot | undefined {
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
    return {
        id,
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
}

/**
 * Saves a snapshot (saving the same id twice stores it once).
 *
 * @param svc The services.
 * @param context The turn.
 * @param snapshot What to save.
 * @returns Whether it was saved; a failure is reported.
 */
export async function saveSnapshot(svc: Services, context: TurnContext, snapshot: FlowSnapshot): Promise<boolean> {
    if (!svc.snapshots) {
        return false;
    }
    try {
        await svc.budget(svc.snapshots.save(snapshot), 'save the flow for resuming');
        return true;
    } catch (err) {
        svc.report(err, context);
        return false;
    }
}

/**
 * The depth at which a fallback dialog can begin: beside the flow when registered there, else inside it.
 *
 * @param svc The services.
 * @param context The turn.
 * @param info The flow.
 * @param dialogId The fallback's id.
 * @returns The depth, or `undefined` (reported) when no level registers it.
 */
export async function findFallback(svc: Services, context: TurnContext, info: FlowInfo, dialogId: string): Promise<number | undefined> {
    let depth = info.flowDepth;
    for (let dc = await dialogContextAt(svc, context, depth); dc; dc = dc.child, depth++) {
        if (dc.dialogs.find(dialogId)) {
            return depth;
        }
    }
    svc.report(new Error(`The fallback dialog '${dialogId}' is not registered in the flow '${info.flowId}' or beside it; the flow was closed instead.`), context);
    return undefined;
}

/**
 * Says "Let's try something else" and begins the fallback dialog: in place of the flow when it is registered
 * beside it (so the dialogs around the flow stay), otherwise inside the flow at the first level registering it.
 *
 * @param svc The services.
 * @param context The turn.
 * @param info The flow.
 * @param dialogId The fallback's id.
 * @param locale The user's locale.
 * @returns False when no level registers it (nothing was sent).
 */
export async function beginFallback(svc: Services, context: TurnContext, info: FlowInfo, dialogId: string, locale: string | undefined): Promise<boolean> {
    const depth = await findFallback(svc, context, info, dialogId);
    const dc = depth === undefined ? undefined : await dialogContextAt(svc, context, depth);
    if (depth === undefined || !dc) {
        return false;
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

/**
 * Ends every dialog (the flow and what surrounds it).
 *
 * @param svc The services.
 * @param context The turn.
 */
export async function cancelAll(svc: Services, context: TurnContext): Promise<void> {
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
