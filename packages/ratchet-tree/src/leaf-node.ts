/**
 * `LeafNode`, `Capabilities`, `Lifetime` and `LeafNodeTBS` (RFC 9420 §7.2),
 * with the leaf node signature (label "LeafNodeTBS", §7.2/§5.1.2).
 */
import { type Codec, type Reader, type Writer, Writer as W, encode, opaque, struct, uint16, uint64, vector } from "@mlskit/codec";
import { type CipherSuiteProvider, type Credential, type Extension, credentialCodec, extensionsCodec, signWithLabel, verifyWithLabel, expectDefined } from "@mlskit/core";
import type { LeafIndex } from "./tree-math.js";
import { opaqueRangeAt, skipOpaqueAt, varintLengthAt, varintValueAt } from "./encoded-fields.js";

/** `opaque HPKEPublicKey<V>` (§5.1.1). */
export type HPKEPublicKey = Uint8Array;
/** `opaque SignaturePublicKey<V>` (§5.1.1). */
export type SignaturePublicKey = Uint8Array;

/** `LeafNodeSource` (§7.2). */
export const LeafNodeSource = { key_package: 1, update: 2, commit: 3 } as const;
export type LeafNodeSourceId = (typeof LeafNodeSource)[keyof typeof LeafNodeSource];

/** `Capabilities` (§7.2). Unknown values are kept (and ignored by checks). */
export interface Capabilities {
  readonly versions: readonly number[];
  readonly cipherSuites: readonly number[];
  readonly extensions: readonly number[];
  readonly proposals: readonly number[];
  readonly credentials: readonly number[];
}

/** `Lifetime` (§7.2): seconds since the Unix epoch. */
export interface Lifetime {
  readonly notBefore: bigint;
  readonly notAfter: bigint;
}

/**
 * `LeafNode` (§7.2). `lifetime` is present exactly when the source is
 * `key_package`, `parentHash` exactly when it is `commit`.
 */
export interface LeafNode {
  readonly encryptionKey: HPKEPublicKey;
  readonly signatureKey: SignaturePublicKey;
  readonly credential: Credential;
  readonly capabilities: Capabilities;
  readonly leafNodeSource: LeafNodeSourceId;
  readonly lifetime?: Lifetime;
  readonly parentHash?: Uint8Array;
  readonly extensions: readonly Extension[];
  readonly signature: Uint8Array;
}

/** The fields of a LeafNode other than its signature (the part it signs, with the group context below). */
export type LeafNodeContent = Omit<LeafNode, "signature">;

const uint16s = vector(uint16);

export const capabilitiesCodec: Codec<Capabilities> = struct<Capabilities>({
  versions: uint16s,
  cipherSuites: uint16s,
  extensions: uint16s,
  proposals: uint16s,
  credentials: uint16s,
});

export const lifetimeCodec: Codec<Lifetime> = struct<Lifetime>({ notBefore: uint64, notAfter: uint64 });

function encodeContent(w: Writer, v: LeafNodeContent): void {
  opaque.encode(w, v.encryptionKey);
  opaque.encode(w, v.signatureKey);
  credentialCodec.encode(w, v.credential);
  capabilitiesCodec.encode(w, v.capabilities);
  w.uint8(v.leafNodeSource);
  switch (v.leafNodeSource) {
    case LeafNodeSource.key_package:
      if (v.lifetime === undefined) throw new TypeError("LeafNode with source key_package needs a lifetime");
      lifetimeCodec.encode(w, v.lifetime);
      break;
    case LeafNodeSource.update:
      break;
    case LeafNodeSource.commit:
      if (v.parentHash === undefined) throw new TypeError("LeafNode with source commit needs a parentHash");
      opaque.encode(w, v.parentHash);
      break;
    default:
      throw new TypeError(`invalid leaf_node_source ${String(v.leafNodeSource)}`);
  }
  extensionsCodec.encode(w, v.extensions as Extension[]);
}

/** `LeafNode` codec; an unknown `leaf_node_source` is malformed. */
export const leafNodeCodec: Codec<LeafNode> = {
  encode(w, v) {
    encodeContent(w, v);
    opaque.encode(w, v.signature);
  },
  decode(r: Reader): LeafNode {
    const encryptionKey = r.field("encryption_key", () => opaque.decode(r));
    const signatureKey = r.field("signature_key", () => opaque.decode(r));
    const credential = r.field("credential", () => credentialCodec.decode(r));
    const capabilities = r.field("capabilities", () => capabilitiesCodec.decode(r));
    const at = r.offset;
    const source = r.uint8();
    let lifetime: Lifetime | undefined;
    let parentHash: Uint8Array | undefined;
    if (source === LeafNodeSource.key_package) lifetime = r.field("lifetime", () => lifetimeCodec.decode(r));
    else if (source === LeafNodeSource.commit) parentHash = r.field("parent_hash", () => opaque.decode(r));
    else if (source !== LeafNodeSource.update) r.fail("codec/invalid-value", `invalid leaf_node_source ${source}`, at);
    const extensions = r.field("extensions", () => extensionsCodec.decode(r));
    const signature = r.field("signature", () => opaque.decode(r));
    return {
      encryptionKey,
      signatureKey,
      credential,
      capabilities,
      leafNodeSource: source as LeafNodeSourceId,
      ...(lifetime !== undefined ? { lifetime } : {}),
      ...(parentHash !== undefined ? { parentHash } : {}),
      extensions,
      signature,
    };
  },
};

/** Group binding of a LeafNodeTBS for the `update` and `commit` sources (§7.2). */
export interface LeafNodeGroupContext {
  readonly groupId: Uint8Array;
  readonly leafIndex: LeafIndex;
}

function appendTbsTail(w: Writer, source: number, ctx: LeafNodeGroupContext | undefined): void {
  if (source === LeafNodeSource.update || source === LeafNodeSource.commit) {
    if (ctx === undefined) throw new TypeError("a LeafNode of source update or commit is signed with its group_id and leaf_index");
    w.opaque(ctx.groupId);
    w.uint32(ctx.leafIndex);
  }
}

/** Encodes `LeafNodeTBS` (§7.2) for a LeafNode's content. */
export function encodeLeafNodeTbs(content: LeafNodeContent, ctx?: LeafNodeGroupContext): Uint8Array {
  const w = new W(512);
  encodeContent(w, content);
  appendTbsTail(w, content.leafNodeSource, ctx);
  return w.finish();
}

/**
 * `LeafNodeTBS` from an encoded LeafNode: its bytes up to the signature field,
 * then the group binding. Avoids re-encoding stored leaves.
 */
export function leafNodeTbsFromEncoding(encoded: Uint8Array, layout: LeafNodeLayout, ctx?: LeafNodeGroupContext): Uint8Array {
  const w = new W(layout.signatureField + 64);
  w.bytes(encoded.subarray(0, layout.signatureField));
  appendTbsTail(w, layout.source, ctx);
  return w.finish();
}

/** Signs leaf node content (SignWithLabel(., "LeafNodeTBS", LeafNodeTBS), §7.2) and returns the LeafNode. */
export async function signLeafNode(cs: CipherSuiteProvider, signaturePrivateKey: Uint8Array, content: LeafNodeContent, ctx?: LeafNodeGroupContext): Promise<LeafNode> {
  const signature = await signWithLabel(cs, signaturePrivateKey, "LeafNodeTBS", encodeLeafNodeTbs(content, ctx));
  return { ...content, signature };
}

/** Verifies a LeafNode's signature with its own `signature_key` (§7.3). */
export function verifyLeafNodeSignature(cs: CipherSuiteProvider, leaf: LeafNode, ctx?: LeafNodeGroupContext): Promise<boolean> {
  return verifyWithLabel(cs, leaf.signatureKey, "LeafNodeTBS", encodeLeafNodeTbs(leaf, ctx), leaf.signature);
}

/** Encodes a LeafNode. */
export function encodeLeafNode(leaf: LeafNode): Uint8Array {
  return encode(leafNodeCodec, leaf);
}

/**
 * Byte offsets inside an encoded LeafNode, found by a scan that allocates
 * nothing: how stored leaves expose their keys and signed part.
 */
export interface LeafNodeLayout {
  /** [start, end) of the encryption key bytes. */
  readonly encryptionKey: readonly [number, number];
  /** [start, end) of the signature key bytes. */
  readonly signatureKey: readonly [number, number];
  /** `credential_type`. */
  readonly credentialType: number;
  /** Offset of the `capabilities` field. */
  readonly capabilities: number;
  readonly source: LeafNodeSourceId;
  /** [start, end) of the parent hash bytes (source commit), else [0, 0]. */
  readonly parentHash: readonly [number, number];
  /** Offset of the `signature` field (its length prefix): the end of the signed content. */
  readonly signatureField: number;
  /** [start, end) of the signature bytes. */
  readonly signature: readonly [number, number];
}

/** Reads a varint at `at` in already-validated bytes; returns [value, next offset]. */
export function readVarintAt(b: Uint8Array, at: number): [number, number] {
  return [varintValueAt(b, at), at + varintLengthAt(b, at)];
}

/**
 * Locates the fields of a LeafNode encoding that has already been validated
 * by {@link leafNodeCodec} (or the tree decoder). Not for untrusted bytes.
 */
export function leafNodeLayout(b: Uint8Array): LeafNodeLayout {
  // One pass, one tuple per field located (a join reads every leaf's layout several times).
  const encryptionKey = opaqueRangeAt(b, 0);
  const signatureKey = opaqueRangeAt(b, encryptionKey[1]);
  let p = signatureKey[1];
  const credentialType = (expectDefined(b[p], "b[p]") << 8) | expectDefined(b[p + 1], "b[p + 1]");
  p += 2;
  // basic: opaque identity<V>; x509: Certificate certificates<V> (byte-length
  // prefixed); other types: an opaque<V> body (core's credential codec).
  p = skipOpaqueAt(b, p);
  const capabilities = p;
  for (let i = 0; i < 5; i++) p = skipOpaqueAt(b, p);
  const source = expectDefined(b[p++], "b[p++]") as LeafNodeSourceId;
  let parentHash: readonly [number, number] = NO_PARENT_HASH;
  if (source === LeafNodeSource.key_package) p += 16;
  else if (source === LeafNodeSource.commit) {
    parentHash = opaqueRangeAt(b, p);
    p = parentHash[1];
  }
  p = skipOpaqueAt(b, p); // extensions
  const signatureField = p;
  return { encryptionKey, signatureKey, credentialType, capabilities, source, parentHash, signatureField, signature: opaqueRangeAt(b, p) };
}

const NO_PARENT_HASH: readonly [number, number] = Object.freeze([0, 0] as const);
