/**
 * Copy-on-write diffs: random sequences of Add/Update/Remove and path
 * updates, merged over several generations, must give the same encodings and
 * hashes as a tree recomputed from scratch, never disturb the base tree, and
 * keep the key index in step.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { bytesEqual, toHex } from "@mlskit/codec";
import type { CipherSuiteProvider } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { fakeLeaves } from "./fake-leaf.fixture.js";
import { RatchetTree } from "./ratchet-tree.js";
import type { TreeDiff } from "./tree-diff.js";
import { type LeafIndex, type NodeIndex, directPath, leafToNode } from "./tree-math.js";
import type { TreeView } from "./tree-view.js";

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

let rand = prng(42);
const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
const fakeLeaf = fakeLeaves(bytes, "member-");

async function expectConsistent(cs: CipherSuiteProvider, tree: RatchetTree): Promise<void> {
  const fresh = await RatchetTree.decode(cs, tree.encode());
  expect(fresh.leafCount).toBe(tree.leafCount);
  for (let n = 0; n < tree.nodeCount; n++) {
    if (!bytesEqual(fresh.hashOf(n as NodeIndex), tree.hashOf(n as NodeIndex))) throw new Error(`cached hash of node ${n} differs`);
  }
}

function snapshot(tree: RatchetTree): { enc: string; hash: string } {
  return { enc: toHex(tree.encode()), hash: toHex(tree.hashOf(tree.rootIndex)) };
}

function members(view: TreeView): LeafIndex[] {
  return [...view.leaves()];
}

/** A random mix of proposals and a path-like reset (new keys along a direct path). */
function randomChanges(diff: TreeDiff, count: number): void {
  for (let i = 0; i < count; i++) {
    const m = members(diff);
    const r = rand();
    if (r < 0.4 || m.length < 3) diff.addLeaf(fakeLeaf());
    else if (r < 0.6) diff.removeLeaf(m[Math.floor(rand() * m.length)]!);
    else if (r < 0.8) diff.updateLeaf(m[Math.floor(rand() * m.length)]!, fakeLeaf());
    else {
      const l = m[Math.floor(rand() * m.length)]!;
      diff.blankDirectPath(l);
      for (const e of diff.filteredDirectPathWithCopath(l)) diff.setParent(e.node, { encryptionKey: bytes(32), parentHash: bytes(32), unmergedLeaves: [] });
      diff.setLeaf(l, fakeLeaf());
    }
  }
}

describe("TreeDiff (copy-on-write)", () => {
  let cs: CipherSuiteProvider;
  beforeAll(async () => {
    cs = await nobleCryptoProvider().cipherSuite(1);
  });

  it("random changes over generations match recomputation; bases never change", async () => {
    rand = prng(7);
    const first = (await RatchetTree.create(cs, fakeLeaf())).stage();
    for (let i = 0; i < 700; i++) first.addLeaf(fakeLeaf()); // 1024 leaves: spans two storage chunks
    let tree = await first.merge();
    await expectConsistent(cs, tree);
    const history: { tree: RatchetTree; snap: ReturnType<typeof snapshot> }[] = [];
    for (let round = 0; round < 25; round++) {
      history.push({ tree, snap: snapshot(tree) });
      const diff = tree.stage();
      randomChanges(diff, 1 + Math.floor(rand() * 6));
      const staged = toHex(diff.encode());
      const stagedHash = toHex(await diff.treeHash());
      if (round % 5 === 4) {
        // Dropped: the base is untouched.
        expect(snapshot(tree)).toEqual(history[history.length - 1]!.snap);
        continue;
      }
      const next = await diff.merge();
      expect(toHex(next.encode())).toBe(staged);
      expect(toHex(await next.treeHash())).toBe(stagedHash);
      await expectConsistent(cs, next);
      tree = next;
    }
    // Every earlier tree still reads exactly as it did (shared storage is never written).
    for (const h of history) expect(snapshot(h.tree)).toEqual(h.snap);
  });

  it("forks of one base merge independently", async () => {
    rand = prng(11);
    const d = (await RatchetTree.create(cs, fakeLeaf())).stage();
    for (let i = 0; i < 40; i++) d.addLeaf(fakeLeaf());
    const base = await d.merge();
    const snap = snapshot(base);
    const a = base.stage();
    const b = base.stage();
    randomChanges(a, 8);
    randomChanges(b, 8);
    const [ta, tb] = [await a.merge(), await b.merge()];
    await expectConsistent(cs, ta);
    await expectConsistent(cs, tb);
    expect(snapshot(base)).toEqual(snap);
    expect(snapshot(ta)).not.toEqual(snapshot(tb));
  });

  it("truncates after removing the right half, and extends again on Add (§7.7)", async () => {
    rand = prng(3);
    const d = (await RatchetTree.create(cs, fakeLeaf())).stage();
    for (let i = 0; i < 8; i++) d.addLeaf(fakeLeaf());
    const base = await d.merge();
    expect(base.leafCount).toBe(16);
    const diff = base.stage();
    diff.removeLeaf(8 as LeafIndex);
    expect(diff.leafCount).toBe(8);
    diff.removeLeaf(7 as LeafIndex);
    diff.removeLeaf(6 as LeafIndex);
    diff.removeLeaf(5 as LeafIndex);
    expect(diff.leafCount).toBe(8); // leaf 4 is still in the right half
    diff.removeLeaf(4 as LeafIndex);
    expect(diff.leafCount).toBe(4);
    diff.removeLeaf(1 as LeafIndex);
    expect(diff.addLeaf(fakeLeaf())).toBe(1); // leftmost blank leaf
    expect(diff.addLeaf(fakeLeaf())).toBe(4); // none left: extend
    expect(diff.leafCount).toBe(8);
    // Nodes past the truncation read as blank, not as the base's old nodes.
    expect(diff.isBlank(leafToNode(5 as LeafIndex))).toBe(true);
    const merged = await diff.merge();
    await expectConsistent(cs, merged);
    expect(toHex(merged.encode())).toBe(toHex(diff.encode()));
  });

  it("Add lists the new leaf as unmerged at non-blank ancestors, sorted (§12.1.1)", async () => {
    rand = prng(5);
    const d = (await RatchetTree.create(cs, fakeLeaf())).stage();
    for (let i = 0; i < 7; i++) d.addLeaf(fakeLeaf());
    for (const n of directPath(leafToNode(0 as LeafIndex), 8)) d.setParent(n, { encryptionKey: bytes(32), parentHash: bytes(32), unmergedLeaves: [] });
    d.removeLeaf(2 as LeafIndex); // blanks leaf 2 and its direct path 5, 3, 7
    d.setParent(7 as NodeIndex, { encryptionKey: bytes(32), parentHash: new Uint8Array(0), unmergedLeaves: [5 as LeafIndex] });
    const l = d.addLeaf(fakeLeaf());
    expect(l).toBe(2);
    expect(d.parentNode(7 as NodeIndex)!.unmergedLeaves).toEqual([2, 5]);
    expect(d.changedNodes()).toContain(7);
  });

  it("keeps the key index in step with merges", async () => {
    rand = prng(9);
    const d = (await RatchetTree.create(cs, fakeLeaf())).stage();
    for (let i = 0; i < 100; i++) d.addLeaf(fakeLeaf());
    let tree = await d.merge();
    tree.findEncryptionKey(new Uint8Array(32)); // build the index
    for (let round = 0; round < 10; round++) {
      const diff = tree.stage();
      randomChanges(diff, 5);
      // The diff answers from the base index plus its own changes.
      for (let n = 0; n < diff.nodeCount; n++) {
        const k = diff.encryptionKey(n as NodeIndex);
        if (k !== undefined) expect(diff.findEncryptionKey(k)).toEqual([n]);
      }
      tree = await diff.merge();
      for (let n = 0; n < tree.nodeCount; n++) {
        const k = tree.encryptionKey(n as NodeIndex);
        if (k !== undefined) expect(tree.findEncryptionKey(k)).toEqual([n]);
        if (n % 2 === 0 && k !== undefined) expect(tree.findSignatureKey(tree.signatureKey((n / 2) as LeafIndex)!)).toEqual([n / 2]);
      }
    }
  });

  it("compacts its arena when replaced encodings pile up", async () => {
    rand = prng(13);
    const d = (await RatchetTree.create(cs, fakeLeaf())).stage();
    for (let i = 0; i < 500; i++) d.addLeaf(fakeLeaf());
    let tree = await d.merge();
    let maxUsed = 0;
    let compactions = 0;
    for (let round = 0; round < 80; round++) {
      const diff = tree.stage();
      for (const l of members(diff).slice(0, 200)) diff.updateLeaf(l, fakeLeaf());
      const next = await diff.merge();
      if (next.arena !== tree.arena) compactions++;
      tree = next;
      maxUsed = Math.max(maxUsed, tree.arena.used);
    }
    expect(compactions).toBeGreaterThan(0);
    expect(maxUsed).toBeLessThan(2 * tree.liveBytes + (1 << 20) + 200 * 300);
    await expectConsistent(cs, tree);
  });

  it("rejects Remove and Update of blank leaves (§12.1.2, §12.1.3)", async () => {
    const base = await RatchetTree.create(cs, fakeLeaf());
    const diff = base.stage();
    expect(() => diff.removeLeaf(3 as LeafIndex)).toThrow(/§12\.1\.3/);
    expect(() => diff.updateLeaf(1 as LeafIndex, fakeLeaf())).toThrow(/§12\.1\.2/);
    expect(diff.isEmpty).toBe(true);
  });
});
