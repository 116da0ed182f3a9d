/**
 * The client record (what a {@link Client} stores besides its groups): its
 * credential, default cipher suite and one signature key pair per signature
 * scheme, in a versioned encoding (4-byte magic "MLSC", uint16 format
 * version) through `@mlskit/codec`. Only the blob handed to storage holds the
 * private keys. Internal to the facade.
 */
import { CodecError, type Codec, decode, encode, opaque, struct, uint16, utf8, vector } from "@mlskit/codec";
import { type Credential, type KeyPair, type SignatureSchemeId, StorageError, credentialCodec, expectDefined } from "@mlskit/core";

/** What a client keeps of itself. @internal */
export interface ClientRecord {
  readonly cipherSuite: number;
  readonly credential: Credential;
  readonly signatureKeyPairs: ReadonlyMap<SignatureSchemeId, KeyPair>;
}

const MAGIC = utf8("MLSC");
/** Version 1: the first format. A later version must still decode version 1 (golden fixtures guard this). */
const FORMAT_VERSION = 1;

interface SignatureEntry {
  scheme: number;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}
const body: Codec<{ cipherSuite: number; credential: Credential; signatures: SignatureEntry[] }> = struct({
  cipherSuite: uint16,
  credential: credentialCodec,
  signatures: vector(struct<SignatureEntry>({ scheme: uint16, publicKey: opaque, privateKey: opaque })),
});

/** Encodes a client record. @internal */
export function encodeClientRecord(r: ClientRecord): Uint8Array {
  const encoded = encode(body, {
    cipherSuite: r.cipherSuite,
    credential: r.credential,
    signatures: [...r.signatureKeyPairs].map(([scheme, kp]) => ({ scheme, publicKey: kp.publicKey, privateKey: kp.privateKey })),
  });
  const out = new Uint8Array(6 + encoded.length);
  out.set(MAGIC);
  out[4] = FORMAT_VERSION >> 8;
  out[5] = FORMAT_VERSION & 0xff;
  out.set(encoded, 6);
  encoded.fill(0);
  return out;
}

/**
 * Decodes a client record.
 * @throws StorageError `storage/corrupt` (not a client record, or malformed) or
 *   `storage/unsupported-version` (written by a newer format).
 */
export function decodeClientRecord(bytes: Uint8Array): ClientRecord {
  if (bytes.length < 6 || MAGIC.some((b, i) => bytes[i] !== b)) throw new StorageError("storage/corrupt", "the stored client record is not an mlskit client record");
  const version = (expectDefined(bytes[4], "bytes[4]") << 8) | expectDefined(bytes[5], "bytes[5]");
  if (version !== FORMAT_VERSION) throw new StorageError("storage/unsupported-version", `client record format ${version} is newer than this code reads (${FORMAT_VERSION})`);
  let r;
  try {
    r = decode(body, bytes.subarray(6), "ClientRecord");
  } catch (e) {
    if (CodecError.isInstance(e)) throw new StorageError("storage/corrupt", `the stored client record is malformed: ${e.message}`, { cause: e });
    throw e;
  }
  const signatureKeyPairs = new Map<SignatureSchemeId, KeyPair>();
  for (const s of r.signatures) {
    if (signatureKeyPairs.has(s.scheme as SignatureSchemeId)) throw new StorageError("storage/corrupt", `the client record lists signature scheme ${s.scheme} twice`);
    signatureKeyPairs.set(s.scheme as SignatureSchemeId, { publicKey: s.publicKey, privateKey: s.privateKey });
  }
  return { cipherSuite: r.cipherSuite, credential: r.credential, signatureKeyPairs };
}
