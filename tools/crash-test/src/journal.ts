/**
 * The worker's operation journal: a line when the process starts, when an
 * operation begins, when it reaches a phase worth telling apart, and when it
 * ends, each appended synchronously. After a SIGKILL the last lines tell
 * where the kill landed.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";

/** Where the previous process was when it was killed. */
export interface KillPoint {
  /** True when an operation (or the startup check) had begun and not ended. */
  readonly midOperation: boolean;
  /**
   * The operation, e.g. `send`, `commit`, `verify` (the startup check and
   * recovery); `startup` while modules and stores were opening; `idle`
   * between operations; `before-start` when the previous process was killed
   * before it wrote its first line; `none` for the very first start.
   */
  readonly operation: string;
  /** The last phase reached within it (`library`, `ds`, `ack`), if any. */
  readonly phase: string | undefined;
}

/** The results line recording where the process of `run` was killed. */
export interface KillLine extends KillPoint {
  readonly type: "kill";
  readonly run: number;
}

/**
 * Reads where the previous process stopped, then starts this process's
 * journal afresh (the file holds one process's lines, first `S <run>`).
 */
export function startJournal(path: string, run: number): KillPoint {
  const kill = lastKillPoint(path, run);
  writeFileSync(path, `S ${run}\n`);
  return kill;
}

/** Appends to the journal at `path`. */
export class Journal {
  readonly #path: string;
  #open = false;

  constructor(path: string) {
    this.#path = path;
  }

  /** An operation begins. */
  begin(operation: string): void {
    this.#open = true;
    appendFileSync(this.#path, `B ${operation}\n`);
  }

  /** The running operation reaches `phase` (e.g. it is about to call the library, or to write the DS). */
  phase(phase: string): void {
    if (this.#open) appendFileSync(this.#path, `P ${phase}\n`);
  }

  /** The operation ended (successfully or not). */
  end(): void {
    this.#open = false;
    appendFileSync(this.#path, "E\n");
  }

  /** Runs `fn` as one operation. */
  async around<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    this.begin(operation);
    try {
      return await fn();
    } finally {
      this.end();
    }
  }
}

/** Where the process before `run` stopped, from the journal it left. */
function lastKillPoint(path: string, run: number): KillPoint {
  if (!existsSync(path)) return { midOperation: false, operation: "none", phase: undefined };
  const text = readFileSync(path, "utf8");
  // A torn last line (killed inside the append) has no newline: dropped.
  const lines = text
    .slice(0, text.lastIndexOf("\n") + 1)
    .split("\n")
    .filter((l) => l.length > 0);
  // The journal is another run's when the previous process died before writing its own first line.
  if (lines[0] !== `S ${run - 1}`) return { midOperation: false, operation: "before-start", phase: undefined };
  let phase: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line === "E") return { midOperation: false, operation: "idle", phase: undefined };
    if (line.startsWith("P ")) phase ??= line.slice(2);
    if (line.startsWith("B ")) return { midOperation: true, operation: line.slice(2), phase };
  }
  return { midOperation: true, operation: "startup", phase: undefined };
}
