/**
 * Protocol benchmarks (suite 0x0001): for groups of N members, on each
 * provider, creating and processing Add, Remove and self-Update Commits,
 * joining from a Welcome with the ratchet tree out of band, encrypting and
 * decrypting 1 KiB application messages, and the memory of a group state.
 *
 * Everything is measured with wire bytes in and out, encode and decode
 * included, through the state machine of `@mlskit/group` (the facade's
 * `Group` adds a serial queue and a storage write per change on top):
 * - add create: the KeyPackage arrives as an MLSMessage; decode, validate
 *   (§10.1, as `Group.addMembers` does), `createCommit` (Add-only: no path),
 *   with the Welcome (tree not in it) and the new tree encoded for out-of-band
 *   delivery. Each run adds a different, fresh KeyPackage.
 * - remove create / update create: `createCommit` with a Remove of a
 *   background member (leaf 0, whose path is then blanked) / with a path only.
 * - process: another member (its own provider instance, so no key cache is
 *   shared with the committer) runs `processMessage` on the Commit bytes and
 *   `mergeStagedCommit`. Every run starts from the same epoch (states are
 *   immutable snapshots), and the receiver is the committer's nearest
 *   neighbour, which derives the most path secrets (worst case of a receiver).
 * - full path create / process: the first self-Update in the group as its
 *   creator leaves it after adding everyone without paths (fixture shape
 *   "added": every parent blank), so the path is encrypted to every other
 *   leaf (N - 1 HPKE encryptions); created from the same state each run and
 *   processed by the committer's neighbour.
 * - join: `joinFromWelcome` of a member just added, Welcome and tree as bytes,
 *   on a fresh provider (cold key caches, as for a real joiner): full tree
 *   validation (tree hash, parent hashes, N leaf signatures).
 * - encrypt/decrypt: 1 KiB `createApplicationMessage` by the committer, then
 *   `processMessage` of those messages in order by the receiver, in batches
 *   of 256 issued together (the ratchets serialize per sender, so this is
 *   safe; both sides spread signatures over WebCrypto's thread pool), and
 *   one await at a time (messages/s; one Ed25519 signature or verification
 *   each). Each rate is a median over rounds (a batch, or 250 messages).
 * - state: heap (+ array buffers) retained per joined group state, from
 *   several states held at once after `global.gc()`.
 * See `protocol-fixture.ts` for how the group of N members is built.
 * `benchOne` also runs in headless Chromium (browser/page.ts, through
 * `npm run test:browser`): this file and what it imports load no Node
 * built-in at the top level (the bundle for the page would fail).
 */
import type { CipherSuiteProvider } from "@mlskit/core";
import { type GroupState, createApplicationMessage, createCommit, processMessage } from "@mlskit/group";
import type { LeafIndex } from "@mlskit/ratchet-tree";
import { type GroupFixture, loadOrBuildFixture, newMember } from "./protocol-fixture.js";
import { fmt } from "./measure.js";
import { type MessageFloor, messageFloor } from "./message-floor.js";
import { gc, settledHeapBytes } from "./populated-tree.js";
import { type ProviderSpec, commitAdd, join, median, processCommit, steadyPair, suiteOf, timed } from "./protocol-steps.js";

export type { ProviderSpec } from "./protocol-steps.js";

/** The figures of one provider at one N (ms unless noted; NaN when not measured). */
export interface ProtocolFigures {
  readonly provider: string;
  readonly n: number;
  readonly addCreate: number;
  readonly addProcess: number;
  readonly removeCreate: number;
  readonly removeProcess: number;
  readonly updateCreate: number;
  readonly updateProcess: number;
  /**
   * A self-Update's full path in the group as its creator left it after
   * adding everyone without paths (fixture shape "added": every parent
   * blank, so N - 1 HPKE encryptions): create, and process by the
   * committer's neighbour.
   */
  readonly fullPathCreate: number;
  readonly fullPathProcess: number;
  readonly join: number;
  /** Each timed join's ms, in the order run (`join` is their median). */
  readonly joinRuns?: readonly number[];
  /** Messages per second, sequential. */
  readonly encrypt: number;
  readonly decrypt: number;
  /** Messages per second, 256 issued together. */
  readonly encryptBatch: number;
  readonly decryptBatch: number;
  /** The provider's floor under the message rates (message-floor.ts), messages/s. */
  readonly floor?: MessageFloor;
  /** KiB per group state of the N-member group (NaN without --expose-gc). */
  readonly stateKiB: number;
  /** KiB per group state after one Add (N + 1 members). */
  readonly stateKiBAfterAdd: number;
  /** Setup: fixture load or build, and the two initial joins (ms). */
  readonly setupMs: number;
  /** Bytes on the wire at this N. */
  /** Encoding the new tree for out-of-band delivery after an Add (ms). */
  readonly treeEncode: number;
  readonly wire: { readonly tree: number; readonly addCommit: number; readonly welcome: number; readonly removeCommit: number; readonly updateCommit: number };
}

export interface ProtocolOptions {
  readonly sizes: readonly number[];
  readonly quick: boolean;
  /** Progress lines on stderr. */
  readonly log?: (line: string) => void;
}

const PAYLOAD = new Uint8Array(1024).fill(0x61);
const BATCH = 256;
/** Messages per round of the one-at-a-time rates. */
const ROUND = 250;
/** Messages sent and received before the message rates are timed. */
const MESSAGE_WARMUP = 300;

interface Counts {
  readonly commitRuns: number;
  readonly joinRuns: number;
  readonly messageBudgetMs: number;
  readonly memoryCopies: number;
  /** One more join held before the baseline. */
  readonly memoryWarmup: boolean;
}

function countsFor(n: number, quick: boolean, slowSignatures: boolean): Counts {
  // Small states need many copies to rise above the heap's noise.
  const big = n >= 10_000;
  const memoryCopies = n <= 2 ? 64 : n <= 128 ? 24 : n <= 1024 ? 10 : slowSignatures ? 1 : 3;
  const memoryWarmup = !(big && slowSignatures);
  if (quick) return { commitRuns: 5, joinRuns: big ? 1 : 3, messageBudgetMs: 300, memoryCopies: Math.max(2, memoryCopies >> 1), memoryWarmup };
  return {
    // A commit takes ~10 ms and this machine's timings scatter by ±40% run to run: medians of 31.
    commitRuns: big ? 7 : 31,
    joinRuns: big ? (slowSignatures ? 1 : 3) : n >= 1024 ? 5 : 7,
    messageBudgetMs: 2000,
    memoryCopies,
    memoryWarmup,
  };
}

/** Benchmarks one provider at one N. */
/**
 * The first full-path Commit in a group of blank parents (`added`: fixture
 * shape "added"): C and R join, then C's self-Update is created (from the
 * same state each run) and processed by R.
 */
async function benchFullPath(spec: ProviderSpec, added: GroupFixture, runs: number): Promise<{ create: number; process: number }> {
  const [csC, csR] = await Promise.all([suiteOf(spec), suiteOf(spec)]);
  const [C, R] = await Promise.all([join(csC, added.committer, added.welcome, added.tree), join(csR, added.receiver, added.welcome, added.tree)]);
  const create = await timed(runs, 1, async () => (await createCommit(C, { forcePath: true })).commit);
  const process = await timed(create.results.length - 1, 1, (i) => processCommit(R, create.results[i]!));
  return { create: create.ms, process: process.ms };
}

/** What a runtime adds to {@link benchOne}. */
export interface BenchOneOptions {
  /**
   * Awaited before each timed join (before its fresh provider is made). The browser page (browser/page.ts) waits there
   * for the browser to go idle: crypto.subtle settles without a task in Chromium, so the phases before run as one chain
   * of microtasks, and the first macrotask yield after them (the join's, in tree validation) otherwise ran Blink's
   * deferred GC sweeping inside the join.
   */
  readonly beforeJoin?: () => Promise<void>;
  /** Joins to time instead of the default count (at most one per Add run: 5 with --quick, else 31 below N = 10,000). */
  readonly joinRuns?: number;
}

/** Benchmarks one provider at one N. */
export async function benchOne(
  spec: ProviderSpec,
  fixture: GroupFixture,
  quick: boolean,
  setupStart: number,
  added?: GroupFixture,
  options: BenchOneOptions = {},
): Promise<ProtocolFigures> {
  const n = fixture.n;
  const counts = countsFor(n, quick, spec.name === "noble");
  // The committer and the receiver are two clients (each its own provider instance), after one self-Update
  // by the committer, processed by the receiver: C's path is then fresh (no unmerged leaves).
  const { csC, C, R } = await steadyPair(spec, fixture);
  const setupMs = performance.now() - setupStart;
  const removeTarget = fixture.backgroundLeaf ?? R.ownLeaf;

  // Add: fresh KeyPackages (one per run, warm-up included), created by their future owners (another
  // provider instance: the committer's and receiver's key caches have never seen these keys).
  const warmup = 1;
  const csJ = await suiteOf(spec);
  const joiners = await Promise.all(Array.from({ length: warmup + counts.commitRuns }, (_, i) => newMember(csJ, `joiner-${i}`)));
  const nextStates: GroupState[] = [];
  const add = await timed(counts.commitRuns, warmup, async (i) => {
    const created = await commitAdd(csC, C, joiners[i]!.keyPackage);
    nextStates.push(created.pending.state);
    return { commit: created.commit, welcome: created.welcome!, joiner: joiners[i]! };
  });
  // The tree for the joiner, out of band (timed apart: a Delivery Service may serve it instead).
  nextStates.splice(0, warmup);
  const treeOut = await timed(add.results.length, 0, async (i) => nextStates[i]!.tree.encode());
  nextStates.length = 0;
  const joinInputs = add.results.map((a, i) => ({ joiner: a.joiner, welcome: a.welcome, tree: treeOut.results[i]! }));
  const addProcess = await timed(add.results.length - 1, 1, (i) => processCommit(R, add.results[i]!.commit));

  const remove = await timed(counts.commitRuns, warmup, async () => (await createCommit(C, { proposals: [{ remove: removeTarget as LeafIndex }] })).commit);
  const removeProcess = await timed(remove.results.length - 1, 1, (i) => processCommit(R, remove.results[i]!));

  const update = await timed(counts.commitRuns, warmup, async () => (await createCommit(C, { forcePath: true })).commit);
  const updateProcess = await timed(update.results.length - 1, 1, (i) => processCommit(R, update.results[i]!));

  const fullPath = added === undefined ? { create: NaN, process: NaN } : await benchFullPath(spec, added, n >= 1024 ? Math.min(counts.commitRuns, 7) : counts.commitRuns);

  // Join: each run a different joiner of the Adds above, on a fresh provider.
  const joinRuns = Math.min(options.joinRuns ?? counts.joinRuns, joinInputs.length);
  const joinTimes: number[] = [];
  let lastJoinCs: CipherSuiteProvider | undefined;
  let _lastJoined: GroupState | undefined;
  for (let i = 0; i < joinRuns; i++) {
    const a = joinInputs[i]!;
    if (options.beforeJoin !== undefined) await options.beforeJoin();
    const cs = await suiteOf(spec);
    _lastJoined = undefined;
    const t = performance.now();
    _lastJoined = await join(cs, a.joiner, a.welcome, a.tree);
    joinTimes.push(performance.now() - t);
    lastJoinCs = cs;
  }

  // Application messages, 1 KiB: sequential, then in batches issued together. A warm-up first, as for
  // every other operation here (the first few hundred messages run in the interpreter). Each rate is
  // the median over rounds (ROUND messages one at a time, or one batch), so that a garbage-collection
  // pause or a slow phase of this machine moves it less than it would a total.
  for (let i = 0; i < MESSAGE_WARMUP; i++) await processMessage(R, await createApplicationMessage(C, PAYLOAD));
  const seqRounds: { messages: Uint8Array[]; rate: number }[] = [];
  let t = performance.now();
  do {
    const t0 = performance.now();
    const messages: Uint8Array[] = [];
    for (let i = 0; i < ROUND; i++) messages.push(await createApplicationMessage(C, PAYLOAD));
    seqRounds.push({ messages, rate: (ROUND * 1000) / (performance.now() - t0) });
  } while (performance.now() - t < counts.messageBudgetMs);
  const encrypt = median(seqRounds.map((r) => r.rate));
  const decryptRates: number[] = [];
  for (const round of seqRounds) {
    const t0 = performance.now();
    for (const msg of round.messages) {
      const r = await processMessage(R, msg);
      if (r.kind !== "application" || r.data.length !== PAYLOAD.length) throw new Error("application message not decrypted");
    }
    decryptRates.push((ROUND * 1000) / (performance.now() - t0));
  }
  const decrypt = median(decryptRates);
  seqRounds.length = 0;
  const batches: Uint8Array[][] = [];
  const encryptBatchRates: number[] = [];
  t = performance.now();
  do {
    const t0 = performance.now();
    batches.push(await Promise.all(Array.from({ length: BATCH }, () => createApplicationMessage(C, PAYLOAD))));
    encryptBatchRates.push((BATCH * 1000) / (performance.now() - t0));
  } while (performance.now() - t < counts.messageBudgetMs);
  const encryptBatch = median(encryptBatchRates);
  const decryptBatchRates: number[] = [];
  for (const b of batches) {
    const t0 = performance.now();
    await Promise.all(b.map((msg) => processMessage(R, msg)));
    decryptBatchRates.push((BATCH * 1000) / (performance.now() - t0));
  }
  const decryptBatch = median(decryptBatchRates);
  batches.length = 0;

  // Memory per group state: the heap and array buffers that K more joined states add, on the provider of
  // the last timed join (its key caches already hold the tree's keys, so they do not count as state).
  // The baseline is taken with joined states already held: measured from none, one-off buffers that the
  // first joins release make small K read low. Measured for a member of the N-member group (the fixture's
  // receiver) and for a joiner of the Adds above, whose group of N + 1 has a tree of twice the leaves
  // when N is a power of two.
  let stateKiB = NaN;
  let stateKiBAfterAdd = NaN;
  if (gc()) {
    const cs = lastJoinCs!;
    const a = joinInputs[joinRuns - 1]!;
    _lastJoined = undefined;
    const memoryOf = async (joinOnce: () => Promise<GroupState>): Promise<number> => {
      let kept: GroupState[] = [await joinOnce()];
      if (counts.memoryWarmup) kept.push(await joinOnce());
      const before = await settledHeapBytes();
      for (let i = 0; i < counts.memoryCopies; i++) kept.push(await joinOnce());
      const kib = ((await settledHeapBytes()) - before) / counts.memoryCopies / 1024;
      if (kept.length === 0) throw new Error("unreachable");
      kept = [];
      return kib;
    };
    stateKiB = await memoryOf(() => join(cs, fixture.receiver, fixture.welcome, fixture.tree));
    stateKiBAfterAdd = await memoryOf(() => join(cs, a.joiner, a.welcome, a.tree));
  }
  _lastJoined = undefined;

  return {
    provider: spec.name,
    n,
    addCreate: add.ms,
    addProcess: addProcess.ms,
    removeCreate: remove.ms,
    removeProcess: removeProcess.ms,
    updateCreate: update.ms,
    updateProcess: updateProcess.ms,
    fullPathCreate: fullPath.create,
    fullPathProcess: fullPath.process,
    join: median(joinTimes),
    joinRuns: joinTimes,
    encrypt,
    decrypt,
    encryptBatch,
    decryptBatch,
    stateKiB,
    stateKiBAfterAdd,
    setupMs,
    treeEncode: treeOut.ms,
    wire: {
      tree: joinInputs[0]!.tree.length,
      addCommit: add.results[0]!.commit.length,
      welcome: add.results[0]!.welcome.length,
      removeCommit: remove.results[0]!.length,
      updateCommit: update.results[0]!.length,
    },
  };
}

/**
 * Runs the protocol benchmarks for every size on every provider. Fixtures
 * are built (or loaded from /tmp/mlskit-bench/) with `builder`.
 */
export async function benchProtocol(providers: readonly ProviderSpec[], builder: ProviderSpec, options: ProtocolOptions): Promise<ProtocolFigures[]> {
  const log = options.log ?? (() => {});
  const out: ProtocolFigures[] = [];
  const builderCs = await suiteOf(builder);
  const floors = new Map<string, MessageFloor>();
  for (const spec of providers) floors.set(spec.name, await messageFloor(await suiteOf(spec), options.quick ? 300 : 1000));
  // One untimed pass per provider at the smallest size first: V8 tiers the protocol code up over
  // thousands of calls, and without this the first size measured is charged for it (N = 2 Add
  // create measured 1.3-1.5 ms first and 0.74 ms after N = 16 had run). The targets are a warm
  // process's, as in an application that has been running.
  const smallest = Math.min(...options.sizes);
  const warm = await loadOrBuildFixture(builderCs, smallest);
  for (const spec of providers) {
    const t0 = performance.now();
    await benchOne(spec, warm.fixture, true, t0);
    log(`protocol ${spec.name}: warm-up pass at N=${smallest} in ${fmt((performance.now() - t0) / 1000)} s (not timed)`);
  }
  for (const n of options.sizes) {
    const loaded = await loadOrBuildFixture(builderCs, n);
    log(`protocol N=${n}: fixture ${loaded.built ? "built and cached" : "loaded from cache"} in ${fmt(loaded.ms)} ms`);
    // The blank-parent group of the full-path scenario (up to 10,000 members: N - 1 encryptions per run).
    const added = n > 2 && n <= 10_000 ? await loadOrBuildFixture(builderCs, n, "added") : undefined;
    if (added !== undefined) log(`protocol N=${n}: blank-parent fixture ${added.built ? "built and cached" : "loaded from cache"} in ${fmt(added.ms)} ms`);
    for (const spec of providers) {
      const t0 = performance.now();
      const f = { ...(await benchOne(spec, loaded.fixture, options.quick, t0, added?.fixture)), floor: floors.get(spec.name)! };
      log(`protocol N=${n} ${spec.name}: done in ${fmt((performance.now() - t0) / 1000)} s`);
      out.push(f);
    }
  }
  return out;
}
