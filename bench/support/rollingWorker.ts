/**
 * One process of the rolling-restart bench (forked by bench/rolling.ts): the plugin's timer scheduler on the shared
 * database, with a due-timer handler that stands for a reminder's send (a round trip of `sendMs` to the channel),
 * then reports the send to the coordinator. SIGTERM stops it as a deploy does: `stop()`, then exit.
 *
 * Messages: `{ type: 'arm', timers: [key, dueAt][] }` → arms them, answers `armed`. It announces `ready` once
 * started, each send as `{ type: 'sent', key, at }`, and `{ type: 'stopped', stopMs }` before it exits.
 */
import { AgendaScheduler } from '../../src/scheduling/agendaScheduler';
import { TIMER_DATA_VERSION } from '../../src/core/ports/timerScheduler';

interface Init {
    uri: string;
    sendMs: number;
}

/** How many arms one worker sends at once. */
const ARM_CONCURRENCY = 10;

function send(message: object): Promise<void> {
    return new Promise((resolve) => {
        if (!process.send) {
            resolve();
            return;
        }
        process.send(message, undefined, {}, () => resolve());
    });
}

async function main(): Promise<void> {
    const init = JSON.parse(process.env.ROLLING_WORKER ?? '{}') as Init;
    const scheduler = new AgendaScheduler({ mongo: init.uri, onError: (err) => process.stderr.write(`onError ${err.message}: ${String(err.cause)}\n`) });
    await scheduler.start(async ({ data }) => {
        await new Promise((resolve) => setTimeout(resolve, init.sendMs));
        void send({ type: 'sent', key: data.key, at: Date.now() });
        return undefined;
    });
    let stopping = false;
    process.on('SIGTERM', () => {
        if (stopping) {
            return;
        }
        stopping = true;
        const askedAt = Date.now();
        void scheduler
            .stop()
            .catch((err: unknown) => process.stderr.write(`stop failed: ${String(err)}\n`))
            // Messages go out in order: once this one is written, every send reported before it was too.
            .then(() => send({ type: 'stopped', stopMs: Date.now() - askedAt }))
            .finally(() => process.exit(0));
    });
    process.on('message', (message: { type: string; timers?: Array<[string, number]> }) => {
        if (message.type !== 'arm') {
            return;
        }
        void (async () => {
            const queue = [...(message.timers ?? [])];
            const armOne = async (): Promise<void> => {
                for (let next = queue.shift(); next; next = queue.shift()) {
                    const [key, dueAt] = next;
                    await scheduler.arm({ v: TIMER_DATA_VERSION, key, reference: { channelId: 'bench', conversation: { id: key } } }, new Date(dueAt));
                }
            };
            await Promise.all(Array.from({ length: ARM_CONCURRENCY }, armOne));
            await send({ type: 'armed' });
        })();
    });
    await send({ type: 'ready' });
}

main().catch((err: unknown) => {
    process.stderr.write(`rolling worker failed: ${String(err)}\n`);
    process.exit(1);
});
