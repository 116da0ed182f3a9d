import { afterAll, describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import type { CipherSuiteProvider, CryptoProvider } from "@mlskit/core";
import { hex, vectorReport, vectors } from "@mlskit/test-vectors";
import { testProviders } from "@mlskit/test-vectors/providers";
import { RatchetTree } from "./ratchet-tree.js";
import type { NodeIndex } from "./tree-math.js";
import { validateTree } from "./tree-validation.js";

function suiteFor(provider: CryptoProvider): (id: number) => Promise<CipherSuiteProvider | string> {
  const supported = provider.supportedCipherSuites();
  return async (id) => ((await supported).includes(id) ? provider.cipherSuite(id) : `suite ${id} not supported by ${provider.name}`);
}

for (const provider of testProviders()) {
  describe(`tree-validation.json × ${provider.name}`, () => {
    const report = vectorReport("tree-validation.json", provider.name);
    afterAll(() => report.print());
    const suite = suiteFor(provider);
    vectors.treeValidation().forEach((v, i) => {
      it(`case ${i} (suite ${v.cipher_suite})`, async () => {
        const cs = await suite(v.cipher_suite);
        if (typeof cs === "string") return report.skipped(cs);
        const tree = await RatchetTree.decode(cs, hex(v.tree));
        expect(tree.nodeCount).toBe(v.tree_hashes.length);
        for (let n = 0; n < tree.nodeCount; n++) {
          expect(tree.resolution(n as NodeIndex), `resolution(${n})`).toEqual(v.resolutions[n]);
          expect(toHex(await tree.nodeHash(n as NodeIndex)), `tree hash of ${n}`).toBe(v.tree_hashes[n]);
        }
        await validateTree(tree, { groupId: hex(v.group_id), treeHash: hex(v.tree_hashes[tree.rootIndex]!) });
        expect(toHex(tree.encode())).toBe(v.tree);
        report.ran();
      });
    });
  });
}
