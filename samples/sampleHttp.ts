import type express from 'express';
import type { RequestHandler } from 'express';
import { Server } from 'http';
import { join } from 'path';
import type { Db } from 'mongodb';
import { readFileSync } from 'fs';
import type { Localizer } from '../src/core/texts/localization';
import type { FlowLabels } from '../src/report/htmlPage';
import { reportRoute } from './reportRoute';

/*
 * What both samples (botbuilder and the Agents SDK) share over HTTP, free of either SDK: where the sample's files
 * are, the extensions that add routes (the browser page), the drop-off report and listening.
 */

/** The repository's samples/ folder (the compiled files run from dist/samples; locales, policy and page stay in samples/). */
const SAMPLES_DIR = join(__dirname, '..', '..', 'samples');

/** The sample's locale files (its `sample` namespace beside the plugin's). */
export const SAMPLE_LOCALES = join(SAMPLES_DIR, 'locales');

/** The sample's inactivity policy file. */
export const SAMPLE_POLICY_FILE = join(SAMPLES_DIR, 'inactivity-policy.json');

/** The browser page's static files. */
export const SAMPLE_PUBLIC_DIR = join(SAMPLES_DIR, 'public');

/** Hooks that add routes before the server listens (the browser page): they see the app and the configured port. */
export type SampleExtension = (app: express.Express, sample: { port: number }) => void | Promise<void>;

/** What the sample's report route needs. */
export interface ReportMount {
    /** The database the plugin keeps its records in (the client's default database). */
    db: Db;
    /** What a request passes first (see requireAdminToken): the report shows every flow's numbers. */
    guard: RequestHandler;
    /** The sample's texts, for the flows' and steps' labels. */
    texts: Localizer;
    /** The policy file in use (`INACTIVITY_POLICY_FILE`), whose flows and steps get labels. Default the sample's. */
    policyFile?: string;
}

/**
 * Mounts the drop-off report of the flows walked so far at `/report`.
 *
 * @param app The sample's Express app.
 * @param mount The database, the guard and the texts.
 */
export function mountReport(app: express.Express, mount: ReportMount): void {
    const { db, guard, texts } = mount;
    const showReport = reportRoute(db, sampleReportLabels(texts, mount.policyFile));
    // The route answers its own errors (400 or 500); express 4 would not catch a rejection, so none is left to it.
    app.get('/report', guard, (req, res) => void showReport(req, res));
}

/**
 * The report's labels of the policy file's flows and their steps (`stepNames`), from the sample's locale
 * (`sample:report.<flowId>.label` and `sample:report.<flowId>.steps.<step>`, in English like the page); a flow or
 * step without a text keeps its id alone.
 *
 * @param texts The sample's texts.
 * @param policyFile The policy file in use; default the sample's.
 * @returns Labels by flow id.
 */
export function sampleReportLabels(texts: Localizer, policyFile = SAMPLE_POLICY_FILE): Record<string, FlowLabels> {
    const policy = JSON.parse(readFileSync(policyFile, 'utf8')) as { flows?: Record<string, { stepNames?: string[] }> };
    const text = (key: string) => (texts.has(`sample:report.${key}`, 'en') ? texts.t('en', `sample:report.${key}`) : undefined);
    const labels: Record<string, FlowLabels> = {};
    for (const [flowId, flow] of Object.entries(policy.flows ?? {})) {
        const steps = Object.fromEntries((flow.stepNames ?? []).flatMap((step) => ((t) => (t ? [[step, t]] : []))(text(`${flowId}.steps.${step}`))));
        labels[flowId] = { ...(text(`${flowId}.label`) ? { label: text(`${flowId}.label`) } : {}), steps };
    }
    return labels;
}

/**
 * Starts listening.
 *
 * @param app The sample's Express app.
 * @param port The port (0: a free one).
 * @returns The server and the port it got.
 */
export async function listen(app: express.Express, port: number): Promise<{ server: Server; port: number }> {
    const server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(port, () => resolve(s)).on('error', reject);
    });
    return { server, port: (server.address() as { port: number }).port };
}

/**
 * Stops listening and drops open connections (Direct Line's polls would keep close() waiting).
 *
 * @param server The server.
 */
export async function closeServer(server: Server): Promise<void> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
    await closed;
}
