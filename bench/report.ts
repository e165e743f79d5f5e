/**
 * The drop-off report over many flow runs: `count` records (10 flows, 3 to 6 steps, every outcome and reason,
 * reminders and resumes, ended over 90 days) stored as the plugin stores them; their BSON bytes; then the
 * report (every pipeline, in the database) timed, with this process's heap and RSS growth (what came to Node)
 * and the server's CPU. Measured at two sizes to show how the time grows, and projected to 1,000,000.
 */
import { BSON, MongoClient } from 'mongodb';
import { FlowRunDocument, MongoFlowRunStore, runRecordId } from '../src/mongo/flowRunStore';
import { FLOW_RUN_VERSION } from '../src/core/records/flowRun';
import { report } from '../src/report/report';
import { BenchServer, benchDbName } from './support/server';
import { round } from './support/stats';

/** One size measured. */
export interface ReportAt {
    records: number;
    /** Seeding time (insertMany batches of 5,000), s. */
    seedS: number;
    /** The whole report (all flows), ms: the first run and the second. */
    reportMs: number;
    reportAgainMs: number;
    /** This process's heap and RSS growth during the report, MB. */
    heapMb: number;
    rssMb: number;
    /** The server's CPU for the report, ms (when it reports it). */
    serverCpuMs?: number;
}

/** What {@link measureReport} measured. */
export interface ReportBenchResult {
    server: 'CongoDB' | 'MongoDB';
    /** Mean BSON bytes of one record (a sample of 1,000 read back). */
    bytesPerRecord: number;
    sizes: ReportAt[];
    /** Report time projected to 1,000,000 records from the larger size (linear: every pipeline scans). */
    projected1MReportS: number;
    /** Storage projected to 1,000,000 records, MB (data only). */
    projected1MDataMb: number;
}

const FLOWS = ['addClient', 'booking', 'signup', 'payment', 'support', 'survey', 'returns', 'onboarding', 'quote', 'feedback'];
const REASONS = ['timeout', 'timeout', 'timeout', 'invalidInput', 'maxDuration', 'handoff', 'userCancelled', 'undeliverable', 'paymentFailed'];
const DAY = 86_400_000;

/** A deterministic pseudo-random record. */
function record(i: number, now: number): FlowRunDocument {
    const r = (n: number) => ((i * 2654435761) >>> 0) % n;
    const flowId = FLOWS[i % FLOWS.length];
    const stepCount = 3 + (i % 4);
    const completed = r(100) < 55;
    const reached = completed ? stepCount : 1 + r(stepCount);
    const resumed = r(17) === 0;
    const steps = Array.from({ length: reached }, (_, k) => ({
        step: `step${k + 1}`,
        index: k,
        ms: 5_000 + ((i + k) % 50) * 1_000,
        ...(resumed && k === 0 ? { resumed: true as const } : {}),
    }));
    const durationMs = steps.reduce((s, x) => s + x.ms, 0);
    const endedAt = new Date(now - (i % 90) * DAY - (i % 86_400) * 1000);
    const reminded = r(3) === 0;
    const reason = REASONS[r(REASONS.length)];
    return {
        _id: runRecordId(`msteams/conv-${i}`, `run-${i}`),
        v: FLOW_RUN_VERSION,
        runId: `8f399fa5-c8e2-49e3-bc54-${String(i).padStart(12, '0')}`,
        flowId,
        outcome: completed ? 'completed' : reason === 'handoff' ? 'handedOff' : 'abandoned',
        ...(completed ? {} : { reason }),
        endStep: steps[steps.length - 1].step,
        endStepIndex: reached - 1,
        startedAt: new Date(endedAt.getTime() - durationMs),
        endedAt,
        durationMs,
        steps,
        reminders: reminded ? [{ at: new Date(endedAt.getTime() - 60_000), answered: r(2) === 0 }] : [],
        reminded,
        answeredAfterReminder: reminded && r(2) === 0,
        resumed,
        ...(resumed ? { resumedFrom: `c1d2e3f4-0000-4000-8000-${String(i).padStart(12, '0')}` } : {}),
        extensions: 0,
        channelId: 'msteams',
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        user: 'q1w2e3r4t5y6u7i8o9p0aZ',
    };
}

/**
 * Seeds and reports at each size.
 *
 * @param server The bench server.
 * @param sizes Record counts, ascending (the collection grows from one to the next).
 * @returns The figures.
 */
export async function measureReport(server: BenchServer, sizes: number[], log: (m: string) => void = () => undefined): Promise<ReportBenchResult> {
    // CongoDB answers one command at a time and a pipeline over 100k documents holds it for tens of seconds: the
    // driver's monitor must not take that for a dead server.
    const client = new MongoClient(server.uriFor(benchDbName('report')), {
        serverSelectionTimeoutMS: 600_000,
        connectTimeoutMS: 600_000,
        socketTimeoutMS: 0,
        serverMonitoringMode: 'poll',
        heartbeatFrequencyMS: 600_000,
    });
    await client.connect();
    const db = client.db();
    const now = Date.now();
    try {
        const store = new MongoFlowRunStore(db);
        await store.init();
        const out: ReportAt[] = [];
        let seeded = 0;
        for (const size of sizes) {
            const t0 = Date.now();
            while (seeded < size) {
                const n = Math.min(5_000, size - seeded);
                await store.collection.insertMany(
                    Array.from({ length: n }, (_, k) => record(seeded + k, now)),
                    { ordered: false }
                );
                seeded += n;
            }
            const seedS = round((Date.now() - t0) / 1000, 1);
            log(`  report: ${size.toLocaleString('en')} records seeded in ${seedS} s; reporting ...`);
            global.gc?.();
            const heap0 = process.memoryUsage();
            const cpu0 = await server.cpuMs();
            const r0 = performance.now();
            const data = await report(db, { until: new Date(now + 1) });
            const reportMs = performance.now() - r0;
            const heap1 = process.memoryUsage();
            const cpu1 = await server.cpuMs();
            const r1 = performance.now();
            await report(db, { until: new Date(now + 1) });
            const reportAgainMs = performance.now() - r1;
            const runs = data.flows.reduce((s, f) => s + f.runs, 0);
            if (runs !== size) {
                throw new Error(`the report counted ${runs} runs of ${size}`);
            }
            log(`  report: ${size.toLocaleString('en')} records reported in ${Math.round(reportMs)} ms (again ${Math.round(reportAgainMs)} ms)`);
            out.push({
                records: size,
                seedS,
                reportMs: round(reportMs, 0),
                reportAgainMs: round(reportAgainMs, 0),
                heapMb: round(Math.max(0, heap1.heapUsed - heap0.heapUsed) / 1e6, 1),
                rssMb: round(Math.max(0, heap1.rss - heap0.rss) / 1e6, 1),
                ...(cpu0 !== undefined && cpu1 !== undefined ? { serverCpuMs: round(cpu1 - cpu0, 0) } : {}),
            });
        }
        const sample = await store.collection
            .find({ runId: { $exists: true } })
            .limit(1000)
            .toArray();
        const bytesPerRecord = Math.round(sample.reduce((s, d) => s + BSON.calculateObjectSize(d), 0) / sample.length);
        const last = out[out.length - 1];
        return {
            server: server.kind,
            bytesPerRecord,
            sizes: out,
            projected1MReportS: round(((Math.min(last.reportMs, last.reportAgainMs) / last.records) * 1_000_000) / 1000, 0),
            projected1MDataMb: round((bytesPerRecord * 1_000_000) / 1e6, 0),
        };
    } finally {
        await db.dropDatabase().catch(() => undefined);
        await client.close();
    }
}
