/**
 * One variant of the per-turn bench in a process of its own (forked by bench/perTurn.ts), so that each pays for
 * its own garbage. In one process, V8 collects garbage in tasks that run while the event loop waits for I/O: the
 * variants that wait on the database (the plugin, the naive upsert) then paid for the garbage of the ones that never
 * wait (the bare bot's turns run on a MemoryStorage), about 0.8 ms per command measured on this machine.
 *
 * Messages: `{ type: 'mark' }` starts counting (answers `marked`); `{ type: 'turn', id, text, first, last }` runs
 * one user turn (answers `turned` with its wall time, CPU and commands); `{ type: 'commands' }` (the `commands`
 * variant) sends one bare `updateOne` and one bare `findOneAndUpdate` (answers `commanded` with the CPU of each);
 * `{ type: 'finish' }` answers `done` with this process's CPU since the mark, stops the bot and exits.
 */
import { Session } from 'inspector';
import { MongoClient, ObjectId } from 'mongodb';
import { agentsBenchBot } from './agentsBot';
import { benchBot, NAIVE_JOB, NullScheduler } from './bot';
import { CommandCounter } from './commandCounter';
import { moduleOf, startProfile, stopProfile } from './profile';
import { cpuMs } from './stats';

/** The variants of the per-turn bench. */
export const TURN_VARIANTS = ['bare', 'plugin', 'pluginOnly', 'naive', 'floor', 'agentsBare', 'agentsPlugin', 'commands'] as const;

/** One variant of the per-turn bench. */
export type TurnVariant = (typeof TURN_VARIANTS)[number];

/** What the parent gives a worker (in `TURN_WORKER`). */
export interface TurnWorkerInit {
    uri: string;
    variant: TurnVariant;
    /** Profile the CPU from the mark to the finish. */
    profile?: boolean;
}

/** One turn's figures, as a worker measured them. */
export interface TurnSample {
    ms: number;
    cpu: number;
    commands: number;
}

/** What a worker reports when it finishes. */
export interface TurnWorkerReport {
    /** This process's CPU from the mark to the finish, ms: its turns, its garbage, its background work, its messages. */
    cpuMs: number;
    /** Database commands of its client in that time. */
    commands: number;
    /** Self time by module in that time, ms (profiled runs only; see `moduleOf` in ./profile). */
    profile?: Record<string, number>;
}

/** A bot of the variant: one user message in, the whole turn awaited. */
interface VariantBot {
    say(id: string, text: string, flow: { first: boolean; last: boolean }): Promise<void>;
    stop(): Promise<void>;
}

/**
 * The bare bot with the plugin's database commands sent by hand with the driver: on the first turn of a flow the
 * resume lookup and the timer's upsert together, on its last the run record's upsert, documents shaped like the
 * plugin's. What a turn costs when the commands cost what a bare command costs: the floor the plugin is measured
 * against.
 */
async function floorBot(client: MongoClient): Promise<VariantBot> {
    const bot = await benchBot();
    const db = client.db();
    const snapshots = db.collection('floorSnapshots');
    const jobs = db.collection<{ _id: ObjectId }>('floorJobs');
    const runs = db.collection<{ _id: ObjectId }>('floorRuns');
    return {
        say: async (id, text, flow) => {
            await bot.say(id, text);
            const userId = `dl_${id.slice(0, 8)}-user-7f3a9c2e`;
            if (flow.first) {
                await Promise.all([
                    snapshots.findOne({
                        'scope.channelId': 'directline',
                        'scope.userId': userId,
                        flowId: 'addClient',
                        status: 'abandoned',
                        expiresAt: { $gt: Date.now() },
                    }),
                    jobs.updateOne(
                        { _id: new ObjectId() },
                        {
                            $set: {
                                name: 'bbi:timer',
                                data: {
                                    v: 2,
                                    r: {
                                        c: 'directline',
                                        s: 'https://directline.botframework.com/',
                                        i: id,
                                        b: 'inactivity-bench-bot@a1b2c3d4',
                                        u: userId,
                                        l: 'en-US',
                                    },
                                },
                                nextRunAt: new Date(Date.now() + 300_000),
                            },
                            $unset: { lockedAt: '', lastModifiedBy: '', failCount: '', failReason: '', failedAt: '' },
                        },
                        { upsert: true }
                    ),
                ]);
            } else if (flow.last) {
                const now = Date.now();
                await runs.updateOne(
                    { _id: new ObjectId() },
                    {
                        $setOnInsert: {
                            v: 1,
                            runId: `${id}-run`,
                            flowId: 'addClient',
                            outcome: 'completed',
                            endStep: 'contact',
                            endStepIndex: 2,
                            startedAt: new Date(now - 10),
                            endedAt: new Date(now),
                            durationMs: 10,
                            steps: [
                                { step: 'name', index: 0, ms: 4 },
                                { step: 'type', index: 1, ms: 2 },
                                { step: 'contact', index: 2, ms: 4 },
                            ],
                            reminders: [],
                            reminded: false,
                            answeredAfterReminder: false,
                            resumed: false,
                            extensions: 0,
                            channelId: 'directline',
                            user: userId.slice(0, 22),
                        },
                    },
                    { upsert: true }
                );
            }
        },
        stop: () => bot.stop(),
    };
}

async function variantBot(variant: TurnVariant, client: MongoClient): Promise<VariantBot> {
    const db = client.db();
    const plain = async (bot: { say(id: string, text: string): Promise<void>; stop(): Promise<void> }, extra?: () => Promise<void>): Promise<VariantBot> => ({
        say: (id, text) => bot.say(id, text),
        stop: async () => {
            await bot.stop();
            await extra?.();
        },
    });
    switch (variant) {
        case 'bare':
        case 'commands':
            return plain(await benchBot());
        case 'plugin':
            return plain(await benchBot({ plugin: { mongo: db } }));
        case 'pluginOnly':
            return plain(await benchBot({ plugin: { scheduler: new NullScheduler() } }));
        case 'naive': {
            const { Agenda } = await import('agenda');
            const { MongoBackend } = await import('@agendajs/mongo-backend');
            const agenda = new Agenda({ backend: new MongoBackend({ mongo: db, collection: 'naiveJobs' }) });
            agenda.define(NAIVE_JOB, async () => undefined);
            await agenda.start();
            return plain(await benchBot({ naive: { agenda, delayMs: 5 * 60_000 } }), () => agenda.stop());
        }
        case 'floor':
            return floorBot(client);
        case 'agentsBare':
            return plain(await agentsBenchBot());
        case 'agentsPlugin':
            return plain(await agentsBenchBot({ mongo: db }));
    }
}

async function main(): Promise<void> {
    const init = JSON.parse(process.env.TURN_WORKER ?? '{}') as TurnWorkerInit;
    const client = new MongoClient(init.uri, { monitorCommands: true });
    await client.connect();
    const counter = new CommandCounter(client);
    const bot = await variantBot(init.variant, client);
    const bare = client.db().collection<{ _id: number }>('bareCommands');
    let n = 0;
    let cpuAtMark = cpuMs();
    let commandsAtMark = 0;
    let session: Session | undefined;
    const send = (m: unknown) => process.send?.(m);
    process.on('message', (message: { type: string; id?: string; text?: string; first?: boolean; last?: boolean }) => {
        void (async () => {
            if (message.type === 'mark') {
                cpuAtMark = cpuMs();
                commandsAtMark = counter.commands.length;
                if (init.profile) {
                    session = new Session();
                    await startProfile(session);
                }
                send({ type: 'marked' });
            } else if (message.type === 'turn') {
                const before = counter.commands.length;
                const c0 = cpuMs();
                const t0 = performance.now();
                await bot.say(message.id as string, message.text as string, { first: message.first === true, last: message.last === true });
                const sample: TurnSample = { ms: performance.now() - t0, cpu: cpuMs() - c0, commands: counter.commands.length - before };
                send({ type: 'turned', sample });
            } else if (message.type === 'commands') {
                const id = n++ % 100;
                const c0 = cpuMs();
                await bare.updateOne({ _id: id }, { $set: { at: new Date(), n } }, { upsert: true });
                const c1 = cpuMs();
                await bare.findOneAndUpdate({ _id: id }, { $set: { at: new Date(), n } }, { upsert: true });
                send({ type: 'commanded', updateOne: c1 - c0, findOneAndUpdate: cpuMs() - c1 });
            } else if (message.type === 'finish') {
                const report: TurnWorkerReport = { cpuMs: cpuMs() - cpuAtMark, commands: counter.commands.length - commandsAtMark };
                report.profile = session ? await stopProfile(session, moduleOf) : undefined;
                counter.close();
                await bot.stop();
                await client.close();
                send({ type: 'done', report });
                process.disconnect?.();
            }
        })().catch((err: unknown) => {
            console.error(`  [bench] ${init.variant} worker: ${(err as Error).stack ?? String(err)}`);
            process.exit(1);
        });
    });
    send({ type: 'ready' });
}

void main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
});
