/** Where the CLI writes; injected so tests can capture the output. */
export interface CliWriters {
    /** Receives reports, tables, JSON and help texts. Default: `process.stdout`. */
    stdout(text: string): void;
    /** Receives errors and usage errors. Default: `process.stderr`. */
    stderr(text: string): void;
}

/** What every command is given besides its arguments. */
export interface CliContext {
    /** Where to write. */
    writers: CliWriters;
    /** The environment, read for `MONGODB_URI`. */
    env: NodeJS.ProcessEnv;
    /** The clock (epoch ms), for times such as `--since 30d`. */
    now(): number;
}

/** The process's own stdout and stderr. */
export const processWriters: CliWriters = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
};
