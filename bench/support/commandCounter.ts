import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, Document, MongoClient } from 'mongodb';

/** The commands a counter classifies as writes. */
const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify']);

/** One command, as the driver's command monitoring saw it. */
export interface CountedCommand {
    /** `find`, `update`, `findAndModify`, ... */
    name: string;
    /** The collection it addressed (empty for admin commands). */
    collection: string;
    /** The command as sent. */
    command: Document;
    /** When it was sent (ms since epoch). */
    at: number;
    /** Round trip, ms (driver, network and server). */
    durationMs?: number;
    /** True when it changed at least one document (an insert, an update or upsert that modified, a delete, a lock). */
    changed?: boolean;
    /** False when it failed. */
    ok?: boolean;
}

/**
 * Counts a client's commands with the driver's command monitoring (create the client with `monitorCommands: true`).
 * A write is counted as a change only when the server says it changed a document: a poll that locks nothing is a
 * command, not a write.
 */
export class CommandCounter {
    /** Every command seen since the last `reset()`. */
    readonly commands: CountedCommand[] = [];
    private readonly pending = new Map<number, CountedCommand>();
    private readonly detach: () => void;

    /**
     * @param client A client created with `monitorCommands: true`.
     * @param collections Only commands on these collections are counted (all when empty).
     */
    constructor(
        client: MongoClient,
        private readonly collections: string[] = []
    ) {
        const started = (e: CommandStartedEvent) => this.started(e);
        const succeeded = (e: CommandSucceededEvent) => this.finished(e.requestId, e.duration, e.reply as Document, true);
        const failed = (e: CommandFailedEvent) => this.finished(e.requestId, e.duration, undefined, false);
        client.on('commandStarted', started);
        client.on('commandSucceeded', succeeded);
        client.on('commandFailed', failed);
        this.detach = () => {
            client.off('commandStarted', started);
            client.off('commandSucceeded', succeeded);
            client.off('commandFailed', failed);
        };
    }

    /** Forgets what was counted so far. */
    reset(): void {
        this.commands.length = 0;
    }

    /** Stops counting. */
    close(): void {
        this.detach();
    }

    /** Commands that changed a document. */
    get writes(): CountedCommand[] {
        return this.commands.filter((c) => c.changed === true);
    }

    /** Waits until every command sent has an answer. */
    async settled(timeoutMs = 5000): Promise<void> {
        const end = Date.now() + timeoutMs;
        while (this.pending.size > 0 && Date.now() < end) {
            await new Promise((resolve) => setTimeout(resolve, 10));
        }
    }

    /** Sum of the round trips of the commands counted, ms. */
    get totalMs(): number {
        return this.commands.reduce((sum, c) => sum + (c.durationMs ?? 0), 0);
    }

    private started(e: CommandStartedEvent): void {
        const collection = typeof e.command[e.commandName] === 'string' ? (e.command[e.commandName] as string) : '';
        if (this.collections.length > 0 && !this.collections.includes(collection)) {
            return;
        }
        const counted: CountedCommand = { name: e.commandName, collection, command: e.command, at: Date.now() };
        this.commands.push(counted);
        this.pending.set(e.requestId, counted);
    }

    private finished(requestId: number, durationMs: number, reply: Document | undefined, ok: boolean): void {
        const counted = this.pending.get(requestId);
        if (!counted) {
            return;
        }
        this.pending.delete(requestId);
        counted.durationMs = durationMs;
        counted.ok = ok;
        counted.changed = ok && WRITE_COMMANDS.has(counted.name) ? changedSomething(counted.name, reply ?? {}) : false;
    }
}

function changedSomething(name: string, reply: Document): boolean {
    switch (name) {
        case 'findAndModify':
            return reply.value != null || Boolean(reply.lastErrorObject?.upserted);
        case 'update':
            return (reply.nModified ?? 0) > 0 || (Array.isArray(reply.upserted) && reply.upserted.length > 0);
        default:
            return (reply.n ?? 0) > 0;
    }
}
