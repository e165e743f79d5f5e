/**
 * Every query the plugin and Agenda (as the plugin drives it) run at scale, with the index that serves it. With a
 * real MongoDB (`MONGODB_URI`) each is explained (`executionStats`) over a collection of `timers` timers: the
 * winning plan must use that index, and the keys examined are reported. CongoDB has no `explain`.
 */
import type { ConversationReference } from 'botbuilder';
import { Document, MongoClient, ObjectId } from 'mongodb';
import { LOCK_INDEX } from '../src/scheduling/lockQueries';
import { storedTimerData, TIMER_JOB_NAME, timerId } from '../src/scheduling/timerDocument';
import { TIMER_DATA_VERSION } from '../src/core/ports/timerScheduler';
import { AgendaScheduler } from '../src/scheduling/agendaScheduler';
import { MongoSnapshotStore } from '../src/mongo/mongoSnapshotStore';
import { MongoAbandonmentLog } from '../src/mongo/mongoAbandonmentLog';
import { BenchServer, benchDbName } from './support/server';

/** One query, as the plugin runs it, and the index meant to serve it. */
export interface QuerySpec {
    /** What runs it, in words. */
    what: string;
    /** How often. */
    when: string;
    collection: 'inactivityJobs' | 'inactivitySnapshots' | 'inactivityEvents';
    /** The index (name) that serves it. */
    index: string;
    /** Another index the planner may as well choose (both bound the scan). */
    alsoOk?: string;
    /** The command to explain. */
    command(ctx: { now: Date; id: ObjectId; ids: ObjectId[]; me: string }): Document;
}

const due = (now: Date): Document => ({ name: TIMER_JOB_NAME, lockedAt: null, nextRunAt: { $lte: now }, disabled: { $ne: true } });

/** The queries, in the order the README's Indexes table lists them. */
export const QUERIES: QuerySpec[] = [
    {
        what: 'arm (a turn that arms or moves a timer)',
        when: 'first turn of a flow',
        collection: 'inactivityJobs',
        index: '_id_',
        command: ({ id, now }) => ({ update: 'inactivityJobs', updates: [{ q: { _id: id }, u: { $set: { nextRunAt: now } }, upsert: true }] }),
    },
    {
        what: 'cancel',
        when: "rare (the port's cancel)",
        collection: 'inactivityJobs',
        index: '_id_',
        command: ({ id }) => ({ delete: 'inactivityJobs', deletes: [{ q: { _id: id }, limit: 1 }] }),
    },
    {
        what: 'poll: lock the next due timer',
        when: 'every poll (5 s) and notification',
        collection: 'inactivityJobs',
        index: LOCK_INDEX.name,
        command: ({ now, me }) => ({
            findAndModify: 'inactivityJobs',
            query: due(now),
            sort: { nextRunAt: 1 },
            update: { $set: { lockedAt: now, lastModifiedBy: me } },
            new: true,
        }),
    },
    {
        what: 'burst: ids of up to 50 due timers',
        when: 'per 50 timers of a burst',
        collection: 'inactivityJobs',
        index: LOCK_INDEX.name,
        command: ({ now }) => ({ find: 'inactivityJobs', filter: due(now), sort: { nextRunAt: 1 }, projection: { _id: 1 }, limit: 50 }),
    },
    {
        what: 'burst: lock them',
        when: 'per 50 timers of a burst',
        collection: 'inactivityJobs',
        index: '_id_',
        alsoOk: LOCK_INDEX.name,
        command: ({ ids, now, me }) => ({
            update: 'inactivityJobs',
            updates: [{ q: { ...due(now), _id: { $in: ids } }, u: { $set: { lockedAt: now, lastModifiedBy: me } }, multi: true }],
        }),
    },
    {
        what: 'burst: read back the ones locked',
        when: 'per 50 timers of a burst',
        collection: 'inactivityJobs',
        index: '_id_',
        command: ({ ids, now, me }) => ({ find: 'inactivityJobs', filter: { _id: { $in: ids }, lockedAt: now, lastModifiedBy: me }, sort: { nextRunAt: 1 } }),
    },
    {
        what: 'expired locks (an instance died mid-run)',
        when: 'every 30 s when nothing is due',
        collection: 'inactivityJobs',
        index: LOCK_INDEX.name,
        command: ({ now, me }) => ({
            findAndModify: 'inactivityJobs',
            query: { name: TIMER_JOB_NAME, lockedAt: { $lte: new Date(now.getTime() - 60_000) }, disabled: { $ne: true } },
            sort: { lockedAt: 1 },
            update: { $set: { lockedAt: now, lastModifiedBy: me } },
            new: true,
        }),
    },
    {
        what: 'run completes: next time, or delete (batched)',
        when: 'per firing',
        collection: 'inactivityJobs',
        index: '_id_',
        command: ({ id, now, me }) => ({
            update: 'inactivityJobs',
            updates: [{ q: { _id: id, lockedAt: now, lastModifiedBy: me }, u: { $set: { nextRunAt: now }, $unset: { lockedAt: '' } } }],
        }),
    },
    {
        what: "stop(): release this instance's locks",
        when: 'once per stop',
        collection: 'inactivityJobs',
        index: LOCK_INDEX.name,
        command: ({ me }) => ({
            update: 'inactivityJobs',
            updates: [
                {
                    q: { name: { $in: [TIMER_JOB_NAME] }, lastModifiedBy: me, lockedAt: { $ne: null }, _id: { $nin: [] } },
                    u: { $unset: { lockedAt: '' } },
                    multi: true,
                },
            ],
        }),
    },
    {
        what: 'hourly sweep lease; outage probe',
        when: 'every 60 s; every 1 s in an outage',
        collection: 'inactivityJobs',
        index: '_id_',
        command: ({ now }) => ({
            findAndModify: 'inactivityJobs',
            query: { _id: timerId('repeat:sweep'), nextRunAt: { $lte: now } },
            update: { $set: { nextRunAt: now } },
        }),
    },
    {
        what: 'resume lookup (a flow begins)',
        when: 'first turn of a flow',
        collection: 'inactivitySnapshots',
        index: 'resumeLookup',
        command: ({ now }) => ({
            find: 'inactivitySnapshots',
            filter: {
                'scope.channelId': 'directline',
                'scope.userId': 'u1',
                'scope.tenantId': null,
                flowId: 'addClient',
                status: 'abandoned',
                expiresAt: { $gt: now.getTime() },
            },
            sort: { createdAt: -1 },
            limit: 1,
        }),
    },
    {
        what: 'claim a saved flow (Resume / Start fresh)',
        when: 'per click',
        collection: 'inactivitySnapshots',
        index: 'snapshotId',
        command: ({ now }) => ({
            findAndModify: 'inactivitySnapshots',
            query: { snapshotId: 's1', status: 'abandoned', expiresAt: { $gt: now.getTime() } },
            update: { $set: { status: 'resumed' } },
        }),
    },
    {
        what: 'expire saved flows',
        when: 'hourly, one instance',
        collection: 'inactivitySnapshots',
        index: 'expirySweep',
        command: ({ now }) => ({
            update: 'inactivitySnapshots',
            updates: [{ q: { status: 'abandoned', expiresAt: { $lte: now.getTime() } }, u: { $set: { status: 'expired' } }, multi: true }],
        }),
    },
    {
        what: 'record an abandonment (idempotent)',
        when: 'per final action',
        collection: 'inactivityEvents',
        index: 'eventId',
        command: () => ({ update: 'inactivityEvents', updates: [{ q: { eventId: 'e1' }, u: { $setOnInsert: { reason: 'timeout' } }, upsert: true }] }),
    },
    {
        what: 'mark an abandonment resumed',
        when: 'per resume',
        collection: 'inactivityEvents',
        index: 'bySnapshot',
        command: () => ({
            update: 'inactivityEvents',
            updates: [{ q: { snapshotId: 's1', resumed: { $ne: true } }, u: { $set: { resumed: true } }, multi: true }],
        }),
    },
];

/** One explained query. */
export interface ExplainedQuery {
    what: string;
    index: string;
    /** The index the winning plan scans (`COLLSCAN` when none). */
    used: string;
    ok: boolean;
    keysExamined?: number;
    docsExamined?: number;
}

/** What {@link explainQueries} found. */
export interface IndexesResult {
    server: 'CongoDB' | 'MongoDB';
    timers: number;
    /** Indexes present on each collection. */
    present: Record<string, string[]>;
    explained?: ExplainedQuery[];
}

/**
 * Creates the plugin's collections and indexes on a fresh database, stores `timers` timers (a few due, a few
 * locked), and explains every query of {@link QUERIES} when the server can.
 *
 * @param server The database server.
 * @param timers How many timers to store first. Default 10,000.
 */
export async function explainQueries(server: BenchServer, timers = 10_000): Promise<IndexesResult> {
    const dbName = benchDbName('indexes');
    const client = new MongoClient(server.uriFor(dbName));
    await client.connect();
    const db = client.db(dbName);
    try {
        const scheduler = new AgendaScheduler({ mongo: db, processEvery: 3_600_000 });
        await scheduler.start(async () => undefined);
        await new MongoSnapshotStore(db).init();
        await new MongoAbandonmentLog(db).init();
        await scheduler.stop();
        const now = Date.now();
        const jobs = db.collection('inactivityJobs');
        for (let i = 0; i < timers; i += 5000) {
            const docs = [];
            for (let j = i; j < Math.min(timers, i + 5000); j++) {
                const key = `directline/conv-${j}`;
                const data = {
                    v: TIMER_DATA_VERSION,
                    key,
                    reference: { channelId: 'directline', conversation: { id: `conv-${j}` } as ConversationReference['conversation'] },
                };
                // 1 in 1000 due now, 1 in 1000 locked; the rest due later.
                const doc: Document = {
                    _id: timerId(key),
                    name: TIMER_JOB_NAME,
                    data: storedTimerData(data),
                    nextRunAt: new Date(now + (j % 1000 === 0 ? -1000 : 3_600_000 + j)),
                };
                if (j % 1000 === 1) Object.assign(doc, { lockedAt: new Date(now - 1000), lastModifiedBy: 'other' });
                docs.push(doc);
            }
            await jobs.insertMany(docs, { ordered: false });
        }
        const present: Record<string, string[]> = {};
        for (const c of ['inactivityJobs', 'inactivitySnapshots', 'inactivityEvents']) {
            present[c] = (await db.collection(c).listIndexes().toArray()).map((i) => String(i.name));
        }
        if (server.kind !== 'MongoDB') {
            return { server: server.kind, timers, present };
        }
        const ctx = {
            now: new Date(now),
            id: timerId('directline/conv-7'),
            ids: Array.from({ length: 50 }, (_, k) => timerId(`directline/conv-${k * 1000}`)),
            me: 'bench',
        };
        const explained: ExplainedQuery[] = [];
        for (const q of QUERIES) {
            const result = await db.command({ explain: q.command(ctx), verbosity: 'executionStats' });
            const used = indexesUsed(result.queryPlanner?.winningPlan);
            explained.push({
                what: q.what,
                index: q.index,
                used: used.join('+') || 'COLLSCAN',
                ok: used.length > 0 && used.every((u) => u === q.index || u === q.alsoOk),
                keysExamined: result.executionStats?.totalKeysExamined,
                docsExamined: result.executionStats?.totalDocsExamined,
            });
        }
        return { server: server.kind, timers, present, explained };
    } finally {
        await db.dropDatabase().catch(() => undefined);
        await client.close();
    }
}

/** The index names a plan scans (IXSCAN, IDHACK, EXPRESS_IXSCAN / EXPRESS_UPDATE on _id), COLLSCAN as none. */
function indexesUsed(plan: Document | undefined): string[] {
    if (!plan) return [];
    const out: string[] = [];
    const visit = (node: Document): void => {
        if (node.stage === 'COLLSCAN') {
            out.push('COLLSCAN');
        }
        if (typeof node.indexName === 'string') {
            out.push(node.indexName);
        } else if (node.stage === 'IDHACK' || /^EXPRESS/.test(String(node.stage ?? ''))) {
            out.push('_id_');
        }
        for (const child of [node.inputStage, ...(node.inputStages ?? [])].filter(Boolean)) {
            visit(child);
        }
        if (node.queryPlan) visit(node.queryPlan);
    };
    visit(plan);
    return [...new Set(out)];
}
