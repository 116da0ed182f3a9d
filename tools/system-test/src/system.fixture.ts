/**
 * System-test harness: the real servers on 127.0.0.1 and clients that use
 * them the way an application does.
 *
 * - {@link startAuthority}: the Authentication Service, in-process Fastify on port 0.
 * - {@link startDsNode}: a Delivery Service node as a child process
 *   (`node apps/delivery-service/dist/main.js`), its printed URL parsed; it
 *   can be killed with SIGKILL and restarted on the same port and database.
 * - {@link SystemClient}: a client registered with the AS (X.509 credential),
 *   a SQLite client store, a Messenger on one node, and a record of its events;
 *   it can be restarted from its store.
 * - {@link Cleanup}: everything started is stopped and every temp dir
 *   removed in afterAll, also when a test failed (and child processes are
 *   killed when the worker exits without running afterAll).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createAuthenticationService, memoryAsStore } from "@mlskit/authentication-service";
import { type FetchFunction, Messenger, type MessengerEvents, type WebSocketConstructor } from "@mlskit/ds-client";
import { authorityIdentityProvider, fetchTrustAnchors, registerWithAuthority } from "@mlskit/ds-client/authentication";
import { Client } from "@mlskit/mls";
import { type SqliteClientStore, sqliteStore } from "@mlskit/storage-sqlite";
import WebSocket from "ws";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const DS_MAIN = join(REPO_ROOT, "apps/delivery-service/dist/main.js");
const ADMIN_TOKEN = "system-test-admin-token-0123456789";

/** Stops what was started, last first; each step runs even if another failed. */
export class Cleanup {
  readonly #steps: { what: string; run: () => Promise<void> | void }[] = [];

  add(what: string, run: () => Promise<void> | void): void {
    this.#steps.push({ what, run });
  }

  async run(): Promise<void> {
    const failures: string[] = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      try {
        await withTimeout(Promise.resolve().then(step.run), 15_000, `cleanup: ${step.what}`);
      } catch (e) {
        failures.push(`${step.what}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (failures.length > 0) console.warn(`cleanup failures:\n${failures.join("\n")}`);
  }
}

/** A temp dir removed at cleanup. */
export function tempDir(cleanup: Cleanup, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mlskit-system-${prefix}-`));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// --- Authentication Service ---

export interface Authority {
  readonly url: string;
  readonly registrationToken: string;
  /** The AS's trust anchors (DER), as clients fetch them. */
  readonly anchors: Uint8Array[];
}

/** The Authentication Service in this process (memory store), on 127.0.0.1 port 0. */
export async function startAuthority(cleanup: Cleanup): Promise<Authority> {
  const store = memoryAsStore();
  const app = await createAuthenticationService({ store, registration: { adminToken: ADMIN_TOKEN } });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  cleanup.add("stop the authentication service", async () => {
    await app.close();
    store.close();
  });
  return { url, registrationToken: ADMIN_TOKEN, anchors: await fetchTrustAnchors(url) };
}

// --- Delivery Service nodes (child processes) ---

/** Builds the DS's dist when it is missing (CI's typecheck builds it before the tests). */
export function ensureDsBuilt(): void {
  if (existsSync(DS_MAIN)) return;
  const tsc = join(REPO_ROOT, "node_modules/.bin/tsc");
  const r = spawnSync(tsc, ["-b", "apps/delivery-service"], { cwd: REPO_ROOT, encoding: "utf8" });
  if (r.status !== 0 || !existsSync(DS_MAIN)) throw new Error(`tsc -b apps/delivery-service failed:\n${r.stdout}${r.stderr}`);
}

const children = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
  if (!exitHook) {
    exitHook = true;
    // A worker that dies before afterAll must not leave servers behind.
    process.once("exit", () => {
      for (const c of children) c.kill("SIGKILL");
    });
  }
}

export interface DsNode {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Sends `signal` and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
}

export interface DsNodeOptions {
  /** `sqlite:<path>` or a `postgres://` URL. */
  readonly db: string;
  readonly asUrl: string;
  /** Default 0 (any free port). */
  readonly port?: number;
}

/** Starts `node apps/delivery-service/dist/main.js` and waits for its URL; killed at cleanup. */
export async function startDsNode(cleanup: Cleanup, options: DsNodeOptions): Promise<DsNode> {
  ensureDsBuilt();
  // A restart on the port of a node just killed may meet the port still held for a moment: try again.
  for (let attempt = 0; ; attempt++) {
    try {
      const node = await spawnDsNode(options);
      cleanup.add(`kill DS node ${node.pid}`, () => node.kill("SIGKILL"));
      return node;
    } catch (e) {
      if (attempt >= 5 || !/EADDRINUSE/.test(String(e))) throw e;
      await sleep(200);
    }
  }
}

function spawnDsNode(options: DsNodeOptions): Promise<DsNode> {
  const args = [DS_MAIN, "--db", options.db, "--as-url", options.asUrl, "--port", String(options.port ?? 0)];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  track(child);
  let stdout = "";
  let stderr = "";
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise<DsNode>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`DS node did not print its URL within 20 s; stderr:\n${stderr}`));
    }, 20_000);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`DS node exited (${code ?? signal}) before printing its URL; stderr:\n${stderr}`));
    });
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      const line = /^(http:\/\/127\.0\.0\.1:(\d+))\s*$/m.exec(stdout);
      if (line === null) return;
      clearTimeout(timer);
      resolvePromise({
        url: line[1]!,
        port: Number(line[2]),
        pid: child.pid!,
        async kill(signal: NodeJS.Signals = "SIGKILL") {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill(signal);
          await exited;
        },
        stderr: () => stderr,
      });
    });
  });
}

// --- clients ---

/** One application message as a member's application saw it. */
export interface Received {
  readonly room: string;
  readonly sender: string;
  readonly text: string;
  readonly epoch: bigint;
}

/** Counts of refusals a client got from the DS, by `commit:<code>` / `other:<code>` (for "a conflict did happen"). */
export type Refusals = Map<string, number>;

/**
 * A registered client: X.509 credential from the AS, a SQLite store in
 * `dir`, a Messenger on `dsUrl`, and every event it emitted (across restarts).
 */
export class SystemClient {
  readonly received: Received[] = [];
  readonly events: { [K in keyof MessengerEvents]: MessengerEvents[K][] } = { message: [], joined: [], "members-changed": [], removed: [], error: [] };
  /** DS refusals (4xx answers) by `commit:<code>` or `other:<code>`. */
  readonly refusals: Refusals = new Map();
  /**
   * The answers of this many next application messages / proposals posted
   * are lost after the DS handled them (the request reached it; the client
   * sees a network failure and the connection sends the same bytes again).
   */
  loseAnswers = 0;
  /** Answers lost so far. */
  lostAnswers = 0;
  #messenger: Messenger | undefined;
  #storage: SqliteClientStore;
  #client: Client;

  private constructor(
    readonly id: string,
    public dsUrl: string,
    private readonly authority: Authority,
    private readonly storePath: string,
    storage: SqliteClientStore,
    client: Client,
  ) {
    this.#storage = storage;
    this.#client = client;
  }

  /** Registers `id` with the AS, creates the client in a new SQLite store and opens its Messenger on `dsUrl`. */
  static async register(cleanup: Cleanup, authority: Authority, dir: string, id: string, dsUrl: string): Promise<SystemClient> {
    const { credential, signatureKeyPair } = await registerWithAuthority({ asUrl: authority.url, clientId: id, registrationToken: authority.registrationToken });
    const storePath = join(dir, `${id}.sqlite`);
    const storage = sqliteStore({ path: storePath });
    const client = await Client.create({ credential, signatureKeyPair, identityProvider: authorityIdentityProvider(authority.anchors), storage });
    const c = new SystemClient(id, dsUrl, authority, storePath, storage, client);
    cleanup.add(`close client ${id}`, () => c.stop());
    await c.#open();
    return c;
  }

  get messenger(): Messenger {
    if (this.#messenger === undefined) throw new Error(`${this.id} is stopped`);
    return this.#messenger;
  }

  get client(): Client {
    return this.#client;
  }

  async #open(): Promise<void> {
    const recording: FetchFunction = async (input, init) => {
      const res = await fetch(input, init);
      if (this.loseAnswers > 0 && init?.method === "POST" && /\/messages$/.test(input) && typeof init.body === "string" && !init.body.includes('"groupInfo"')) {
        // The DS stored it; the answer never arrives.
        this.loseAnswers--;
        this.lostAnswers++;
        await res.arrayBuffer();
        throw new TypeError("system test: the answer was lost");
      }
      if (res.status >= 400 && res.status < 500) {
        const code = await res
          .clone()
          .json()
          .then(
            (b: { error?: string }) => b.error ?? "?",
            () => "?",
          );
        // A Commit goes with its GroupInfo (the Messenger always sends one); messages and proposals without.
        const kind = typeof init?.body === "string" && init.body.includes('"groupInfo"') ? "commit" : "other";
        const key = `${kind}:${code}`;
        this.refusals.set(key, (this.refusals.get(key) ?? 0) + 1);
      }
      return res;
    };
    const messenger = await Messenger.open({
      serverUrl: this.dsUrl,
      client: this.#client,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      fetch: recording,
      keyPackageTarget: 3,
      pollIntervalMs: 500,
      reconnect: { baseDelayMs: 50, maxDelayMs: 400 },
      retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
      maxAttempts: 10,
    });
    for (const name of Object.keys(this.events) as (keyof MessengerEvents)[]) {
      messenger.on(name, (e) => (this.events[name] as unknown[]).push(e));
    }
    messenger.on("message", (m) => this.received.push({ room: m.groupId, sender: m.sender, text: new TextDecoder().decode(m.data), epoch: m.epoch }));
    this.#messenger = messenger;
  }

  /** Closes the Messenger and the store (the process "crashes" politely). */
  async stop(): Promise<void> {
    const m = this.#messenger;
    this.#messenger = undefined;
    await m?.close();
    await this.#storage.close?.();
  }

  /** A restart: a client restored from its SQLite store, a new Messenger (on `dsUrl`, default the same node). */
  async restart(dsUrl: string = this.dsUrl): Promise<void> {
    await this.stop();
    this.dsUrl = dsUrl;
    this.#storage = sqliteStore({ path: this.storePath });
    this.#client = await Client.create({ storage: this.#storage, identityProvider: authorityIdentityProvider(this.authority.anchors) });
    await this.#open();
  }

  /** The texts received in `room`. */
  texts(room: string): string[] {
    return this.received.filter((r) => r.room === room).map((r) => r.text);
  }

  async state(room: string): Promise<{ epoch: bigint; authenticator: string; members: string[] }> {
    const g = await this.#client.getGroup(fromHexString(room));
    if (g === undefined || !g.active) throw new Error(`${this.id} is not in room ${room}`);
    return { epoch: g.epoch, authenticator: Buffer.from(g.epochAuthenticator).toString("hex"), members: await this.messenger.members(room) };
  }

  /** Error events other than those of `allowed` codes. */
  unexpectedErrors(allowed: readonly string[] = []): string[] {
    return this.events.error.filter((e) => !allowed.includes(e.code)).map((e) => `${this.id}: ${e.code} ${e.message}`);
  }
}

export function fromHexString(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}

// --- traffic ---

/** One send of a sender loop. */
export interface Attempt {
  readonly text: string;
  readonly sender: string;
  /** The DS answered 200. */
  acked: boolean;
}

/** Senders in a loop until stopped; what failed is not resent but followed by a new text (`<id>#<n>`). */
export interface SenderLoops {
  readonly attempts: Attempt[];
  /** Sends that failed. */
  readonly failed: () => number;
  ackedBy(id: string): number;
  stop(): Promise<void>;
}

export function startSenders(senders: readonly SystemClient[], room: string): SenderLoops {
  const attempts: Attempt[] = [];
  let failed = 0;
  let stopping = false;
  const loop = async (c: SystemClient) => {
    for (let n = 0; !stopping; n++) {
      const a: Attempt = { text: `${c.id}#${n}`, sender: c.id, acked: false };
      attempts.push(a);
      try {
        await c.messenger.send(room, a.text);
        a.acked = true;
      } catch {
        failed++;
        await sleep(50);
      }
      await sleep(5);
    }
  };
  const loops = Promise.all(senders.map(loop));
  return {
    attempts,
    failed: () => failed,
    ackedBy: (id) => attempts.filter((a) => a.sender === id && a.acked).length,
    async stop() {
      stopping = true;
      await loops;
    },
  };
}

// --- waiting ---

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `check` holds (polling every 25 ms), or fails after `timeoutMs` naming `what` (and `detail()` if given). */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000, detail?: () => string | Promise<string>): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail !== undefined ? `: ${await detail()}` : ""}`);
    await sleep(25);
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]);
}

/** How often each value occurs. */
export function counts(values: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** The values that occur more than once. */
export function duplicates(values: readonly string[]): string[] {
  return [...counts(values)].filter(([, n]) => n > 1).map(([v, n]) => `${v} ×${n}`);
}
