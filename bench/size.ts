/**
 * What timers cost in storage: `count` timers (100,000 by default) stored exactly as `arm()` stores them, for
 * Direct Line conversations; the BSON size of one, and of Teams-shaped ones (long ids); the collection's data and
 * index sizes (a real MongoDB's collStats; on CongoDB, which has none, estimated from the index keys) and their
 * projection to 1,000,000 timers. At that many timers, also what one arm() and one idle poll take on this server.
 */
import { BSON, Document, MongoClient } from 'mongodb';
import type { ConversationReference } from 'botbuilder';
import { AgendaScheduler } from '../src/scheduling/agendaScheduler';
import { storedTimerData, TIMER_JOB_NAME, timerId, timerReference } from '../src/scheduling/timerDocument';
import { TIMER_DATA_VERSION } from '../src/core/ports/timerScheduler';
import { conversationId, directLineActivity } from './support/bot';
import { BenchServer, benchDbName } from './support/server';
import { median, round, sleep } from './support/stats';

/** What {@link measureSize} measured. */
export interface SizeResult {
    server: 'CongoDB' | 'MongoDB';
    timers: number;
    /** BSON bytes of one stored timer, read back from the collection (mean over a sample). */
    bytesPerTimer: number;
    /** BSON bytes of Teams timers: a personal chat and a channel thread (longest ids). */
    teamsPersonalBytes: number;
    teamsChannelBytes: number;
    /** Before (0.1.x, Agenda's save() with the whole reference), for the same Direct Line conversation. */
    legacyBytes: number;
    /** Sizes at `timers`, MB; `source` says whether the server reported them. */
    dataMb: number;
    indexMb: Record<string, number>;
    source: 'collStats' | 'estimate';
    /** Projected to 1,000,000 timers, MB. */
    projected1M: { dataMb: number; indexMb: number };
    /** At `timers`: one arm() (median of 5), one idle poll (the lock query finding nothing), ms. */
    armMs: number;
    idlePollMs: number;
}

const TEAMS_PERSONAL: Partial<ConversationReference> = {
    channelId: 'msteams',
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    conversation: {
        id: 'a:1Lrpa2Oh_mnwBGnzVMrq3ja7UChMP6jBFxSkLe5OmnGaRJJpLkX0ZS4ziHTvOFSD2E1uBnp7JM6Zsm8UrcRtsPddpc-rpTGkZFTbHF2D4YMYmt3c-UwVb0YbvrQ_ClbCF',
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        conversationType: 'personal',
        isGroup: false,
    } as ConversationReference['conversation'],
    bot: { id: '28:0d4ad9ba-b8dd-4b0b-9ac0-ac9ce29ecb8b', name: 'Trainer' },
    user: {
        id: '29:1GcS4EN8K-2lYt1p7DtZ3-Lz9c-ZZ0AGGq8eMxRr1h-fTJXYqQmlnWIhF8c5QOxn1v2_jXz2bT8HqD9gDrDq-3w',
        name: 'Maria Silva',
        aadObjectId: '6b1f4c3e-2a0d-4d6e-9f3b-1c2d3e4f5a6b',
    },
    locale: 'en-US',
};
const TEAMS_CHANNEL: Partial<ConversationReference> = {
    ...TEAMS_PERSONAL,
    conversation: {
        id: '19:bdba6f9b3d2f4a3a9b8e0c6c2e6ad9f5@thread.tacv2;messageid=1700000000000',
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        conversationType: 'channel',
        isGroup: true,
    } as ConversationReference['conversation'],
};

function directLineReference(i: number): Partial<ConversationReference> {
    const a = directLineActivity(conversationId('size', i), '');
    return {
        activityId: 'Gb4m8VOhxfP1nY2k3Lq9aZ-us|0000005',
        channelId: a.channelId,
        serviceUrl: a.serviceUrl,
        conversation: a.conversation,
        user: { ...a.from, role: 'user' } as ConversationReference['user'],
        bot: { ...a.recipient, role: 'bot' } as ConversationReference['bot'],
        locale: a.locale,
    };
}

function timerDoc(reference: Partial<ConversationReference>, nextRunAt: Date): Document {
    const key = `${reference.channelId}/${reference.conversation?.id}`;
    const data = { v: TIMER_DATA_VERSION, key, reference: timerReference(reference) };
    return { _id: timerId(key), name: TIMER_JOB_NAME, data: storedTimerData(data), nextRunAt };
}

/** A 0.1.x timer as Agenda's save() stored it (every field, nulls included, the whole reference). */
function legacyDoc(reference: Partial<ConversationReference>, at: Date): Document {
    const nulls = Object.fromEntries(
        [
            'lockedAt',
            'lastFinishedAt',
            'failedAt',
            'failCount',
            'failReason',
            'repeatTimezone',
            'lastRunAt',
            'repeatInterval',
            'repeatAt',
            'disabled',
            'progress',
            'debounceStartedAt',
            'fork',
            'startDate',
            'endDate',
            'skipDays',
        ].map((k) => [k, null])
    );
    return {
        _id: timerId('legacy'),
        name: 'botbuilder-inactivity:timer',
        data: { v: 1, key: `${reference.channelId}/${reference.conversation?.id}`, reference, dueAt: at },
        type: 'normal',
        priority: 0,
        nextRunAt: at,
        ...nulls,
        lastModifiedBy: 'botbuilder-inactivity@bot-7d9f8c6b5-x2k4p:1:3f2a9c1e',
    };
}

/**
 * @param server The database server.
 * @param count How many timers. Default 100,000.
 */
export async function measureSize(server: BenchServer, count = 100_000): Promise<SizeResult> {
    const dbName = benchDbName('size');
    const client = new MongoClient(server.uriFor(dbName));
    await client.connect();
    const db = client.db(dbName);
    const scheduler = new AgendaScheduler({ mongo: db });
    try {
        await scheduler.start(async () => undefined);
        const jobs = db.collection('inactivityJobs');
        const later = Date.now() + 86_400_000;
        for (let i = 0; i < count; i += 5000) {
            const docs = [];
            for (let j = i; j < Math.min(count, i + 5000); j++) {
                docs.push(timerDoc(directLineReference(j), new Date(later + j)));
            }
            await jobs.insertMany(docs, { ordered: false });
        }
        const sample = await jobs.find({ name: TIMER_JOB_NAME }, { limit: 1000 }).toArray();
        const bytesPerTimer = round(sample.reduce((sum, d) => sum + BSON.calculateObjectSize(d), 0) / sample.length, 1);
        let dataMb: number;
        let indexMb: Record<string, number>;
        let source: SizeResult['source'];
        // CongoDB answers collStats with index sizes of 0: only a real MongoDB's are used.
        const stats = server.kind === 'MongoDB' ? await db.command({ collStats: 'inactivityJobs' }).catch(() => undefined) : undefined;
        if (stats?.indexSizes && typeof stats.size === 'number') {
            source = 'collStats';
            dataMb = round(stats.size / 1e6, 2);
            indexMb = Object.fromEntries(Object.entries(stats.indexSizes as Record<string, number>).map(([k, v]) => [k, round(v / 1e6, 2)]));
        } else {
            // Estimate: each entry holds its key's values plus a record id (8 B) and a few bytes of framing;
            // WiredTiger's prefix compression makes real entries smaller than this.
            source = 'estimate';
            dataMb = round((bytesPerTimer * count) / 1e6, 2);
            const idEntry = 12 + 8 + 4;
            const lockEntry = TIMER_JOB_NAME.length + 5 + 1 + 9 + 8 + 4;
            indexMb = { _id_: round((idEntry * count) / 1e6, 2), inactivityTimerLock: round((lockEntry * count) / 1e6, 2) };
        }
        const totalIndex = Object.values(indexMb).reduce((a, b) => a + b, 0);
        const scale = 1_000_000 / count;
        const arms: number[] = [];
        for (let i = 0; i < 5; i++) {
            const t0 = Date.now();
            await scheduler.arm(
                { v: TIMER_DATA_VERSION, key: `directline/arm-${i}`, reference: { channelId: 'directline', conversation: { id: `arm-${i}` } } },
                new Date(later)
            );
            arms.push(Date.now() - t0);
        }
        const t1 = Date.now();
        await jobs.findOneAndUpdate(
            { name: TIMER_JOB_NAME, lockedAt: null, nextRunAt: { $lte: new Date(0) }, disabled: { $ne: true } },
            { $set: { lockedAt: new Date() } },
            { sort: { nextRunAt: 1 } }
        );
        const idlePollMs = Date.now() - t1;
        await sleep(10);
        return {
            server: server.kind,
            timers: count,
            bytesPerTimer,
            teamsPersonalBytes: BSON.calculateObjectSize(timerDoc(TEAMS_PERSONAL, new Date())),
            teamsChannelBytes: BSON.calculateObjectSize(timerDoc(TEAMS_CHANNEL, new Date())),
            legacyBytes: BSON.calculateObjectSize(legacyDoc(directLineReference(0), new Date())),
            dataMb,
            indexMb,
            source,
            projected1M: { dataMb: round(dataMb * scale, 0), indexMb: round(totalIndex * scale, 0) },
            armMs: median(arms),
            idlePollMs,
        };
    } finally {
        await scheduler.stop();
        await db.dropDatabase().catch(() => undefined);
        await client.close();
    }
}
