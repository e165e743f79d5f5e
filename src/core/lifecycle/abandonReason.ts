import { InactivityConfigError } from '../errors';
/** What a bot's own abandonment reason must look like: a camelCase-ish name of 1 to 40 characters. */
export const ABANDON_REASON_PATTERN = /^[a-z][a-zA-Z0-9_-]{0,39}$/;

/**
 * Built-in reasons `abandon()` refuses: each names a decision only the plugin takes (a silence, a cap, invalid
 * answers, a handoff, a channel refusing messages), and the report counts them as such. `userCancelled` is
 * accepted: it is what a bot's own "cancel" means, and Start over records it too.
 */
export const RESERVED_ABANDON_REASONS: readonly string[] = ['timeout', 'maxDuration', 'invalidInput', 'handoff', 'undeliverable'];

/**
 * Checks a reason given to `abandon()`.
 *
 * @param reason What the bot gave.
 * @throws InactivityConfigError naming the value and what is allowed.
 */
export function checkAbandonReason(reason: unknown): asserts reason is string {
    if (typeof reason !== 'string' || !ABANDON_REASON_PATTERN.test(reason)) {
        const shown = typeof reason === 'string' ? `'${reason.slice(0, 60)}'` : String(reason);
        throw new InactivityConfigError(
            `abandon() got the reason ${shown}; a reason is a name of 1 to 40 characters that starts with a lower-case letter and has only letters, digits, '_' and '-' (for example 'paymentFailed' or 'userSaidNeverMind').`
        );
    }
    if (RESERVED_ABANDON_REASONS.includes(reason)) {
        throw new InactivityConfigError(
            `abandon() got the reason '${reason}', which the plugin records for its own decisions (${RESERVED_ABANDON_REASONS.join(', ')}); give a name of your own, or 'userCancelled' for the user's "cancel".`
        );
    }
}
