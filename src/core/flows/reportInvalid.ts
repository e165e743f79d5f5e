import { textActivity } from '../texts/messages';
import type { UserTurn } from '../turn/userTurn';
import { questionIdentity, resolvePolicy } from './flowInfo';
import { countInvalid, invalidLine } from './invalidAnswers';

/** What `reportInvalid()` is told. */
export interface InvalidReport {
    /** The step the answer was for; default: the step the user is on. */
    stepId?: string;
}

/** What became of an invalid answer the bot reported. */
export interface InvalidOutcome {
    /** Invalid answers to this question in a row, this one included. */
    attempt: number;
    /**
     * The step's final action is due (`maxInvalidAttempts` reached): the bot must not ask again, the plugin closes,
     * hands off or falls back once the turn's logic is done.
     */
    final: boolean;
}

/**
 * Counts an invalid answer the bot found itself (its own validation, not a botbuilder prompt): the same three
 * tiers as a prompt asking again. The first gets the gentle line, the second the explicit one (with the step's
 * `messages.hint`), both sent now, before the bot asks again; at `maxInvalidAttempts` nothing is sent and the
 * step's final action is taken at the end of the turn.
 *
 * @param turn The user's turn.
 * @param report The step, when not the one the user is on.
 * @returns The count and whether the final action is due; `undefined` outside a flow, or when the step does not
 *   count invalid answers (`enabled: false` or `maxInvalidAttempts: 0`).
 */
export async function reportInvalidAnswer(turn: UserTurn, report: InvalidReport = {}): Promise<InvalidOutcome | undefined> {
    const { plugin, context, state } = turn;
    const path = await plugin.flows.path(context);
    const info = plugin.flows.inspect(path);
    if (!info) {
        return undefined;
    }
    const policy = resolvePolicy(plugin.settings, info, context.activity.channelId);
    const identity = report.stepId !== undefined ? `step:${info.flowId}:${report.stepId}` : questionIdentity(path, info);
    if (!identity || !policy.enabled || policy.maxInvalidAttempts <= 0) {
        return undefined;
    }
    const { count, final, escalated } = await countInvalid(turn, { context, identity, info, policy });
    const lines = final ? [] : [invalidLine(turn, { count, messages: policy.messages })];
    if (escalated && policy.messages.escalated) {
        // Tells the user the owner was informed, after the tier's line (or alone before the final action).
        lines.push(plugin.localizer.t(state.locale, policy.messages.escalated));
    }
    if (final) {
        // The step's final action, once the bot's logic is done (endUserTurn), as after a prompt's last retry.
        if (turn.reprompts) {
            turn.reprompts.escalate = true;
        } else {
            turn.reprompts = { count, escalate: true, stop: () => undefined };
        }
    }
    if (lines.length > 0) {
        await context.sendActivities(lines.map((text) => textActivity(text)));
    }
    return { attempt: count, final };
}
