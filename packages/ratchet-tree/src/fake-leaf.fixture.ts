/** Test LeafNodes with random keys and a placeholder signature: for tree mechanics, not for validation. */
import { utf8 } from "@mlskit/codec";
import { CredentialType } from "@mlskit/core";
import { type LeafNode, LeafNodeSource } from "./leaf-node.js";

/** A maker of distinct fake leaves named `${prefix}0`, `${prefix}1`, …, drawing bytes from the test's own `bytes`. */
export function fakeLeaves(bytes: (n: number) => Uint8Array, prefix: string): () => LeafNode {
  let counter = 0;
  return () => ({
    encryptionKey: bytes(32),
    signatureKey: bytes(32),
    credential: { credentialType: CredentialType.basic, identity: utf8(`${prefix}${counter++}`) },
    capabilities: { versions: [1], cipherSuites: [1], extensions: [], proposals: [], credentials: [1] },
    leafNodeSource: LeafNodeSource.key_package,
    lifetime: { notBefore: 0n, notAfter: 2n ** 64n - 1n },
    extensions: [],
    signature: bytes(64),
  });
}
