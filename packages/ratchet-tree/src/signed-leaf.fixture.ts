/** A real, validly signed test LeafNode: for tree validation, where signatures are checked. */
import type { CipherSuiteProvider } from "@mlskit/core";
import { type LeafNode, LeafNodeSource, signLeafNode } from "./leaf-node.js";

/** The fresh keys of a {@link signedKeyPackageLeaf}, for a `patch` that needs them. */
export interface FreshLeafKeys {
  readonly encryptionKey: Uint8Array;
  readonly signatureKey: Uint8Array;
}

/**
 * A `key_package` LeafNode like `template` (its credential, capabilities and
 * extensions), with a fresh encryption key and signature key, a lifetime that
 * never ends, and `patch` applied, signed with the new signature key.
 */
export async function signedKeyPackageLeaf(cs: CipherSuiteProvider, template: LeafNode, patch: (keys: FreshLeafKeys) => Partial<LeafNode> = () => ({})): Promise<LeafNode> {
  const sig = await cs.signatureGenerateKeyPair();
  const keys = { encryptionKey: (await cs.hpkeGenerateKeyPair()).publicKey, signatureKey: sig.publicKey };
  return signLeafNode(cs, sig.privateKey, {
    ...template,
    ...keys,
    leafNodeSource: LeafNodeSource.key_package,
    lifetime: { notBefore: 0n, notAfter: 2n ** 64n - 1n },
    ...patch(keys),
  });
}
