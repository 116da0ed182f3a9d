/**
 * Ratchet-tree benchmarks: populated trees of N members (suite 0x0001), timing
 * the full tree hash, validation of a received tree (decode + validate),
 * creating and applying an UpdatePath, Adds (one that extends the tree, a
 * batch of 100) and a Remove that truncates, and the memory a tree takes.
 *
 * Trees are realistic: N distinct signature keys, every leaf signed, every
 * parent node parent-hash valid (as if the members had committed one after
 * another from the right). Building one costs N key generations and N
 * signatures, so built trees are cached under /tmp/mlskit-bench/ for reruns.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Reader, Writer, concatBytes, utf8 } from "@mlskit/codec";
import { type CipherSuiteProvider, CredentialType, type CryptoProvider } from "@mlskit/core";
import {
  type LeafIndex,
  LeafNodeSource,
  type Node,
  type NodeIndex,
  NodeType,
  RatchetTree,
  TreePrivateKeys,
  applyUpdatePath,
  createUpdatePath,
  encodeLeafNode,
  encodeParentHashInput,
  encodeParentNode,
  isLeaf,
  leafHashInput,
  leafNodeLayout,
  leafRange,
  left,
  parentHashInput,
  ratchetTreeCodec,
  right,
  root,
  signLeafNode,
  decodeAndValidateTree,
} from "@mlskit/ratchet-tree";

/** One measurement. */
export interface Row {
  readonly name: string;
  readonly n: number;
  readonly value: number;
  readonly unit: string;
}

const SUITE = 0x0001;
const CACHE_DIR = "/tmp/mlskit-bench";
const CONCURRENCY = 1024;

/** A built tree and the secrets the benchmarks need. */
interface BuiltTree {
  readonly encoded: Uint8Array;
  readonly groupId: Uint8Array;
  /** Leaf 0 (the committer): signature private key. */
  readonly committerSignature: Uint8Array;
  /** Leaf 1 (a receiver): HPKE private key of its leaf. */
  readonly receiverLeafKey: Uint8Array;
}

/** Runs `fn(i)` for i < count with at most CONCURRENCY in flight. */
async function pool<T>(count: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  for (let from = 0; from < count; from += CONCURRENCY) {
    const to = Math.min(count, from + CONCURRENCY);
    const part = await Promise.all(Array.from({ length: to - from }, (_, j) => fn(from + j)));
    part.forEach((v, j) => (out[from + j] = v));
  }
  return out;
}

/**
 * Builds a valid tree of `n` members: the state after members n-1, n-2, …, 0
 * each sent a full Commit. Node P then holds the key set by the leftmost
 * member under it, with a valid parent-hash link to the next non-blank node
 * on that member's path; older links (from right children) are stale.
 */
async function buildTree(cs: CipherSuiteProvider, n: number): Promise<BuiltTree> {
  let leafCount = 1;
  while (leafCount < n) leafCount *= 2;
  const width = 2 * leafCount - 1;
  const nodes: (Node | undefined)[] = new Array(width).fill(undefined);
  const groupId = cs.randomBytes(16);
  const signatureKeys = await pool(n, () => cs.signatureGenerateKeyPair());
  const real = await Promise.all([cs.hpkeGenerateKeyPair(), cs.hpkeGenerateKeyPair()]);
  const capabilities = { versions: [1], cipherSuites: [SUITE], extensions: [], proposals: [], credentials: [CredentialType.basic] };
  const hasMember = (x: NodeIndex) => leafRange(x)[0] < n;
  const randomKey = () => cs.randomBytes(32);

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
    const rightHashes = await Promise.all(rights.map((r) => (hasMember(r) ? fill(r, randomKey()) : blankHash(r))));
    let cur = ph;
    const encodedParents: (Uint8Array | undefined)[] = [];
    for (let i = 0; i < spine.length; i++) {
      if (!hasMember(rights[i]!)) {
        encodedParents.push(undefined); // filtered out of the committer's path: blank
        continue;
      }
      const parentNode = { encryptionKey: randomKey(), parentHash: cur, unmergedLeaves: [] };
      nodes[spine[i]!] = { nodeType: NodeType.parent, parentNode };
      encodedParents.push(encodeParentNode(parentNode));
      cur = await cs.hash(encodeParentHashInput(parentNode.encryptionKey, cur, rightHashes[i]!));
    }
    const leafNode = await signLeafNode(
      cs,
      signatureKeys[leaf]!.privateKey,
      {
        encryptionKey: leaf < 2 ? real[leaf]!.publicKey : randomKey(),
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
  const w = new Writer(1 << 20);
  ratchetTreeCodec.encode(w, nodes.slice(0, last + 1));
  return { encoded: w.finish(), groupId, committerSignature: signatureKeys[0]!.privateKey, receiverLeafKey: real[1]!.privateKey };
}

async function loadOrBuild(cs: CipherSuiteProvider, n: number): Promise<BuiltTree> {
  const file = `${CACHE_DIR}/tree-v1-suite${SUITE}-n${n}.bin`;
  if (existsSync(file)) {
    const r = new Reader(new Uint8Array(readFileSync(file)));
    return { encoded: r.opaque().slice(), groupId: r.opaque().slice(), committerSignature: r.opaque().slice(), receiverLeafKey: r.opaque().slice() };
  }
  const built = await buildTree(cs, n);
  mkdirSync(CACHE_DIR, { recursive: true });
  const w = new Writer(built.encoded.length + 256);
  for (const b of [built.encoded, built.groupId, built.committerSignature, built.receiverLeafKey]) w.opaque(b);
  writeFileSync(file, w.finish());
  return built;
}

interface Timing {
  readonly wall: number;
  readonly cpu: number;
  /** The first run (cold caches: JIT, the provider's key cache). */
  readonly first: { readonly wall: number; readonly cpu: number };
}

/** Median wall-clock ms of `runs` runs with the process CPU ms (all threads) of that run, and the first run. */
async function median(runs: number, op: () => Promise<unknown>): Promise<Timing> {
  const times: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await op();
    const wall = performance.now() - t;
    const u = process.cpuUsage(c);
    times.push({ wall, cpu: (u.user + u.system) / 1000 });
  }
  const first = times[0]!;
  times.sort((a, b) => a.wall - b.wall);
  return { ...times[Math.floor(times.length / 2)]!, first };
}

function gc(): boolean {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) return false;
  g();
  g();
  return true;
}

function heapBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A KeyPackage-source leaf with fresh random keys (its signature is not checked by the tree). */
function fakeLeaf(cs: CipherSuiteProvider): Uint8Array {
  return encodeLeafNode({
    encryptionKey: cs.randomBytes(32),
    signatureKey: cs.randomBytes(32),
    credential: { credentialType: CredentialType.basic, identity: cs.randomBytes(16) },
    capabilities: { versions: [1], cipherSuites: [SUITE], extensions: [], proposals: [], credentials: [CredentialType.basic] },
    leafNodeSource: LeafNodeSource.key_package,
    lifetime: { notBefore: 0n, notAfter: 2n ** 63n },
    extensions: [],
    signature: cs.randomBytes(64),
  });
}

/** Adds `leaves` as one Commit would: each checked for unique keys against the staged tree, then tree hash and merge. */
async function addLeaves(tree: RatchetTree, leaves: readonly Uint8Array[]): Promise<RatchetTree> {
  const diff = tree.stage();
  for (const leaf of leaves) {
    const layout = leafNodeLayout(leaf);
    if (diff.findSignatureKey(leaf.subarray(...layout.signatureKey)).length > 0) throw new Error("duplicate signature key");
    if (diff.findEncryptionKey(leaf.subarray(...layout.encryptionKey)).length > 0) throw new Error("duplicate encryption key");
    diff.addLeaf(leaf);
  }
  await diff.treeHash();
  return diff.merge();
}

/** The tree with every blank leaf filled (so that the next Add extends it). */
function fillTree(cs: CipherSuiteProvider, tree: RatchetTree): Promise<RatchetTree> {
  return addLeaves(tree, Array.from({ length: tree.leafCount - tree.memberCount() }, () => fakeLeaf(cs)));
}

/**
 * Benchmarks trees of each size in `sizes` on suite 0x0001 of `provider`.
 * Memory figures need `node --expose-gc`; without it they are reported as -1.
 */
export async function benchTree(provider: CryptoProvider, sizes: number[]): Promise<Row[]> {
  const cs = await provider.cipherSuite(SUITE);
  const rows: Row[] = [];
  const row = (name: string, n: number, value: number, unit: string) => rows.push({ name, n, value, unit });
  for (const n of sizes) {
    const t0 = performance.now();
    const built = await loadOrBuild(cs, n);
    row("tree build or cache load", n, performance.now() - t0, "ms");
    row("encoded tree size", n, built.encoded.length, "bytes");
    const groupContext = (treeHash: Uint8Array) => concatBytes(built.groupId, treeHash);

    // Full tree hash: decode (parse) + hash of every node.
    const hashMs = await median(3, () => RatchetTree.decode(cs, built.encoded));
    row("decode + full tree hash", n, hashMs.wall, "ms");
    row("decode + full tree hash (CPU, all threads)", n, hashMs.cpu, "ms");

    // Validation of a received tree, as a joiner: decode + validate (§12.4.3.1).
    let tree: RatchetTree | undefined;
    const expectedTreeHash = await (await RatchetTree.decode(cs, built.encoded)).treeHash();
    const validateMs = await median(n >= 100_000 ? 1 : 3, async () => {
      tree = await decodeAndValidateTree(cs, built.encoded, { groupId: built.groupId, treeHash: expectedTreeHash });
    });
    // The first run is the honest one: later runs find the provider's public-key cache warm (small trees).
    row("validate received tree (decode + validate), first run", n, validateMs.first.wall, "ms");
    row("validate received tree, first run (CPU, all threads)", n, validateMs.first.cpu, "ms");
    row("validate received tree, median", n, validateMs.wall, "ms");
    const t = tree!;

    // Create an UpdatePath (leaf 0) and merge it.
    const sender = 0 as LeafIndex;
    let created: Awaited<ReturnType<typeof createUpdatePath>> | undefined;
    const createMs = await median(7, async () => {
      const diff = t.stage();
      created = await createUpdatePath(diff, { leafIndex: sender, signaturePrivateKey: built.committerSignature, groupId: built.groupId, groupContext });
      await diff.merge();
    });
    row("create UpdatePath + merge", n, createMs.wall, "ms");

    // Apply it as leaf 1: validate, merge, decrypt, derive up to the root.
    const receiverKeys = new TreePrivateKeys(1 as LeafIndex, [[2 as NodeIndex, built.receiverLeafKey]]);
    const applyMs = await median(7, async () => {
      const diff = t.stage();
      const r = await applyUpdatePath(diff, { sender, updatePath: created!.updatePath, groupId: built.groupId, groupContext, privateKeys: receiverKeys });
      if (r.decrypted === undefined) throw new Error("no commit secret");
      await diff.merge();
    });
    row("apply UpdatePath + merge", n, applyMs.wall, "ms");

    // Adds and Removes (§12.1.1, §12.1.3) on the full tree, as a Commit's proposals are applied:
    // key uniqueness checks per new leaf, then the tree hash (GroupContext) and the merge.
    const full = await fillTree(cs, t);
    const addOne = await median(5, () => addLeaves(full, [fakeLeaf(cs)]));
    row(`add 1 member, extending the tree (${full.leafCount} → ${full.leafCount + 1} members)`, n, addOne.wall, "ms");
    row("add 1 member, extending the tree (CPU, all threads)", n, addOne.cpu, "ms");
    const extended = await addLeaves(full, [fakeLeaf(cs)]);
    const removeOne = await median(5, async () => {
      const diff = extended.stage();
      diff.removeLeaf(full.leafCount as LeafIndex);
      await diff.treeHash();
      return diff.merge();
    });
    row("remove that member, truncating the tree", n, removeOne.wall, "ms");
    const batch = await median(5, () => addLeaves(t, Array.from({ length: 100 }, () => fakeLeaf(cs))));
    row("add 100 members (one Commit)", n, batch.wall, "ms");
    row("add 100 members (CPU, all threads)", n, batch.cpu, "ms");

    // Memory of a tree (nodes, hashes, key index) relative to its encoding;
    // averaged over several copies for small trees, where GC noise dominates.
    tree = undefined;
    if (gc()) {
      const copies = Math.max(1, Math.min(20, Math.floor(8_000_000 / built.encoded.length)));
      const before = heapBytes();
      let kept: RatchetTree[] = [];
      for (let i = 0; i < copies; i++) {
        const k = await RatchetTree.decode(cs, built.encoded);
        k.findEncryptionKey(new Uint8Array(32)); // build the key index too
        kept.push(k);
      }
      gc();
      const used = (heapBytes() - before) / copies;
      row("memory per tree", n, used, "bytes");
      row("memory / encoded size", n, used / built.encoded.length, "x");
      kept = [];
      void kept;
    } else {
      row("memory per tree (needs --expose-gc)", n, -1, "bytes");
    }
  }
  return rows;
}
