/**
 * The campaign driver: spawns the worker again and again on one work
 * directory and kills it with SIGKILL at a random moment each time, then
 * runs it once more in verify-only mode. The kill times are drawn from a
 * seeded source: most are counted from the worker's "ready" (so they land
 * in its operations), some from the spawn (so they may land in the
 * restart's own check and recovery).
 */
import { spawn } from "node:child_process";
import { dice } from "./rng.js";

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  /** The work directory (stores, DS, logs); it must exist. */
  readonly dir: string;
  /** Worker processes to kill. */
  readonly runs: number;
  readonly seed: number;
  /** The built worker (`dist/worker.js`). */
  readonly workerPath: string;
  /** Kill delay range in milliseconds (default 30-400). */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Share of kills timed from the spawn instead of from "ready" (default 0.15). */
  readonly earlyKillShare?: number;
  /** A worker that prints nothing for this long is killed and counted as failed (default 60 s). */
  readonly readyTimeoutMs?: number;
  /** Extra environment of the worker (e.g. `CRASH_HANDSHAKES`). */
  readonly env?: Readonly<Record<string, string>>;
  /** Called after each run (progress). */
  readonly onRun?: (run: number, outcome: RunOutcome) => void;
}

/** How one worker process ended. */
export interface RunOutcome {
  /** True when our SIGKILL ended it (the expected end of a loop run). */
  readonly killed: boolean;
  /** The kill was timed from the spawn (it may have landed before "ready"). */
  readonly early: boolean;
  readonly reachedReady: boolean;
  readonly delayMs: number;
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly ms: number;
}

/** What a campaign did, as the driver saw it (the checks' results are in the work directory's results file). */
export interface CampaignRun {
  readonly kills: number;
  readonly earlyKills: number;
  /** Runs that ended otherwise than by our kill (a crash of the worker itself, or a hang). */
  readonly failures: { readonly run: number; readonly outcome: RunOutcome }[];
  /** The verify-only run's exit code and error output. */
  readonly finalExitCode: number | null;
  readonly finalStderr: string;
  readonly wallMs: number;
}

/** Runs the worker once: killed after `delayMs` (from the spawn when `early`, else from "ready"), or to its end when `delayMs` is undefined. */
export function runWorker(o: CampaignOptions, run: number, delayMs: number | undefined, early: boolean, mode?: "verify"): Promise<RunOutcome> {
  const started = Date.now();
  const args = [o.workerPath, o.dir, String(o.seed), String(run), ...(mode === undefined ? [] : [mode])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...o.env } });
  let stdout = "";
  let stderr = "";
  let reachedReady = false;
  let killedByUs = false;
  const kill = (): void => {
    killedByUs = child.kill("SIGKILL") || killedByUs;
  };
  const timers: NodeJS.Timeout[] = [];
  if (delayMs !== undefined && early) timers.push(setTimeout(kill, delayMs));
  // A hang is ended too (and reported as a failure): a loop run must print "ready", a verify run must finish.
  timers.push(setTimeout(kill, delayMs === undefined ? 300_000 : (o.readyTimeoutMs ?? 60_000)));
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    if (!reachedReady && stdout.includes("ready\n")) {
      reachedReady = true;
      if (delayMs !== undefined && !early) timers.push(setTimeout(kill, delayMs));
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      for (const t of timers) clearTimeout(t);
      const killed = killedByUs && signal === "SIGKILL" && delayMs !== undefined && (reachedReady || early);
      resolve({ killed, early, reachedReady, delayMs: delayMs ?? 0, exitCode: code, stderr, ms: Date.now() - started });
    });
  });
}

/** Runs the campaign: `runs` killed workers, then one verify-only run. */
export async function runCampaign(o: CampaignOptions): Promise<CampaignRun> {
  const started = Date.now();
  const d = dice(o.seed);
  const min = o.minDelayMs ?? 30;
  const max = o.maxDelayMs ?? 400;
  let kills = 0;
  let earlyKills = 0;
  const failures: CampaignRun["failures"][number][] = [];
  for (let run = 0; run < o.runs; run++) {
    const early = d.chance(o.earlyKillShare ?? 0.15);
    // Early kills get the spawn's start-up time on top (node, modules, stores), so they still land anywhere in the check.
    const delay = d.int(min, max) + (early ? d.int(0, 600) : 0);
    const outcome = await runWorker(o, run, delay, early);
    if (outcome.killed) {
      kills++;
      if (early) earlyKills++;
    } else {
      failures.push({ run, outcome });
    }
    o.onRun?.(run, outcome);
  }
  const final = await runWorker(o, o.runs, undefined, false, "verify");
  return { kills, earlyKills, failures, finalExitCode: final.exitCode, finalStderr: final.stderr, wallMs: Date.now() - started };
}
