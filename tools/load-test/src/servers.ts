/**
 * The servers under test, each a child process of its own (so the DS's CPU
 * is not the load generator's — though on this machine all share the same
 * cores): the Authentication Service (`mlskit-as`, SQLite in a temp folder)
 * and the Delivery Service (`mlskit-ds --as-url … --port 0`) on SQLite or on
 * a throwaway PostgreSQL cluster (`startTestPostgres` of the DS's testing
 * support). `close()` stops them all and removes their folders.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export type Backend = "sqlite" | "postgres";

/** The workspace root, from this file (`tools/load-test/{src,dist}/servers.*`). */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** The services' entry points (built: `turbo run build --filter=@mlskit/load-test...` builds them). */
export const AS_MAIN = join(ROOT, "apps/authentication-service/dist/main.js");
export const DS_MAIN = join(ROOT, "apps/delivery-service/dist/main.js");
const PG_SUPPORT = join(ROOT, "apps/delivery-service/dist/testing/postgres.js");

/** What `startTestPostgres` of apps/delivery-service/src/testing/postgres.ts gives. */
interface TestPostgres {
  readonly connectionString: string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  readonly backend: Backend;
  /** A folder for the DS child's V8 CPU profile (`node --cpu-prof`); none when undefined. */
  readonly cpuProfileDir?: string;
  /** Extra arguments for the DS child's `node` (e.g. `--max-old-space-size`). */
  readonly dsNodeArgs?: readonly string[];
}

export interface Servers {
  readonly backend: Backend;
  readonly asUrl: string;
  readonly dsUrl: string;
  readonly registrationToken: string;
  /** The DS child's pid (for CPU accounting). */
  readonly dsPid: number;
  /** Where the DS keeps its data (a file path or a postgres:// URL, password-free). */
  readonly dsDb: string;
  /** The DS child's stderr so far (for failures). */
  dsStderr(): string;
  close(): Promise<void>;
}

/** Spawns `node script args` and resolves with the first stdout line matching `urlOf`. */
function startChild(
  name: string,
  script: string,
  args: readonly string[],
  nodeArgs: readonly string[],
  urlOf: (line: string) => string | undefined,
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  if (!existsSync(script)) throw new Error(`${name}: ${script} is missing; build first (npm run load-test builds it)`);
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 64_000) stderr = stderr.slice(-32_000);
  });
  return new Promise((resolve, reject) => {
    let buffered = "";
    let found = false;
    const timer = setTimeout(() => fail(new Error(`${name} did not print its URL within 30 s`)), 30_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${e.message}\n${stderr}`));
    };
    child.stdout!.on("data", (d: Buffer) => {
      if (found) return; // the rest (the AS's request log) is drained and dropped
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const url = urlOf(line);
        if (url !== undefined) {
          found = true;
          clearTimeout(timer);
          resolve({ child, url, stderr: () => stderr });
          return;
        }
      }
    });
    child.once("error", fail);
    child.once("exit", (code, signal) => {
      if (!found) fail(new Error(`${name} exited (${code ?? signal}) before listening`));
    });
  });
}

/** Stops a child: SIGTERM (the services close cleanly, a CPU profile is written), SIGKILL after `graceMs`. */
function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Starts the AS, the database when PostgreSQL, and the DS. */
export async function startServers(options: ServerOptions): Promise<Servers> {
  const dir = mkdtempSync(join(tmpdir(), "mlskit-load-test-"));
  const registrationToken = `load-test-${process.pid}-${Date.now()}`;
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  // A run that dies must not leave servers behind.
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const c of children) c.kill("SIGKILL");
  };
  process.once("exit", killAll);
  cleanups.push(async () => void process.removeListener("exit", killAll));
  try {
    const as = await startChild(
      "authentication service",
      AS_MAIN,
      ["--data-dir", join(dir, "as"), "--admin-token", registrationToken, "--port", "0"],
      [],
      // pino's JSON line: {"msg":"Server listening at http://127.0.0.1:PORT"}
      (line) => /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1],
    );
    children.push(as.child);
    cleanups.push(() => stopChild(as.child));

    let db: string;
    let shownDb: string;
    if (options.backend === "sqlite") {
      db = `sqlite:${join(dir, "ds.sqlite")}`;
      shownDb = db;
    } else {
      const { startTestPostgres } = (await import(PG_SUPPORT)) as { startTestPostgres(): Promise<TestPostgres> };
      const pg = await startTestPostgres();
      cleanups.push(() => pg.stop());
      db = pg.connectionString;
      shownDb = db;
    }
    const nodeArgs = [...(options.dsNodeArgs ?? [])];
    if (options.cpuProfileDir !== undefined) nodeArgs.push("--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir);
    const ds = await startChild("delivery service", DS_MAIN, ["--db", db, "--as-url", as.url, "--port", "0"], nodeArgs, (line) =>
      /^https?:\/\//.test(line.trim()) ? line.trim() : undefined,
    );
    children.push(ds.child);
    cleanups.push(() => stopChild(ds.child));
    return {
      backend: options.backend,
      asUrl: as.url,
      dsUrl: ds.url,
      registrationToken,
      dsPid: ds.child.pid!,
      dsDb: shownDb,
      dsStderr: ds.stderr,
      close: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** CPU seconds used so far by a process (user + system), from /proc; undefined where there is no /proc. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may hold spaces) in parentheses: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat; undefined without /proc. */
export function machineCpuSeconds(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/** The pids of all running `postgres` processes (the throwaway cluster's postmaster and backends). */
export function postgresPids(): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) === "postgres") out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Linux's USER_HZ: 100 on every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** CPU seconds of all `postgres` processes (the throwaway cluster's backends), including exited children's. */
export function postgresCpuSeconds(): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (comm !== "postgres") continue;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime, stime, cutime, cstime (fields 14–17)
      total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
