import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CodecError, decode, encode, toHex } from "@mlskit/codec";
import { CredentialType } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { hex, vectors } from "@mlskit/test-vectors";
import { type LeafNode, LeafNodeSource, encodeLeafNodeTbs, leafNodeCodec, leafNodeLayout, leafNodeTbsFromEncoding, signLeafNode, verifyLeafNodeSignature } from "./leaf-node.js";
import { type Node, NodeType, ratchetTreeCodec } from "./node.js";
import { parentNodeCodec, parentNodeLayout, unmergedLeavesOf } from "./parent-node.js";
import { RatchetTree } from "./ratchet-tree.js";
import { TreePrivateKeys } from "./private-keys.js";
import type { LeafIndex, NodeIndex } from "./tree-math.js";
import { updatePathCodec } from "./update-path.js";

const bytes = (max = 40) => fc.uint8Array({ maxLength: max });
const u16s = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 5 });
const leafArb: fc.Arbitrary<LeafNode> = fc
  .record({
    encryptionKey: bytes(),
    signatureKey: bytes(),
    identity: bytes(),
    versions: u16s,
    cipherSuites: u16s,
    extTypes: u16s,
    proposals: u16s,
    credentials: u16s,
    source: fc.constantFrom(1, 2, 3),
    notBefore: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    notAfter: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    parentHash: bytes(),
    extensions: fc.array(fc.record({ extensionType: fc.integer({ min: 0, max: 0xffff }), extensionData: bytes() }), { maxLength: 3 }),
    signature: bytes(80),
  })
  .map((r) => ({
    encryptionKey: r.encryptionKey,
    signatureKey: r.signatureKey,
    credential: { credentialType: CredentialType.basic, identity: r.identity },
    capabilities: { versions: r.versions, cipherSuites: r.cipherSuites, extensions: r.extTypes, proposals: r.proposals, credentials: r.credentials },
    leafNodeSource: r.source as 1 | 2 | 3,
    ...(r.source === 1 ? { lifetime: { notBefore: r.notBefore, notAfter: r.notAfter } } : {}),
    ...(r.source === 3 ? { parentHash: r.parentHash } : {}),
    extensions: r.extensions,
    signature: r.signature,
  }));

describe("LeafNode / ParentNode / UpdatePath codecs", () => {
  it("LeafNode round-trips; the layout finds its fields; TBS from bytes equals TBS from fields", () => {
    fc.assert(
      fc.property(leafArb, bytes(), fc.integer({ min: 0, max: 2 ** 31 }), (leaf, groupId, li) => {
        const b = encode(leafNodeCodec, leaf);
        expect(decode(leafNodeCodec, b)).toEqual(leaf);
        const layout = leafNodeLayout(b);
        expect(b.subarray(...layout.encryptionKey)).toEqual(leaf.encryptionKey);
        expect(b.subarray(...layout.signatureKey)).toEqual(leaf.signatureKey);
        expect(b.subarray(...layout.signature)).toEqual(leaf.signature);
        expect(layout.source).toBe(leaf.leafNodeSource);
        if (leaf.parentHash) expect(b.subarray(...layout.parentHash)).toEqual(leaf.parentHash);
        const ctx = { groupId, leafIndex: li as LeafIndex };
        expect(toHex(leafNodeTbsFromEncoding(b, layout, ctx))).toBe(toHex(encodeLeafNodeTbs(leaf, ctx)));
      }),
      { numRuns: 200 },
    );
  });

  it("ParentNode round-trips and its layout finds the fields", () => {
    fc.assert(
      fc.property(bytes(), bytes(), fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 6 }), (k, ph, u) => {
        const p = { encryptionKey: k, parentHash: ph, unmergedLeaves: u as LeafIndex[] };
        const b = encode(parentNodeCodec, p);
        expect(decode(parentNodeCodec, b)).toEqual(p);
        expect(b.subarray(...parentNodeLayout(b).parentHash)).toEqual(ph);
        expect(unmergedLeavesOf(b)).toEqual(u);
      }),
    );
  });

  it("malformed encodings throw CodecError with the field path", () => {
    const leaf = decode(ratchetTreeCodec, hex(vectors.treeValidation()[0]!.tree))[0] as { leafNode: LeafNode };
    const b = encode(leafNodeCodec, leaf.leafNode);
    // Truncation anywhere fails.
    for (const cut of [1, 10, b.length - 1]) expect(() => decode(leafNodeCodec, b.subarray(0, cut))).toThrow(CodecError);
    // An unknown leaf_node_source is malformed.
    const bad = b.slice();
    const layout = leafNodeLayout(b);
    let at = layout.capabilities;
    for (let i = 0; i < 5; i++) at += 1 + bad[at]!; // short vectors: 1-byte length prefixes
    bad[at] = 9;
    expect(() => decode(leafNodeCodec, bad, "LeafNode")).toThrow(/leaf_node_source/);
    // Odd-length unmerged_leaves.
    expect(() => decode(parentNodeCodec, Uint8Array.of(0, 0, 3, 0, 0, 0))).toThrow(CodecError);
    // Unknown node type in a tree.
    expect(() => decode(ratchetTreeCodec, Uint8Array.of(2, 1, 3))).toThrow(/node_type/);
  });

  it("UpdatePath from the vectors round-trips", () => {
    for (const v of vectors.treeKem().slice(0, 11)) {
      for (const up of v.update_paths) expect(toHex(encode(updatePathCodec, decode(updatePathCodec, hex(up.update_path))))).toBe(up.update_path);
    }
  });

  it("signs and verifies leaf nodes with their group binding (§7.2)", async () => {
    const cs = await nobleCryptoProvider().cipherSuite(1);
    const kp = await cs.signatureGenerateKeyPair();
    const content = {
      encryptionKey: (await cs.hpkeGenerateKeyPair()).publicKey,
      signatureKey: kp.publicKey,
      credential: { credentialType: CredentialType.basic, identity: Uint8Array.of(1) },
      capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] },
      leafNodeSource: LeafNodeSource.update,
      extensions: [],
    };
    const ctx = { groupId: Uint8Array.of(7), leafIndex: 3 as LeafIndex };
    const leaf = await signLeafNode(cs, kp.privateKey, content, ctx);
    expect(await verifyLeafNodeSignature(cs, leaf, ctx)).toBe(true);
    expect(await verifyLeafNodeSignature(cs, leaf, { ...ctx, leafIndex: 4 as LeafIndex })).toBe(false);
    expect(await verifyLeafNodeSignature(cs, leaf, { ...ctx, groupId: Uint8Array.of(8) })).toBe(false);
    expect(() => encodeLeafNodeTbs(content)).toThrow(/group_id/);
    // A one-member tree from it.
    const tree = await RatchetTree.create(cs, leaf);
    expect(tree.leafCount).toBe(1);
    expect(tree.leafNode(0 as LeafIndex)).toEqual(leaf);
    const nodes: (Node | undefined)[] = decode(ratchetTreeCodec, tree.encode());
    expect(nodes).toEqual([{ nodeType: NodeType.leaf, leafNode: leaf }]);
  });

  it("private keys redact themselves", () => {
    const keys = new TreePrivateKeys(1 as LeafIndex, [[2 as NodeIndex, Uint8Array.of(1, 2, 3)]]);
    expect(JSON.stringify(keys)).not.toContain("1,2,3");
    expect(JSON.stringify(keys)).toContain("redacted");
    expect(keys.get(2 as NodeIndex)).toEqual(Uint8Array.of(1, 2, 3));
  });
});
