import type { Request, Response } from 'express';
import type { Db } from 'mongodb';
// The report's own modules, not the botbuilder entry: the Agents SDK sample serves this route too.
import { report } from '../src/report/report';
import { FlowLabels, reportPage } from '../src/report/htmlPage';
import { reportCsv } from '../src/report/csv';
import { parseDateOrDuration } from '../src/core/util/dateOrDuration';

/**
 * The drop-off report page of the sample's database, at `/report`. Query: `?since=30d` (a duration back, or a
 * date such as 2026-11-01; default all), `?flow=addClient`, and `?format=json` for the numbers as the CLI's
 * `--json` prints them (`?format=csv`: as `--csv` does).
 *
 * @param db The database the plugin keeps its records in.
 * @param labels What the designers call the flows and their steps, shown with the ids beside them.
 * @returns An express handler.
 */
export function reportRoute(db: Db, labels: Record<string, FlowLabels> = {}): (req: Request, res: Response) => Promise<void> {
    return async (req, res) => {
        let since: Date | undefined;
        const q = req.query;
        try {
            if (typeof q.since === 'string' && q.since) {
                since = parseDateOrDuration(q.since, { name: 'since' });
            }
        } catch (err) {
            // The message names the parameter, its value and both forms, and ends with its own period.
            res.status(400)
                .type('text/plain')
                .send((err as Error).message);
            return;
        }
        try {
            const data = await report(db, { since, flowId: typeof q.flow === 'string' && q.flow ? q.flow : undefined });
            if (q.format === 'json') {
                res.set('Cache-Control', 'no-store').json(data);
                return;
            }
            if (q.format === 'csv') {
                res.type('text/csv').set('Cache-Control', 'no-store').send(reportCsv(data));
                return;
            }
            res.type('html')
                .set('Cache-Control', 'no-store')
                .send(reportPage(data, { title: 'Drop-off report: sample bot', labels }));
        } catch (err) {
            console.error('[sample] could not make the report:', err);
            res.status(500).type('text/plain').send('Could not read the flow runs from MongoDB.');
        }
    };
}
