/**
 * The crash-test worker's entry: `node dist/worker.js <dir> <seed> <run> [verify]`
 * (environment `CRASH_HANDSHAKES=public|private|mixed`, default mixed: how
 * clients send their Commits, see `WorkerArgs.handshakes`).
 * Before loading anything heavy it reads where the previous process was
 * killed, records it in the results file and restarts the journal, so a
 * kill while this one loads modules and stores is recorded too (by the
 * next process); then it runs worker-main.ts.
 */
import { appendFileSync } from "node:fs";
import { paths } from "./config.js";
import { type KillLine, startJournal } from "./journal.js";

/** The handshake setting from the environment. */
function handshakesOf(v: string | undefined): "public" | "private" | "mixed" {
  if (v === undefined || v === "mixed") return "mixed";
  if (v === "public" || v === "private") return v;
  throw new Error(`CRASH_HANDSHAKES must be public, private or mixed, not ${v}`);
}

const started = Date.now();
const [dir, seed, run, mode] = process.argv.slice(2);
if (dir === undefined || seed === undefined || run === undefined) {
  console.error("usage: worker.js <dir> <seed> <run> [verify]");
  process.exit(64);
}
const kill = startJournal(paths(dir).journal, Number(run));
// Recorded at once: a kill of this process during its own start must not hide where the previous one was killed.
const line: KillLine = { type: "kill", run: Number(run) - 1, ...kill };
if (kill.operation !== "none") appendFileSync(paths(dir).results, JSON.stringify(line) + "\n");
try {
  const { workerMain } = await import("./worker-main.js");
  await workerMain({
    dir,
    seed: Number(seed),
    run: Number(run),
    verifyOnly: mode === "verify",
    started,
    handshakes: handshakesOf(process.env["CRASH_HANDSHAKES"]),
  });
} catch (e) {
  // The worker never stops by itself in loop mode: a failure here is a fault of the harness or the library, shown to the driver.
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(2);
}
