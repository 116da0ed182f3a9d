/**
 * Where the DS child spent its main thread's time: the self time of each
 * function in a V8 CPU profile (`node --cpu-prof`), heaviest first. V8
 * samples the thread whether it computes or waits inside a synchronous call
 * (better-sqlite3's statements and their fsync), so blocking calls show up
 * with the time they held the event loop.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface ProfileLine {
  readonly ms: number;
  readonly share: number;
  /** function name, file (last path parts) and line (1-based). */
  readonly where: string;
}

/** The newest `.cpuprofile` in `dir`, or undefined. */
export function newestProfile(dir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  } catch {
    return undefined;
  }
  return files.map((f) => join(dir, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** Self time per function of a profile, heaviest first. */
function selfTimes(file: string, top = 15): { totalMs: number; lines: ProfileLine[] } {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  /** An anonymous function is named after its nearest named caller (the store method a `#run` callback serves). */
  const callerName = (id: number): string => {
    for (let at = parent.get(id), depth = 0; at !== undefined && depth < 8; at = parent.get(at), depth++) {
      const name = byId.get(at)!.callFrame.functionName;
      if (name !== "" && name !== "#run" && name !== "#transaction") return name;
    }
    return "?";
  };
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    const f = byId.get(id)!.callFrame;
    const file =
      f.url === ""
        ? ""
        : f.url
            .replace(/^file:\/\//, "")
            .split("/")
            .slice(-3)
            .join("/");
    const name = f.functionName !== "" ? f.functionName : file !== "" ? `(anonymous in ${callerName(id)})` : "(anonymous)";
    const key = `${name}${file ? ` ${file}:${f.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  const lines = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, us]) => ({ ms: us / 1000, share: total > 0 ? us / total : 0, where }));
  return { totalMs: total / 1000, lines };
}

/** The summary as text. */
export function profileSummary(file: string, top = 15): string {
  const { totalMs, lines } = selfTimes(file, top);
  return [
    `DS CPU profile ${file} (${(totalMs / 1000).toFixed(1)} s of the DS main thread, setup included; self time):`,
    ...lines.map((l) => `  ${l.ms.toFixed(0).padStart(7)} ms ${(l.share * 100).toFixed(1).padStart(5)}%  ${l.where}`),
  ].join("\n");
}
