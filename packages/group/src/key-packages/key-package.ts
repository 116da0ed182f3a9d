/** `KeyPackage` and `KeyPackageTBS` (RFC 9420 §10). Codecs and types only. */
import { type Codec, type Reader, Writer, opaque } from "@mlskit/codec";
import {
  type CipherSuiteId,
  type CipherSuiteProvider,
  type Extension,
  type ProtocolVersionId,
  extensionsCodec,
  makeKeyPackageRef,
  signWithLabel,
  verifyWithLabel,
} from "@mlskit/core";
import { type HPKEPublicKey, type LeafNode, leafNodeCodec } from "@mlskit/ratchet-tree";

/**
 * ```tls
 * struct {
 *     ProtocolVersion version;
 *     CipherSuite cipher_suite;
 *     HPKEPublicKey init_key;
 *     LeafNode leaf_node;
 *     Extension extensions<V>;
 *     // SignWithLabel(., "KeyPackageTBS", KeyPackageTBS)
 *     opaque signature<V>;
 * } KeyPackage;
 * ```
 */
export interface KeyPackage {
  readonly version: ProtocolVersionId;
  readonly cipherSuite: CipherSuiteId;
  readonly initKey: HPKEPublicKey;
  readonly leafNode: LeafNode;
  readonly extensions: readonly Extension[];
  readonly signature: Uint8Array;
}

/** The signed part of a KeyPackage (all fields but `signature`). */
export type KeyPackageTBS = Omit<KeyPackage, "signature">;

function encodeTbs(w: Writer, kp: KeyPackageTBS): void {
  w.uint16(kp.version);
  w.uint16(kp.cipherSuite);
  w.opaque(kp.initKey);
  leafNodeCodec.encode(w, kp.leafNode);
  extensionsCodec.encode(w, kp.extensions as Extension[]);
}

/** Codec for {@link KeyPackage}. */
export const keyPackageCodec: Codec<KeyPackage> = {
  encode(w, kp) {
    encodeTbs(w, kp);
    w.opaque(kp.signature);
  },
  decode(r: Reader): KeyPackage {
    const version = r.field("version", () => r.uint16());
    const cipherSuite = r.field("cipher_suite", () => r.uint16());
    const initKey = r.field("init_key", () => opaque.decode(r));
    const leafNode = r.field("leaf_node", () => leafNodeCodec.decode(r));
    const extensions = r.field("extensions", () => extensionsCodec.decode(r));
    const signature = r.field("signature", () => opaque.decode(r));
    return { version, cipherSuite, initKey, leafNode, extensions, signature };
  },
};

/** Encodes `KeyPackageTBS` (§10). */
export function encodeKeyPackageTbs(kp: KeyPackageTBS): Uint8Array {
  const w = new Writer(512);
  encodeTbs(w, kp);
  return w.finish();
}

/** Signs a KeyPackage's content with SignWithLabel(., "KeyPackageTBS", .) (§10). */
export async function signKeyPackage(cs: CipherSuiteProvider, signaturePrivateKey: Uint8Array, tbs: KeyPackageTBS): Promise<KeyPackage> {
  const signature = await signWithLabel(cs, signaturePrivateKey, "KeyPackageTBS", encodeKeyPackageTbs(tbs));
  return { ...tbs, signature };
}

/** Verifies a KeyPackage's signature with its leaf node's signature key (§10.1). */
export function verifyKeyPackageSignature(cs: CipherSuiteProvider, kp: KeyPackage): Promise<boolean> {
  return verifyWithLabel(cs, kp.leafNode.signatureKey, "KeyPackageTBS", encodeKeyPackageTbs(kp), kp.signature);
}

/** Encodes a KeyPackage. */
export function encodeKeyPackage(kp: KeyPackage): Uint8Array {
  const w = new Writer(1024);
  keyPackageCodec.encode(w, kp);
  return w.finish();
}

/** `KeyPackageRef` = MakeKeyPackageRef(encoded KeyPackage) (§5.2). */
export function keyPackageRef(cs: CipherSuiteProvider, kp: KeyPackage): Promise<Uint8Array> {
  return makeKeyPackageRef(cs, encodeKeyPackage(kp));
}
