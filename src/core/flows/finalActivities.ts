import type { ActivityLike } from '../ports/activity';
import type { EndKind } from '../ports/botBinding';
import type { AbandonReason } from '../records/abandonmentLog';
import { durationWords, textActivity } from '../texts/messages';
import type { TranscriptLine } from '../turn/inactivityState';
import { FlowTurn, stepNumberOf } from '../turn/turn';

/** Channels that reject a bot's `endOfConversation`. */
const NO_END_OF_CONVERSATION = new Set(['msteams']);

/** The `endOfConversation` for each way a flow ends; none is sent when the channel refused our messages. */
const END_KINDS: Partial<Record<AbandonReason, EndKind>> = {
    timeout: 'timedOut',
    maxDuration: 'timedOut',
    invalidInput: 'unknown',
    userCancelled: 'userCancelled',
};

/**
 * The goodbye of a close, and `endOfConversation` where the channel takes it.
 *
 * @param turn The turn, in the flow.
 * @param reason Why the flow ends.
 * @param resumableFor How long the saved flow can be resumed (ms), or `undefined` when it was not saved.
 * @returns The activities to send.
 */
export function closeActivities(turn: FlowTurn, reason: AbandonReason, resumableFor: number | undefined): ActivityLike[] {
    const { plugin, policy } = turn;
    const locale = turn.state.locale;
    const t = plugin.localizer;
    const resumable = resumableFor !== undefined;
    const window = durationWords(t, locale, resumableFor ?? policy.resumeWindow);
    const byReason = reason === 'maxDuration' ? 'close.maxDuration' : reason === 'invalidInput' ? 'close.invalidInput' : 'close.text';
    const key = policy.messages.close ?? (resumable ? byReason : byReason === 'close.text' ? 'close.textNoResume' : `${byReason}NoResume`);
    const out: ActivityLike[] = [textActivity(t.t(locale, key, { window }))];
    const kind = END_KINDS[reason];
    if (kind && plugin.settings.endOfConversation && !NO_END_OF_CONVERSATION.has(turn.context.activity.channelId ?? '')) {
        out.push({ type: 'endOfConversation', code: plugin.bot.endCode(kind) });
    }
    return out;
}

/**
 * The handoff's text and its `handoff.initiate` event, with the recent messages as a transcript.
 *
 * @param turn The turn, in the flow.
 * @param reason Why the flow ends.
 * @returns The activities to send.
 */
export function handoffActivities(turn: FlowTurn, reason: AbandonReason): ActivityLike[] {
    const { plugin, state, info, policy, context } = turn;
    const locale = state.locale;
    const text = textActivity(plugin.localizer.t(locale, policy.messages.handoff ?? (reason === 'invalidInput' ? 'handoff.invalidInput' : 'handoff.text')));
    // The handoff text itself belongs in the transcript the agent reads.
    const lines = [...state.transcript, { from: 'bot' as const, text: text.text ?? '', at: plugin.now() }].slice(-Math.max(1, plugin.settings.transcriptSize));
    const reference = plugin.bot.referenceOf(context.activity);
    const transcript = lines.map((line) => transcriptActivity(line, reference));
    const handoffContext = { reason: reason === 'timeout' ? 'inactivity' : reason, flowId: info.flowId, step: stepNumberOf(info), locale };
    return [text, plugin.bot.handoffEvent(context, handoffContext, transcript)];
}

function transcriptActivity(line: TranscriptLine, ref: ReturnType<FlowTurn['plugin']['bot']['referenceOf']>): ActivityLike {
    const bot = ref.bot ?? ref.agent;
    return {
        type: 'message',
        text: line.text,
        timestamp: new Date(line.at),
        from: line.from === 'user' ? { ...(ref.user ?? { id: 'user', name: 'user' }), role: 'user' } : { ...(bot ?? { id: 'bot', name: 'bot' }), role: 'bot' },
        conversation: ref.conversation,
        channelId: ref.channelId,
    };
}
