/** Plain-text tables of phase results. */
import type { PhaseResult } from "./load.js";

const COLUMNS: readonly { readonly head: string; readonly cell: (r: PhaseResult) => string }[] = [
  { head: "backend", cell: (r) => r.backend },
  { head: "groups", cell: (r) => String(r.groups) },
  { head: "members", cell: (r) => String(r.members) },
  { head: "offered msg/s", cell: (r) => num(r.offeredRate) },
  { head: "achieved msg/s", cell: (r) => num(r.achievedRate) },
  { head: "deliveries/s", cell: (r) => num(r.deliveriesPerS) },
  { head: "p50 ms", cell: (r) => ms(r.p50) },
  { head: "p90 ms", cell: (r) => ms(r.p90) },
  { head: "p99 ms", cell: (r) => ms(r.p99) },
  { head: "max ms", cell: (r) => ms(r.max) },
  { head: "lost", cell: (r) => String(r.lost) },
  { head: "dup", cell: (r) => String(r.duplicated) },
  { head: "errors", cell: (r) => String(r.errors + r.misdelivered + r.streamErrors) },
  { head: "POST p50/p99 ms", cell: (r) => `${ms(r.postP50)}/${ms(r.postP99)}` },
  { head: "CPU% ds/gen/pg/other", cell: (r) => `${r.cpu.ds ?? "?"}/${r.cpu.generator}/${r.cpu.postgres ?? "-"}/${r.cpu.other ?? "?"}` },
  { head: "DS CPU ms/msg", cell: (r) => (r.cpu.dsMsPerMessage !== undefined ? r.cpu.dsMsPerMessage.toFixed(2) : "?") },
  { head: "note", cell: (r) => note(r) },
];

function num(v: number): string {
  return Number.isFinite(v) ? Math.round(v).toString() : "-";
}

function ms(v: number): string {
  if (!Number.isFinite(v)) return "-";
  return v < 10 ? v.toFixed(1) : Math.round(v).toString();
}

function note(r: PhaseResult): string {
  const parts: string[] = [];
  if (r.errors > 0)
    parts.push(
      Object.entries(r.errorCodes)
        .map(([c, n]) => `${c}×${n}`)
        .join(" "),
    );
  if (r.misdelivered > 0) parts.push(`misdelivered×${r.misdelivered}`);
  if (r.streamErrors > 0) parts.push(`stream×${r.streamErrors}`);
  if (r.maxDispatchLagMs > 50) parts.push(`generator lag ${Math.round(r.maxDispatchLagMs)} ms`);
  return parts.join("; ");
}

/** The table of `rows`, with a title line. */
export function table(title: string, rows: readonly PhaseResult[], labels?: readonly string[]): string {
  const heads = [...(labels !== undefined ? ["run"] : []), ...COLUMNS.map((c) => c.head)];
  const body = rows.map((r, i) => [...(labels !== undefined ? [labels[i] ?? ""] : []), ...COLUMNS.map((c) => c.cell(r))]);
  const widths = heads.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [title, line(heads), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
