/** Timing helpers: run an operation repeatedly for a time budget and report its rate. */

/** Ops per second of `op`, run one await at a time for about `budgetMs` (after a warm-up). */
export async function rate(op: () => unknown, budgetMs = 300, minIterations = 3): Promise<number> {
  // Warm-up: let the JIT and any lazily built tables settle before timing.
  const warmEnd = performance.now() + Math.min(100, budgetMs / 2);
  do await op();
  while (performance.now() < warmEnd);
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs || n < minIterations) {
    await op();
    n++;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

/** Ops per second when `batch` independent operations are issued together (Promise.all). */
export async function concurrentRate(op: () => Promise<unknown>, batch = 256, budgetMs = 300): Promise<number> {
  await Promise.all(Array.from({ length: 8 }, op));
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    await Promise.all(Array.from({ length: batch }, op));
    n += batch;
    elapsed = performance.now() - start;
  }
  return (n * 1000) / elapsed;
}

/** Milliseconds one run of `op` takes (median of `runs`). */
export async function timeMs(op: () => unknown, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await op();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function fmt(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString("en-US");
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Rows as the lines of an aligned table: header, rule, rows (first column left-aligned, the rest right). */
export function tableLines(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
}

/** Prints rows as an aligned table under a heading. */
export function printTable(title: string, header: string[], rows: string[][]): void {
  console.log(`\n${title}`);
  for (const l of tableLines(header, rows)) console.log(l);
}
