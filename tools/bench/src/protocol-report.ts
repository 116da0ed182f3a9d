/** Printing the protocol section: a table per provider, growth with N, wire sizes, and the targets. */
import { fmt, printTable } from "./measure.js";
import type { ProtocolFigures } from "./protocol.js";
import { TARGETS } from "./protocol-targets.js";

const COLUMNS: readonly [string, (f: ProtocolFigures) => number, "ms" | "rate" | "KiB"][] = [
  ["add create", (f) => f.addCreate, "ms"],
  ["add process", (f) => f.addProcess, "ms"],
  ["remove create", (f) => f.removeCreate, "ms"],
  ["remove process", (f) => f.removeProcess, "ms"],
  ["update create", (f) => f.updateCreate, "ms"],
  ["update process", (f) => f.updateProcess, "ms"],
  ["full path create", (f) => f.fullPathCreate, "ms"],
  ["full path process", (f) => f.fullPathProcess, "ms"],
  ["join", (f) => f.join, "ms"],
  ["encrypt/s", (f) => f.encrypt, "rate"],
  ["decrypt/s", (f) => f.decrypt, "rate"],
  ["encrypt/s x256", (f) => f.encryptBatch, "rate"],
  ["decrypt/s x256", (f) => f.decryptBatch, "rate"],
  ["state KiB", (f) => f.stateKiB, "KiB"],
  ["state KiB, N+1", (f) => f.stateKiBAfterAdd, "KiB"],
];

const show = (v: number) => (Number.isNaN(v) ? "-" : fmt(v));

/** Prints one table per provider, how each figure grows with N, and the targets. Returns whether every checked target is met. */
export function printProtocol(figures: readonly ProtocolFigures[], targetProviders: readonly string[]): boolean {
  const providers = [...new Set(figures.map((f) => f.provider))];
  for (const p of providers) {
    const fs = figures.filter((f) => f.provider === p).sort((a, b) => a.n - b.n);
    printTable(
      `Protocol, suite 0x0001, ${p} (ms per operation unless /s; wire bytes in and out)`,
      ["N", ...COLUMNS.map(([h]) => h)],
      fs.map((f) => [f.n.toLocaleString("en-US"), ...COLUMNS.map(([, get]) => show(get(f)))]),
    );
    // Growth: the exponent k of t ∝ N^k between consecutive sizes of at least 128 members.
    const big = fs.filter((f) => f.n >= 128);
    if (big.length >= 2) {
      const rows: string[][] = [];
      for (let i = 1; i < big.length; i++) {
        const a = big[i - 1]!;
        const b = big[i]!;
        rows.push([
          `${a.n.toLocaleString("en-US")} → ${b.n.toLocaleString("en-US")}`,
          ...COLUMNS.map(([, get, kind]) => {
            const x = get(a);
            const y = get(b);
            if (!(x > 0 && y > 0)) return "-";
            // For rates the cost per message is 1/rate.
            const k = Math.log(kind === "rate" ? x / y : y / x) / Math.log(b.n / a.n);
            return `N^${k.toFixed(2)}`;
          }),
        ]);
      }
      printTable(`  growth with N (${p}): cost ∝ N^k between sizes`, ["sizes", ...COLUMNS.map(([h]) => h)], rows);
    }
    const notes: string[] = [];
    if (fs.some((f) => f.n === 2)) notes.push("at N=2 the Remove removes the receiver itself (it processes its own removal and does not merge)");
    const full = fs.filter((f) => f.n >= 2 && (f.n & (f.n - 1)) === 0).map((f) => f.n.toLocaleString("en-US"));
    if (full.length > 0) notes.push(`at N=${full.join(", ")} the tree is full, so the Add extends it to twice the leaves`);
    for (const note of notes) console.log(`  note: ${note}`);
    const floor = fs[0]?.floor;
    if (floor !== undefined) {
      console.log(
        `  message floor (${p}; the primitive calls one 1 KiB message must make one after another, alone; message-floor.ts): ` +
          `encrypt ${fmt(floor.encrypt)}/s, decrypt ${fmt(floor.decrypt)}/s`,
      );
    }
    const setup = fs.map((f) => `N=${f.n.toLocaleString("en-US")}: ${fmt(f.setupMs / 1000)} s`).join(", ");
    console.log(`  setup (two joins + one Update) — ${setup}`);
  }
  const any = figures[0];
  if (any !== undefined) {
    const byN = [...new Map(figures.map((f) => [f.n, f.wire])).entries()].sort((a, b) => a[0] - b[0]);
    printTable(
      "Protocol wire sizes, bytes (suite 0x0001), and encoding the tree sent out of band with a Welcome (ms, per provider)",
      ["N", "ratchet tree", "add commit", "welcome (no tree)", "remove commit", "update commit", ...providers.map((p) => `tree encode ${p}`)],
      byN.map(([n, w]) => [
        n.toLocaleString("en-US"),
        ...[w.tree, w.addCommit, w.welcome, w.removeCommit, w.updateCommit].map((v) => v.toLocaleString("en-US")),
        ...providers.map((p) => show(figures.find((f) => f.provider === p && f.n === n)?.treeEncode ?? NaN)),
      ]),
    );
  }
  const rows: string[][] = [];
  let allMet = true;
  for (const p of targetProviders) {
    for (const t of TARGETS) {
      const f = figures.find((x) => x.provider === p && x.n === t.n);
      if (f === undefined) continue;
      const v = t.get(f);
      const measured = `${show(v)} ${t.unit}`;
      const floor = t.floor?.(f);
      const met = t.kind === "max" ? v <= t.limit : v >= t.limit;
      // A figure not measured (NaN) is not met either: the table claims nothing it did not see.
      if (!met) allMet = false;
      const status = Number.isNaN(v) ? "not measured" : met ? "met" : "NOT MET";
      rows.push([
        p,
        t.n.toLocaleString("en-US"),
        t.what,
        `${t.kind === "max" ? "≤" : "≥"} ${t.limit.toLocaleString("en-US")} ${t.unit}`,
        measured,
        floor === undefined ? status : `${status} (floor ${fmt(floor)} ${t.unit})`,
      ]);
    }
  }
  if (rows.length > 0) printTable("Protocol targets (suite 0x0001)", ["provider", "N", "operation", "target", "measured", "status"], rows);
  return allMet;
}
