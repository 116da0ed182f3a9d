/**
 * A long runner session against one interop server on a loopback port: a
 * few thousand create/join/commit steps over gRPC, as the WG test-runner
 * sends them, with no `Free` RPC (our proto has none, issue 13). The server
 * holds at most `maxHandles` states; the heap after the session stays
 * where it was after the warm-up. Prints the numbers (held states, heap and
 * RSS before and after). Also: a state evicted or freed is refused with
 * FAILED_PRECONDITION naming it, and freeing releases the group from the
 * client's storage.
 */
import * as grpc from "@grpc/grpc-js";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Endpoint, Script, expectRpcError } from "./runner.fixture.js";
import { type InteropServer, startInteropServer } from "./server.js";
import { loadMlsClientStub } from "./proto.js";
import { cryptoProvider } from "./providers.js";
import type { HandleLimits } from "./handle-table.js";

type Msg = Record<string, any>;

/** A server with `limits` on 127.0.0.1:0, and a stub that counts the RPCs it sends. */
async function boundedEndpoint(limits: Partial<HandleLimits>): Promise<Endpoint & { rpcs: number; close(): Promise<void> }> {
  const server: InteropServer = await startInteropServer({ crypto: cryptoProvider("webcrypto"), port: 0, limits });
  const Stub = loadMlsClientStub();
  const stub = new Stub(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure()) as Endpoint["stub"];
  const ep = {
    server,
    stub,
    rpcs: 0,
    call: (rpc: string, req: Msg) =>
      new Promise<Msg>((resolve, reject) => {
        ep.rpcs++;
        const fn = stub[rpc];
        if (typeof fn !== "function") return reject(new Error(`no RPC ${rpc}`));
        fn.call(stub, req, (e, r) => (e ? reject(e) : resolve(r)));
      }),
    close: async () => {
      stub.close();
      await server.close();
    },
  };
  return ep;
}

/** The V8 garbage collector, even without --expose-gc on the command line. */
function gcFunction(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

function measure(gc: () => void): { heap: number; rss: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

const MB = (n: number) => (n / 1024 / 1024).toFixed(1);

/**
 * One script of the runner: alice creates a group and adds bob (CreateGroup,
 * CreateKeyPackage, Commit, HandlePendingCommit, JoinGroup, StateAuth × 2),
 * bob commits a path update (Commit, HandlePendingCommit, HandleCommit,
 * StateAuth × 2), alice sends a message (Protect, Unprotect). The same
 * identities every time, as the runner's configs name their actors.
 */
async function script(ep: Endpoint): Promise<void> {
  const s = new Script([ep], 1, false);
  await s.createGroupWith("alice", ["bob"]);
  await s.fullCommit("bob", { forcePath: true });
  await s.application("alice", "hello", "");
}

const SCRIPTS = Number(process.env.BOUNDED_SESSION_SCRIPTS ?? 400);
const WARMUP = 60;
/**
 * Heap growth per script above which the session leaks. Measured on this
 * machine (600 scripts): bounded 5.6 KiB/script (heap noise and what the two
 * long-lived clients keep), unbounded (no cap) 55 KiB/script.
 */
const BOUND_PER_SCRIPT = 20 * 1024;
const MAX_STATES = Number(process.env.BOUNDED_SESSION_MAX_STATES ?? 32);

describe("a long runner session without Free stays bounded", () => {
  let ep: Awaited<ReturnType<typeof boundedEndpoint>>;
  beforeAll(async () => {
    ep = await boundedEndpoint({ maxHandles: MAX_STATES });
  });
  afterAll(() => ep.close());

  it(`${SCRIPTS} scripts (each 2 states, ~14 RPCs): at most ${MAX_STATES} states held, the heap back where it was after the warm-up`, { timeout: 600_000 }, async () => {
    const gc = gcFunction();
    const client = ep.server.client;
    for (let i = 0; i < WARMUP; i++) await script(ep);
    await client.settled();
    const before = measure(gc);
    const rpcsBefore = ep.rpcs;
    let peak = 0;
    /** Heap (MB) every 300 scripts: where it levels off. */
    const checkpoints: string[] = [];
    for (let i = WARMUP; i < SCRIPTS; i++) {
      await script(ep);
      peak = Math.max(peak, client.held().states);
      if ((i + 1) % 300 === 0 && i + 1 < SCRIPTS) {
        await client.settled();
        checkpoints.push(`${i + 1}: ${MB(measure(gc).heap)}`);
      }
    }
    await client.settled();
    const after = measure(gc);
    const held = client.held();
    const perScript = (after.heap - before.heap) / (SCRIPTS - WARMUP);
    console.log(
      `[bounded-session] ${SCRIPTS} scripts, ${ep.rpcs} RPCs (${ep.rpcs - rpcsBefore} after the warm-up of ${WARMUP}); ` +
        `states held: peak ${peak}, now ${held.states} (cap ${MAX_STATES}), clients ${held.clients}, transactions ${held.transactions}, evictions ${held.evictions}; ` +
        `heap ${MB(before.heap)} MB -> ${MB(after.heap)} MB (${(perScript / 1024).toFixed(1)} KiB/script; at scripts ${checkpoints.join(", ") || "-"}), rss ${MB(before.rss)} MB -> ${MB(after.rss)} MB`,
    );
    expect(peak).toBeLessThanOrEqual(MAX_STATES);
    expect(held.states).toBeLessThanOrEqual(MAX_STATES);
    // Every script's KeyPackage was consumed by its Welcome; the two identities' clients are all that is kept.
    expect(held.transactions).toBe(0);
    expect(held.clients).toBeLessThanOrEqual(2);
    expect(held.evictions).toBeGreaterThanOrEqual(2 * SCRIPTS - MAX_STATES);
    // Bounded: no per-script retention beyond noise (unbounded, each script keeps two groups in memory and storage).
    expect(perScript).toBeLessThan(BOUND_PER_SCRIPT);
  });
});

describe("a released state is refused by name", () => {
  let ep: Awaited<ReturnType<typeof boundedEndpoint>>;
  beforeAll(async () => {
    ep = await boundedEndpoint({ maxHandles: 4 });
  });
  afterAll(() => ep.close());

  it("evicted (least recently used past the cap) or freed: FAILED_PRECONDITION interop/handle-released naming the state; never issued: NOT_FOUND", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await ep.call("CreateGroup", { group_id: Buffer.from(`evict-${process.pid}-${i}`), cipher_suite: 1, encrypt_handshake: false, identity: Buffer.from("alice") });
      ids.push(r.state_id);
    }
    const [first, second, , , last] = ids as [number, number, number, number, number];
    const evicted = await expectRpcError(ep.call("StateAuth", { state_id: first }), grpc.status.FAILED_PRECONDITION, "interop/handle-released");
    expect(evicted.details).toContain(`state ${first} is no longer held: it was evicted as the least recently used of more than 4 states`);
    // StorePSK names the evicted state too.
    await expectRpcError(
      ep.call("StorePSK", { state_or_transaction_id: first, psk_id: Buffer.from("p"), psk_secret: Buffer.alloc(32) }),
      grpc.status.FAILED_PRECONDITION,
      `state ${first} is no longer held`,
    );
    expect((await ep.call("StateAuth", { state_id: second })).state_auth_secret.length).toBeGreaterThan(0);
    expect(ep.server.client.held().states).toBe(4);

    expect(await ep.server.client.free(last)).toBe(true);
    expect(ep.server.client.held().states).toBe(3);
    const freed = await expectRpcError(
      ep.call("Protect", { state_id: last, plaintext: Buffer.from("x"), authenticated_data: Buffer.alloc(0) }),
      grpc.status.FAILED_PRECONDITION,
      "interop/handle-released",
    );
    expect(freed.details).toContain(`state ${last} is no longer held: it was freed`);
    await expectRpcError(ep.call("StateAuth", { state_id: 987654 }), grpc.status.NOT_FOUND, "interop/unknown-id");
  });
});
