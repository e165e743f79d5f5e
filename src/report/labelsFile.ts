import * as fs from 'fs';
import { InactivityConfigError } from '../core/errors';
import type { FlowLabels } from './htmlPage';

/**
 * Reads the report page's labels from a JSON file, as `reportPage`'s `labels` option takes them:
 * `{ "addClient": { "label": "Add a client", "steps": { "name": "Client's name" } } }`.
 *
 * @param file The file's path.
 * @returns Labels by flow id.
 * @throws InactivityConfigError naming the file and what is wrong with it.
 */
export function readLabelsFile(file: string): Record<string, FlowLabels> {
    let data: unknown;
    try {
        data = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
        throw new InactivityConfigError(`--labels ${file} could not be read as JSON: ${(err as Error).message}`, { cause: err });
    }
    const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    const wrong = (where: string, what: string) =>
        new InactivityConfigError(
            `--labels ${file}: ${where} must be ${what}, as in { "addClient": { "label": "Add a client", "steps": { "name": "Client's name" } } }.`
        );
    if (!isObject(data)) {
        throw wrong('the file', 'an object of flows by id');
    }
    for (const [flowId, flow] of Object.entries(data)) {
        if (!isObject(flow) || Object.keys(flow).some((k) => k !== 'label' && k !== 'steps')) {
            throw wrong(`"${flowId}"`, 'an object with "label" and/or "steps"');
        }
        if (flow.label !== undefined && typeof flow.label !== 'string') {
            throw wrong(`"${flowId}".label`, 'a text');
        }
        if (flow.steps !== undefined && (!isObject(flow.steps) || Object.values(flow.steps).some((v) => typeof v !== 'string'))) {
            throw wrong(`"${flowId}".steps`, 'an object of texts by step id');
        }
    }
    return data as Record<string, FlowLabels>;
}
