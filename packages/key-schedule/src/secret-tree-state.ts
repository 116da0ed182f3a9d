/**
 * The secret tree's state as plain data (RFC 9420 §9, §9.2): what a member
 * must keep of an epoch's secret tree to survive a restart, and the rules a
 * state must follow to be usable. {@link SecretTree.exportState} produces it,
 * {@link SecretTree.fromState} takes it back; `secret-tree-state-codec.ts`
 * encodes it.
 *
 * The values hold secrets in the clear: encode them into storage and drop
 * them, do not log them.
 */
import type { CipherSuiteProvider } from "@mlskit/core";
import { level, root } from "./tree-math.js";

/** `ratchet_key_[N]_[j]` and `ratchet_nonce_[N]_[j]` of a skipped generation `j`, kept for an out-of-order message (§15.3). */
export interface SkippedKeyState {
  readonly generation: number;
  /** AEAD.Nk bytes. */
  readonly key: Uint8Array;
  /** AEAD.Nn bytes. */
  readonly nonce: Uint8Array;
}

/** One hash ratchet (§9.1). */
export interface HashRatchetState {
  /**
   * `ratchet_secret_[generation]` (KDF.Nh bytes), or undefined once the
   * ratchet is exhausted (it handed out generation 2^32 - 1, the last uint32).
   */
  readonly secret: Uint8Array | undefined;
  /** The next generation the ratchet hands out; `2^32` exactly when exhausted. */
  readonly generation: number;
  /** Unused keys of generations below `generation`, ascending by generation. */
  readonly skipped: readonly SkippedKeyState[];
}

/** The two ratchets of a leaf whose secret was derived. */
export interface LeafRatchetsState {
  readonly leaf: number;
  readonly handshake: HashRatchetState;
  readonly application: HashRatchetState;
}

/** A node secret of the tree's frontier: derived, not yet split (§9.2). */
export interface NodeSecretState {
  /** Node index in the array representation of the tree (RFC 9420 Appendix C). */
  readonly node: number;
  /** `tree_node_[node]_secret`, KDF.Nh bytes. */
  readonly secret: Uint8Array;
}

/**
 * A secret tree: its leaf count, the frontier of node secrets and the
 * ratchets of the leaves derived so far, each list ascending by index.
 */
export interface SecretTreeState {
  readonly leafCount: number;
  readonly nodes: readonly NodeSecretState[];
  readonly leaves: readonly LeafRatchetsState[];
}

/** The one generation past the last uint32 (§9.1): where an exhausted ratchet stands. */
export const EXHAUSTED_GENERATION = 2 ** 32;

/** Where a {@link SecretTreeState} breaks a rule: the field path and why. */
export interface SecretTreeStateProblem {
  readonly path: string;
  readonly message: string;
}

function isUint(v: number, max: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= max;
}

/** The first rule `state` breaks, or undefined when it is a usable ratchet state. */
export function hashRatchetStateProblem(cs: CipherSuiteProvider, state: HashRatchetState, path = ""): SecretTreeStateProblem | undefined {
  const at = (field: string) => (path === "" ? field : `${path}.${field}`);
  const { secret, generation, skipped } = state;
  if (!isUint(generation, EXHAUSTED_GENERATION)) return { path: at("generation"), message: `generation ${generation} is not in [0, 2^32]` };
  // §9.1: generations are uint32; only an exhausted ratchet has no secret left.
  if (secret === undefined) {
    if (generation !== EXHAUSTED_GENERATION) return { path: at("secret"), message: `no ratchet secret, but generation ${generation} is not exhausted` };
  } else {
    if (generation === EXHAUSTED_GENERATION) return { path: at("secret"), message: "an exhausted ratchet holds a secret" };
    if (secret.length !== cs.hashLength) return { path: at("secret"), message: `ratchet secret of ${secret.length} bytes, KDF.Nh is ${cs.hashLength}` };
  }
  let previous = -1;
  for (const [i, k] of skipped.entries()) {
    const p = at(`skipped[${i}]`);
    if (!isUint(k.generation, EXHAUSTED_GENERATION - 1)) return { path: `${p}.generation`, message: `generation ${k.generation} is not a uint32` };
    if (k.generation >= generation) return { path: `${p}.generation`, message: `skipped generation ${k.generation} is not below the ratchet's ${generation}` };
    if (k.generation <= previous) return { path: `${p}.generation`, message: `skipped generation ${k.generation} is not above the previous one (${previous})` };
    if (k.key.length !== cs.aeadKeyLength) return { path: `${p}.key`, message: `key of ${k.key.length} bytes, AEAD.Nk is ${cs.aeadKeyLength}` };
    if (k.nonce.length !== cs.aeadNonceLength) return { path: `${p}.nonce`, message: `nonce of ${k.nonce.length} bytes, AEAD.Nn is ${cs.aeadNonceLength}` };
    previous = k.generation;
  }
  return undefined;
}

/**
 * The first rule `state` breaks, or undefined when a {@link SecretTree} can
 * be rebuilt from it: sizes are the suite's, indexes are inside the tree and
 * ascending without duplicates, and the node secrets and derived leaves
 * partition the leaves exactly (§9.2: from the root down, each leaf's path
 * holds one secret until the leaf is derived, and none after), so a restored
 * tree can serve every leaf it has not derived and none twice.
 */
export function secretTreeStateProblem(cs: CipherSuiteProvider, state: SecretTreeState): SecretTreeStateProblem | undefined {
  const { leafCount } = state;
  if (!isUint(leafCount, 2 ** 30) || leafCount < 1) return { path: "leafCount", message: `leaf count ${leafCount} is not in [1, 2^30]` };
  const top = root(leafCount);
  const topLevel = level(top);
  // The leaf ranges covered by node secrets and derived leaves, to check they tile [0, 2^topLevel).
  const spans: [start: number, size: number, path: string][] = [];
  let previous = -1;
  for (const [i, n] of state.nodes.entries()) {
    const p = `nodes[${i}]`;
    if (!isUint(n.node, 2 ** 31 - 2)) return { path: `${p}.node`, message: `node index ${n.node} is not in the tree` };
    const k = level(n.node);
    const size = 2 ** k;
    const start = (n.node >>> (k + 1)) * size;
    if (k > topLevel || start + size > 2 ** topLevel) return { path: `${p}.node`, message: `node ${n.node} is not under the root ${top}` };
    if (n.node <= previous) return { path: `${p}.node`, message: `node ${n.node} is not above the previous one (${previous})` };
    if (n.secret.length !== cs.hashLength) return { path: `${p}.secret`, message: `node secret of ${n.secret.length} bytes, KDF.Nh is ${cs.hashLength}` };
    previous = n.node;
    spans.push([start, size, p]);
  }
  previous = -1;
  for (const [i, l] of state.leaves.entries()) {
    const p = `leaves[${i}]`;
    if (!isUint(l.leaf, leafCount - 1)) return { path: `${p}.leaf`, message: `leaf ${l.leaf} is not in a tree of ${leafCount} leaves` };
    if (l.leaf <= previous) return { path: `${p}.leaf`, message: `leaf ${l.leaf} is not above the previous one (${previous})` };
    previous = l.leaf;
    const problem = hashRatchetStateProblem(cs, l.handshake, `${p}.handshake`) ?? hashRatchetStateProblem(cs, l.application, `${p}.application`);
    if (problem !== undefined) return problem;
    spans.push([l.leaf, 1, p]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  for (const [start, size, p] of spans) {
    if (start < covered) return { path: p, message: `leaves ${start}..${start + size - 1} hold two secrets (a node secret overlaps another or a derived leaf)` };
    if (start > covered) return { path: p, message: `leaves ${covered}..${start - 1} have no secret left on their path` };
    covered = start + size;
  }
  if (covered !== 2 ** topLevel) return { path: "nodes", message: `leaves ${covered}..${2 ** topLevel - 1} have no secret left on their path` };
  return undefined;
}
