import { TurnContext } from 'botbuilder';
import createDebug from 'debug';
import { newNonce } from './buttonPayload';
import { activePath, FlowInfo, inspectFlow, resolvePolicy } from './dialogPath';
import { endFlow } from './flowActions';
import { InactivityState, readState, recordSentMessages } from './inactivityState';
import { dueStage, nextDue } from './ladder';
import { describeFlow, reminderActivity } from './messages';
import type { ResolvedPolicy } from './options';
import type { DueTimer, DueTimerHandler } from './scheduling/timerScheduler';
import type { Services } from './services';
import { TelemetryEvents, track } from './telemetry';

const debug = createDebug('botbuilder-inactivity:timer');

/**
 * What happens when a conversation's timer fires: a proactive turn that reads the conversation's state, and
 * either sends nothing stale (the user spoke since: re-arm from their newer message), sends the reminder, or
 * takes the final action. Returns when the timer should fire next.
 *
 * @param svc The services.
 * @returns The handler to give the scheduler.
 */
export function createTimerHandler(svc: Services): DueTimerHandler {
    return async (timer: DueTimer) => {
        let next: number | undefined;
        try {
            await svc.options.adapter.continueConversationAsync(svc.settings.botAppId, timer.data.reference, async (context) => {
                next = await onDue(svc, context);
            });
        } catch (err) {
            // The channel or the storage failed: nothing more is scheduled; the user's next message arms again.
            svc.report(err);
            return undefined;
        }
        debug('%s fired; next %s', timer.data.key, next ? new Date(next).toISOString() : 'none');
        return next !== undefined ? new Date(next) : undefined;
    };
}

async function onDue(svc: Services, context: TurnContext): Promise<number | undefined> {
    const state = readState(await svc.state.get(context));
    if (!state) {
        return undefined;
    }
    const now = svc.now();
    // The proactive turn's activity is an internal event no client ever saw: a reply to it makes Web Chat hold
    // the message for up to 5 s, waiting for an activity that never comes.
    context.onSendActivities(async (_ctx, activities, nextSend) => {
        activities.forEach((a) => delete a.replyToId);
        return nextSend();
    });
    recordSentMessages(context, state, svc.now, svc.settings.transcriptSize);
    const info = inspectFlow(activePath(await svc.dialogState.get(context, { dialogStack: [] })), svc.settings.flows, svc.options.dialog);
    let next: number | undefined;
    if (info && state.flow) {
        const policy = resolvePolicy(svc.settings.policy, info, svc.settings.flows);
        const due = dueStage(state, policy, now);
        if (due) {
            state.stagesDone.push(...due.settled);
            if (due.stage.name === 'reminder') {
                await sendReminder(svc, context, state, info, policy);
            } else {
                await endFlow(svc, context, state, info, policy, due.stage.name === 'maxDuration' ? 'maxDuration' : 'timeout');
            }
        }
        next = state.flow ? nextDue(state, policy) : undefined;
    }
    if (await userWroteMeanwhile(svc, context, state.lastUserActivityAt)) {
        // Saving now would put back the dialog state from before the user's newer message (storage writes are
        // last-writer-wins). Their turn has re-armed the timer from that message; keep what it saved.
        debug('user wrote while the timer ran in %s; not saving', context.activity.conversation?.id);
        return undefined;
    }
    state.armedFor = next;
    await svc.state.set(context, state);
    await svc.conversationState.saveChanges(context);
    return next;
}

/** Reads the conversation's record again, bypassing this turn's cache: has a user message been stamped since? */
async function userWroteMeanwhile(svc: Services, context: TurnContext, seen: number): Promise<boolean> {
    const fresh = new TurnContext(context.adapter, context.activity);
    await svc.conversationState.load(fresh, true);
    const latest = readState(await svc.state.get(fresh));
    return latest !== undefined && latest.lastUserActivityAt !== seen;
}

async function sendReminder(svc: Services, context: TurnContext, state: InactivityState, info: FlowInfo, policy: ResolvedPolicy): Promise<void> {
    const idleMs = svc.now() - state.lastUserActivityAt;
    const nonce = newNonce();
    state.pending = { nonce, kind: 'reminder', issuedAt: svc.now() };
    if (state.flow) {
        state.flow.reminded = true;
    }
    state.armedFor = nextDue(state, policy);
    // The reminder's buttons must work the moment it arrives: a client can click before this turn, returning
    // from the send, would save their token (a storage write away, over a network). So the state is saved on
    // the way out, after the transcript hook has recorded the reminder, unless the user wrote meanwhile.
    let saved = false;
    context.onSendActivities(async (_ctx, _activities, next) => {
        if (!saved) {
            saved = true;
            if (!(await userWroteMeanwhile(svc, context, state.lastUserActivityAt))) {
                await svc.state.set(context, state);
                await svc.conversationState.saveChanges(context);
            }
        }
        return next();
    });
    const description = describeFlow(svc.localizer, state.locale, info);
    await context.sendActivity(reminderActivity(svc.localizer, state.locale, description, policy, idleMs, nonce));
    track(svc.telemetry, TelemetryEvents.reminderSent, { conversationId: context.activity.conversation.id, dialogId: info.flowId, step: description.step }, { idleMs }, (e) => svc.report(e, context));
}
