import assert from 'assert';
import { DialogState } from 'botbuilder-dialogs';
import { MemoryStorage } from '@microsoft/agents-hosting';
import { agentsBenchBot } from '../bench/support/agentsBot';
import { benchBot, BenchBot, conversationId, flowTurns, NullScheduler } from '../bench/support/bot';
import { goals, mergeFigures, readmeFigures, BenchReport } from '../bench/index';
import type { PerTurnResult, TurnFigures } from '../bench/perTurn';
import { cpuMs, median } from '../bench/support/stats';
import { runTurns } from '../bench/support/turnRunner';
import { mongoUri } from './support/mongo';
import { defaultPolicy } from '../src/core/policy/config';
import { activePath } from '../src/dialogs/dialogPath';
import { FlowInfo, resolvePolicy } from '../src/core/flows/flowInfo';
import type { FlowDefinition } from '../src/core/policy/policy';

const MIN = 60_000;

type Instance = { id: string; state: Record<string, unknown> };
const stack = (...instances: Instance[]): DialogState => ({ dialogStack: instances });
const component = (id: string, ...inner: Instance[]): Instance => ({ id, state: { dialogs: stack(...inner) } });
const waterfall = (id: string, stepIndex: number): Instance => ({ id, state: { options: {}, values: {}, stepIndex } });
const prompt = (id: string): Instance => ({ id, state: { options: { prompt: '?' }, state: {} } });
const at = (step: number): FlowInfo => {
    const path = activePath(stack(component('main', component('addClient', waterfall('addClientSteps', step), prompt('textPrompt')))));
    return { flowId: 'addClient', flowDepth: 1, flowIndex: 0, values: {}, path };
};

/**
 * What the plugin adds to a user turn, kept from growing (issue 9: added CPU ≤ 0.5 ms, the first turn of a flow
 * ≤ 1 ms above later ones). Not timings against a fixed number: the work done per turn, and the plugin's CPU as a
 * ratio of the bare bot's in the same process, interleaved, so that a loaded machine slows both alike.
 */
describe('Per-turn cost of the plugin (its own logic, no database)', function () {
    this.timeout(60_000);

    it('resolves the policy of a place in a flow once: later turns there share it, frozen', () => {
        const flows: Record<string, FlowDefinition> = {
            addClient: {
                reminderAfter: '2 minutes',
                steps: { '2': { closeAfter: '20 minutes' }, contact: { finalAction: 'handoff' } },
                stepNames: ['name', 'type', 'contact'],
            },
        };
        const base = defaultPolicy();
        const first = resolvePolicy({ policy: base, channels: new Map(), flows: flows }, at(1), 'test');
        // Another turn at the same step (a new path, equal in ids and steps) gets the very same object.
        assert.strictEqual(resolvePolicy({ policy: base, channels: new Map(), flows: flows }, at(1), 'test'), first);
        assert.ok(Object.isFrozen(first) && Object.isFrozen(first.messages), 'shared between turns, so no turn may change it');
        assert.throws(() => ((first as { closeAfter: number }).closeAfter = 1));
        assert.strictEqual(first.reminderAfter, 2 * MIN);
        assert.strictEqual(first.closeAfter, 20 * MIN);
        // Other places resolve to their own policies, as before the cache.
        const third = resolvePolicy({ policy: base, channels: new Map(), flows: flows }, at(2), 'test');
        assert.notStrictEqual(third, first);
        assert.strictEqual(third.finalAction, 'handoff');
        assert.strictEqual(third.closeAfter, base.closeAfter);
        // Another configuration (here, equal in content) has its own cache: nothing is shared across instances.
        const copy = resolvePolicy({ policy: base, channels: new Map(), flows: structuredClone(flows) }, at(1), 'test');
        assert.notStrictEqual(copy, first);
        assert.deepStrictEqual(copy, first);
        // A path through no configured flow is the base itself.
        assert.strictEqual(resolvePolicy({ policy: base, channels: new Map(), flows: {} }, at(1), 'test'), base);
    });

    it("adds at most 80% to the bare bot's median CPU per turn, and no more than 1 ms to the first turn of a flow", async () => {
        const bare = await benchBot();
        const plugin = await benchBot({ plugin: { scheduler: new NullScheduler() } });
        const bots: Array<[string, BenchBot]> = [
            ['bare', bare],
            ['plugin', plugin],
        ];
        const rounds: Array<{ ratio: number; firstExtraMs: number }> = [];
        let n = 0;
        try {
            for (let round = 0; round < 4; round++) {
                const cpu: Record<string, { first: number[]; later: number[] }> = { bare: { first: [], later: [] }, plugin: { first: [], later: [] } };
                for (let flow = 0; flow < 30; flow++, n++) {
                    // Alternating which goes first: whatever one leaves behind lands on both alike.
                    for (const [name, bot] of flow % 2 ? bots : [...bots].reverse()) {
                        const turns = flowTurns(n);
                        for (let t = 0; t < turns.length; t++) {
                            const c0 = cpuMs();
                            await bot.say(conversationId(name, n), turns[t]);
                            (t === 0 ? cpu[name].first : cpu[name].later).push(cpuMs() - c0);
                        }
                    }
                }
                if (round === 0) continue; // warm-up: both bots compiled and their caches filled
                // Medians: a garbage collection of a few milliseconds lands in one turn of either bot, and in means it
                // would outweigh the difference measured.
                const perTurn = (name: string) => median([...cpu[name].first, ...cpu[name].later]);
                const firstExtra = (name: string) => median(cpu[name].first) - median(cpu[name].later);
                rounds.push({ ratio: perTurn('plugin') / perTurn('bare'), firstExtraMs: firstExtra('plugin') - firstExtra('bare') });
            }
        } finally {
            await bare.stop();
            await plugin.stop();
        }
        // The best of three rounds: a burst of load from elsewhere on the machine hits one round, not all.
        const ratio = Math.min(...rounds.map((r) => r.ratio));
        const firstExtraMs = Math.min(...rounds.map((r) => r.firstExtraMs));
        // Measured 1.38–1.61 per round, 1.4–1.5 the best of three (about 0.35 ms over a bare turn's 0.8 ms of CPU
        // on 2 shared cores); the first turn's extra within ±0.15 ms of the bare bot's.
        assert.ok(
            ratio <= 1.8,
            `the plugin's turns cost ${ratio.toFixed(2)}× the bare bot's CPU (rounds: ${rounds.map((r) => r.ratio.toFixed(2)).join(', ')})`
        );
        assert.ok(firstExtraMs <= 1, `the plugin adds ${firstExtraMs.toFixed(2)} ms more CPU to a first turn than to a later one`);
    });
});

describe("Per-turn cost of the plugin's database commands (each bot in its own process)", function () {
    this.timeout(180_000);

    it('costs at most 1.5× what the same commands cost the bare bot that sends them itself (the floor)', async () => {
        const base = await mongoUri();
        const rounds: Array<{ ratio: number; plugin: number; floor: number }> = [];
        // The best of three: a burst of load from elsewhere on the machine hits one round, not all.
        for (let round = 0; round < 3; round++) {
            const url = new URL(base);
            url.pathname = `/bbi_turncost_${process.pid}_${round}`;
            const { reports, samples } = await runTurns(url.toString(), { variants: ['bare', 'floor', 'pluginOnly', 'plugin'], flows: 40 });
            const perTurn = (v: 'bare' | 'floor' | 'pluginOnly' | 'plugin') => reports[v].cpuMs / samples[v].length;
            const perCommand = (over: 'floor' | 'plugin', under: 'bare' | 'pluginOnly') =>
                (perTurn(over) - perTurn(under)) / (reports[over].commands / samples[over].length);
            assert.ok(reports.plugin.commands > 0 && reports.floor.commands > 0, 'both sent commands');
            const plugin = perCommand('plugin', 'pluginOnly');
            const floor = perCommand('floor', 'bare');
            rounds.push({ ratio: plugin / floor, plugin, floor });
        }
        const best = rounds.reduce((a, b) => (b.ratio < a.ratio ? b : a));
        // Measured 1.0–1.2 per round on 2 shared cores (a command about 1.2 ms of the bot's CPU either way).
        assert.ok(
            best.ratio <= 1.5,
            `the plugin's commands cost ${best.ratio.toFixed(2)}× the floor's (${rounds.map((r) => `${r.plugin.toFixed(2)} vs ${r.floor.toFixed(2)} ms`).join('; ')})`
        );
    });
});

describe('Per-turn cost of the plugin on the Agents SDK (its own logic, no database)', function () {
    this.timeout(60_000);

    /** Runs two add-client flows on the bench's Agents bot and lists its storage calls and replies, turn by turn. */
    const run = async (withPlugin: boolean) => {
        const storage = new MemoryStorage();
        const calls: string[][] = [];
        const log = (op: string, keys: string[]) =>
            calls[calls.length - 1].push(...keys.map((k) => `${op} ${k.endsWith('/inactivity') ? 'plugin item' : 'app state'}`));
        const { read, write } = { read: storage.read.bind(storage), write: storage.write.bind(storage) };
        storage.read = (keys) => (log('read', keys), read(keys));
        storage.write = (changes) => (log('write', Object.keys(changes)), write(changes));
        const bot = await agentsBenchBot(withPlugin ? { scheduler: new NullScheduler() } : undefined, storage);
        const replies: string[] = [];
        bot.adapter.onSend = (activities) => replies.push(...activities.map((a) => a.text ?? ''));
        try {
            for (let n = 0; n < 2; n++) {
                for (const text of flowTurns(n)) {
                    calls.push([]);
                    await bot.say(conversationId('agpc', n), text);
                }
            }
        } finally {
            await bot.stop();
        }
        return { calls, replies };
    };

    it("adds one read and one write of the plugin's own item to a turn, and leaves the app's state and replies alone", async () => {
        const bare = await run(false);
        const plugin = await run(true);
        assert.deepStrictEqual(plugin.replies, bare.replies, 'the same replies');
        assert.strictEqual(bare.replies.length, 8);
        assert.ok(bare.calls.every((turn) => turn.length > 0 && turn.every((c) => c.endsWith('app state'))));
        for (let t = 0; t < plugin.calls.length; t++) {
            const own = plugin.calls[t].filter((c) => c.endsWith('plugin item')).sort();
            assert.deepStrictEqual(own, ['read plugin item', 'write plugin item'], `turn ${t}: ${plugin.calls[t].join(', ')}`);
            assert.deepStrictEqual(
                plugin.calls[t].filter((c) => c.endsWith('app state')),
                bare.calls[t],
                `turn ${t}: the app's own reads and writes are unchanged`
            );
        }
    });
});

describe("The bench's Figures: goals the embedded server cannot reach", () => {
    const turn = (medianMs: number, cpuPerTurnMs: number, first: number, later: number, commandsPerTurn = 0): TurnFigures => ({
        medianMs,
        p95Ms: medianMs * 2,
        firstTurnMedianMs: first,
        laterTurnsMedianMs: later,
        cpuPerTurnMs,
        commandsPerTurn,
    });
    const perTurn: PerTurnResult = {
        flows: 200,
        turns: 800,
        bare: turn(1.08, 1.37, 1.0, 1.1),
        plugin: turn(1.8, 3.39, 5.29, 1.69, 0.5),
        pluginOnly: turn(1.3, 1.7, 1.2, 1.35),
        naive: turn(4.04, 4.97, 4, 4, 1),
        floor: turn(1.6, 2.9, 4.5, 1.4, 0.5),
        ownAddedMedianMs: 0.22,
        ownAddedCpuMs: 0.33,
        cpuPerCommandMs: 2.96,
        commandBaseline: { updateOneCpuMs: 0.5, findOneAndUpdateCpuMs: 0.4, inTurnCpuMs: 2.5 },
        cpuPerCommandRatio: 6.58,
        overFloorCpuMs: 0.49,
        addedMedianMs: 0.72,
        addedCpuMs: 2.02,
        firstTurnExtraMs: 3.6,
        firstTurnExtraCpuMs: 5.03,
        ownFirstTurnExtraCpuMs: 0.05,
        ownFirstTurnExtraMs: 0.1,
        roundTripMs: 0.96,
        ratioVsNaive: { median: 0.45, cpu: 0.68 },
        agents: {
            bare: turn(1.5, 2.1, 1.4, 1.5),
            plugin: turn(2.3, 4.3, 5.8, 2.2, 0.5),
            addedMedianMs: 0.8,
            addedCpuMs: 2.2,
            ratioVsBotbuilder: { median: 1.11, cpu: 1.09 },
        },
    };
    const report: BenchReport = {
        machine: { cpu: 'Test CPU', cores: 2, memoryGb: 8, node: 'v20', loadAverage: { start: 1, max: 1, end: 1 } },
        server: { kind: 'CongoDB', version: '7.0.0' },
        startedAt: '2026-12-01T00:00:00.000Z',
        durationS: 60,
        perTurn,
        goals: [],
    };
    report.goals = goals(report);

    it('says which per-turn goal the embedded server limits, why, and the plugin-side figure', () => {
        const cpu = report.goals.find((g) => g.goal === 'added CPU ≤ 0.75 ms');
        assert.ok(cpu);
        assert.strictEqual(cpu.holds, false);
        assert.match(cpu.note ?? '', /limited by the database commands, not the plugin's logic: .*waiting for the embedded server/);
        assert.match(
            cpu.note ?? '',
            /2\.96 ms of the bot's CPU, where the same commands sent by hand after the bare bot's turn \(the floor\) cost 2\.5 ms each/
        );
        assert.deepStrictEqual(cpu.pluginSide, { measured: '0.33 ms added CPU with no database', holds: true });
        const first = report.goals.find((g) => g.goal.startsWith('first turn of a flow'));
        assert.strictEqual(first?.pluginSide?.holds, true);
        const table = readmeFigures(report);
        assert.match(
            table,
            /\| Per turn \| added CPU ≤ 0\.75 ms \| .*limited by the database commands.*plugin side: 0\.33 ms added CPU with no database \(within goal\) \| \*\*no\*\* \(plugin side: yes\) \|/
        );
    });

    it("sets the plugin's CPU per command against a bare command's, and says its own part against the floor's", () => {
        const ratio = report.goals.find((g) => g.goal.startsWith("the plugin's CPU per command"));
        assert.ok(ratio);
        assert.strictEqual(ratio.holds, false);
        assert.match(
            ratio.measured,
            /^×6\.58: 2\.96 ms per command .* a bare updateOne 0\.5 ms, findOneAndUpdate 0\.4 ms .* the floor's commands after a turn 2\.5 ms each \(×1\.18\)$/
        );
        assert.deepStrictEqual(ratio.pluginSide, { measured: "×1.18 the floor's command", holds: true });
        const over = goals({ ...report, perTurn: { ...perTurn, commandBaseline: { ...perTurn.commandBaseline, inTurnCpuMs: 1.5 } } });
        assert.strictEqual(over.find((g) => g.goal === ratio.goal)?.pluginSide?.holds, false, 'the plugin side misses past 1.5× the floor');
    });

    it("sets the Agents SDK's added cost beside botbuilder's as a ratio, against 1.2", () => {
        const agents = report.goals.find((g) => g.goal.startsWith('added median and CPU on the Agents SDK'));
        assert.ok(agents);
        assert.strictEqual(agents.holds, true);
        assert.match(agents.measured, /^×1\.11 median, ×1\.09 CPU: the Agents SDK adds 0\.8 ms median .*; botbuilder 0\.72 ms and 2\.02 ms$/);
        const over = goals({ ...report, perTurn: { ...perTurn, agents: { ...perTurn.agents, ratioVsBotbuilder: { median: 1.1, cpu: 1.3 } } } });
        assert.strictEqual(over.find((g) => g.goal === agents.goal)?.holds, false, 'either ratio over 1.2 misses the goal');
    });

    it('rewrites only the rows of the sections run with --only, keeping the others', () => {
        const previous = [
            'Measured by `npm run bench` on an earlier run.',
            '',
            '| Area | Goal | Measured | Holds |',
            '| --- | --- | --- | --- |',
            '| Per turn | added CPU ≤ 0.75 ms | 9 ms | **no** |',
            '| Size | ≤ 400 B of BSON per timer | 285 B | yes |',
        ].join('\n');
        const merged = mergeFigures(previous, report, ['perTurn']).split('\n');
        assert.strictEqual(merged[0], 'Measured by `npm run bench` on an earlier run.');
        const rows = merged.filter((l) => l.startsWith('| '));
        assert.ok(rows[2].startsWith('| Per turn | added CPU ≤ 0.75 ms | 2.02 ms'), rows[2]);
        assert.ok(rows.includes('| Size | ≤ 400 B of BSON per timer | 285 B | yes |'));
        assert.strictEqual(rows.filter((l) => l.startsWith('| Per turn')).length, 6);
        assert.match(merged[merged.length - 1], /^Rows of perTurn re-measured by `npm run bench -- --only=perTurn` .* 2026-12-01/);
    });
});
