import { ChildProcess, spawn } from 'child_process';

/** A bot started as its user would start it, with the output kept for failure messages. */
export class BotProcess {
    output = '';
    readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    private readonly child: ChildProcess;

    constructor(entry: string, cwd: string, env: NodeJS.ProcessEnv) {
        this.child = spawn(process.execPath, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
        this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
        this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
        this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    }

    /** Resolves once the bot printed that it listens; fails if it exits or takes longer than `timeoutMs`. */
    async listening(timeoutMs = 30_000): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        let exited = false;
        void this.exited.then(() => (exited = true));
        while (!/listening to/.test(this.output)) {
            if (exited || Date.now() > deadline) {
                throw new Error(`the bot did not start listening:\n${this.output}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    }

    signal(name: NodeJS.Signals): void {
        this.child.kill(name);
    }

    kill(): void {
        if (this.child.exitCode === null && this.child.signalCode === null) {
            this.child.kill('SIGKILL');
        }
    }
}
