/**
 * Counts the vector cases a suite ran, per file and provider, and prints one
 * line for the test output so that no case is silently skipped.
 */
export interface VectorReport {
  /** Marks one case as run (call after its assertions passed). */
  ran(): void;
  /** Records a case that was not run, with the reason. */
  skipped(reason: string): void;
  /** Prints `[vectors] file × provider: N run, M skipped (reasons)`. */
  print(): void;
}

export function vectorReport(file: string, provider: string): VectorReport {
  let ran = 0;
  const skips = new Map<string, number>();
  return {
    ran: () => void ran++,
    skipped: (reason) => void skips.set(reason, (skips.get(reason) ?? 0) + 1),
    print() {
      const total = [...skips.values()].reduce((a, b) => a + b, 0);
      const why = [...skips].map(([r, n]) => `${n}× ${r}`).join("; ");
      console.log(`[vectors] ${file} × ${provider}: ${ran} cases run, ${total} skipped${total ? ` (${why})` : ""}`);
    },
  };
}
