import { createServer } from 'net';

/** A MongoDB wire-protocol server running inside this process. */
export interface EmbeddedMongo {
    /** Connection string for the official driver. */
    uri: string;
    /** Stops the server. */
    stop(): Promise<void>;
}

/**
 * Starts CongoDB (from `@push.rocks/smartmongo`), a MongoDB wire-protocol server written in TypeScript, on a
 * free loopback port. It needs nothing installed, which makes it the default of the sample bot and the tests.
 * It does not enforce unique indexes nor expire TTL indexes: production runs a real MongoDB.
 *
 * @param options `storagePath`: a folder to keep data in across restarts; in memory when absent.
 * @returns The connection string and a stop function.
 */
export async function startEmbeddedMongo(options: { storagePath?: string } = {}): Promise<EmbeddedMongo> {
    const { congodb } = await import('@push.rocks/smartmongo');
    const port = await freePort();
    const server = new congodb.CongoServer({
        port,
        host: '127.0.0.1',
        ...(options.storagePath ? { storage: 'file' as const, storagePath: options.storagePath } : {}),
    });
    await server.start();
    // CongoDB mishandles the driver's streaming heartbeat (connections reset every second, calls stall ~500 ms);
    // polling monitoring avoids it. A real MongoDB needs nothing of the kind.
    return { uri: `mongodb://127.0.0.1:${port}/botbuilder-inactivity?serverMonitoringMode=poll`, stop: () => server.stop() };
}

/**
 * Finds a free TCP port on the loopback interface (the driver refuses port 0 in a connection string).
 *
 * @returns A port number that was free a moment ago.
 */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address() as { port: number };
            srv.close(() => resolve(port));
        });
    });
}
