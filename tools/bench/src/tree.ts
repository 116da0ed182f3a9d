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
import { Reader, Writer, concatBytes } from "@mlskit/codec";
import { type CipherSuiteProvider, CredentialType, type CryptoProvider } from "@mlskit/core";
import {
  type LeafIndex,
  LeafNodeSource,
  type NodeIndex,
  RatchetTree,
  TreePrivateKeys,
  applyUpdatePath,
  createUpdatePath,
  decodeAndValidateTree,
  encodeLeafNode,
  leafNodeLayout,
  ratchetTreeCodec,
} from "@mlskit/ratchet-tree";
import { gc, populatedTree, settledHeapBytes } from "./populated-tree.js";

/** One measurement. */
export interface Row {
  readonly name: string;
  readonly n: number;
  readonly value: number;
  readonly unit: string;
}

const SUITE = 0x0001;
const CACHE_DIR = "/tmp/mlskit-bench";

/** A built tree and the secrets the benchmarks need. */
interface BuiltTree {
  readonly encoded: Uint8Array;
  readonly groupId: Uint8Array;
  /** Leaf 0 (the committer): signature private key. */
  readonly committerSignature: Uint8Array;
  /** Leaf 1 (a receiver): HPKE private key of its leaf. */
  readonly receiverLeafKey: Uint8Array;
}

/**
 * Builds a valid tree of `n` members (see {@link populatedTree}), with real
 * HPKE keys at leaves 0 (the committer) and 1 (a receiver).
 */
async function buildTree(cs: CipherSuiteProvider, n: number): Promise<BuiltTree> {
  const groupId = cs.randomBytes(16);
  const real = await Promise.all([cs.hpkeGenerateKeyPair(), cs.hpkeGenerateKeyPair()]);
  const { nodes, signatureKeys } = await populatedTree(cs, n, groupId, (x) => (x === 0 || x === 2 ? real[x >>> 1]!.publicKey : undefined));
  const w = new Writer(1 << 20);
  ratchetTreeCodec.encode(w, nodes);
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
  return addLeaves(
    tree,
    Array.from({ length: tree.leafCount - tree.memberCount() }, () => fakeLeaf(cs)),
  );
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
    const batch = await median(5, () =>
      addLeaves(
        t,
        Array.from({ length: 100 }, () => fakeLeaf(cs)),
      ),
    );
    row("add 100 members (one Commit)", n, batch.wall, "ms");
    row("add 100 members (CPU, all threads)", n, batch.cpu, "ms");

    // Memory of a tree (nodes, hashes, key index) relative to its encoding;
    // averaged over several copies for small trees, where GC noise dominates.
    tree = undefined;
    if (gc()) {
      const copies = Math.max(1, Math.min(20, Math.floor(8_000_000 / built.encoded.length)));
      const before = await settledHeapBytes();
      let kept: RatchetTree[] = [];
      for (let i = 0; i < copies; i++) {
        const k = await RatchetTree.decode(cs, built.encoded);
        k.findEncryptionKey(new Uint8Array(32)); // build the key index too
        kept.push(k);
      }
      const used = ((await settledHeapBytes()) - before) / copies;
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
