import assert from 'assert';
import type { Request, Response } from 'express';
import type { Db } from 'mongodb';
import * as sinon from 'sinon';
import { main } from '../../src/cli/main';
import { InactivityConfigError } from '../../src/core/errors';
import * as dateOrDuration from '../../src/core/util/dateOrDuration';
import { parseDateOrDuration } from '../../src/core/util/dateOrDuration';
import { reportRoute } from '../../samples/reportRoute';
import { freshDb } from '../support/mongo';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY = 86_400_000;

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, {});
    return { code, stdout, stderr };
}

describe("A date or a duration (the CLI and the sample's /report route)", function () {
    this.timeout(30_000);
    afterEach(() => sinon.restore());

    it('reads a duration as that long ago, or from now, and an ISO date as itself', () => {
        assert.strictEqual(parseDateOrDuration('7d', { name: '--since', now: NOW }).getTime(), NOW - 7 * DAY);
        assert.strictEqual(parseDateOrDuration('7 days', { name: '--since', now: NOW }).getTime(), NOW - 7 * DAY);
        assert.strictEqual(parseDateOrDuration('2 hours', { name: '<when>', now: NOW, direction: 'fromNow' }).getTime(), NOW + 2 * 3_600_000);
        assert.strictEqual(parseDateOrDuration('2026-11-01', { name: '--since' }).toISOString(), '2026-11-01T00:00:00.000Z');
        assert.strictEqual(parseDateOrDuration('2030-01-31T09:00:00+01:00', { name: '<when>' }).toISOString(), '2030-01-31T08:00:00.000Z');
    });

    it('refuses text that is neither, and a day that does not exist, naming the field and the value', () => {
        for (const text of ['yesterday', '7', '2026-02-30', '2026-13-01', '2026-11-01Tnoon']) {
            assert.throws(
                () => parseDateOrDuration(text, { name: '--since', now: NOW }),
                (err: unknown) =>
                    err instanceof InactivityConfigError &&
                    err.message === `--since "${text}" is neither a duration (30d, 12h, '2 weeks') nor a date (2026-11-01, 2030-01-31T09:00:00Z).`,
                text
            );
        }
    });

    it('is the one parser of report --since/--until and followups reschedule <when>', async () => {
        const spy = sinon.spy(dateOrDuration, 'parseDateOrDuration');
        const mongo = await freshDb();
        try {
            assert.strictEqual((await run(['report', '--mongo', mongo.uri, '--since', '7 days', '--until', '2030-01-01', '--json'])).code, 0);
            assert.strictEqual((await run(['followups', 'reschedule', '0123456789abcdef01234567', '7d', '--mongo', mongo.uri])).code, 1);
        } finally {
            await mongo.close();
        }
        assert.deepStrictEqual(
            spy.getCalls().map((c) => [c.args[0], c.args[1].name, c.args[1].direction ?? 'ago']),
            [
                ['7 days', '--since', 'ago'],
                ['2030-01-01', '--until', 'ago'],
                ['7d', '<when>', 'fromNow'],
            ]
        );
        // The same refusal, word for word, from both commands.
        const report = await run(['report', '--mongo', 'mongodb://127.0.0.1:1/x', '--since', '2026-02-30']);
        const followups = await run(['followups', 'reschedule', '0123456789abcdef01234567', '2026-02-30', '--mongo', 'mongodb://127.0.0.1:1/x']);
        assert.deepStrictEqual([report.code, followups.code], [2, 2]);
        const reason = (stderr: string) => stderr.split('\n')[0].replace(/^.*" is /, '');
        assert.strictEqual(reason(report.stderr), "neither a duration (30d, 12h, '2 weeks') nor a date (2026-11-01, 2030-01-31T09:00:00Z).");
        assert.strictEqual(reason(followups.stderr), reason(report.stderr));
    });

    it("answers the sample route's bad ?since with one sentence (400), naming the value", async () => {
        for (const since of ['yesterday', '2026-02-30']) {
            let status = 0;
            let body = '';
            const res = {
                status: (s: number) => ((status = s), res),
                type: () => res,
                set: () => res,
                send: (b: string) => ((body = b), res),
            };
            await reportRoute({} as Db)({ query: { since } } as unknown as Request, res as unknown as Response);
            assert.strictEqual(status, 400);
            assert.strictEqual(body, `since "${since}" is neither a duration (30d, 12h, '2 weeks') nor a date (2026-11-01, 2030-01-31T09:00:00Z).`);
        }
    });
});
