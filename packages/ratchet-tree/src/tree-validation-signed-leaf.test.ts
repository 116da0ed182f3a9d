/**
 * `TreeValidationOptions.signedLeaf` (a joiner's own KeyPackage leaf, §12.4.3.1):
 * only a `key_package` leaf of exactly those bytes skips its signature check
 * (its LeafNodeTBS is its own bytes, the same in any group, §7.2); every
 * other leaf is verified, and the skipped one's credential still goes to
 * the application. Every provider, the thread-pool split of node:crypto's
 * included.
 */
import { describe, expect, it } from "vitest";
import { decode } from "@mlskit/codec";
import { type CipherSuiteProvider, ValidationError } from "@mlskit/core";
import { hex, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { type LeafNode, LeafNodeSource, encodeLeafNode } from "./leaf-node.js";
import { NodeType, ratchetTreeCodec } from "./node.js";
import { signedKeyPackageLeaf } from "./signed-leaf.fixture.js";
import { RatchetTree } from "./ratchet-tree.js";
import type { LeafIndex } from "./tree-math.js";
import { decodeAndValidateTree, validateTree } from "./tree-validation.js";

const source = vectors.treeValidation().find((v) => v.cipher_suite === 1 && decode(ratchetTreeCodec, hex(v.tree)).some((n) => n?.nodeType === NodeType.leaf))!;
const groupId = hex(source.group_id);

const flip = (b: Uint8Array, i: number) => {
  const c = b.slice();
  c[i] = c[i]! ^ 1;
  return c;
};

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (e === undefined) return undefined;
  expect(ValidationError.isInstance(e), String(e)).toBe(true);
  return (e as ValidationError).code;
}

/** The vector tree with `leaf` added (a member added without a path: its leaf is covered by no parent hash). */
async function withLeaf(cs: CipherSuiteProvider, leaf: LeafNode): Promise<{ tree: RatchetTree; at: LeafIndex }> {
  const d = (await RatchetTree.decode(cs, hex(source.tree))).stage();
  const at = d.addLeaf(leaf) as LeafIndex;
  return { tree: await d.merge(), at };
}

for (const provider of testProviders()) {
  describe(`tree validation, signedLeaf × ${provider.name}`, () => {
    const setup = async () => {
      const cs = await provider.cipherSuite(1);
      const good = await signedKeyPackageLeaf(cs, (await RatchetTree.decode(cs, hex(source.tree))).leafNode(0 as LeafIndex)!);
      return { cs, good, bad: { ...good, signature: flip(good.signature, 3) } };
    };

    it("a key_package leaf of exactly the signedLeaf bytes is not verified again; any other bad leaf is refused", async () => {
      const { cs, good, bad } = await setup();
      const { tree, at } = await withLeaf(cs, bad);
      // Without signedLeaf, or with another leaf's bytes, the bad signature is found.
      expect(await codeOf(validateTree(tree, { groupId }))).toBe("tree/leaf-signature-invalid");
      expect(await codeOf(validateTree(tree, { groupId, signedLeaf: encodeLeafNode(good) }))).toBe("tree/leaf-signature-invalid");
      // With its exact bytes (the caller signed them itself), it is not verified again; the rest still is.
      expect(await codeOf(validateTree(tree, { groupId, signedLeaf: encodeLeafNode(bad) }))).toBeUndefined();
      expect(await codeOf(decodeAndValidateTree(cs, tree.encode(), { groupId, signedLeaf: encodeLeafNode(bad) }))).toBeUndefined();
      // Its credential still goes to the application.
      const seen: number[] = [];
      const rejectIt = (_leaf: LeafNode, l: LeafIndex) => {
        seen.push(l);
        return l !== at;
      };
      expect(await codeOf(validateTree(tree, { groupId, signedLeaf: encodeLeafNode(bad), validateCredential: rejectIt }))).toBe("tree/credential-invalid");
      expect(seen).toContain(at);
    });

    it("another leaf's bad signature is still refused when signedLeaf names a good one", async () => {
      const { cs, good } = await setup();
      const { tree } = await withLeaf(cs, good);
      const nodes = decode(ratchetTreeCodec, tree.encode());
      const l0 = (nodes[0] as { leafNode: LeafNode }).leafNode;
      nodes[0] = { nodeType: NodeType.leaf, leafNode: { ...l0, signature: flip(l0.signature, 7) } };
      const tampered = await RatchetTree.fromNodes(cs, nodes);
      expect(await codeOf(validateTree(tampered, { groupId, signedLeaf: encodeLeafNode(good) }))).toBe("tree/leaf-signature-invalid");
    });

    it("a leaf of another source (its TBS binds the group and leaf index) is verified even with signedLeaf its bytes", async () => {
      const { cs } = await setup();
      const tree = await RatchetTree.decode(cs, hex(source.tree));
      const nodes = decode(ratchetTreeCodec, tree.encode());
      const at = nodes.findIndex((n) => n?.nodeType === NodeType.leaf && n.leafNode.leafNodeSource !== LeafNodeSource.key_package);
      expect(at).toBeGreaterThanOrEqual(0);
      const leaf = (nodes[at] as { leafNode: LeafNode }).leafNode;
      const bad = { ...leaf, signature: flip(leaf.signature, 5) };
      nodes[at] = { nodeType: NodeType.leaf, leafNode: bad };
      const tampered = await RatchetTree.fromNodes(cs, nodes);
      expect(await codeOf(validateTree(tampered, { groupId, signedLeaf: encodeLeafNode(bad) }))).toBe("tree/leaf-signature-invalid");
    });
  });
}
