import assert from 'assert';
import type { ConversationAccount, ConversationReference } from 'botbuilder';
import { BSON, Document } from 'mongodb';
import { CommandCounter } from '../../bench/support/commandCounter';
import { AgendaScheduler } from '../../src/scheduling/agendaScheduler';
import { LEGACY_TIMER_JOB_NAME, readTimerData, storedTimerData, TIMER_JOB_NAME, timerId, timerReference } from '../../src/scheduling/timerDocument';
import { DueTimer, TIMER_DATA_VERSION, TimerData } from '../../src/core/ports/timerScheduler';
import { freshDb } from '../support/mongo';
import { createRig } from '../support/testBot';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
        if (Date.now() > end) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await sleep(25);
    }
}

/** A Direct Line conversation's reference, as TurnContext.getConversationReference gives it. */
const DIRECT_LINE: Partial<ConversationReference> = {
    activityId: 'Gb4m8VOhxfP1nY2k3Lq9aZ-us|0000005',
    user: { id: 'dl_5b7c4f90-user-7f3a9c2e', name: 'User', role: 'user' },
    bot: { id: 'inactivity-bench-bot@a1b2c3d4', name: 'Inactivity bench bot', role: 'bot' },
    conversation: { id: '5b7c4f90-8f1e-11ee-b6a4-5d1b6c4f1a2b|livechat' } as ConversationAccount,
    channelId: 'directline',
    locale: 'en-US',
    serviceUrl: 'https://directline.botframework.com/',
};

/** A Teams personal chat's reference: the longest ids a channel gives. */
const TEAMS: Partial<ConversationReference> = {
    channelId: 'msteams',
    serviceUrl: 'https://smba.trafficmanager.net/emea/',
    conversation: {
        id: 'a:1Lrpa2Oh_mnwBGnzVMrq3ja7UChMP6jBFxSkLe5OmnGaRJJpLkX0ZS4ziHTvOFSD2E1uBnp7JM6Zsm8UrcRtsPddpc-rpTGkZFTbHF2D4YMYmt3c-UwVb0YbvrQ_ClbCF',
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        conversationType: 'personal',
        isGroup: false,
    } as ConversationAccount,
    bot: { id: '28:0d4ad9ba-b8dd-4b0b-9ac0-ac9ce29ecb8b', name: 'Trainer' },
    user: {
        id: '29:1GcS4EN8K-2lYt1p7DtZ3-Lz9c-ZZ0AGGq8eMxRr1h-fTJXYqQmlnWIhF8c5QOxn1v2_jXz2bT8HqD9gDrDq-3w',
        name: 'Maria Silva',
        aadObjectId: '6b1f4c3e-2a0d-4d6e-9f3b-1c2d3e4f5a6b',
    },
    locale: 'en-US',
};

function timerFor(reference: Partial<ConversationReference>): TimerData {
    return { v: TIMER_DATA_VERSION, key: `${reference.channelId}/${reference.conversation?.id}`, reference: timerReference(reference) };
}

function simple(key: string): TimerData {
    return { v: TIMER_DATA_VERSION, key, reference: { channelId: 'test', conversation: { id: key } } };
}

/**
 * Small, counted versions of the figures `npm run bench` measures at scale (issue 9): a regression in any of them
 * fails CI. Counts, not timings.
 */
describe('Scale figures, counted (small versions of npm run bench)', function () {
    this.timeout(30_000);

    it('stores a timer in at most 400 B of BSON, keeping all continueConversationAsync needs', async () => {
        const mongo = await freshDb();
        const scheduler = new AgendaScheduler({ mongo: mongo.db });
        try {
            await scheduler.start(async () => undefined);
            const sizes: Record<string, number> = {};
            for (const [name, reference] of Object.entries({ directLine: DIRECT_LINE, teams: TEAMS })) {
                const data = timerFor(reference);
                await scheduler.arm(data, new Date(Date.now() + 3_600_000));
                const doc = (await mongo.db.collection('inactivityJobs').findOne({ _id: timerId(data.key) })) as Document;
                sizes[name] = BSON.calculateObjectSize(doc);
                const read = readTimerData(doc.data);
                assert.strictEqual(read?.key, data.key);
                assert.deepStrictEqual(read?.reference, data.reference, 'the reference read back is the one armed');
            }
            console.log(`      BSON per timer: Direct Line ${sizes.directLine} B, Teams personal chat ${sizes.teams} B`);
            assert.ok(sizes.directLine <= 400, `${sizes.directLine} B`);
            // Teams' own ids (conversation, user, bot, tenant) alone take about 330 B.
            assert.ok(sizes.teams <= 520, `${sizes.teams} B`);
            const teams = readTimerData(storedTimerData(timerFor(TEAMS)))?.reference;
            assert.deepStrictEqual(teams, {
                channelId: 'msteams',
                serviceUrl: TEAMS.serviceUrl,
                conversation: { id: TEAMS.conversation?.id, tenantId: TEAMS.conversation?.tenantId, conversationType: 'personal' },
                bot: { id: TEAMS.bot?.id },
                user: { id: TEAMS.user?.id },
                locale: 'en-US',
            });
        } finally {
            await scheduler.stop();
            await mongo.close();
        }
    });

    it('sends at most 0.5 scheduler commands per second per instance without traffic (plugin defaults)', async () => {
        const mongo = await freshDb({ monitorCommands: true });
        const counter = new CommandCounter(mongo.client);
        const rig = await createRig({ scheduler: undefined, mongo: mongo.db, now: Date.now });
        try {
            await sleep(300);
            counter.reset();
            await sleep(6000);
            const seen = counter.commands.map((c) => `${c.name} ${c.collection}`);
            console.log(`      idle: ${seen.length} commands in 6 s (${seen.join(', ')})`);
            assert.ok(seen.length / 6 <= 0.5, `${seen.length} commands in 6 s`);
        } finally {
            counter.close();
            await rig.inactivity.stop();
            await mongo.close();
        }
    });

    it('150 timers due at once: each fires once, with well under 3 round trips per reminder', async () => {
        const mongo = await freshDb({ monitorCommands: true });
        const counter = new CommandCounter(mongo.client, ['inactivityJobs']);
        const fires = new Map<string, number>();
        const scheduler = new AgendaScheduler({ mongo: mongo.client, processEvery: 1000 });
        try {
            await scheduler.start(async ({ data }: DueTimer) => {
                fires.set(data.key, (fires.get(data.key) ?? 0) + 1);
                return undefined;
            });
            const N = 150;
            const dueAt = new Date(Date.now() + 1500);
            const docs = Array.from({ length: N }, (_, i) => {
                const data = simple(`burst-${i}`);
                return { _id: timerId(data.key), name: TIMER_JOB_NAME, data: storedTimerData(data), nextRunAt: dueAt };
            });
            await mongo.db.collection('inactivityJobs').insertMany(docs);
            counter.reset();
            // Nothing armed them on this instance: the next poll (or the one at start) finds them.
            await until('every timer to fire', () => fires.size === N, 20_000);
            await until('every timer to end', async () => (await mongo.db.collection('inactivityJobs').countDocuments({ name: TIMER_JOB_NAME })) === 0);
            await sleep(500);
            await counter.settled();
            const perReminder = counter.commands.length / N;
            console.log(`      burst of ${N}: ${counter.commands.length} commands (${perReminder.toFixed(2)} per reminder), ${counter.writes.length} writes`);
            assert.deepStrictEqual(
                [...fires.values()].filter((n) => n !== 1),
                [],
                'fired twice'
            );
            assert.ok(perReminder <= 3, `${perReminder} round trips per reminder`);
            assert.ok(perReminder < 0.5, `locks and completion writes are batched: ${perReminder} per reminder`);
        } finally {
            counter.close();
            await scheduler.stop();
            await mongo.close();
        }
    });

    it('a timer whose lease ran out while it waited in memory for a free slot is locked afresh (here or on an idle instance), and the copy that waited is not run: each runs once', async function () {
        this.timeout(40_000);
        const mongo = await freshDb();
        const fires = new Map<string, number>();
        const count = (key: string) => fires.set(key, (fires.get(key) ?? 0) + 1);
        // A holds all 60 and runs 50 at a time for 6 s each; the 10 left waiting outlive their lease (4 s from
        // their due time) and are locked afresh by whichever instance looks for expired leases first.
        const a = new AgendaScheduler({ mongo: mongo.db });
        const b = new AgendaScheduler({ mongo: mongo.db });
        try {
            await a.start(async ({ data }: DueTimer) => {
                count(data.key);
                await sleep(6000);
                return undefined;
            });
            const N = 60;
            const dueAt = new Date(Date.now() + 800);
            await Promise.all(Array.from({ length: N }, (_, i) => a.arm(simple(`slow-${i}`), dueAt)));
            await sleep(1000);
            await b.start(async ({ data }: DueTimer) => {
                count(data.key);
                return undefined;
            });
            await until('every timer to fire', () => fires.size === N, 25_000);
            await until('every timer to end', async () => (await mongo.db.collection('inactivityJobs').countDocuments({ name: TIMER_JOB_NAME })) === 0, 15_000);
            console.log(
                `      ${N} timers on a busy instance: ${a.stats.runs} run there, ${b.stats.runs} on the idle one; ${a.stats.handedBack} waiting copies not run`
            );
            assert.deepStrictEqual(
                [...fires.entries()].filter(([, n]) => n !== 1),
                [],
                'fired twice'
            );
            assert.strictEqual(a.stats.runs + b.stats.runs, N);
            assert.ok(a.stats.handedBack >= 1, `the copies that waited past their lease were locked afresh: ${a.stats.handedBack}`);
        } finally {
            await Promise.all([a.stop(), b.stop()]);
            await mongo.close();
        }
    });

    it('still fires a timer stored by 0.1.x (version 1, its old name), and replaces it by a version 2 timer when it re-arms', async () => {
        const mongo = await freshDb();
        const jobs = mongo.db.collection('inactivityJobs');
        const legacy = { v: 1, key: 'directline/legacy-1', reference: { ...DIRECT_LINE, conversation: { id: 'legacy-1' } }, dueAt: new Date(Date.now() + 700) };
        await jobs.insertOne({
            name: LEGACY_TIMER_JOB_NAME,
            data: legacy,
            type: 'normal',
            priority: 0,
            nextRunAt: legacy.dueAt,
            lockedAt: null,
            lastModifiedBy: null,
        });
        const seen: DueTimer[] = [];
        const scheduler = new AgendaScheduler({ mongo: mongo.db });
        try {
            await scheduler.start(async (timer: DueTimer) => {
                seen.push(timer);
                return seen.length === 1 ? new Date(Date.now() + 3_600_000) : undefined;
            });
            await until('the legacy timer to fire', () => seen.length === 1);
            assert.strictEqual(seen[0].data.key, 'directline/legacy-1');
            assert.deepStrictEqual(seen[0].data.reference, legacy.reference, 'the whole 0.1.x reference is handed over');
            await until('the legacy job to be replaced', async () => (await jobs.countDocuments({ name: LEGACY_TIMER_JOB_NAME })) === 0);
            const replaced = await jobs.findOne({ _id: timerId('directline/legacy-1') });
            assert.strictEqual(replaced?.name, TIMER_JOB_NAME);
            assert.strictEqual(replaced?.data.v, TIMER_DATA_VERSION);
            assert.ok(replaced?.nextRunAt > new Date(Date.now() + 3_500_000), 'at the time the handler returned');
        } finally {
            await scheduler.stop();
            await mongo.close();
        }
    });
});
