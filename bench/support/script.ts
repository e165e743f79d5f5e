/**
 * Runs a bench's `main` when its file is the one Node was started with (`node dist/bench/<name>.js`): exits with
 * the code `main` resolves to (0 when none), or prints the error and exits with 2.
 *
 * @param module The bench's `module`.
 * @param main The bench.
 */
export function runAsScript(module: NodeModule, main: () => Promise<number | void>): void {
    if (require.main !== module) {
        return;
    }
    main().then(
        (code) => process.exit(code ?? 0),
        (err: unknown) => {
            console.error(err);
            process.exit(2);
        }
    );
}
