/**
 * Small-group profile (issue 18): where one commit (Add, Remove, self-Update;
 * create and process) and one 1 KiB application message (encrypt, decrypt)
 * spend their time at N members on the Node provider. Every primitive call
 * of the committer's and the receiver's cipher-suite providers is wrapped
 * and timed: node:crypto does its work synchronously inside the call (the
 * returned promise is already settled), so the time inside the call is the
 * primitive's own cost. What remains of an operation is protocol code:
 * encoding, tree work, awaits, copies.
 *
 * The join (`joinFromWelcome` of a member just added, Welcome and tree as
 * bytes) is profiled too, each run on a fresh provider (cold key caches, as
 * the protocol bench's join): its leaf verifications may run on node:crypto's
 * thread pool, so its `prim:` rows count only what ran on this thread.
 *
 * Run: `node --expose-gc tools/bench/dist/small-group-profile.js [N] [runs]`
 * (add `--cpu-prof` for a V8 profile of the same loop; `ONLY=join` or
 * `ONLY=commits` for a part). Written down in
 * docs/performance/small-group-profile.md.
 */
import { writeFileSync } from "node:fs";
import type { CipherSuiteProvider, CryptoProvider } from "@mlskit/core";
import { nodeCryptoProvider, nodePrimitives } from "@mlskit/crypto-node";
import { type PrimitiveSource, createCryptoProvider } from "@mlskit/hpke";
import { createApplicationMessage, createCommit, processMessage } from "@mlskit/group";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { SUITE, loadOrBuildFixture, newMember } from "./protocol-fixture.js";
import { commitAdd, join, median, processCommit, steadyPair } from "./protocol-steps.js";

interface Tally {
  calls: number;
  us: number;
  /** µs of this primitive in each timed run (medians resist this machine's preemptions better than sums). */
  perRun: number[];
}
const tallies = new Map<string, Tally>();
let run = 0;
let recording = false;
/** Each timed loop's window on the monotonic clock (µs, as a V8 CPU profile's timestamps), for slicing a `--cpu-prof` profile. */
const windows: { label: string; runs: number; fromUs: number; toUs: number }[] = [];

/** The provider with every method timed (sync part of the call) while `recording`. */
function tally(name: string, dt: number): void {
  const t = tallies.get(name) ?? { calls: 0, us: 0, perRun: [] };
  t.calls++;
  t.us += dt;
  t.perRun[run] = (t.perRun[run] ?? 0) + dt;
  tallies.set(name, t);
}

/** Every function of `obj` timed as `prim:<kind>.<method>` while recording. */
function timedObject<T extends object>(kind: string, obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(obj)) {
    if (typeof v !== "function") {
      out[key] = v;
      continue;
    }
    const f = v as (...a: unknown[]) => unknown;
    out[key] = (...args: unknown[]) => {
      if (!recording) return f.apply(obj, args);
      const t = performance.now();
      try {
        return f.apply(obj, args);
      } finally {
        tally(`prim:${kind}.${key}`, (performance.now() - t) * 1000);
      }
    };
  }
  return out as T;
}

/** A primitive source whose every primitive object is timed. */
function instrumentSource(source: PrimitiveSource): PrimitiveSource {
  const out: Record<string, unknown> = { ...source };
  for (const kind of ["hash", "kdf", "aead", "dh", "signature"] as const) {
    const lookup = (source[kind] as (arg: never) => object | undefined).bind(source);
    out[kind] = (arg: never) => {
      const o = lookup(arg);
      return o === undefined ? undefined : timedObject(kind, o);
    };
  }
  out.randomBytes = (n: number) => {
    if (!recording) return source.randomBytes(n);
    const t = performance.now();
    const r = source.randomBytes(n);
    tally("prim:randomBytes", (performance.now() - t) * 1000);
    return r;
  };
  return out as unknown as PrimitiveSource;
}

function instrument(cs: CipherSuiteProvider): CipherSuiteProvider {
  const out: Record<string, unknown> = {};
  const proto = cs as unknown as Record<string, unknown>;
  for (const key of Object.keys(cs).concat(Object.getOwnPropertyNames(Object.getPrototypeOf(cs)))) {
    const v = proto[key];
    if (typeof v !== "function" || key === "constructor") {
      if (!(key in out)) out[key] = v;
      continue;
    }
    const f = v as (...a: unknown[]) => unknown;
    out[key] = (...args: unknown[]) => {
      if (!recording) return f.apply(cs, args);
      const t = performance.now();
      const r = f.apply(cs, args);
      const dt = (performance.now() - t) * 1000;
      tally(`cs.${key}`, dt);
      return r;
    };
  }
  return out as unknown as CipherSuiteProvider;
}

/**
 * Untimed runs before each timed loop (inputs 0..WARMUP-1; the timed runs take the next ones, each input used once).
 * WARMUP=1 with 5 runs approximates the protocol bench's --quick mode (barely warm code).
 */
const WARMUP = Number(process.env.WARMUP ?? 20);

async function profile(label: string, runs: number, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < WARMUP; i++) await op(i);
  tallies.clear();
  const times: number[] = [];
  // CPU time of this process per run (µs resolution): unlike wall time it excludes the time other sessions' processes
  // hold the two cores, so before/after comparisons survive a loaded machine (it includes GC helper threads).
  const cpu: number[] = [];
  recording = true;
  const from = process.hrtime.bigint() / 1000n;
  for (let i = 0; i < runs; i++) {
    // One untimed turn of the event loop between runs, as the protocol bench's timed() (protocol-steps.ts) gives.
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    run = i;
    const c = process.cpuUsage();
    const t = performance.now();
    await op(WARMUP + i);
    times.push(performance.now() - t);
    const dc = process.cpuUsage(c);
    cpu.push((dc.user + dc.system) / 1000);
  }
  recording = false;
  windows.push({ label, runs, fromUs: Number(from), toUs: Number(process.hrtime.bigint() / 1000n) });
  const rows = [...tallies.entries()].map(([name, t]) => {
    const perRun = Array.from({ length: runs }, (_, i) => t.perRun[i] ?? 0);
    return { name, calls: t.calls / runs, us: median(perRun) };
  });
  rows.sort((a, b) => (a.name.startsWith("prim:") === b.name.startsWith("prim:") ? b.us - a.us : a.name.startsWith("prim:") ? -1 : 1));
  const prim = rows.filter((r) => r.name.startsWith("prim:")).reduce((a, r) => a + r.us, 0);
  const med = median(times) * 1000;
  console.log(
    `\n${label}: median ${med.toFixed(0)} µs (CPU ${(median(cpu) * 1000).toFixed(0)} µs); node:crypto primitives (sum of their medians) ${prim.toFixed(0)} µs, rest ${(med - prim).toFixed(0)} µs`,
  );
  for (const r of rows) console.log(`  ${r.name.padEnd(26)} ${r.calls.toFixed(1).padStart(5)} calls  ${r.us.toFixed(1).padStart(7)} µs`);
}

const n = Number(process.argv[2] ?? 16);
const runs = Number(process.argv[3] ?? 200);
// Every suite provider of the pair instrumented from the start (the tree, the secret tree and the key schedule keep
// the one they were made with), at two levels: the CipherSuiteProvider's methods (call counts; async composites such
// as hpkeEncap are timed only up to their first await) and node:crypto's primitives beneath (`prim:` rows, all
// synchronous, so their time is exact).
const spec = {
  name: "node",
  make: (): CryptoProvider => {
    // PLAIN=1: the provider as shipped (for --cpu-prof, without the wrappers' own cost).
    if (process.env.PLAIN === "1") return nodeCryptoProvider();
    const p = createCryptoProvider("node", instrumentSource(nodePrimitives()));
    return { name: p.name, supportedCipherSuites: () => p.supportedCipherSuites(), cipherSuite: async (id) => instrument(await p.cipherSuite(id)) };
  },
};
const base = await nodeCryptoProvider().cipherSuite(SUITE);
const { fixture } = await loadOrBuildFixture(base, n);
const pair = await steadyPair(spec, fixture);
const { C, R } = pair;
const removeTarget = (fixture.backgroundLeaf ?? R.ownLeaf) as LeafIndex;
const csJ = await nodeCryptoProvider().cipherSuite(SUITE);
const joiners = await Promise.all(Array.from({ length: runs + WARMUP }, (_, i) => newMember(csJ, `j-${i}`)));

const only = process.env.ONLY;
if (only === undefined || only === "join") {
  // Inputs first (untimed): each joiner's Welcome and the tree of the epoch it joins, as the protocol bench's join.
  const inputs: { joiner: (typeof joiners)[number]; welcome: Uint8Array; tree: Uint8Array }[] = [];
  for (const j of joiners) {
    const created = await commitAdd(C.cs, C, j.keyPackage);
    inputs.push({ joiner: j, welcome: created.welcome!, tree: created.pending.state.tree.encode() });
  }
  await profile(`N=${n} join (fresh provider)`, runs, async (i) => join(await spec.make().cipherSuite(SUITE), inputs[i]!.joiner, inputs[i]!.welcome, inputs[i]!.tree));
}
if (only === undefined || only === "commits") await profileCommitsAndMessages();

async function profileCommitsAndMessages(): Promise<void> {
  const adds: Uint8Array[] = [];
  await profile(`N=${n} add create`, runs, async (i) => adds.push((await commitAdd(C.cs, C, joiners[i]!.keyPackage)).commit));
  await profile(`N=${n} add process`, runs, (i) => processCommit(R, adds[i]!));
  const removes: Uint8Array[] = [];
  await profile(`N=${n} remove create`, runs, async () => removes.push((await createCommit(C, { proposals: [{ remove: removeTarget }] })).commit));
  await profile(`N=${n} remove process`, runs, (i) => processCommit(R, removes[i]!));
  const updates: Uint8Array[] = [];
  await profile(`N=${n} update create`, runs, async () => updates.push((await createCommit(C, { forcePath: true })).commit));
  await profile(`N=${n} update process`, runs, (i) => processCommit(R, updates[i]!));
  const payload = new Uint8Array(1024).fill(0x61);
  const messages: Uint8Array[] = [];
  const msgRuns = runs * 10;
  for (let i = 0; i < 300; i++) await processMessage(R, await createApplicationMessage(C, payload));
  await profile(`N=${n} message encrypt`, msgRuns, async () => messages.push(await createApplicationMessage(C, payload)));
  let at = 0;
  await profile(`N=${n} message decrypt`, msgRuns - 20, async () => processMessage(R, messages[at++]!));
}

if (process.env.PROFILE_WINDOWS !== undefined) writeFileSync(process.env.PROFILE_WINDOWS, JSON.stringify(windows));
