import { afterAll, describe, expect, it } from "vitest";
import { decode, toHex } from "@mlskit/codec";
import { ProposalType, type CipherSuiteProvider, type CryptoProvider } from "@mlskit/core";
import { proposalCodec } from "@mlskit/group";
import { hex, vectorReport, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { RatchetTree } from "./ratchet-tree.js";
import { leafIndex } from "./tree-math.js";

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
        const proposal = decode(proposalCodec, hex(v.proposal));
        const diff = before.stage();
        if (proposal.proposalType === ProposalType.add) diff.addLeaf(proposal.keyPackage.leafNode);
        else if (proposal.proposalType === ProposalType.update) diff.updateLeaf(leafIndex(v.proposal_sender), proposal.leafNode);
        else if (proposal.proposalType === ProposalType.remove) diff.removeLeaf(proposal.removed);
        else throw new Error(`unexpected proposal type ${proposal.proposalType}`);
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
