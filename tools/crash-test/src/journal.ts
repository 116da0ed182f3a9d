/**
 * The worker's operation journal: a line when an operation begins, when it
 * reaches a phase worth telling apart, and when it ends, each appended
 * synchronously. After a SIGKILL the last line tells where the kill landed.
 */
import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from "node:fs";

/** Where the previous process was when it was killed. */
export interface KillPoint {
  /** True when an operation (or the startup verification) had begun and not ended. */
  readonly midOperation: boolean;
  /** The operation, e.g. `send`, `commit`, `verify`; `idle` between operations; `none` for a first start. */
  readonly operation: string;
  /** The last phase reached within it (`library`, `ds`, ...), if any. */
  readonly phase: string | undefined;
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

/** Reads where the previous process stopped from the journal's tail. */
export function lastKillPoint(path: string): KillPoint {
  if (!existsSync(path)) return { midOperation: false, operation: "none", phase: undefined };
  const size = statSync(path).size;
  const length = Math.min(size, 4096);
  const buf = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buf, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  // A torn last line (killed inside the append) has no newline: drop it.
  const text = buf.toString("utf8");
  const lines = text.slice(0, text.lastIndexOf("\n") + 1).split("\n").filter((l) => l.length > 0);
  let phase: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line === "E") return { midOperation: false, operation: "idle", phase: undefined };
    if (line.startsWith("P ")) phase ??= line.slice(2);
    if (line.startsWith("B ")) return { midOperation: true, operation: line.slice(2), phase };
  }
  return { midOperation: false, operation: "unknown", phase: undefined };
}
