import type { ActivityLike } from '../ports/activity';
import { randomBytes } from 'crypto';

/** The key under which the plugin's buttons carry their payload in `activity.value`. */
export const PAYLOAD_KEY = 'botbuilder-inactivity';

/** What a button asks for. */
export type ButtonAction = 'continue' | 'startOver' | 'resume' | 'fresh';

const ACTIONS: readonly ButtonAction[] = ['continue', 'startOver', 'resume', 'fresh'];

/** A button's payload: the action and the one-time token it was sent with. */
export interface ButtonPayload {
    /** Payload version. */
    v: 1;
    /** The action. */
    action: ButtonAction;
    /** The one-time token; it must match the conversation's pending buttons. */
    nonce: string;
}

/**
 * Makes a one-time token for a set of buttons.
 *
 * @returns 128 random bits, URL-safe.
 */
export function newNonce(): string {
    return randomBytes(16).toString('base64url');
}

/**
 * The `value` to put on a button.
 *
 * @param action The action.
 * @param nonce The token of the message the button belongs to.
 * @returns An object to use as the button's `value`.
 */
export function buttonValue(action: ButtonAction, nonce: string): Record<string, ButtonPayload> {
    return { [PAYLOAD_KEY]: { v: 1, action, nonce } };
}

/**
 * Reads the plugin's payload from an incoming activity.
 *
 * @param activity The incoming activity.
 * @returns `undefined` when the activity carries no payload of the plugin; `'invalid'` when it carries one
 * that is malformed (forged or garbage); the payload otherwise.
 */
export function readPayload(activity: ActivityLike): ButtonPayload | 'invalid' | undefined {
    let value: unknown = activity.value;
    if (typeof value === 'string') {
        // Some channels deliver the value as JSON text.
        try {
            value = JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    if (!value || typeof value !== 'object' || !(PAYLOAD_KEY in value)) {
        return undefined;
    }
    const p = (value as Record<string, unknown>)[PAYLOAD_KEY] as Partial<ButtonPayload> | undefined;
    if (
        !p ||
        typeof p !== 'object' ||
        p.v !== 1 ||
        !ACTIONS.includes(p.action as ButtonAction) ||
        typeof p.nonce !== 'string' ||
        !/^[A-Za-z0-9_-]{16,64}$/.test(p.nonce)
    ) {
        return 'invalid';
    }
    return { v: 1, action: p.action as ButtonAction, nonce: p.nonce };
}
