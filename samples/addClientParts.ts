/*
 * The add-client flow's parts that do not depend on a bot SDK, shared by the botbuilder sample (a dialog) and the
 * Agents SDK sample (route handlers that mark their steps): the flow's id, what it recognises and what it checks.
 */

/** The flow's id: what the inactivity policy file and the report name. */
export const ADD_CLIENT = 'addClient';

/** The flow's steps, in order, as the policy file's `stepNames` names them. */
export const ADD_CLIENT_STEPS = ['name', 'type', 'contact'] as const;

/** The client types the second step offers, by their key in the locale files (`sample:addClient.types.<key>`). */
export const CLIENT_TYPES = ['personal', 'group', 'online'] as const;

/** "add client" (or "/add-client"): begins the flow. */
export const START = /^\s*(\/add-client|add (a )?client)\s*[.!]?\s*$/i;

/** "cancel" (or "never mind") inside a flow: the flow is abandoned with the sample's own reason. */
export const CANCEL = /^\s*(\/?cancel|never ?mind)\s*[.!]?\s*$/i;

/** "give me a minute" inside a flow: the user gets 10 more minutes before the reminder. */
export const WAIT = /^\s*(give me a (minute|moment|sec(ond)?)|\/wait)\s*[.!]?\s*$/i;

/** How long "give me a minute" gives. */
export const WAIT_FOR = '10 minutes';

/** The reason the sample records for a typed "cancel", shown in the drop-off report beside the built-in ones. */
export const CANCEL_REASON = 'saidCancel';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[\d\s().-]{7,20}$/;

/**
 * Whether a text is an email address or a phone number.
 *
 * @param text What the user typed.
 * @returns True for a plausible email or phone number.
 */
export function isContact(text: string): boolean {
    const value = text.trim();
    return EMAIL.test(value) || (PHONE.test(value) && value.replace(/\D/g, '').length >= 7);
}
