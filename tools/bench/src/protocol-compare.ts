/**
 * The protocol figures of several providers beside each other, one table
 * per N: a row per target of issue 18 at that N (protocol.ts's TARGETS, the
 * message floor under each message rate) and the rates with 256 messages in
 * flight, a column per provider, the target, and, where the Node provider
 * was measured, how far each other provider is from it (the "gap" the issue
 * asks to see). At an N without targets, the operations alone. Used by the
 * Node bench's protocol section (sections.ts) and by the browser bench
 * (browser/page.ts), so that both print the same rows.
 */
import { fmt, tableLines } from "./measure.js";
import type { ProtocolFigures } from "./protocol.js";
import { TARGETS } from "./protocol-targets.js";

/** A row: its label, the figure, whether lower ("cost") or higher ("rate") is better, and the target, if any. */
interface Row {
  readonly label: string;
  readonly get: (f: ProtocolFigures) => number | undefined;
  readonly kind: "cost" | "rate";
  readonly target?: string;
}

const BATCH_ROWS: readonly Row[] = [
  { label: "encrypt 1 KiB, 256 in flight, msg/s", get: (f) => f.encryptBatch, kind: "rate" },
  { label: "decrypt 1 KiB, 256 in flight, msg/s", get: (f) => f.decryptBatch, kind: "rate" },
];

/** The rows at an N without targets. */
const OPERATION_ROWS: readonly Row[] = [
  { label: "add create, ms", get: (f) => f.addCreate, kind: "cost" },
  { label: "add process, ms", get: (f) => f.addProcess, kind: "cost" },
  { label: "remove create, ms", get: (f) => f.removeCreate, kind: "cost" },
  { label: "remove process, ms", get: (f) => f.removeProcess, kind: "cost" },
  { label: "update create, ms", get: (f) => f.updateCreate, kind: "cost" },
  { label: "update process, ms", get: (f) => f.updateProcess, kind: "cost" },
  { label: "full-path create, ms", get: (f) => f.fullPathCreate, kind: "cost" },
  { label: "full-path process, ms", get: (f) => f.fullPathProcess, kind: "cost" },
  { label: "join from Welcome, ms", get: (f) => f.join, kind: "cost" },
  { label: "encrypt 1 KiB, one at a time, msg/s", get: (f) => f.encrypt, kind: "rate" },
  { label: "decrypt 1 KiB, one at a time, msg/s", get: (f) => f.decrypt, kind: "rate" },
  ...BATCH_ROWS,
  { label: "memory per group state, KiB", get: (f) => f.stateKiB, kind: "cost" },
];

function rowsAt(n: number): readonly Row[] {
  const targets = TARGETS.filter((t) => t.n === n);
  if (targets.length === 0) return OPERATION_ROWS;
  const rows: Row[] = [];
  for (const t of targets) {
    const target = `${t.kind === "max" ? "≤" : "≥"} ${t.limit.toLocaleString("en-US")}`;
    rows.push({ label: `${t.what}, ${t.unit}`, get: t.get, kind: t.kind === "max" ? "cost" : "rate", target });
    if (t.floor !== undefined) rows.push({ label: `  its floor, the primitives alone, ${t.unit}`, get: t.floor, kind: "rate" });
  }
  return [...rows, ...BATCH_ROWS];
}

const show = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "-" : fmt(v));

/**
 * The lines of one table per N (each after a blank line): a column per
 * provider (in the order first seen), the target, and — when "node" is
 * among the providers — each other provider's cost relative to node's
 * ("2.5x": two and a half times node's time per operation, or node's rate
 * divided by its rate). Rows no provider measured are left out.
 */
export function comparisonLines(figures: readonly ProtocolFigures[]): string[] {
  const providers = [...new Set(figures.map((f) => f.provider))];
  const sizes = [...new Set(figures.map((f) => f.n))].sort((a, b) => a - b);
  const reference = providers.includes("node") ? "node" : undefined;
  const others = providers.filter((p) => p !== reference);
  const lines: string[] = [];
  for (const n of sizes) {
    const at = (p: string) => figures.find((f) => f.provider === p && f.n === n);
    const ref = reference === undefined ? undefined : at(reference);
    const rows: string[][] = [];
    for (const row of rowsAt(n)) {
      const value = (p: string) => {
        const f = at(p);
        const v = f === undefined ? undefined : row.get(f);
        return v === undefined || Number.isNaN(v) ? undefined : v;
      };
      if (providers.every((p) => value(p) === undefined)) continue;
      const x = ref === undefined ? undefined : row.get(ref);
      const gaps =
        ref === undefined
          ? []
          : others.map((p) => {
              const y = value(p);
              if (x === undefined || y === undefined || !(x > 0 && y > 0)) return "-";
              return `${(row.kind === "cost" ? y / x : x / y).toFixed(1)}x`;
            });
      rows.push([row.label, ...providers.map((p) => show(value(p))), row.target ?? "", ...gaps]);
    }
    const header = [`N = ${n.toLocaleString("en-US")}`, ...providers, "target", ...others.filter(() => reference !== undefined).map((p) => `${p} / ${reference}`)];
    lines.push("", ...tableLines(header, rows));
  }
  return lines;
}
