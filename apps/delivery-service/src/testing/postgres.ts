/**
 * Node-only test support: a throwaway PostgreSQL cluster. `initdb` in a
 * temporary directory, `pg_ctl start` on a free loopback port with its unix
 * socket in that directory (so it never meets the system's cluster or its
 * /var/run/postgresql), a database, then `stop()` removes it all.
 *
 * Binaries come from `MLSKIT_PG_BIN` or Debian's `/usr/lib/postgresql/<v>/bin`
 * (the newest). PostgreSQL refuses to run as root, and CI runs as root: then
 * every binary runs as the `postgres` OS user (created by Debian's package)
 * through `runuser` (or `su` where it is missing), with the directory
 * chowned to it. Durability is off (fsync) — a test cluster dies with the test.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface TestPostgres {
  /** A database created for the caller on the cluster. */
  readonly connectionString: string;
  /** Creates another empty database on the cluster; returns its connection string. */
  createDatabase(): Promise<string>;
  /** Stops the cluster and deletes its directory. */
  stop(): Promise<void>;
}

const OS_USER = "postgres";

/** The directory holding initdb, pg_ctl and postgres. */
function postgresBinDir(): string {
  const explicit = process.env["MLSKIT_PG_BIN"];
  if (explicit !== undefined && explicit !== "") return explicit;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  if (versions[0] === undefined) {
    throw new Error("test postgres: no PostgreSQL binaries in /usr/lib/postgresql/*/bin (install Debian's postgresql package, or set MLSKIT_PG_BIN); .ci/run installs it");
  }
  return join(root, versions[0], "bin");
}

interface RunAs {
  /** The command line running `bin` with `args`, as the right OS user. */
  command(bin: string, args: readonly string[]): { file: string; args: string[] };
  /** Hands `dir` to that user. */
  own(dir: string): void;
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function runAs(): RunAs {
  if (process.getuid?.() !== 0) return { command: (file, args) => ({ file, args: [...args] }), own: () => undefined };
  const ids = spawnSync("id", ["-u", OS_USER], { encoding: "utf8" });
  const gids = spawnSync("id", ["-g", OS_USER], { encoding: "utf8" });
  if (ids.status !== 0 || gids.status !== 0) {
    throw new Error(`test postgres: running as root, PostgreSQL must run as another user, and there is no "${OS_USER}" user (Debian's postgresql package creates it)`);
  }
  const uid = Number(ids.stdout.trim());
  const gid = Number(gids.stdout.trim());
  const runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].find((p) => existsSync(p));
  return {
    command: (file, args) =>
      runuser !== undefined
        ? { file: runuser, args: ["-u", OS_USER, "--", file, ...args] }
        : { file: "su", args: [OS_USER, "-s", "/bin/sh", "-c", [file, ...args].map(quote).join(" ")] },
    own: (dir) => chownSync(dir, uid, gid),
  };
}

/** Runs a command to its exit (not to the close of its pipes: pg_ctl leaves a server behind). */
function run(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(output) : reject(new Error(`${file} ${args.join(" ")} exited with ${code}:\n${output}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a throwaway cluster and creates a database on it. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const as = runAs();
  const dir = mkdtempSync(join(tmpdir(), "mlskit-pg-"));
  // The postgres user must reach its directory; mkdtemp makes it 0700 for us.
  chmodSync(dir, 0o755);
  as.own(dir);
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const exec = (name: string, args: readonly string[]): Promise<string> => {
    const c = as.command(join(bin, name), args);
    return run(c.file, c.args);
  };
  let stopped = false;
  const stopNow = (): void => {
    if (stopped) return;
    stopped = true;
    const c = as.command(join(bin, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-w"]);
    spawnSync(c.file, c.args, { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  };
  // A test run that dies before its afterAll must not leave a server behind.
  process.once("exit", stopNow);
  try {
    await exec("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      const options = [
        `-p ${port}`,
        `-k ${dir}`,
        "-c listen_addresses=127.0.0.1",
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=200",
      ].join(" ");
      try {
        await exec("pg_ctl", ["start", "-D", data, "-l", log, "-w", "-t", "60", "-o", options]);
        break;
      } catch (e) {
        // Another process may have taken the port between our probe and the server's bind.
        if (attempt >= 2) throw e;
      }
    }
    const base = `postgresql://postgres@127.0.0.1:${port}`;
    let databases = 0;
    const createDatabase = async (): Promise<string> => {
      const name = `mlskit_test_${++databases}`;
      const admin = new pg.Client({ connectionString: `${base}/postgres` });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return `${base}/${name}`;
    };
    const connectionString = await createDatabase();
    return {
      connectionString,
      createDatabase,
      stop: async () => {
        process.removeListener("exit", stopNow);
        if (stopped) return;
        stopped = true;
        await exec("pg_ctl", ["stop", "-D", data, "-m", "fast", "-w"]).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    const serverLog = existsSync(log) ? readFileSync(log, "utf8") : "";
    process.removeListener("exit", stopNow);
    stopNow();
    throw new Error(`test postgres: could not start a cluster in ${dir}: ${e instanceof Error ? e.message : String(e)}${serverLog ? `\nserver log:\n${serverLog}` : ""}`, {
      cause: e,
    });
  }
}
