import assert from 'assert';
import { newcombeInterval, wilsonInterval } from '../../src/report/newcombe';
import { holdoutDraw } from '../../src/core/records/holdout';
import { simulateHoldout } from '../../bench/holdout';

describe("the holdout's numbers: Newcombe's interval, the hash split, and the interval's coverage", () => {
    it("gives Newcombe 1998's published intervals (Table II, method 10, the hybrid score)", () => {
        // Newcombe RG. Interval estimation for the difference between independent proportions: comparison of eleven
        // methods. Stat Med 1998;17:873-890. Examples (a)-(f), rounded to 4 places as published.
        const cases: Array<[number, number, number, number, number, number]> = [
            [56, 70, 48, 80, 0.0524, 0.3339],
            [9, 10, 3, 10, 0.1705, 0.809],
            [6, 7, 2, 7, 0.0582, 0.8062],
            [5, 56, 0, 29, -0.0381, 0.1926],
            [0, 10, 0, 20, -0.1611, 0.2775],
            [10, 10, 0, 20, 0.6791, 1.0],
        ];
        for (const [x1, n1, x2, n2, low, high] of cases) {
            const ci = newcombeInterval({ x: x1, n: n1 }, { x: x2, n: n2 });
            assert.ok(ci);
            assert.deepStrictEqual(
                ci.map((v) => Math.round(v * 10_000) / 10_000),
                [low, high],
                `${x1}/${n1} - ${x2}/${n2}`
            );
        }
        // And Wilson's score interval of one proportion (Newcombe 1998b, method 3): 81/263.
        assert.deepStrictEqual(
            wilsonInterval({ x: 81, n: 263 }).map((v) => Math.round(v * 10_000) / 10_000),
            [0.2553, 0.3662]
        );
    });

    it('is null when a group is empty', () => {
        assert.strictEqual(newcombeInterval({ x: 0, n: 0 }, { x: 3, n: 10 }), null);
        assert.strictEqual(newcombeInterval({ x: 3, n: 10 }, { x: 0, n: 0 }), null);
    });

    it('splits runs by the hash at the share asked for, the same way every time, another way with another seed', () => {
        const draws = Array.from({ length: 10_000 }, (_, i) => holdoutDraw('', `msteams/conv-${i}`, `run-${i}`));
        const held = draws.filter((d) => d < 0.1).length;
        assert.ok(held > 900 && held < 1100, `about 10% held out at 0.1: ${held}`);
        assert.strictEqual(holdoutDraw('', 'msteams/a', 'r1'), holdoutDraw('', 'msteams/a', 'r1'));
        const other = Array.from({ length: 10_000 }, (_, i) => holdoutDraw('seed-2', `msteams/conv-${i}`, `run-${i}`));
        const moved = draws.filter((d, i) => d < 0.1 !== other[i] < 0.1).length;
        assert.ok(moved > 1500, `another seed draws another split: ${moved} of 10,000 runs changed group`);
    });

    it('over 1,000 simulated runs with a known effect, 100 times: the interval covers the true lift about 95 times', () => {
        const result = simulateHoldout({ runs: 1000, repetitions: 100, holdout: 0.2, holdoutRate: 0.25, remindedRate: 0.4, seed: 1 });
        console.log(
            `      1,000 runs (20% held out, true lift 0.15) × 100: covered ${result.covered}; mean lift ${result.meanLift} (sd ${result.liftSd}); mean interval width ${result.meanCiWidth}`
        );
        assert.ok(result.covered >= 85 && result.covered <= 100, `covered ${result.covered} of 100`);
        assert.ok(Math.abs(result.meanLift - 0.15) < 0.02, `the lift measured is the true one on average: ${result.meanLift}`);
        // The same figure with no effect at all: the interval covers 0 about as often.
        const none = simulateHoldout({ runs: 1000, repetitions: 100, holdoutRate: 0.3, remindedRate: 0.3, seed: 2 });
        assert.ok(none.covered >= 85, `no effect: covered ${none.covered}`);
        const again = simulateHoldout({ runs: 1000, repetitions: 100, holdoutRate: 0.25, remindedRate: 0.4, seed: 1 });
        assert.deepStrictEqual(again, result, 'seeded: the same split and the same figure every time');
    });
});
