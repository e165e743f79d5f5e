import { createReadStream } from 'fs';
import { createInterface } from 'readline';
import type { FollowUpReference as ConversationReference } from '../followups/followUpReference';
import type { ReengagementFollowUp } from '../followups/followUpOptions';
import type { FollowUpServiceBase } from '../followups/followUpService';

/** Lines scheduled per batch (two database commands each). */
const BATCH = 1000;

/** What `followups reengage` did with a file. */
export interface ReengageImport {
    /** Lines that were not blank. */
    lines: number;
    /** Re-engagements scheduled. */
    scheduled: number;
    /** Lines whose user had a re-engagement already (armed by the middleware, or imported before). */
    duplicates: number;
    /** Lines skipped, with their number (1-based) and what is wrong. */
    bad: Array<{ line: number; error: string }>;
    /** How long the import took, ms. */
    ms: number;
}

/**
 * Reads one line of the file: `{ "reference": {...}, "userId": "...", "lastActivityAt": "<ISO date>" }`.
 *
 * @param text The line.
 * @param after The `--after` silence, when given.
 * @returns The request, or what is wrong with the line.
 */
export function readReengageLine(text: string, after: string | undefined): ReengagementFollowUp | { error: string } {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (err) {
        return { error: `not JSON (${(err as Error).message})` };
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
        return { error: 'not a JSON object { "reference": …, "userId": …, "lastActivityAt": … }' };
    }
    const { reference, userId, lastActivityAt } = value as Record<string, unknown>;
    if (!reference || typeof reference !== 'object' || typeof (reference as Partial<ConversationReference>).conversation?.id !== 'string') {
        return { error: '"reference" must be a conversation reference with conversation.id' };
    }
    if (userId !== undefined && (typeof userId !== 'string' || !userId)) {
        return { error: `"userId" must be a string; got ${JSON.stringify(userId)}` };
    }
    const at = typeof lastActivityAt === 'string' || typeof lastActivityAt === 'number' ? new Date(lastActivityAt) : undefined;
    if (!at || Number.isNaN(at.getTime())) {
        return { error: `"lastActivityAt" must be a date such as "2026-03-01T10:00:00Z"; got ${JSON.stringify(lastActivityAt)}` };
    }
    return {
        reference: reference,
        ...(userId ? { userId: userId } : {}),
        lastActivityAt: at,
        ...(after !== undefined ? { after } : {}),
    };
}

/**
 * Schedules a re-engagement for each line of a JSON Lines file, a batch at a time; a bad line is recorded with its
 * number and skipped, the others go in. Scheduling the same file again adds nothing (each user's key exists).
 *
 * @param service A started service.
 * @param file The file.
 * @param options `after`, the silence (default the service's `reengageAfter`); `now`, the clock for the timing.
 * @returns The counts and the bad lines.
 */
export async function importReengagements(service: FollowUpServiceBase, file: string, options: { after?: string; now: () => number }): Promise<ReengageImport> {
    const started = options.now();
    const result: ReengageImport = { lines: 0, scheduled: 0, duplicates: 0, bad: [], ms: 0 };
    let batch: Array<{ line: number; request: ReengagementFollowUp }> = [];
    const flush = async () => {
        const outcomes = await service.scheduleReengagements(batch.map((b) => b.request));
        outcomes.forEach((outcome, i) => {
            if ('error' in outcome) {
                result.bad.push({ line: batch[i].line, error: outcome.error.message });
            } else if (outcome.duplicate) {
                result.duplicates++;
            } else {
                result.scheduled++;
            }
        });
        batch = [];
    };
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    let number = 0;
    for await (const text of lines) {
        number++;
        if (!text.trim()) {
            continue;
        }
        result.lines++;
        const read = readReengageLine(text, options.after);
        if ('error' in read) {
            result.bad.push({ line: number, error: read.error });
            continue;
        }
        batch.push({ line: number, request: read });
        if (batch.length >= BATCH) {
            await flush();
        }
    }
    if (batch.length) {
        await flush();
    }
    result.bad.sort((a, b) => a.line - b.line);
    result.ms = options.now() - started;
    return result;
}
