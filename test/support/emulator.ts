import express from 'express';
import { Server } from 'http';
import { randomUUID } from 'crypto';
import type { Activity } from 'botbuilder';

/** An activity the bot sent, with the time it arrived. */
export interface Received {
    /** The activity. */
    activity: Partial<Activity>;
    /** Arrival time (epoch ms). */
    at: number;
}

/** How the channel answers one of the bot's POSTs: an HTTP error status (with headers), or no answer at all. */
export type ChannelFault = { status: number; headers?: Record<string, string> } | 'hang';

/** A POST of the bot's, accepted or not, with the channel's answer. */
export interface Attempt extends Received {
    /** The status answered, or `'hang'` when the channel never answered. */
    answer: number | 'hang';
}

/**
 * Talks to a bot exactly as the Bot Framework Emulator does: POSTs activities to the bot's /api/messages with
 * `serviceUrl` pointing at itself, and accepts the bot's replies at
 * `POST /v3/conversations/{id}/activities[/{replyToId}]`.
 */
export class EmulatorClient {
    /** Every activity the bot sent and the channel accepted, in order. */
    readonly received: Received[] = [];
    /** Every POST of the bot's, including those the channel refused or never answered. */
    readonly attempts: Attempt[] = [];
    /**
     * Decides how the channel answers each POST of the bot's (a reply or a proactive message): return a fault to
     * refuse it or leave it unanswered; return nothing to accept it. Unset: every POST is accepted.
     */
    faults?: (activity: Partial<Activity>) => ChannelFault | undefined;
    private server?: Server;
    private serviceUrl = '';
    private waiters: Array<() => void> = [];

    /** @param botUrl The bot's messages endpoint. */
    constructor(private readonly botUrl: string) {}

    /** Starts the emulator's own endpoint on a free loopback port. */
    async start(): Promise<void> {
        const app = express();
        app.use(express.json({ limit: '5mb' }));
        app.post('/v3/conversations/:conversationId/activities/:replyToId?', (req, res) => {
            const activity = req.body as Partial<Activity>;
            const at = Date.now();
            const fault = this.faults?.(activity);
            this.attempts.push({ activity, at, answer: fault === 'hang' ? 'hang' : (fault?.status ?? 200) });
            this.waiters.splice(0).forEach((w) => w());
            if (fault === 'hang') {
                // No answer: the request stays open until stop() closes it or the bot process ends.
                return;
            }
            if (fault) {
                res.status(fault.status)
                    .set(fault.headers ?? {})
                    .json({ error: { code: 'ChannelFault', message: `The test channel answered ${fault.status}.` } });
                return;
            }
            this.received.push({ activity, at });
            res.json({ id: randomUUID() });
        });
        app.use((req, res) => res.json({}));
        this.server = await new Promise<Server>((resolve) => {
            const s = app.listen(0, '127.0.0.1', () => resolve(s));
        });
        this.serviceUrl = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    }

    /** Stops the endpoint. */
    async stop(): Promise<void> {
        const closed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
        // Unanswered requests would keep close() waiting forever.
        this.server?.closeAllConnections?.();
        await closed;
    }

    /**
     * Opens a conversation for a user.
     *
     * @param options The user's id and locale.
     * @returns A conversation to talk in.
     */
    conversation(options: { userId?: string; locale?: string; conversationId?: string } = {}): EmulatorConversation {
        return new EmulatorConversation(
            this,
            options.conversationId ?? `conv-${randomUUID()}`,
            options.userId ?? `user-${randomUUID()}`,
            options.locale ?? 'en-US'
        );
    }

    /** @internal */
    async post(activity: Partial<Activity>): Promise<number> {
        const res = await fetch(this.botUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ ...activity, serviceUrl: this.serviceUrl, channelId: 'emulator', id: randomUUID(), timestamp: new Date().toISOString() }),
        });
        return res.status;
    }

    /**
     * Waits until `predicate` holds for an activity received after index `from`.
     *
     * @param predicate What to wait for.
     * @param options `from`: index to start at; `timeoutMs`: how long.
     * @returns The matching activity.
     */
    async waitFor(predicate: (a: Partial<Activity>) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<Received> {
        const deadline = Date.now() + (options.timeoutMs ?? 10_000);
        for (;;) {
            const hit = this.received.slice(options.from ?? 0).find((r) => predicate(r.activity));
            if (hit) {
                return hit;
            }
            const left = deadline - Date.now();
            if (left <= 0) {
                throw new Error(
                    `Timed out; received: ${JSON.stringify(this.received.slice(options.from ?? 0).map((r) => r.activity.text ?? r.activity.type ?? r.activity.name))}`
                );
            }
            await new Promise<void>((resolve) => {
                const t = setTimeout(resolve, Math.min(left, 200));
                this.waiters.push(() => {
                    clearTimeout(t);
                    resolve();
                });
            });
        }
    }
}

/** One user's conversation through an {@link EmulatorClient}. */
export class EmulatorConversation {
    constructor(
        private readonly client: EmulatorClient,
        readonly id: string,
        readonly userId: string,
        readonly locale: string
    ) {}

    /** Activities the bot sent to this conversation. */
    get received(): Received[] {
        return this.client.received.filter((r) => r.activity.conversation?.id === this.id);
    }

    /**
     * Sends a message (and, for a button click, its value) and waits until the bot has answered the HTTP request.
     *
     * @param text The text.
     * @param value A button's value.
     * @returns The index in the client's `received` where this turn's replies begin.
     */
    async say(text: string, value?: unknown): Promise<number> {
        const from = this.client.received.length;
        const status = await this.client.post({
            type: 'message',
            text,
            ...(value !== undefined ? { value } : {}),
            locale: this.locale,
            from: { id: this.userId, name: 'User', role: 'user' },
            recipient: { id: 'bot', name: 'Bot', role: 'bot' },
            conversation: { id: this.id } as Activity['conversation'],
        });
        if (status >= 300) {
            throw new Error(`The bot answered HTTP ${status}`);
        }
        return from;
    }

    /**
     * Waits for a message from the bot in this conversation.
     *
     * @param predicate What to wait for.
     * @param options `from`: index in the client's list; `timeoutMs`.
     * @returns The activity and its arrival time.
     */
    waitFor(predicate: (a: Partial<Activity>) => boolean, options: { from?: number; timeoutMs?: number } = {}): Promise<Received> {
        return this.client.waitFor((a) => a.conversation?.id === this.id && predicate(a), options);
    }

    /**
     * The buttons of a message: hero card buttons and suggested actions.
     *
     * @param activity A message.
     * @returns Titles and values.
     */
    static buttons(activity: Partial<Activity>): Array<{ title: string; value: unknown }> {
        const card = activity.attachments?.flatMap((a) => (a.content as { buttons?: Array<{ title: string; value: unknown }> })?.buttons ?? []) ?? [];
        const suggested = (activity.suggestedActions?.actions ?? []).map((a) => ({ title: a.title ?? '', value: a.value as unknown }));
        return [...card, ...suggested];
    }
}
