/** `HPKECiphertext`, `UpdatePathNode` and `UpdatePath` (RFC 9420 §7.6). */
import { type Codec, opaque, struct, vector } from "@mlskit/codec";
import type { HpkeCiphertext } from "@mlskit/core";
import { type HPKEPublicKey, type LeafNode, leafNodeCodec } from "./leaf-node.js";

/** `HPKECiphertext` (§7.6); the same shape as core's {@link HpkeCiphertext}. */
export type HPKECiphertext = HpkeCiphertext;

export const hpkeCiphertextCodec: Codec<HPKECiphertext> = struct<HPKECiphertext>({
  kemOutput: opaque,
  ciphertext: opaque,
});

/** `UpdatePathNode` (§7.6). */
export interface UpdatePathNode {
  readonly encryptionKey: HPKEPublicKey;
  readonly encryptedPathSecret: readonly HPKECiphertext[];
}

export const updatePathNodeCodec: Codec<UpdatePathNode> = struct<UpdatePathNode>({
  encryptionKey: opaque,
  encryptedPathSecret: vector(hpkeCiphertextCodec) as Codec<readonly HPKECiphertext[]>,
});

/** `UpdatePath` (§7.6). */
export interface UpdatePath {
  readonly leafNode: LeafNode;
  readonly nodes: readonly UpdatePathNode[];
}

export const updatePathCodec: Codec<UpdatePath> = struct<UpdatePath>({
  leafNode: leafNodeCodec,
  nodes: vector(updatePathNodeCodec) as Codec<readonly UpdatePathNode[]>,
});
