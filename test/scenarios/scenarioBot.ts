import type { Db } from 'mongodb';
import type { ButtonAction } from '../../src/core/turn/buttonPayload';
import type { InactivityPolicy } from '../../src/core/policy/policy';

/** What a scenario sees of one activity the bot sent. */
export interface Sent {
    /** `message`, `event`, `endOfConversation`, ... */
    type: string;
    /** The text, for a message. */
    text?: string;
    /** The event's name, for an event. */
    name?: string;
}

/** The add-client bot of the scenarios, on one stack, driven by the test clock. */
export interface ScenarioBot {
    /** Sends a user's message and waits for the turn to end. */
    say(text: string): Promise<void>;
    /** Clicks the newest of the plugin's buttons for `action`. */
    click(action: ButtonAction): Promise<void>;
    /** Moves the test clock on, firing what comes due. */
    advance(duration: string): Promise<void>;
    /** What the bot sent since the last call. */
    take(): Sent[];
    /** The captions of the buttons on the newest message that carries the plugin's buttons. */
    buttons(): string[];
    /** What the bot's own handler received (the plugin's buttons must never be among them). */
    handled: string[];
    /** Errors reported through onError. */
    errors: Error[];
    /** Sends the follow-ups due at the test clock's time through the bot's adapter; resolves to how many were sent. */
    sendDueFollowUps(): Promise<number>;
    /** Stops the follow-up service and the middleware. */
    stop(): Promise<void>;
}

/** One way to run the plugin: an SDK and a way of telling the plugin where the user is. */
export interface Stack {
    /** Shown in the test names: `botbuilder + dialogs`, `botbuilder + markers`, ... */
    name: string;
    /**
     * Builds the add-client bot (name, email, phone; "add client" begins it) with the plugin.
     *
     * @param setup The database and the plugin's policy for the scenario.
     */
    create(setup: { db: Db; policy: InactivityPolicy }): Promise<ScenarioBot>;
}

/** The bot's questions, the same on every stack. */
export const QUESTIONS = {
    name: "What is the client's name?",
    email: "What is the client's email?",
    phone: 'And the phone number?',
} as const;

/** The steps in order. */
export const STEPS = ['name', 'email', 'phone'] as const;

/** The bot's last line once a client is added. */
export const added = (name: string): string => `Client ${name} added.`;

/** The follow-up the bot schedules once a client is added, a day later (`followUpAfter`). */
export const FOLLOW_UP = { template: 'followups:postEvent', after: '1 day' } as const;

/** The follow-up's text for a client. */
export const followUpText = (name: string): string => `How did it go with ${name}?`;

/** The test clock's start. */
export const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
