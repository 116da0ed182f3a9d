import { afterAll, describe, expect, it } from "vitest";
import { Reader, toHex } from "@mlskit/codec";
import type { CipherSuiteProvider, CryptoProvider } from "@mlskit/core";
import { hex, vectorReport, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { RatchetTree } from "./ratchet-tree.js";
import { type LeafNode, leafNodeCodec } from "./leaf-node.js";
import { type LeafIndex, leafIndex } from "./tree-math.js";

/**
 * The three proposals the vectors carry (§12.1.1-§12.1.3), decoded just far
 * enough: Add's KeyPackage up to its leaf_node, Update's LeafNode, Remove's index.
 */
type TreeProposal = { type: "add"; leafNode: LeafNode } | { type: "update"; leafNode: LeafNode } | { type: "remove"; removed: LeafIndex };
function decodeProposal(bytes: Uint8Array): TreeProposal {
  const r = new Reader(bytes);
  const type = r.uint16();
  if (type === 1) {
    r.uint16(); // version
    r.uint16(); // cipher_suite
    r.opaque(); // init_key
    return { type: "add", leafNode: leafNodeCodec.decode(r) }; // extensions and signature follow
  }
  if (type === 2) return { type: "update", leafNode: leafNodeCodec.decode(r) };
  if (type === 3) return { type: "remove", removed: r.uint32() as LeafIndex };
  throw new Error(`unexpected proposal type ${type}`);
}

function suiteFor(provider: CryptoProvider): (id: number) => Promise<CipherSuiteProvider | string> {
  const supported = provider.supportedCipherSuites();
  return async (id) => ((await supported).includes(id) ? provider.cipherSuite(id) : `suite ${id} not supported by ${provider.name}`);
}

for (const provider of testProviders()) {
  describe(`tree-operations.json × ${provider.name}`, () => {
    const report = vectorReport("tree-operations.json", provider.name);
    afterAll(() => report.print());
    const suite = suiteFor(provider);
    vectors.treeOperations().forEach((v, i) => {
      it(`case ${i}`, async () => {
        const cs = await suite(v.cipher_suite);
        if (typeof cs === "string") return report.skipped(cs);
        const before = await RatchetTree.decode(cs, hex(v.tree_before));
        expect(toHex(await before.treeHash())).toBe(v.tree_hash_before);
        expect(toHex(before.encode())).toBe(v.tree_before);
        const proposal = decodeProposal(hex(v.proposal));
        const diff = before.stage();
        if (proposal.type === "add") diff.addLeaf(proposal.leafNode);
        else if (proposal.type === "update") diff.updateLeaf(leafIndex(v.proposal_sender), proposal.leafNode);
        else diff.removeLeaf(proposal.removed);
        // The staged view already shows the result.
        expect(toHex(diff.encode())).toBe(v.tree_after);
        expect(toHex(await diff.treeHash())).toBe(v.tree_hash_after);
        const after = await diff.merge();
        expect(toHex(after.encode())).toBe(v.tree_after);
        expect(toHex(await after.treeHash())).toBe(v.tree_hash_after);
        // A freshly loaded copy of the result hashes the same (cache == recomputation).
        const reloaded = await RatchetTree.decode(cs, after.encode());
        for (let n = 0; n < after.nodeCount; n++) expect(toHex(reloaded.hashOf(n as never))).toBe(toHex(after.hashOf(n as never)));
        // The base tree is untouched.
        expect(toHex(before.encode())).toBe(v.tree_before);
        expect(toHex(await before.treeHash())).toBe(v.tree_hash_before);
        report.ran();
      });
    });
  });
}
