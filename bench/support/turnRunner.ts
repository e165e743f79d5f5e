import { ChildProcess, fork } from 'child_process';
import { join } from 'path';
import { conversationId, flowTurns } from './bot';
import type { TurnSample, TurnVariant, TurnWorkerReport } from './turnWorker';

/** Each variant's conversations: ids of the same length. */
const TAGS: Record<TurnVariant, string> = {
    bare: 'bare',
    plugin: 'plug',
    pluginOnly: 'pono',
    naive: 'naiv',
    floor: 'flor',
    agentsBare: 'agba',
    agentsPlugin: 'agpl',
    commands: 'cmds',
};

/** A forked variant, answering one message at a time. */
class Worker {
    private readonly child: ChildProcess;
    private waiting?: { type: string; resolve: (m: Record<string, unknown>) => void; reject: (e: Error) => void };
    readonly ready: Promise<unknown>;

    constructor(uri: string, variant: TurnVariant, profile: boolean) {
        this.child = fork(join(__dirname, 'turnWorker.js'), [], {
            env: { ...process.env, TURN_WORKER: JSON.stringify({ uri, variant, profile }) },
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        this.child.on('message', (m: Record<string, unknown>) => {
            const w = this.waiting;
            if (w && m.type === w.type) {
                this.waiting = undefined;
                w.resolve(m);
            }
        });
        this.child.on('exit', (code) => this.waiting?.reject(new Error(`the ${variant} worker exited (${code})`)));
        this.ready = this.next('ready');
    }

    private next(type: string): Promise<Record<string, unknown>> {
        return new Promise((resolve, reject) => (this.waiting = { type, resolve, reject }));
    }

    /** Sends a message and waits for the answer of `type`. */
    ask(message: Record<string, unknown>, type: string): Promise<Record<string, unknown>> {
        const answer = this.next(type);
        this.child.send(message);
        return answer;
    }

    kill(): void {
        this.child.kill();
    }
}

/** Options of {@link runTurns}. */
export interface RunTurnsOptions<V extends TurnVariant> {
    /** The variants, one process each. */
    variants: readonly V[];
    /** Flows per variant (4 turns each), after 20 (at most) of warm-up. */
    flows: number;
    /** Profile each process's CPU from the mark. */
    profile?: boolean;
    /** Also a process sending one bare `updateOne` and `findOneAndUpdate` per turn of a flow. */
    baseline?: boolean;
}

/** What {@link runTurns} measured. */
export interface TurnRuns<V extends TurnVariant> {
    /** Each variant's turns, in order (a flow's first turn marked). */
    samples: Record<V, Array<TurnSample & { first: boolean }>>;
    /** Each variant's process from the mark to the finish. */
    reports: Record<V, TurnWorkerReport>;
    /** The baseline's CPU per bare command, ms (empty without `baseline`). */
    bareCommands: { updateOne: number[]; findOneAndUpdate: number[] };
}

/**
 * Runs the sample's add-client flow on each variant, each in a process of its own against the database at `uri`,
 * flow by flow in an order that changes from flow to flow (a fixed shuffle), so that whatever one does to the
 * machine (its server commands, its garbage collector's threads) lands on each of the others equally often.
 *
 * @param uri The database, with its name.
 * @param options See {@link RunTurnsOptions}.
 * @returns The turns' figures and each process's CPU.
 */
export async function runTurns<V extends TurnVariant>(uri: string, options: RunTurnsOptions<V>): Promise<TurnRuns<V>> {
    const { variants, flows } = options;
    const workers = Object.fromEntries(variants.map((v) => [v, new Worker(uri, v, options.profile === true)])) as Record<V, Worker>;
    const baseline = options.baseline ? new Worker(uri, 'commands', false) : undefined;
    const all = [...Object.values<Worker>(workers), ...(baseline ? [baseline] : [])];
    const samples = Object.fromEntries(variants.map((v) => [v, []])) as unknown as TurnRuns<V>['samples'];
    const reports = {} as Record<V, TurnWorkerReport>;
    const bareCommands: TurnRuns<V>['bareCommands'] = { updateOne: [], findOneAndUpdate: [] };
    try {
        await Promise.all(all.map((w) => w.ready));
        const warmup = Math.min(20, flows);
        let seed = 9;
        const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
        for (let i = 0; i < warmup + flows; i++) {
            if (i === warmup) {
                await Promise.all(all.map((w) => w.ask({ type: 'mark' }, 'marked')));
            }
            const order = variants
                .map((v) => [random(), v] as const)
                .sort((a, b) => a[0] - b[0])
                .map(([, v]) => v);
            for (const variant of order) {
                const id = conversationId(TAGS[variant], i);
                const turns = flowTurns(i);
                for (let t = 0; t < turns.length; t++) {
                    const answer = await workers[variant].ask({ type: 'turn', id, text: turns[t], first: t === 0, last: t === turns.length - 1 }, 'turned');
                    if (i >= warmup) {
                        samples[variant].push({ ...(answer.sample as TurnSample), first: t === 0 });
                    }
                }
            }
            for (let t = 0; baseline && t < 4; t++) {
                const answer = await baseline.ask({ type: 'commands' }, 'commanded');
                if (i >= warmup) {
                    bareCommands.updateOne.push(answer.updateOne as number);
                    bareCommands.findOneAndUpdate.push(answer.findOneAndUpdate as number);
                }
            }
        }
        for (const variant of variants) {
            reports[variant] = (await workers[variant].ask({ type: 'finish' }, 'done')).report as TurnWorkerReport;
        }
        await baseline?.ask({ type: 'finish' }, 'done');
    } finally {
        all.forEach((w) => w.kill());
    }
    return { samples, reports, bareCommands };
}
