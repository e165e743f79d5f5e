/**
 * Follow-up figures (issue 10): scheduling 10,000 follow-ups (time, BSON bytes per record); `list` by user among
 * 100,000 records (time, and the index a real MongoDB's explain() names); two instances scheduling one key 1,000
 * times (records, sends); a burst of 1,000 due follow-ups across 5 time zones with quiet hours and the daily cap
 * (sends inside quiet hours, over the cap, deferred ones sent at their window's end).
 */
import type { Activity, ConversationReference, TurnContext } from 'botbuilder';
import { DateTime } from 'luxon';
import { BSON, Db, MongoClient } from 'mongodb';
import { join } from 'path';
import { FollowUpService } from '../src/botbuilder/followUpService';
import type { FollowUpOptions } from '../src/botbuilder/followUpService';
import { BenchServer, benchDbName } from './support/server';
import { median, round } from './support/stats';

/** What {@link measureFollowUps} measured. */
export interface FollowUpsResult {
    schedule: { count: number; totalMs: number; perScheduleMs: number; bytesPerRecord: number };
    list: { records: number; byUserMs: number; index: string };
    duplicates: { attempts: number; records: number; sends: number };
    quietBurst: {
        followUps: number;
        users: number;
        zones: string[];
        sent: number;
        capped: number;
        insideQuietHours: number;
        overCap: number;
        deferred: number;
        deferredNotAtWindowEnd: number;
        wallMs: number;
    };
}

/** Sizes of each part; the defaults are the issue's. */
export interface FollowUpsBenchSizes {
    schedule: number;
    listRecords: number;
    duplicateAttempts: number;
    burst: number;
}

/** The sizes. */
export const FULL_SIZES: FollowUpsBenchSizes = { schedule: 10_000, listRecords: 100_000, duplicateAttempts: 1000, burst: 1000 };

class CountingAdapter {
    readonly sent: Array<{ conversationId: string; activity: Partial<Activity> }> = [];
    async continueConversationAsync(_id: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void> {
        const context = {
            activity: { type: 'event', name: 'ContinueConversation' },
            adapter: this,
            turnState: new Map(),
            sendActivities: async (activities: Array<Partial<Activity>>) => {
                activities.forEach((activity) => this.sent.push({ conversationId: reference.conversation?.id ?? '', activity }));
                return activities.map(() => ({ id: 'x' }));
            },
        } as unknown as TurnContext;
        await logic(context);
    }
}

function reference(user: string): Partial<ConversationReference> {
    return {
        channelId: 'msteams',
        serviceUrl: 'https://smba.trafficmanager.net/emea/',
        conversation: {
            id: `a:1${user.padEnd(40, 'x')}`,
            isGroup: false,
            conversationType: 'personal',
            name: '',
            tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        },
        user: { id: `29:1${user.padEnd(40, 'u')}`, name: '', aadObjectId: '6a4d0bb3-8d1b-4bd8-9a1e-7ae3f1b1a6d0' },
        bot: { id: '28:bot-app-id', name: 'bot' },
        locale: 'en-US',
    };
}

async function withService<T>(
    server: BenchServer,
    what: string,
    options: Partial<FollowUpOptions>,
    work: (service: FollowUpService, adapter: CountingAdapter, db: Db) => Promise<T>
): Promise<T> {
    const name = benchDbName(what);
    const client = new MongoClient(server.uriFor(name));
    await client.connect();
    const adapter = new CountingAdapter();
    // The sample's texts: the follow-ups use its buttons, which are checked when scheduled.
    const localesPath = join(__dirname, '..', '..', 'samples', 'locales');
    const service = new FollowUpService({ adapter, mongo: client.db(name), send: false, localesPath, onError: () => undefined, ...options });
    try {
        await service.start();
        return await work(service, adapter, client.db(name));
    } finally {
        await service.stop();
        await client
            .db(name)
            .dropDatabase()
            .catch(() => undefined);
        await client.close();
    }
}

/**
 * Measures the follow-up figures on `server`.
 *
 * @param server The bench's database.
 * @param sizes How many of each (the tests run a small version).
 * @returns The figures.
 */
export async function measureFollowUps(server: BenchServer, sizes: FollowUpsBenchSizes = FULL_SIZES): Promise<FollowUpsResult> {
    const schedule = await withService(server, 'fu_schedule', { quietHours: null, frequencyCap: 0 }, async (service, _adapter, db) => {
        const at = new Date(Date.now() + 86400_000);
        const started = process.hrtime.bigint();
        for (let i = 0; i < sizes.schedule; i += 20) {
            await Promise.all(
                Array.from({ length: Math.min(20, sizes.schedule - i) }, (_, k) =>
                    service.schedulePostEvent({
                        reference: reference(`s${i + k}`),
                        eventAt: at,
                        eventId: `booking-${i + k}`,
                        template: 'followups:postEvent',
                        variables: { name: 'Maria Silva' },
                        buttons: ['sample:followUp.great', 'sample:followUp.notGreat'],
                    })
                )
            );
        }
        const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
        const sample = await db.collection(service.collectionName).find({}).limit(100).toArray();
        const bytes = sample.reduce((s, d) => s + BSON.calculateObjectSize(d), 0) / Math.max(1, sample.length);
        return { count: sizes.schedule, totalMs: round(totalMs, 0), perScheduleMs: round(totalMs / sizes.schedule, 3), bytesPerRecord: Math.round(bytes) };
    });

    const list = await withService(server, 'fu_list', { quietHours: null, frequencyCap: 0 }, async (service, _adapter, db) => {
        await service.scheduleCustom({ reference: reference('model'), at: new Date(), template: 'followups:checkIn', key: 'model' });
        const coll = db.collection(service.collectionName);
        const model = await coll.findOne({});
        if (!model) throw new Error('no model record');
        const { _id: _ignored, ...shape } = model;
        const users = Math.max(1, Math.round(sizes.listRecords / 10));
        for (let i = 1; i < sizes.listRecords; i += 5000) {
            const batch = Array.from({ length: Math.min(5000, sizes.listRecords - i) }, (_, k) => {
                const n = i + k;
                return {
                    ...shape,
                    key: `bulk:${n}`,
                    userId: `user${n % users}`,
                    conversationId: `conv${n % users}`,
                    scheduledAt: new Date(Date.now() + n * 1000),
                    history: [],
                };
            });
            await coll.insertMany(batch);
        }
        const times: number[] = [];
        for (let i = 0; i < 5; i++) {
            const started = process.hrtime.bigint();
            await service.list({ userId: `user${i * 7}`, limit: 50 });
            times.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        let index = 'userId_scheduledAt (declared; the embedded server has no explain())';
        if (server.kind === 'MongoDB') {
            const plan = (await coll.find({ userId: 'user7' }).sort({ scheduledAt: -1, _id: -1 }).limit(51).explain('queryPlanner')) as {
                queryPlanner?: { winningPlan?: unknown };
            };
            const names = JSON.stringify(plan.queryPlanner?.winningPlan ?? {}).match(/"indexName":"([^"]+)"/g) ?? [];
            index = names.map((n) => n.split('"')[3]).join(', ') || 'none (collection scan)';
        }
        return { records: sizes.listRecords, byUserMs: round(median(times), 1), index };
    });

    const duplicates = await withService(server, 'fu_dupes', { quietHours: null, frequencyCap: 0 }, async (a, adapter, db) => {
        // A second instance on the same database, with its own connection.
        const other = new MongoClient(server.uriFor(db.databaseName));
        await other.connect();
        const b = new FollowUpService({ adapter, mongo: other.db(db.databaseName), send: false, quietHours: null, frequencyCap: 0, onError: () => undefined });
        await b.start();
        try {
            const at = new Date(Date.now() - 1000);
            for (let i = 0; i < sizes.duplicateAttempts; i += 50) {
                await Promise.all(
                    Array.from({ length: 50 }, (_, k) =>
                        (k % 2 ? a : b).scheduleCustom({ reference: reference('dup'), at, template: 'followups:checkIn', key: 'one-key' })
                    )
                );
            }
            await Promise.all([a.runDue(), b.runDue()]);
            const records = (await a.list({ userId: reference('dup').user?.id })).items.length;
            return { attempts: sizes.duplicateAttempts, records, sends: adapter.sent.length };
        } finally {
            await b.stop();
            await other.close();
        }
    });

    const zones = ['UTC', 'America/New_York', 'America/Sao_Paulo', 'Asia/Tokyo', 'Asia/Kolkata'];
    // 20:30 UTC: quiet already in some zones, and 21:30 (when they are due) in more.
    let clock = Date.parse('2030-01-15T20:30:00Z');
    const quietBurst = await withService(
        server,
        'fu_quiet',
        { frequencyCap: 1, now: () => clock, timeZone: (u) => zones[Number(/z(\d)/.exec(u)?.[1] ?? 0)] },
        async (service, adapter, db) => {
            const users = Math.round(sizes.burst * 0.8);
            const wallStart = Date.now();
            for (let i = 0; i < sizes.burst; i += 50) {
                await Promise.all(
                    Array.from({ length: Math.min(50, sizes.burst - i) }, (_, k) => {
                        const n = i + k;
                        const u = n % users; // the first 20 % of users have two follow-ups due: the cap keeps one
                        return service.scheduleCustom({
                            reference: reference(`q${u}`),
                            userId: `z${u % 5}-q${u}`,
                            at: new Date(clock + 3600_000),
                            template: 'followups:checkIn',
                            key: `quiet:${n}`,
                        });
                    })
                );
            }
            // What the wake-up job does: wake at the earliest pending follow-up, send what is due, again.
            const coll = db.collection(service.collectionName);
            for (let rounds = 0; rounds < 100; rounds++) {
                const [next] = await coll.find({ status: 'pending' }).sort({ scheduledAt: 1 }).limit(1).toArray();
                if (!next) break;
                clock = Math.max(clock, (next.scheduledAt as Date).getTime());
                await service.runDue();
            }
            const docs = await coll.find({}).toArray();
            let insideQuietHours = 0;
            let deferred = 0;
            let deferredNotAtWindowEnd = 0;
            const perUserDay = new Map<string, number>();
            for (const d of docs) {
                if (d.status !== 'executed') continue;
                const local = DateTime.fromJSDate(d.executedAt as Date, { zone: d.timeZone as string });
                const minute = local.hour * 60 + local.minute;
                if (minute >= 21 * 60 || minute < 8 * 60) insideQuietHours++;
                const wasDeferred =
                    (d.history as Array<{ event: string; scheduledAt?: Date }>)[0].scheduledAt?.getTime() !== Date.parse('2030-01-15T21:30:00Z');
                if (wasDeferred) {
                    deferred++;
                    if (!(local.hour === 8 && local.minute === 0)) deferredNotAtWindowEnd++;
                }
                const key = `${d.userId}:${local.toISODate()}`;
                perUserDay.set(key, (perUserDay.get(key) ?? 0) + 1);
            }
            const overCap = [...perUserDay.values()].filter((n) => n > 1).length;
            return {
                followUps: sizes.burst,
                users,
                zones,
                sent: adapter.sent.length,
                capped: docs.filter((d) => d.skipReason === 'capped').length,
                insideQuietHours,
                overCap,
                deferred,
                deferredNotAtWindowEnd,
                wallMs: Date.now() - wallStart,
            };
        }
    );
    return { schedule, list, duplicates, quietBurst };
}
