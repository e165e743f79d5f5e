import { AddressInfo, createConnection, createServer, Server, Socket } from 'net';

/**
 * A TCP proxy in front of a server (the test MongoDB) that can stall: {@link TcpProxy.stall} stops forwarding in
 * both directions without closing any socket, as a hung server or a network partition does; new connections are
 * accepted and held too. {@link TcpProxy.resume} forwards what was held, in order, and goes on;
 * {@link TcpProxy.cut} drops it and resets the connections instead.
 */
export class TcpProxy {
    private server?: Server;
    private stalled = false;
    private held: Array<{ to: Socket; chunk: Buffer }> = [];
    private readonly sockets = new Set<Socket>();

    /**
     * @param target Where to forward: the server's host and port.
     */
    constructor(private readonly target: { host: string; port: number }) {}

    /**
     * A proxy for the server of a MongoDB connection string.
     *
     * @param uri A `mongodb://host:port/...` string (one host).
     * @returns The proxy (not started).
     */
    static forMongoUri(uri: string): TcpProxy {
        const url = new URL(uri);
        return new TcpProxy({ host: url.hostname, port: Number(url.port || 27017) });
    }

    /** Starts listening on a free loopback port; returns it. */
    async start(): Promise<number> {
        this.server = createServer((client) => this.connect(client));
        await new Promise<void>((resolve, reject) => this.server?.listen(0, '127.0.0.1', resolve).on('error', reject));
        return (this.server?.address() as AddressInfo).port;
    }

    /**
     * The same connection string, through the proxy.
     *
     * @param uri The server's connection string.
     * @returns It with the proxy's address instead of the server's.
     */
    proxied(uri: string): string {
        const url = new URL(uri);
        url.host = `127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
        return url.toString();
    }

    /** Stops forwarding; nothing is closed, bytes in either direction are held. */
    stall(): void {
        this.stalled = true;
    }

    /** Forwards what was held and goes on forwarding. */
    resume(): void {
        this.stalled = false;
        const held = this.held;
        this.held = [];
        for (const { to, chunk } of held) {
            if (!to.destroyed) {
                to.write(chunk);
            }
        }
    }

    /**
     * Ends a stall as a partition that loses its connections does: what was held is dropped, every open
     * connection is reset, and new connections are forwarded again.
     */
    cut(): void {
        this.held = [];
        for (const socket of this.sockets) {
            socket.resetAndDestroy();
        }
        this.stalled = false;
    }

    /** Closes every connection and the listener. */
    async stop(): Promise<void> {
        for (const socket of this.sockets) {
            socket.destroy();
        }
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }

    private connect(client: Socket): void {
        const upstream = createConnection(this.target);
        for (const [from, to] of [
            [client, upstream],
            [upstream, client],
        ]) {
            this.sockets.add(from);
            from.on('data', (chunk: Buffer) => {
                if (this.stalled) {
                    this.held.push({ to, chunk });
                } else {
                    to.write(chunk);
                }
            });
            from.on('error', () => undefined);
            from.on('close', () => {
                this.sockets.delete(from);
                to.destroy();
            });
        }
    }
}
