/**
 * Negative tests for joiner tree validation (§12.4.3.1): each tampering is
 * rejected with a ValidationError naming its rule and RFC section, and the
 * tree stays bit-for-bit unchanged.
 */
import { describe, expect, it } from "vitest";
import { CodecError, decode, encode, toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, ValidationError } from "@mlskit/core";
import { hex, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { type LeafNode, LeafNodeSource, signLeafNode } from "./leaf-node.js";
import { type Node, NodeType, ratchetTreeCodec } from "./node.js";
import type { ParentNode } from "./parent-node.js";
import { RatchetTree } from "./ratchet-tree.js";
import { signedKeyPackageLeaf } from "./signed-leaf.fixture.js";
import { type LeafIndex, directPath, leafToNode } from "./tree-math.js";
import { type TreeValidationOptions, decodeAndValidateTree, validateTree } from "./tree-validation.js";

// A suite-1 tree with unmerged leaves ("get_tree(7), then leaf 0 adds a member").
const source = vectors.treeValidation().find((v) => {
  if (v.cipher_suite !== 1) return false;
  const nodes = decode(ratchetTreeCodec, hex(v.tree));
  return nodes.some((n) => n?.nodeType === NodeType.parent && n.parentNode.unmergedLeaves.length > 0);
})!;

type Mut = (Node | undefined)[];
const leafAt = (nodes: Mut, l: number) => (nodes[2 * l] as { leafNode: LeafNode }).leafNode;
const parentAt = (nodes: Mut, n: number) => (nodes[n] as { parentNode: ParentNode }).parentNode;
const setLeaf = (nodes: Mut, l: number, leaf: Partial<LeafNode>) => {
  nodes[2 * l] = { nodeType: NodeType.leaf, leafNode: { ...leafAt(nodes, l), ...leaf } };
};
const setParent = (nodes: Mut, n: number, p: Partial<ParentNode>) => {
  nodes[n] = { nodeType: NodeType.parent, parentNode: { ...parentAt(nodes, n), ...p } };
};
const flip = (b: Uint8Array, i = 0) => {
  const c = b.slice();
  c[i] = c[i]! ^ 1;
  return c;
};

async function expectRejected(
  cs: CipherSuiteProvider,
  mutate: (nodes: Mut) => void,
  code: string,
  section: string,
  options: Partial<TreeValidationOptions> = {},
  build?: () => Promise<RatchetTree>,
): Promise<void> {
  const nodes = decode(ratchetTreeCodec, hex(source.tree));
  mutate(nodes);
  const tree = build !== undefined ? await build() : await RatchetTree.fromNodes(cs, nodes);
  const before = toHex(tree.encode());
  const hashBefore = toHex(await tree.treeHash());
  const err = await validateTree(tree, { groupId: hex(source.group_id), ...options }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ValidationError.isInstance(err), String(err)).toBe(true);
  expect((err as ValidationError).code).toBe(code);
  expect((err as ValidationError).rfcSection).toBe(section);
  expect((err as Error).message).toContain(`RFC 9420 §${section}`);
  expect(toHex(tree.encode())).toBe(before);
  expect(toHex(await tree.treeHash())).toBe(hashBefore);
}

/** Parent nodes with a non-empty parent_hash (i.e. not the root). */
function parentsWithHash(nodes: Mut): number[] {
  return nodes.flatMap((n, i) => (n?.nodeType === NodeType.parent && n.parentNode.parentHash.length > 0 ? [i] : []));
}

for (const provider of testProviders()) {
  describe(`tree validation rejections × ${provider.name}`, () => {
    const cs = () => provider.cipherSuite(1);

    it("accepts the untampered tree", async () => {
      const tree = await RatchetTree.decode(await cs(), hex(source.tree));
      await validateTree(tree, { groupId: hex(source.group_id), treeHash: await tree.treeHash() });
    });

    it("tree hash mismatch → tree/tree-hash-mismatch (§12.4.3.1)", async () => {
      const c = await cs();
      const tree = await RatchetTree.decode(c, hex(source.tree));
      await expectRejected(c, () => {}, "tree/tree-hash-mismatch", "12.4.3.1", { treeHash: flip(await tree.treeHash()) });
    });

    it("tampered parent_hash of a parent → tree/parent-hash-invalid (§7.9.2)", async () => {
      const c = await cs();
      const nodes = decode(ratchetTreeCodec, hex(source.tree));
      for (const p of parentsWithHash(nodes)) {
        await expectRejected(c, (n) => setParent(n, p, { parentHash: flip(parentAt(n, p).parentHash) }), "tree/parent-hash-invalid", "7.9.2");
      }
    });

    it("tampered parent encryption key → tree/parent-hash-invalid (§7.9.2)", async () => {
      const c = await cs();
      const nodes = decode(ratchetTreeCodec, hex(source.tree));
      const p = nodes.findIndex((n, i) => i % 2 === 1 && n !== undefined);
      await expectRejected(c, (n) => setParent(n, p, { encryptionKey: flip(parentAt(n, p).encryptionKey, 3) }), "tree/parent-hash-invalid", "7.9.2");
    });

    it("tampered parent_hash in a commit leaf → tree/parent-hash-invalid (§7.9.2)", async () => {
      const c = await cs();
      const nodes = decode(ratchetTreeCodec, hex(source.tree));
      const l = nodes.findIndex((n) => n?.nodeType === NodeType.leaf && n.leafNode.parentHash !== undefined) / 2;
      // The leaf's own link breaks; the parent it authenticated loses its only chain.
      await expectRejected(c, (n) => setLeaf(n, l, { parentHash: flip(leafAt(n, l).parentHash!) }), "tree/parent-hash-invalid", "7.9.2");
    });

    it("tampered leaf signature → tree/leaf-signature-invalid (§7.3)", async () => {
      const c = await cs();
      // A member added without a path is unmerged at all its ancestors, so no
      // parent hash covers its leaf: the signature check is what must catch it.
      const base = await RatchetTree.decode(c, hex(source.tree));
      const leaf = await signedKeyPackageLeaf(c, base.leafNode(0 as LeafIndex)!);
      const good = base.stage();
      const added = good.addLeaf(leaf);
      const goodTree = await good.merge();
      await validateTree(goodTree, { groupId: hex(source.group_id) });
      await expectRejected(
        c,
        () => {},
        "tree/leaf-signature-invalid",
        "7.3",
        {},
        async () => {
          const bad = base.stage();
          bad.addLeaf({ ...leaf, signature: flip(leaf.signature, 5) });
          expect(bad.addLeaf === good.addLeaf && added).toBeGreaterThan(0);
          return bad.merge();
        },
      );
    });

    it("checks every leaf signature, also past the first batches (a bad last leaf of 700)", async () => {
      const c = await cs();
      const build = async (badLast: boolean) => {
        const leaves = await Promise.all(
          Array.from({ length: 700 }, async (_, i) => {
            const sig = await c.signatureGenerateKeyPair();
            const leaf = await signLeafNode(c, sig.privateKey, {
              encryptionKey: (await c.hpkeGenerateKeyPair()).publicKey,
              signatureKey: sig.publicKey,
              credential: { credentialType: 1, identity: Uint8Array.of(i >> 8, i & 255) },
              capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] },
              leafNodeSource: LeafNodeSource.key_package,
              lifetime: { notBefore: 0n, notAfter: 2n ** 64n - 1n },
              extensions: [],
            });
            return badLast && i === 699 ? { ...leaf, signature: flip(leaf.signature, 7) } : leaf;
          }),
        );
        const d = (await RatchetTree.create(c, leaves[0]!)).stage();
        for (const l of leaves.slice(1)) d.addLeaf(l);
        return d.merge();
      };
      const good = await build(false);
      await validateTree(good, { groupId: new Uint8Array(0) });
      const bad = await build(true);
      await expect(validateTree(bad, { groupId: new Uint8Array(0) })).rejects.toThrow(/leaf 699/);
      await expect(decodeAndValidateTree(c, bad.encode(), { groupId: new Uint8Array(0) })).rejects.toThrow(/leaf 699/);
    });

    it("duplicate leaf encryption key → tree/duplicate-encryption-key (§7.3)", async () => {
      const c = await cs();
      await expectRejected(c, (n) => setLeaf(n, 1, { encryptionKey: leafAt(n, 0).encryptionKey }), "tree/duplicate-encryption-key", "7.3");
    });

    it("parent key equal to a leaf key → tree/duplicate-encryption-key (§12.4.3.1)", async () => {
      const c = await cs();
      const nodes = decode(ratchetTreeCodec, hex(source.tree));
      const p = nodes.findIndex((n, i) => i % 2 === 1 && n !== undefined);
      await expectRejected(c, (n) => setParent(n, p, { encryptionKey: leafAt(n, 0).encryptionKey }), "tree/duplicate-encryption-key", "12.4.3.1");
    });

    it("duplicate signature key → tree/duplicate-signature-key (§7.3)", async () => {
      const c = await cs();
      await expectRejected(c, (n) => setLeaf(n, 2, { signatureKey: leafAt(n, 0).signatureKey }), "tree/duplicate-signature-key", "7.3");
    });

    it("unmerged leaf that is not a descendant → tree/unmerged-leaves-inconsistent (§12.4.3.1)", async () => {
      const c = await cs();
      const nodes = decode(ratchetTreeCodec, hex(source.tree));
      const p = nodes.findIndex((n, i) => i % 2 === 1 && n !== undefined && i !== nodes.length - 1 && i < 7);
      const outside = 7; // leaf 7 is outside the left half
      await expectRejected(
        c,
        (n) => setParent(n, p, { unmergedLeaves: [...parentAt(n, p).unmergedLeaves, outside as LeafIndex].sort((a, b) => a - b) }),
        "tree/unmerged-leaves-inconsistent",
        "12.4.3.1",
      );
    });

    it("unsorted unmerged_leaves → tree/unmerged-leaves-inconsistent (§7.1)", async () => {
      const c = await cs();
      const nodes = decode(ratchetTreeCodec, hex(source.tree));
      const p = nodes.findIndex((n) => n?.nodeType === NodeType.parent && n.parentNode.unmergedLeaves.length > 0);
      const u = parentAt(nodes, p).unmergedLeaves[0]!;
      await expectRejected(c, (n) => setParent(n, p, { unmergedLeaves: [u, u] }), "tree/unmerged-leaves-inconsistent", "7.1");
    });

    it("unmerged at an ancestor but not at the non-blank node between → tree/unmerged-leaves-inconsistent (§12.4.3.1)", async () => {
      const c = await cs();
      const nodes = decode(ratchetTreeCodec, hex(source.tree));
      const leafCount = (nodes.length + 1) / 2;
      let target: { u: number; top: number } | undefined;
      for (let u = 0; u < leafCount && target === undefined; u++) {
        if (nodes[2 * u] === undefined) continue;
        const nonBlank = directPath(leafToNode(u as LeafIndex), 2 ** Math.ceil(Math.log2(leafCount))).filter((x) => nodes[x] !== undefined);
        if (nonBlank.length >= 2 && !parentAt(nodes, nonBlank[0]!).unmergedLeaves.includes(u as LeafIndex)) target = { u, top: nonBlank[1]! };
      }
      expect(target).toBeDefined();
      const { u, top } = target!;
      await expectRejected(
        c,
        (n) => setParent(n, top, { unmergedLeaves: [...parentAt(n, top).unmergedLeaves, u as LeafIndex].sort((a, b) => a - b) }),
        "tree/unmerged-leaves-inconsistent",
        "12.4.3.1",
      );
    });

    it("credential rejected by the application → tree/credential-invalid (§5.3.1)", async () => {
      const c = await cs();
      await expectRejected(c, () => {}, "tree/credential-invalid", "5.3.1", { validateCredential: (_leaf, l) => l !== 3 });
    });

    it("leaf outside its lifetime → tree/leaf-lifetime (§7.3)", async () => {
      const c = await cs();
      await expectRejected(c, () => {}, "tree/leaf-lifetime", "7.3", { now: 2n ** 64n - 1n });
    });

    it("malformed trees", async () => {
      const c = await cs();
      const nodes = decode(ratchetTreeCodec, hex(source.tree));
      await expect(RatchetTree.decode(c, encode(ratchetTreeCodec, [...nodes, undefined]))).rejects.toSatisfy(
        (e: unknown) => ValidationError.isInstance(e) && e.code === "tree/malformed" && e.rfcSection === "12.4.3.3",
      );
      await expect(RatchetTree.decode(c, encode(ratchetTreeCodec, [nodes[1], nodes[0]]))).rejects.toSatisfy(
        (e: unknown) => ValidationError.isInstance(e) && e.code === "tree/malformed",
      );
      const bytes = hex(source.tree);
      await expect(RatchetTree.decode(c, bytes.subarray(0, bytes.length - 1))).rejects.toSatisfy((e: unknown) => CodecError.isInstance(e));
      const bad = bytes.slice();
      bad[bad.length > 64 ? 2 : 1] = 7; // first optional flag of the first node
      await expect(RatchetTree.decode(c, bad)).rejects.toSatisfy((e: unknown) => CodecError.isInstance(e) || ValidationError.isInstance(e));
    });
  });
}
