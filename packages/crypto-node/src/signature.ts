/**
 * Signature schemes of the MLS suites (RFC 9420 §5.1.2) on node:crypto's
 * synchronous `sign`/`verify`: Ed25519 and Ed448 (RFC 8032) with raw seed /
 * public key; ECDSA over P-256, P-384, P-521 with SHA-256/384/512,
 * big-endian scalar private keys, uncompressed public points and DER
 * signatures — the encodings of the other providers.
 */
import { type KeyObject, randomBytes, sign, verify } from "node:crypto";
import { SignatureScheme, type KeyPair, type SignatureCheck, expectDefined } from "@mlskit/core";
import type { SignaturePrimitive } from "@mlskit/hpke";
import { ed25519 } from "@noble/curves/ed25519.js";
import { ed448 } from "@noble/curves/ed448.js";
import { NIST, isValidScalar, nistPrivateKey, nistPublicKey, nistPublicPoint } from "./dh.js";
import { type KeyCache, okpPrivateKey, okpPublicBytes, okpPublicKey, u8 } from "./keys.js";
import { checkLength, settle } from "./settle.js";

/**
 * One verification on node:crypto's thread pool (the callback form of
 * `crypto.verify` runs the job off the main thread): false for a bad
 * signature, and for a key or signature OpenSSL refuses.
 */
function verifyOnPool(algorithm: string | null, message: Uint8Array, key: KeyObject | { key: KeyObject; dsaEncoding: "der" }, signature: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verify(algorithm, message, key, signature, (err, ok) => resolve(err === null && ok));
    } catch {
      resolve(false);
    }
  });
}

/**
 * `SignaturePrimitive.verifyBatch`: every item issued at once to the thread
 * pool, where the verifications run in parallel on all cores while this
 * thread goes on (a joiner hashes its tree meanwhile). The keys are imported
 * here (EdDSA keys not cached: a batch is a joiner's tree, keys seen once); an item whose key or signature does not even have the
 * scheme's shape is false without a job.
 */
function batchOnPool(items: readonly SignatureCheck[], job: (x: SignatureCheck) => Promise<boolean> | false): Promise<boolean[]> {
  return Promise.all(
    // Some entries are a synchronous false (refused before any work): Promise.all takes both.
    // eslint-disable-next-line @typescript-eslint/await-thenable
    items.map((x) => {
      try {
        return job(x);
      } catch {
        return false;
      }
    }),
  );
}

type EdPoint = { fromBytes(bytes: Uint8Array, zip215?: boolean): { isSmallOrder(): boolean } };

/**
 * Whether an EdDSA public key decodes to a point (RFC 8032 §5.1.3, §5.2.3):
 * OpenSSL keeps the raw bytes on import and decodes only inside a
 * verification, whose failure does not say why, so the decoding is
 * @noble/curves' (a square root in the field, ~30 µs; results cached with
 * the key).
 */
function edDecodingProblem(Point: EdPoint, publicKey: Uint8Array): string | undefined {
  let point: ReturnType<EdPoint["fromBytes"]>;
  try {
    point = Point.fromBytes(publicKey, false);
  } catch (e) {
    return `not the encoding of a point (RFC 8032 §5.1.3, §5.2.3: ${e instanceof Error ? e.message : String(e)})`;
  }
  return point.isSmallOrder() ? "a point of small order" : undefined;
}

function eddsa(scheme: number, crv: "Ed25519" | "Ed448", keyLength: number, Point: EdPoint, keys: KeyCache): SignaturePrimitive {
  const sigLength = 2 * keyLength;
  const priv = (sk: Uint8Array): KeyObject => {
    checkLength("private key", sk, keyLength);
    return keys.privateKey(crv, sk, () => okpPrivateKey(crv, sk));
  };
  /** Keys checked valid, by content (a verify then skips the decoding check). */
  const checked = `${crv}-checked`;
  return Object.freeze({
    scheme,
    generateKeyPair: (): Promise<KeyPair> =>
      settle(() => {
        const privateKey = u8(randomBytes(keyLength));
        const key = okpPrivateKey(crv, privateKey);
        keys.putPrivateKey(crv, privateKey, key);
        return { privateKey, publicKey: okpPublicBytes(key) };
      }),
    publicKey: (sk: Uint8Array): Promise<Uint8Array> => settle(() => okpPublicBytes(priv(sk))),
    sign: (sk: Uint8Array, message: Uint8Array): Promise<Uint8Array> => settle(() => u8(sign(null, message, priv(sk)))),
    publicKeyProblem: (pk: Uint8Array): string | undefined => {
      if (pk.length !== keyLength) return `public key must be ${keyLength} bytes, got ${pk.length}`;
      if (keys.hasPublicKey(checked, pk)) return undefined;
      const problem = edDecodingProblem(Point, pk);
      if (problem === undefined) keys.publicKey(checked, pk, () => okpPublicKey(crv, pk));
      return problem;
    },
    verifyBatch: (items: readonly SignatureCheck[]): Promise<boolean[]> =>
      batchOnPool(items, (x) => {
        if (x.publicKey.length !== keyLength || x.signature.length !== sigLength) return false;
        return verifyOnPool(
          null,
          x.message,
          keys.publicKeyOnce(crv, x.publicKey, () => okpPublicKey(crv, x.publicKey)),
          x.signature,
        );
      }),
    verify: (pk: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> => {
      if (pk.length !== keyLength || signature.length !== sigLength) return Promise.resolve(false);
      try {
        // OpenSSL decodes strictly (RFC 8032 §5.1.7 / §5.2.7: canonical S and R, the key a point), as noble and WebCrypto do.
        return Promise.resolve(
          verify(
            null,
            message,
            keys.publicKey(crv, pk, () => okpPublicKey(crv, pk)),
            signature,
          ),
        );
      } catch {
        return Promise.resolve(false);
      }
    },
  });
}

/** A private scalar at the curve's size: `d` itself, or a left-padded copy of a shorter (minimal) one. */
function fullScalar(d: Uint8Array, scalarLength: number): Uint8Array {
  if (d.length === scalarLength) return d;
  if (d.length > scalarLength) throw new RangeError(`private key must be at most ${scalarLength} bytes, got ${d.length}`);
  const out = new Uint8Array(scalarLength);
  out.set(d, scalarLength - d.length);
  return out;
}

function withScalar<T>(privateKey: Uint8Array, scalarLength: number, f: (d: Uint8Array) => T): T {
  const d = fullScalar(privateKey, scalarLength);
  try {
    return f(d);
  } finally {
    if (d !== privateKey) d.fill(0);
  }
}

function ecdsa(scheme: number, crv: "P-256" | "P-384" | "P-521", hash: string, keys: KeyCache): SignaturePrimitive {
  const p = NIST[crv];
  const pkLength = 1 + 2 * p.scalarLength;
  const tag = "ECDSA-" + crv;
  const pub = (pk: Uint8Array): KeyObject => nistPublicKey(p, pk, keys, tag);
  return Object.freeze({
    scheme,
    generateKeyPair: (): Promise<KeyPair> =>
      settle(() => {
        let privateKey: Uint8Array;
        do {
          privateKey = u8(randomBytes(p.scalarLength));
          privateKey[0] = expectDefined(privateKey[0], "privateKey[0]") & p.bitmask;
        } while (!isValidScalar(privateKey, p));
        return { privateKey, publicKey: nistPublicPoint(p, privateKey) };
      }),
    publicKey: (sk: Uint8Array): Promise<Uint8Array> => settle(() => withScalar(sk, p.scalarLength, (d) => nistPublicPoint(p, d))),
    // RFC 9420 §5.1.2: DER-encoded ECDSA; the message is hashed with the curve's SHA-2. OpenSSL signs with a random nonce.
    sign: (sk: Uint8Array, message: Uint8Array): Promise<Uint8Array> =>
      settle(() => u8(sign(hash, message, { key: withScalar(sk, p.scalarLength, (d) => nistPrivateKey(p, d, keys, tag)), dsaEncoding: "der" }))),
    // RFC 9420 §5.1.1: an UncompressedPointRepresentation; SEC 1 §3.2.2.1: OpenSSL imports only a point on the curve.
    publicKeyProblem: (pk: Uint8Array): string | undefined => {
      if (pk.length !== pkLength || pk[0] !== 0x04) return "not an uncompressed point (RFC 9420 §5.1.1)";
      try {
        pub(pk);
        return undefined;
      } catch (e) {
        return `not a point of ${crv} (${e instanceof Error ? e.message : String(e)})`;
      }
    },
    verifyBatch: (items: readonly SignatureCheck[]): Promise<boolean[]> =>
      batchOnPool(items, (x) => {
        if (x.publicKey.length !== pkLength || x.publicKey[0] !== 0x04) return false;
        return verifyOnPool(hash, x.message, { key: pub(x.publicKey), dsaEncoding: "der" }, x.signature);
      }),
    verify: (pk: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> => {
      if (pk.length !== pkLength || pk[0] !== 0x04) return Promise.resolve(false);
      try {
        // Any valid DER signature, high S included (other stacks do not normalise S).
        return Promise.resolve(verify(hash, message, { key: pub(pk), dsaEncoding: "der" }, signature));
      } catch {
        return Promise.resolve(false);
      }
    },
  });
}

/** The tags the signature schemes cache private keys under (for forgetting). */
export const SIGNATURE_TAGS = ["Ed25519", "Ed448", "ECDSA-P-256", "ECDSA-P-384", "ECDSA-P-521"] as const;

/** The five signature schemes by TLS SignatureScheme value, on one key cache. */
export function nodeSignatures(keys: KeyCache): ReadonlyMap<number, SignaturePrimitive> {
  return new Map([
    [SignatureScheme.ed25519, eddsa(SignatureScheme.ed25519, "Ed25519", 32, ed25519.Point, keys)],
    [SignatureScheme.ed448, eddsa(SignatureScheme.ed448, "Ed448", 57, ed448.Point, keys)],
    [SignatureScheme.ecdsa_secp256r1_sha256, ecdsa(SignatureScheme.ecdsa_secp256r1_sha256, "P-256", "sha256", keys)],
    [SignatureScheme.ecdsa_secp384r1_sha384, ecdsa(SignatureScheme.ecdsa_secp384r1_sha384, "P-384", "sha384", keys)],
    [SignatureScheme.ecdsa_secp521r1_sha512, ecdsa(SignatureScheme.ecdsa_secp521r1_sha512, "P-521", "sha512", keys)],
  ]);
}
