import { readFileSync } from 'fs';
import { join } from 'path';

/** The package root: `dist/src/..`/`..` once compiled. */
export const PACKAGE_ROOT = join(__dirname, '..', '..', '..', '..');

/** The parts of manifest.json the code reads. */
export interface Manifest {
    name: string;
    version: string;
    locales: { path: string; namespace: string; languages: string[]; fallback: string };
    jobs: string[];
    telemetryEvents: string[];
    codeOnlyOptions: string[];
    options: { properties: Record<string, { default?: unknown }>; definitions: Record<string, unknown> };
}

let cached: Manifest | undefined;

/**
 * Reads the package's manifest.json: the JSON Schema of the options, locale facts, job and event names.
 *
 * @returns The parsed manifest (read once per process; it is part of the package and never changes).
 */
export function readManifest(): Manifest {
    cached ??= JSON.parse(readFileSync(join(PACKAGE_ROOT, 'manifest.json'), 'utf8')) as Manifest;
    return cached;
}
