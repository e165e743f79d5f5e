/**
 * A CongoDB server in a process of its own, so that a bench can tell the bot's CPU from the server's. Started by
 * {@link startServer} with `fork()`; answers `{ type: 'cpu' }` with its `process.cpuUsage()` and stops on
 * `{ type: 'stop' }`.
 */
import { startEmbeddedMongo } from '../../samples/embeddedMongo';

async function main(): Promise<void> {
    const server = await startEmbeddedMongo();
    process.on('message', (message: { type: string }) => {
        if (message.type === 'cpu') {
            const cpu = process.cpuUsage();
            process.send?.({ type: 'cpu', ms: (cpu.user + cpu.system) / 1000, rssMb: process.memoryUsage().rss / 1e6 });
        } else if (message.type === 'stop') {
            void server.stop().finally(() => process.exit(0));
        }
    });
    process.on('disconnect', () => void server.stop().finally(() => process.exit(0)));
    process.send?.({ type: 'started', uri: server.uri });
}

void main();
