import { ChildProcess, fork } from 'child_process';
import { join } from 'path';
import { MongoClient } from 'mongodb';

/** The database a bench runs on. */
export interface BenchServer {
    /** `CongoDB` (embedded, in a child process) or `MongoDB` (from `MONGODB_URI`). */
    kind: 'CongoDB' | 'MongoDB';
    /** Its version as it reports it (`buildInfo`). */
    version: string;
    /** A connection string without a database name. */
    uri: string;
    /** The server's CPU time so far, ms (CongoDB: its process; MongoDB: `serverStatus.extra_info` when it reports it). */
    cpuMs(): Promise<number | undefined>;
    /** A connection string for the database `name` on this server. */
    uriFor(name: string): string;
    /** Stops the server when the bench started it. */
    stop(): Promise<void>;
}

/**
 * The server of a bench: `MONGODB_URI` when set, otherwise CongoDB started in a child process (the bench's own
 * process then holds only the bot: its `process.cpuUsage()` is the bot's CPU, driver included).
 *
 * @returns The server.
 */
export async function startServer(): Promise<BenchServer> {
    const given = process.env.MONGODB_URI;
    let child: ChildProcess | undefined;
    let uri: string;
    if (given) {
        uri = given;
    } else {
        child = fork(join(__dirname, 'congoProcess.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        uri = await new Promise<string>((resolve, reject) => {
            child?.once('message', (m: { type: string; uri: string }) => (m.type === 'started' ? resolve(m.uri) : reject(new Error(`unexpected ${m.type}`))));
            child?.once('exit', (code) => reject(new Error(`the CongoDB process exited (${code})`)));
        });
    }
    const admin = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
    await admin.connect();
    const info = await admin.db('admin').command({ buildInfo: 1 });
    const kind = info.gitVersion === 'congodb' ? 'CongoDB' : 'MongoDB';
    const cpuMs = async (): Promise<number | undefined> => {
        if (child) {
            return new Promise((resolve) => {
                child?.once('message', (m: { type: string; ms: number }) => resolve(m.ms));
                child?.send({ type: 'cpu' });
            });
        }
        const status = await admin
            .db('admin')
            .command({ serverStatus: 1 })
            .catch(() => undefined);
        const extra = status?.extra_info as { user_time_us?: number; system_time_us?: number } | undefined;
        return extra?.user_time_us !== undefined ? ((extra.user_time_us ?? 0) + (extra.system_time_us ?? 0)) / 1000 : undefined;
    };
    return {
        kind,
        version: String(info.version ?? '?'),
        uri,
        cpuMs,
        uriFor: (name) => {
            const url = new URL(uri);
            url.pathname = `/${name}`;
            return url.toString();
        },
        stop: async () => {
            await admin.close();
            if (child) {
                const exited = new Promise((resolve) => child?.once('exit', resolve));
                child.send({ type: 'stop' });
                await exited;
            }
        },
    };
}

/** A database name of its own for one bench run. */
export function benchDbName(what: string): string {
    return `bbi_bench_${what}_${process.pid}_${Date.now()}`;
}
