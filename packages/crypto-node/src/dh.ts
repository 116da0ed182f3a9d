/**
 * DH groups for DHKEM (RFC 9180 §7.1) on node:crypto: X25519, X448 (RFC 7748)
 * and P-256, P-384, P-521, through `diffieHellman` on cached `KeyObject`s.
 */
import { type KeyObject, createECDH, diffieHellman, randomBytes } from "node:crypto";
import { HpkeKemId, type KeyPair, expectDefined } from "@mlskit/core";
import type { DhGroup, EphemeralDh } from "@mlskit/hpke";
import { type MontgomeryCurve, type PooledKeyPair, generateOnThreadPoolAsync, takePooledKeyPair } from "./key-pool.js";
import { type KeyCache, type NistCurve, ecPrivateKey, ecPublicKey, okpPrivateKey, okpPublicBytes, okpPublicKey, u8 } from "./keys.js";
import { checkLength, settle } from "./settle.js";

/** DH(sk, pk), refusing the all-zero output (RFC 9180 §7.1.4; OpenSSL refuses it for X25519/X448 too). */
function dhBytes(privateKey: KeyObject, publicKey: KeyObject, length: number): Uint8Array {
  const z = u8(diffieHellman({ privateKey, publicKey }));
  if (z.length !== length) throw new RangeError(`DH output must be ${length} bytes, got ${z.length}`);
  let acc = 0;
  for (const b of z) acc |= b;
  if (acc === 0) throw new RangeError("DH output is the all-zero value (RFC 9180 §7.1.4)");
  return z;
}

/**
 * Key generations asked for in one turn of the event loop, when none
 * generated ahead of time is ready (key-pool.ts), beyond which the rest run
 * on node:crypto's thread pool. One call, or a few, is fastest synchronously
 * (a thread-pool job costs a round trip);
 * a burst — the N - 1 encapsulations of a full-path Commit in a group of
 * blank parents, issued together by TreeKEM — then spreads its key
 * generations (a scalar multiplication each, a third of an Encap) over the
 * other cores while this thread does the DH and the key schedules.
 */
const BURST = 16;
let burstCount = 0;
let burstReset = false;

/** Whether this key generation belongs to a burst (see {@link BURST}). */
function inBurst(): boolean {
  if (!burstReset) {
    burstReset = true;
    setImmediate(() => {
      burstCount = 0;
      burstReset = false;
    });
  }
  return ++burstCount > BURST;
}

/** A generated key pair handed out as raw bytes (a leaf or KeyPackage key); its private KeyObject is cached for later DHs. */
function handOut(crv: MontgomeryCurve, length: number, pair: PooledKeyPair, keys: KeyCache): KeyPair {
  // Decoded into Node's Buffer pool, copied out, and the pooled bytes wiped (a private key).
  const decoded = Buffer.from(pair.privateKey.export({ format: "jwk" }).d ?? "", "base64url");
  const privateKey = new Uint8Array(decoded);
  decoded.fill(0);
  if (privateKey.length !== length) throw new RangeError(`${crv} key generation gave ${privateKey.length} bytes`);
  keys.putPrivateKey(crv, privateKey, pair.privateKey);
  return { privateKey, publicKey: pair.publicKey };
}

/** X25519 / X448: raw 32/56-byte keys (RFC 9180 §7.1.1); DeriveKeyPair uses the expanded bytes directly. */
function montgomeryGroup(kemId: number, crv: MontgomeryCurve, length: number, keys: KeyCache): DhGroup {
  const priv = (sk: Uint8Array): KeyObject => {
    checkLength("private key", sk, length);
    return keys.privateKey(crv, sk, () => okpPrivateKey(crv, sk));
  };
  const pub = (pk: Uint8Array): KeyObject => {
    checkLength("public key", pk, length);
    return keys.publicKey(crv, pk, () => okpPublicKey(crv, pk));
  };
  const dhWith = (pair: PooledKeyPair, pkRKey: KeyObject): EphemeralDh => ({ dh: dhBytes(pair.privateKey, pkRKey, length), enc: pair.publicKey });
  // A random private key imported (RFC 7748 §5: any Nsk bytes are a key), not generateKeyPairSync: on Node 20 a JWK
  // export of a generated key hangs this thread for good when a garbage collection inside the export (which holds the
  // key's mutex) destroys the finished generation job, whose destructor takes the same mutex; an imported key has no
  // such job. Same cost (≈ 26-28 µs: one scalar multiplication either way).
  const randomKey = (): { sk: Uint8Array; key: KeyObject } => {
    const sk = u8(randomBytes(length));
    return { sk, key: okpPrivateKey(crv, sk) };
  };
  const generatedHere = (): PooledKeyPair => {
    const { sk, key } = randomKey();
    sk.fill(0); // the key lives on in the KeyObject only
    return { privateKey: key, publicKey: okpPublicBytes(key) };
  };
  return Object.freeze({
    kemId,
    publicKeyLength: length,
    privateKeyLength: length,
    dhLength: length,
    bitmask: undefined,
    isValidPrivateKey: (sk: Uint8Array): boolean => sk.length === length,
    // GenerateKeyPair (RFC 9180 §4): any random string is a key (RFC 7748 §5). One generated ahead of time when ready
    // (key-pool.ts), else on the thread pool within a burst, else here. The KeyObject stays cached for later DHs.
    generateKeyPair: (): Promise<KeyPair> => {
      const pooled = takePooledKeyPair(crv);
      if (pooled !== undefined) return settle(() => handOut(crv, length, pooled, keys));
      if (inBurst()) return generateOnThreadPoolAsync(crv).then((pair) => handOut(crv, length, pair, keys));
      return settle(() => {
        const { sk, key } = randomKey();
        keys.putPrivateKey(crv, sk, key);
        return { privateKey: sk, publicKey: okpPublicBytes(key) };
      });
    },
    // Encap's GenerateKeyPair and DH (RFC 9180 §4.1) with an ephemeral key that is used once and never leaves this
    // function (not serialised, not cached): generated ahead of time when one is ready, else as generateKeyPair would.
    ephemeralDh: (pkR: Uint8Array): Promise<EphemeralDh> => {
      let pkRKey: KeyObject;
      try {
        pkRKey = pub(pkR); // a bad key consumes no ephemeral
      } catch (e) {
        return Promise.reject(e);
      }
      const pooled = takePooledKeyPair(crv);
      if (pooled !== undefined) return settle(() => dhWith(pooled, pkRKey));
      if (inBurst()) return generateOnThreadPoolAsync(crv).then((pair) => dhWith(pair, pkRKey));
      return settle(() => dhWith(generatedHere(), pkRKey));
    },
    publicKey: (sk: Uint8Array): Promise<Uint8Array> => settle(() => okpPublicBytes(priv(sk))),
    // @mlskit/hpke refuses the low-order points by table before asking (RFC 7748 §6): every other
    // 32/56-byte string is a u-coordinate on the curve or its twist, and X25519/X448 take both.
    publicKeyProblem: (pk: Uint8Array): string | undefined => (pk.length === length ? undefined : `public key must be ${length} bytes, got ${pk.length}`),
    dh: (sk: Uint8Array, pk: Uint8Array): Promise<Uint8Array> => settle(() => dhBytes(priv(sk), pub(pk), length)),
  });
}

interface NistParams {
  readonly crv: NistCurve;
  /** OpenSSL's curve name for `createECDH`. */
  readonly ossl: string;
  readonly scalarLength: number;
  readonly order: bigint;
  readonly bitmask: number;
}

export const NIST: Readonly<Record<NistCurve, NistParams>> = {
  "P-256": {
    crv: "P-256",
    ossl: "prime256v1",
    scalarLength: 32,
    order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    bitmask: 0xff,
  },
  "P-384": {
    crv: "P-384",
    ossl: "secp384r1",
    scalarLength: 48,
    order: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    bitmask: 0xff,
  },
  "P-521": {
    crv: "P-521",
    ossl: "secp521r1",
    scalarLength: 66,
    order: 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    bitmask: 0x01,
  },
};

/** 0 < d < n for a big-endian scalar of any length. */
export function isValidScalar(d: Uint8Array, p: NistParams): boolean {
  if (d.length === 0 || d.length > p.scalarLength) return false;
  let v = 0n;
  for (const b of d) v = (v << 8n) | BigInt(b);
  return v > 0n && v < p.order;
}

/** The uncompressed public point of a scalar (OpenSSL's fixed-base multiplication). */
export function nistPublicPoint(p: NistParams, d: Uint8Array): Uint8Array {
  if (!isValidScalar(d, p)) throw new RangeError(`not a valid ${p.crv} private scalar`);
  const ecdh = createECDH(p.ossl);
  ecdh.setPrivateKey(d);
  return u8(ecdh.getPublicKey(null, "uncompressed"));
}

/** A private EC KeyObject of a full-size scalar (the public point computed once, for the JWK). */
export function nistPrivateKey(p: NistParams, d: Uint8Array, keys: KeyCache, tag: string): KeyObject {
  return keys.privateKey(tag, d, () => ecPrivateKey(p.crv, d, nistPublicPoint(p, d), p.scalarLength));
}

/** A public EC KeyObject; throws for a point not on the curve. */
export function nistPublicKey(p: NistParams, point: Uint8Array, keys: KeyCache, tag: string): KeyObject {
  return keys.publicKey(tag, point, () => ecPublicKey(p.crv, point, p.scalarLength));
}

/**
 * P-256/P-384/P-521 (RFC 9180 §7.1.1): uncompressed SEC1 public points,
 * big-endian scalars of Nsk bytes, the DH output the shared point's x.
 */
function weierstrassGroup(kemId: number, p: NistParams, keys: KeyCache): DhGroup {
  const pkLength = 1 + 2 * p.scalarLength;
  const tag = "ECDH-" + p.crv;
  return Object.freeze({
    kemId,
    publicKeyLength: pkLength,
    privateKeyLength: p.scalarLength,
    dhLength: p.scalarLength,
    bitmask: p.bitmask,
    // RFC 9180 §7.1.3: a candidate is valid when 0 < sk < order.
    isValidPrivateKey: (sk: Uint8Array): boolean => sk.length === p.scalarLength && isValidScalar(sk, p),
    // GenerateKeyPair (RFC 9180 §4): a uniformly random scalar in [1, n), at Nsk bytes; its KeyObject stays cached.
    generateKeyPair: (): Promise<KeyPair> =>
      settle(() => {
        let privateKey: Uint8Array;
        do {
          privateKey = u8(randomBytes(p.scalarLength));
          privateKey[0] = expectDefined(privateKey[0], "privateKey[0]") & p.bitmask;
        } while (!isValidScalar(privateKey, p));
        const publicKey = nistPublicPoint(p, privateKey);
        keys.putPrivateKey(tag, privateKey, ecPrivateKey(p.crv, privateKey, publicKey, p.scalarLength));
        return { privateKey, publicKey };
      }),
    publicKey: (sk: Uint8Array): Promise<Uint8Array> =>
      settle(() => {
        checkLength("private key", sk, p.scalarLength);
        return nistPublicPoint(p, sk);
      }),
    // RFC 9180 §7.1.4 / SEC 1 §3.2.2.1: OpenSSL imports only a point on the curve (an uncompressed encoding cannot name the identity).
    publicKeyProblem: (pk: Uint8Array): string | undefined => {
      if (pk.length !== pkLength || pk[0] !== 0x04) return "not an uncompressed point";
      try {
        nistPublicKey(p, pk, keys, tag);
        return undefined;
      } catch (e) {
        return `not a point of ${p.crv} (${e instanceof Error ? e.message : String(e)})`;
      }
    },
    dh: (sk: Uint8Array, pk: Uint8Array): Promise<Uint8Array> =>
      settle(() => {
        checkLength("private key", sk, p.scalarLength);
        checkLength("public key", pk, pkLength);
        if (pk[0] !== 0x04) throw new RangeError("public key must be an uncompressed point");
        return dhBytes(nistPrivateKey(p, sk, keys, tag), nistPublicKey(p, pk, keys, tag), p.scalarLength);
      }),
  });
}

/** The tags the DH groups cache private keys under (for forgetting). */
export const DH_TAGS = ["X25519", "X448", "ECDH-P-256", "ECDH-P-384", "ECDH-P-521"] as const;

/** The five DHKEM groups by RFC 9180 KEM id, on one key cache. */
export function nodeDhGroups(keys: KeyCache): ReadonlyMap<number, DhGroup> {
  return new Map([
    [HpkeKemId.DHKEM_X25519_HKDF_SHA256, montgomeryGroup(HpkeKemId.DHKEM_X25519_HKDF_SHA256, "X25519", 32, keys)],
    [HpkeKemId.DHKEM_X448_HKDF_SHA512, montgomeryGroup(HpkeKemId.DHKEM_X448_HKDF_SHA512, "X448", 56, keys)],
    [HpkeKemId.DHKEM_P256_HKDF_SHA256, weierstrassGroup(HpkeKemId.DHKEM_P256_HKDF_SHA256, NIST["P-256"], keys)],
    [HpkeKemId.DHKEM_P384_HKDF_SHA384, weierstrassGroup(HpkeKemId.DHKEM_P384_HKDF_SHA384, NIST["P-384"], keys)],
    [HpkeKemId.DHKEM_P521_HKDF_SHA512, weierstrassGroup(HpkeKemId.DHKEM_P521_HKDF_SHA512, NIST["P-521"], keys)],
  ]);
}
