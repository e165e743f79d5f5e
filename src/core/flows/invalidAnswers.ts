import type { ActivityLike, TurnContextLike } from '../ports/activity';
import type { ResolvedPolicy } from '../policy/options';
import type { PolicyMessages } from '../policy/policy';
import { ActiveFrame, FlowInfo, PromptKind, promptIdentity, resolvePolicy } from './flowInfo';
import type { Turn } from '../turn/turn';
import { TelemetryEvents, track } from '../telemetry';

/** What the re-prompt watcher found during one turn. */
export interface RepromptWatch {
    /** The user's answer was refused this many times in a row (0 when it was accepted). */
    count: number;
    /** The limit was reached: the step's final action must be taken after the turn. */
    escalate: boolean;
    /**
     * Ends the watch once the bot's logic is done: what the plugin sends afterwards (a maxDuration close while
     * the prompt still waits) is not the prompt asking again.
     */
    stop(): void;
}

/**
 * Watches one turn's outgoing messages for a prompt asking its own question again (the answer failed
 * validation). The first refusal gets a gentle line before the prompt's retry, later ones an explicit line
 * with an example of a valid answer (the step's `messages.hint`, else the prompt's own retryPrompt, which then
 * carries the explicit line instead of being repeated, else an example for the prompt's type), and at `maxInvalidAttempts` the retry is held back so the step's final
 * action can be taken instead. Reaching the explicit line and reaching the final action each send
 * `InactivityRepromptEscalated` (with `attempt` and `tier`: `explicit` | `final`; never the user's text).
 *
 * @param turn The user's turn (its record's `invalid` counter is updated).
 * @param waiting The prompt waiting when the turn began ({@link promptIdentity}) and its frame on the active path.
 * @returns What was seen, filled in as the turn runs.
 */
export function watchReprompts(turn: Turn, waiting: { identity: string; frame: ActiveFrame }): RepromptWatch {
    const { plugin, context, state } = turn;
    const before = waiting.identity;
    let stopped = false;
    const watch: RepromptWatch = { count: 0, escalate: false, stop: () => void (stopped = true) };
    const ours = new WeakSet<ActivityLike>();
    context.onSendActivities(async (ctx, activities, next) => {
        // Once escalated or stopped, what follows is the final action's own messages: let them through. Prompts
        // ask with inputHint expectingInput; anything else the bot says (an acknowledgement, an answer to an
        // interruption) is not a retry. One refusal per turn at most.
        const asking = activities.some((a) => a.type === 'message' && a.inputHint === 'expectingInput' && !ours.has(a));
        if (stopped || watch.escalate || watch.count > 0 || !asking) {
            return next();
        }
        const path = await plugin.flows.path(ctx);
        if (promptIdentity(path) !== before) {
            return next();
        }
        // The same prompt at the same step may be a new question (a loop replaced its waterfall after a valid
        // answer): only the instance that was waiting when the turn began is asking again.
        if (path[path.length - 1].state !== waiting.frame.state) {
            if (state.invalid?.prompt === before) {
                state.invalid = undefined;
            }
            return next();
        }
        const info = plugin.flows.inspect(path);
        const policy = info ? resolvePolicy(plugin.settings, info, context.activity.channelId) : plugin.settings.policy;
        if (!info || !policy.enabled || policy.maxInvalidAttempts <= 0) {
            return next();
        }
        const { count, final, escalated } = await countInvalid(turn, { context: ctx, identity: before, info, policy });
        watch.count = count;
        const told = escalated && policy.messages.escalated ? escalatedLine(turn, ctx, policy.messages.escalated) : undefined;
        if (final) {
            // Hold the prompt's retry back: the step's final action follows once the turn's logic is done. Only the
            // line telling the user the owner was informed, if the step has one, goes out in its place.
            watch.escalate = true;
            const held = activities.map(() => ({ id: '' }));
            if (told) {
                ours.add(told);
                activities.splice(0, activities.length, told);
                await next();
            }
            return held;
        }
        const asked = activities.find((a) => a.type === 'message' && a.inputHint === 'expectingInput' && !ours.has(a));
        const lines: ActivityLike[] = [];
        if (
            count >= 2 &&
            !policy.messages.hint &&
            !policy.messages.retry2 &&
            hasRetryPrompt(path[path.length - 1]) &&
            typeof asked?.text === 'string' &&
            asked.text
        ) {
            // The prompt's own retryPrompt says what this question wants (often a rule of the bot's validator that a
            // per-type example such as "a number, for example 42" would contradict): it is the hint. It goes into
            // the retry itself, so the user does not read the same sentence twice.
            asked.text = plugin.localizer.t(state.locale, 'reprompt.explicit', { hint: asked.text });
        } else {
            lines.push(
                plugin.bot.addressed(ctx, {
                    type: 'message',
                    text: hintText(turn, { count, messages: policy.messages, kind: info.prompt?.kind, frame: path[path.length - 1] }),
                })
            );
        }
        if (told) {
            lines.push(told);
        }
        for (const line of lines) {
            ours.add(line);
        }
        activities.unshift(...lines);
        return next();
    });
    return watch;
}

/** Whether the waiting prompt was given a retryPrompt of its own (a text, or an activity with text). */
function hasRetryPrompt(frame: ActiveFrame): boolean {
    const retry = (frame.state.options as { retryPrompt?: unknown } | undefined)?.retryPrompt;
    return typeof retry === 'string'
        ? retry.trim() !== ''
        : typeof (retry as { text?: unknown } | undefined)?.text === 'string' && (retry as { text: string }).text.trim() !== '';
}

/** What the explicit line is built from. */
interface HintRequest {
    count: number;
    messages: PolicyMessages;
    kind?: PromptKind;
    frame: ActiveFrame;
}

function hintText(turn: Turn, request: HintRequest): string {
    const { count, messages } = request;
    // Without a hint of the step's own, the explicit line gives an example for the prompt's type.
    return invalidLine(turn, { count, messages, hint: count > 1 && !messages.hint ? promptHint(turn, request) : undefined });
}

/** The line telling the user the bot's owner was informed (the step's `messages.escalated`). */
function escalatedLine(turn: Turn, ctx: TurnContextLike, key: string): ActivityLike {
    return turn.plugin.bot.addressed(ctx, { type: 'message', text: turn.plugin.localizer.t(turn.state.locale, key) });
}

function promptHint(turn: Turn, request: HintRequest): string | undefined {
    const t = turn.plugin.localizer;
    const locale = turn.state.locale;
    switch (request.kind) {
        case 'choice': {
            const choices = ((request.frame.state.options as { choices?: Array<string | { value: string }> }).choices ?? []).map((c) =>
                typeof c === 'string' ? c : c.value
            );
            return t.t(locale, 'reprompt.hint.choice', { choices: choices.join(', ') });
        }
        case 'confirm':
            return t.t(locale, 'reprompt.hint.confirm');
        case 'number':
            return t.t(locale, 'reprompt.hint.number');
        case 'datetime':
            return t.t(locale, 'reprompt.hint.datetime');
        case 'text':
            return t.t(locale, 'reprompt.hint.text');
        default:
            return undefined;
    }
}

/** An invalid answer to count: the turn's context, the question's identity, its flow and policy. */
export interface InvalidAnswer {
    /** The turn's context (the one sending, for the watcher). */
    context: TurnContextLike;
    /** The question's identity ({@link promptIdentity}). */
    identity: string;
    /** The flow. */
    info: FlowInfo;
    /** The flow's policy at the step. */
    policy: ResolvedPolicy;
}

/**
 * Counts one invalid answer to a question in the conversation's record, and reports the escalations: to the
 * explicit line (the second) and to the step's final action (`maxInvalidAttempts`), in telemetry
 * (`InactivityRepromptEscalated`) and as the `escalated` flow event (once per question).
 *
 * @param turn The user's turn (its record's `invalid` counter is updated).
 * @param answer The question, its flow and policy.
 * @returns The count so far for this question, whether the final action is due, and whether the `escalated` event
 *   was raised by this answer (for the step's `messages.escalated`).
 */
export async function countInvalid(turn: Turn, answer: InvalidAnswer): Promise<{ count: number; final: boolean; escalated: boolean }> {
    const { plugin, state } = turn;
    const { context: ctx, identity, info, policy } = answer;
    const count = (state.invalid?.prompt === identity ? state.invalid.count : 0) + 1;
    state.invalid = { prompt: identity, count };
    const final = count >= policy.maxInvalidAttempts;
    if (final || count === 2) {
        // Escalated: to the explicit line with an example (once per question), or to the step's final action.
        track(
            { client: plugin.telemetry, onError: (e) => plugin.warn(e, ctx) },
            {
                name: TelemetryEvents.repromptEscalated,
                properties: {
                    conversationId: ctx.activity.conversation?.id ?? '',
                    dialogId: info.flowId,
                    step: info.stepIndex !== undefined ? info.stepIndex + 1 : undefined,
                    attempt: count,
                    tier: final ? 'final' : 'explicit',
                },
            }
        );
    }
    const escalated = count === Math.min(2, policy.maxInvalidAttempts);
    if (escalated) {
        // The second tier (the explicit line), or the final one when the limit comes sooner: once per question.
        await plugin.lifecycle.emit(ctx, 'escalated', { flowId: info.flowId, stepIndex: info.stepIndex, stepId: info.stepName, reason: 'invalidInput' });
    }
    return { count, final, escalated };
}

/**
 * The line an invalid answer gets before the question is asked again: the gentle one the first time (the step's
 * `messages.retry1`, else `reprompt.gentle`), then the explicit one (the step's `messages.retry2`, else
 * `reprompt.explicit`) with the step's `messages.hint`, else the given hint; without either, `retry2` gets an
 * empty `{{hint}}` and the default is `reprompt.explicitNoHint`.
 *
 * @param turn The turn.
 * @param request The count so far, the step's message keys, and a hint to use when the step has none.
 * @returns The text.
 */
export function invalidLine(turn: Turn, request: { count: number; messages: PolicyMessages; hint?: string }): string {
    const t = turn.plugin.localizer;
    const locale = turn.state.locale;
    const { count, messages } = request;
    if (count <= 1) {
        return t.t(locale, messages.retry1 ?? 'reprompt.gentle');
    }
    const hint = messages.hint ? t.t(locale, messages.hint) : request.hint;
    if (messages.retry2) {
        return t.t(locale, messages.retry2, { hint: hint ?? '' });
    }
    return hint ? t.t(locale, 'reprompt.explicit', { hint }) : t.t(locale, 'reprompt.explicitNoHint');
}
