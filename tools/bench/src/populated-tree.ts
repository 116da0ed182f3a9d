/**
 * Populated ratchet trees for the benchmarks (`tree.ts`, `protocol-fixture.ts`):
 * N members with their own signature keys, every leaf signed, every parent
 * node populated and parent-hash valid, as if the members had committed one
 * after another from the right. Also the small helpers both benchmarks share.
 */
import { utf8 } from "@mlskit/codec";
import { type CipherSuiteProvider, CredentialType, type KeyPair } from "@mlskit/core";
import {
  type LeafIndex,
  LeafNodeSource,
  type Node,
  type NodeIndex,
  NodeType,
  encodeLeafNode,
  encodeParentHashInput,
  encodeParentNode,
  isLeaf,
  leafHashInput,
  leafRange,
  left,
  parentHashInput,
  right,
  root,
  signLeafNode,
} from "@mlskit/ratchet-tree";

const CONCURRENCY = 1024;

/** Runs `fn(i)` for i < count with at most CONCURRENCY in flight. */
export async function pool<T>(count: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  for (let from = 0; from < count; from += CONCURRENCY) {
    const to = Math.min(count, from + CONCURRENCY);
    const part = await Promise.all(Array.from({ length: to - from }, (_, j) => fn(from + j)));
    part.forEach((v, j) => (out[from + j] = v));
  }
  return out;
}

/** Runs a full garbage collection (twice); false without `node --expose-gc`. */
export function gc(): boolean {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) return false;
  g();
  g();
  return true;
}

/** The heap in use plus the array buffers, in bytes. */
function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * {@link heapBytes} once garbage is really gone: V8 frees the backing stores
 * of dead array buffers on a background sweeper after a collection, so right
 * after `gc()` `arrayBuffers` still counts freed buffers (measured: a joined
 * N=1,024 group state read 415–440 KiB that way against 366 KiB of buffers
 * in a heap snapshot). Collect, let the sweeper finish, collect again.
 */
export async function settledHeapBytes(): Promise<number> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return heapBytes();
}

/** A populated tree's nodes (trailing blanks trimmed) and its members' signature key pairs, by leaf. */
export interface PopulatedTree {
  readonly nodes: (Node | undefined)[];
  readonly signatureKeys: readonly KeyPair[];
}

/**
 * Where a populated tree's node gets its HPKE public key: a key for node
 * `node` (a leaf's or a parent's), or undefined for 32 random bytes (an
 * X25519-sized key nobody holds the private key of; no ML-KEM key).
 */
export type EncryptionKeySource = (node: NodeIndex) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/**
 * The nodes of a steady-state tree of `n` members (leaves 0..n-1) of `groupId`:
 * the state after members n-1, n-2, …, 0 each sent a full Commit. Node P then
 * holds the key set by the leftmost member under it, with a valid parent-hash
 * link to the next non-blank node on that member's path; older links (tops of
 * right subtrees, committed earlier) are stale (random, `cs.hashLength` bytes).
 * A node's encryption key (leaf or parent) is `encryptionKey(node)` when that
 * gives one, else 32 random bytes.
 */
export async function populatedTree(cs: CipherSuiteProvider, n: number, groupId: Uint8Array, encryptionKey: EncryptionKeySource = () => undefined): Promise<PopulatedTree> {
  let leafCount = 1;
  while (leafCount < n) leafCount *= 2;
  const width = 2 * leafCount - 1;
  const nodes: (Node | undefined)[] = new Array(width).fill(undefined);
  const signatureKeys = await pool(n, () => cs.signatureGenerateKeyPair());
  const capabilities = { versions: [1], cipherSuites: [cs.suite.id], extensions: [], proposals: [], credentials: [CredentialType.basic] };
  const hasMember = (x: NodeIndex) => leafRange(x)[0] < n;
  const randomKey = () => cs.randomBytes(32);
  const keyOf = async (x: NodeIndex) => (await encryptionKey(x)) ?? randomKey();

  async function blankHash(x: NodeIndex): Promise<Uint8Array> {
    if (isLeaf(x)) return cs.hash(leafHashInput(x >>> 1, undefined));
    const [l, r] = await Promise.all([blankHash(left(x)), blankHash(right(x))]);
    return cs.hash(parentHashInput(undefined, l, r));
  }

  /** Fills the subtree under `top` whose own parent_hash is `ph`; returns its tree hash. */
  async function fill(top: NodeIndex, ph: Uint8Array): Promise<Uint8Array> {
    const spine: NodeIndex[] = [];
    let x = top;
    while (!isLeaf(x)) {
      spine.push(x);
      x = left(x);
    }
    const leaf = (x >>> 1) as LeafIndex;
    const rights = spine.map((p) => right(p));
    // Right subtrees were committed earlier; their tops' links are stale (random).
    const rightHashes = await Promise.all(rights.map((r) => (hasMember(r) ? fill(r, cs.randomBytes(cs.hashLength)) : blankHash(r))));
    let cur = ph;
    const encodedParents: (Uint8Array | undefined)[] = [];
    for (let i = 0; i < spine.length; i++) {
      if (!hasMember(rights[i]!)) {
        encodedParents.push(undefined); // filtered out of the committer's path: blank
        continue;
      }
      const parentNode = { encryptionKey: await keyOf(spine[i]!), parentHash: cur, unmergedLeaves: [] };
      nodes[spine[i]!] = { nodeType: NodeType.parent, parentNode };
      encodedParents.push(encodeParentNode(parentNode));
      cur = await cs.hash(encodeParentHashInput(parentNode.encryptionKey, cur, rightHashes[i]!));
    }
    const leafNode = await signLeafNode(
      cs,
      signatureKeys[leaf]!.privateKey,
      {
        encryptionKey: await keyOf(x),
        signatureKey: signatureKeys[leaf]!.publicKey,
        credential: { credentialType: CredentialType.basic, identity: utf8(`member-${leaf}`) },
        capabilities,
        leafNodeSource: LeafNodeSource.commit,
        parentHash: cur,
        extensions: [],
      },
      { groupId, leafIndex: leaf },
    );
    nodes[2 * leaf] = { nodeType: NodeType.leaf, leafNode };
    let h = await cs.hash(leafHashInput(leaf, encodeLeafNode(leafNode)));
    for (let i = spine.length - 1; i >= 0; i--) h = await cs.hash(parentHashInput(encodedParents[i], h, rightHashes[i]!));
    return h;
  }

  await fill(root(leafCount), new Uint8Array(0));
  let last = width - 1;
  while (nodes[last] === undefined) last--;
  return { nodes: nodes.slice(0, last + 1), signatureKeys };
}
