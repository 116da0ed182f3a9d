/**
 * A provider offering `hashSync` (the optional synchronous hash of
 * CipherSuiteProvider): the tree must use it instead of `hash` for tree and
 * parent hashes, and give exactly the same hashes and verdicts.
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { bytesEqual, toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ValidationError } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { hex, vectors } from "@mlskit/test-vectors";
import { fakeLeaves } from "./fake-leaf.fixture.js";
import { RatchetTree } from "./ratchet-tree.js";
import type { LeafIndex, NodeIndex } from "./tree-math.js";
import { decodeAndValidateTree, validateTree } from "./tree-validation.js";

/** `cs` with a `hashSync` from node:crypto, counting calls to `hash` and `hashSync`. */
function withHashSync(cs: CipherSuiteProvider): { cs: CipherSuiteProvider; calls: { hash: number; hashSync: number } } {
  const calls = { hash: 0, hashSync: 0 };
  const algorithm = cs.suite.hash.replace("-", "").toLowerCase();
  const hashSync = (data: Uint8Array): Uint8Array => {
    calls.hashSync++;
    return new Uint8Array(createHash(algorithm).update(data).digest());
  };
  const wrapped = new Proxy(cs, {
    get(target, prop) {
      if (prop === "hashSync") return hashSync;
      if (prop === "hash") {
        return (data: Uint8Array) => {
          calls.hash++;
          return target.hash(data);
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { cs: wrapped, calls };
}

let seed = 7;
const rand = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};
const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
const fakeLeaf = fakeLeaves(bytes, "m-");

describe("synchronous hashing (CipherSuiteProvider.hashSync)", () => {
  for (const provider of [nobleCryptoProvider(), webCryptoProvider()]) {
    it(`tree-validation.json trees hash and validate alike (${provider.name})`, async () => {
      const supported = await provider.supportedCipherSuites();
      let ran = 0;
      for (const v of vectors.treeValidation()) {
        if (!supported.includes(v.cipher_suite)) continue;
        const { cs, calls } = withHashSync(await provider.cipherSuite(v.cipher_suite));
        const tree = await RatchetTree.decode(cs, hex(v.tree));
        for (let n = 0; n < tree.nodeCount; n++) expect(toHex(await tree.nodeHash(n as NodeIndex))).toBe(v.tree_hashes[n]);
        const treeHash = hex(v.tree_hashes[tree.rootIndex]!);
        await validateTree(tree, { groupId: hex(v.group_id), treeHash });
        const joined = await decodeAndValidateTree(cs, hex(v.tree), { groupId: hex(v.group_id), treeHash });
        expect(toHex(await joined.treeHash())).toBe(toHex(treeHash));
        expect(calls.hash).toBe(0);
        expect(calls.hashSync).toBeGreaterThan(0);
        ran++;
      }
      expect(ran).toBeGreaterThan(0);
    });
  }

  it("rejects tampered trees with the same errors as without it", async () => {
    const plain = await nobleCryptoProvider().cipherSuite(1);
    const { cs } = withHashSync(plain);
    const codeOf = (e: unknown) => (ValidationError.isInstance(e) ? e.code : String(e));
    let signatureFailures = 0;
    for (const v of vectors.treeValidation().filter((x) => x.cipher_suite === 1)) {
      const good = hex(v.tree);
      const groupId = hex(v.group_id);
      const treeHash = hex(v.tree_hashes[v.tree_hashes.length >>> 1]!);
      const bad = good.slice();
      bad[bad.length - 1]! ^= 1; // the signature of the last leaf
      const cases: [Uint8Array, Parameters<typeof decodeAndValidateTree>[2]][] = [
        [bad, { groupId }],
        [good, { groupId: groupId.map((b) => b ^ 1) }], // wrong group: update/commit leaves fail
        [good, { groupId, treeHash: treeHash.map((b) => b ^ 1) }],
      ];
      for (const [tree, options] of cases) {
        const want = codeOf(await decodeAndValidateTree(plain, tree, options).catch((e: unknown) => e));
        const got = codeOf(await decodeAndValidateTree(cs, tree, options).catch((e: unknown) => e));
        expect(got).toBe(want);
        expect(got).toMatch(/^tree\//);
        if (got === "tree/leaf-signature-invalid") signatureFailures++;
      }
    }
    expect(signatureFailures).toBeGreaterThan(0);
  });

  it("diffs (adds with extension, updates, removes with truncation) give the same hashes with and without it", async () => {
    const plain = await nobleCryptoProvider().cipherSuite(1);
    const { cs: sync, calls } = withHashSync(plain);
    const first = fakeLeaf();
    let a = await RatchetTree.create(plain, first);
    let b = await RatchetTree.create(sync, first);
    for (let round = 0; round < 12; round++) {
      const da = a.stage();
      const db = b.stage();
      const count = 1 + Math.floor(rand() * 20);
      for (let i = 0; i < count; i++) {
        const members = [...da.leaves()];
        const r = rand();
        if (r < 0.6 || members.length < 3) {
          const leaf = fakeLeaf();
          expect(da.addLeaf(leaf)).toBe(db.addLeaf(leaf));
        } else if (r < 0.8) {
          const l = members[1 + Math.floor(rand() * (members.length - 1))]!;
          da.removeLeaf(l);
          db.removeLeaf(l);
        } else {
          const l = members[Math.floor(rand() * members.length)]! as LeafIndex;
          const leaf = fakeLeaf();
          da.updateLeaf(l, leaf);
          db.updateLeaf(l, leaf);
        }
      }
      expect(toHex(await db.treeHash())).toBe(toHex(await da.treeHash()));
      a = await da.merge();
      b = await db.merge();
      const fresh = await RatchetTree.decode(plain, b.encode());
      expect(b.leafCount).toBe(fresh.leafCount);
      for (let n = 0; n < b.nodeCount; n++) {
        if (!bytesEqual(b.hashOf(n as NodeIndex), fresh.hashOf(n as NodeIndex))) throw new Error(`round ${round}: hash of node ${n} differs`);
      }
    }
    expect(calls.hash).toBe(0);
  });
});

describe("leaf hashes (stored only without a synchronous hash)", () => {
  it("recomputed leaf hashes equal stored ones through diffs, and halve the hash table", async () => {
    const stored = await webCryptoProvider().cipherSuite(1); // no hashSync: leaf hashes are kept
    expect(stored.hashSync).toBeUndefined();
    const { cs: sync } = withHashSync(stored);
    const first = fakeLeaf();
    let a = await RatchetTree.create(stored, first);
    let b = await RatchetTree.create(sync, first);
    for (let round = 0; round < 6; round++) {
      const da = a.stage();
      const db = b.stage();
      for (let i = 0; i < 5 + round * 3; i++) {
        const leaf = fakeLeaf();
        da.addLeaf(leaf);
        db.addLeaf(leaf);
      }
      const members = [...da.leaves()];
      const updated = members[Math.floor(members.length / 2)]! as LeafIndex;
      const leaf = fakeLeaf();
      da.updateLeaf(updated, leaf);
      db.updateLeaf(updated, leaf);
      a = await da.merge();
      b = await db.merge();
      expect(a.tables.leafHashes).toBe(true);
      expect(b.tables.leafHashes).toBe(false);
      for (let n = 0; n < a.nodeCount; n++) {
        if (!bytesEqual(a.hashOf(n as NodeIndex), b.hashOf(n as NodeIndex))) throw new Error(`round ${round}: hash of node ${n} differs`);
      }
    }
    const bytesOf = (t: RatchetTree) => t.tables.hashes.reduce((sum, c) => sum + c.length, 0);
    expect(bytesOf(b) * 2).toBe(bytesOf(a));
  });
});

describe("TreeDiff key lookups", () => {
  let cs: CipherSuiteProvider;
  beforeAll(async () => {
    cs = await nobleCryptoProvider().cipherSuite(1);
  });

  it("find keys set by the diff, and forget keys it replaced or removed", async () => {
    const leaves = Array.from({ length: 9 }, () => fakeLeaf());
    const base = await RatchetTree.fromNodes(cs, [{ nodeType: 1, leafNode: leaves[0]! }]);
    const diff = base.stage();
    for (let i = 1; i < leaves.length; i++) diff.addLeaf(leaves[i]!);
    for (let i = 0; i < leaves.length; i++) {
      expect(diff.findSignatureKey(leaves[i]!.signatureKey)).toEqual([i]);
      expect(diff.findEncryptionKey(leaves[i]!.encryptionKey)).toEqual([2 * i]);
    }
    const replacement = fakeLeaf();
    diff.updateLeaf(3 as LeafIndex, replacement);
    expect(diff.findSignatureKey(leaves[3]!.signatureKey)).toEqual([]);
    expect(diff.findEncryptionKey(replacement.encryptionKey)).toEqual([6]);
    diff.removeLeaf(8 as LeafIndex); // truncates to 8 leaves
    expect(diff.findSignatureKey(leaves[8]!.signatureKey)).toEqual([]);
    diff.removeLeaf(0 as LeafIndex); // a base leaf
    expect(diff.findEncryptionKey(leaves[0]!.encryptionKey)).toEqual([]);
    // The same key twice (a duplicate the caller must reject) is found twice.
    diff.addLeaf(leaves[5]!);
    expect(diff.findSignatureKey(leaves[5]!.signatureKey)).toEqual([0, 5]);
  });

  it("a batch of Adds lists each new leaf, sorted, in the unmerged_leaves of every non-blank parent above it", async () => {
    // 8 leaves: 0-3 and 7 members; parent 3 and the root 7 non-blank, the root listing leaf 7 as unmerged.
    const parent = (unmergedLeaves: LeafIndex[]) => ({ nodeType: 2 as const, parentNode: { encryptionKey: bytes(32), parentHash: bytes(32), unmergedLeaves } });
    const leaf = () => ({ nodeType: 1 as const, leafNode: fakeLeaf() });
    const nodes = [
      leaf(),
      undefined,
      leaf(),
      parent([]),
      leaf(),
      undefined,
      leaf(),
      parent([7 as LeafIndex]),
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      leaf(),
    ];
    const tree = await RatchetTree.fromNodes(cs, nodes);
    const diff = tree.stage();
    expect([diff.addLeaf(fakeLeaf()), diff.addLeaf(fakeLeaf()), diff.addLeaf(fakeLeaf())]).toEqual([4, 5, 6]);
    expect(diff.unmergedLeaves(7 as NodeIndex)).toEqual([4, 5, 6, 7]);
    expect(diff.unmergedLeaves(3 as NodeIndex)).toEqual([]);
    expect(diff.resolution(7 as NodeIndex)).toEqual([7, 8, 10, 12, 14]);
    const merged = await diff.merge();
    const fresh = await RatchetTree.decode(cs, merged.encode());
    expect(toHex(await merged.treeHash())).toBe(toHex(await fresh.treeHash()));
    expect(merged.unmergedLeaves(7 as NodeIndex)).toEqual([4, 5, 6, 7]);
    expect(tree.unmergedLeaves(7 as NodeIndex)).toEqual([7]);
  });
});
