/** Wraps a main(): logs a startup failure as one line (never a stack to stdout) and exits 1. */
export function runMain(name: string, main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${name} failed to start: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(1);
  });
}
