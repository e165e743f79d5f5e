import type { Request, Response } from 'express';
import type { Db } from 'mongodb';
import { report, reportPage, toMilliseconds } from '../src';

/**
 * The drop-off report page of the sample's database, at `/report`. Query: `?since=30d` (a duration back, or a
 * date such as 2026-11-01; default all) and `?flow=addClient`.
 *
 * @param db The database the plugin keeps its records in.
 * @returns An express handler.
 */
export function reportRoute(db: Db): (req: Request, res: Response) => Promise<void> {
    return async (req, res) => {
        let since: Date | undefined;
        const q = req.query;
        try {
            if (typeof q.since === 'string' && q.since) {
                since = /^\d{4}-\d{2}-\d{2}/.test(q.since) ? new Date(q.since) : new Date(Date.now() - toMilliseconds(q.since, 'since'));
                if (Number.isNaN(since.getTime())) {
                    throw new Error(`since "${q.since}" is not a date`);
                }
            }
        } catch (err) {
            res.status(400).type('text/plain').send(`Bad "since": ${(err as Error).message}. Use a duration such as 30d or a date such as 2026-11-01.`);
            return;
        }
        try {
            const data = await report(db, { since, flowId: typeof q.flow === 'string' && q.flow ? q.flow : undefined });
            res.type('html').set('Cache-Control', 'no-store').send(reportPage(data, { title: 'Drop-off report: sample bot' }));
        } catch (err) {
            console.error('[sample] could not make the report:', err);
            res.status(500).type('text/plain').send('Could not read the flow runs from MongoDB.');
        }
    };
}
