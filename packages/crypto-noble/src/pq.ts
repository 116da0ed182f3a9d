/**
 * Post-quantum primitives on @noble/post-quantum: ML-KEM-512/768/1024
 * (FIPS 203), the PQ/T hybrid KEMs of draft-irtf-cfrg-concrete-hybrid-kems
 * (X-Wing = MLKEM768-X25519, MLKEM768-P256, MLKEM1024-P384) and ML-DSA-44/65/87
 * (FIPS 204). No lattice arithmetic here: only key-format plumbing and the
 * FIPS 203 §7.2 encapsulation-key modulus check (a byte-level range check).
 *
 * Private keys are seeds: 64 bytes (d || z) for ML-KEM, 32 for the hybrids
 * (draft-ietf-hpke-pq-05 Nsk), 32 (xi) for ML-DSA. The expanded keys are
 * recomputed from the seed and kept only in a WeakMap keyed by the seed's
 * array, so they live no longer than the caller's key.
 */
import { HpkeKemId, SignatureScheme, type KeyPair, expectDefined } from "@mlskit/core";
import type { KemPrimitive, SignaturePrimitive } from "@mlskit/hpke";
import { p256, p384 } from "@noble/curves/nist.js";
import { shake256 } from "@noble/hashes/sha3.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { ml_kem1024, ml_kem512, ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { ml_kem1024_p384, ml_kem768_p256, ml_kem768_x25519 } from "@noble/post-quantum/hybrid.js";

type NobleKem = typeof ml_kem768;
type NobleDsa = typeof ml_dsa65;

const Q = 3329;

/**
 * FIPS 203 §7.2 "modulus check": ByteEncode12(ByteDecode12(ek_PKE)) == ek_PKE,
 * i.e. every 12-bit coefficient of the 384·k-byte vector part is below q.
 */
function mlKemModulusProblem(ek: Uint8Array, k: number): string | undefined {
  const n = 384 * k;
  for (let i = 0; i < n; i += 3) {
    const b0 = expectDefined(ek[i], "ek[i]");
    const b1 = expectDefined(ek[i + 1], "ek[i + 1]");
    const b2 = expectDefined(ek[i + 2], "ek[i + 2]");
    const c0 = b0 | ((b1 & 0x0f) << 8);
    const c1 = (b1 >> 4) | (b2 << 4);
    if (c0 >= Q || c1 >= Q) return `ML-KEM encapsulation key fails the FIPS 203 §7.2 modulus check (a coefficient at byte ${i} is not below q = 3329)`;
  }
  return undefined;
}

const shake = (data: Uint8Array, length: number): Uint8Array => shake256(data, { dkLen: length });

function mlKem(kemId: number, kem: NobleKem, k: number): KemPrimitive {
  const expanded = new WeakMap<Uint8Array, Uint8Array>();
  const secretOf = (seed: Uint8Array): Uint8Array => {
    let sk = expanded.get(seed);
    if (sk === undefined) {
      if (seed.length !== 64) throw new RangeError(`ML-KEM private key (seed d || z) must be 64 bytes, got ${seed.length}`);
      sk = kem.keygen(seed).secretKey;
      expanded.set(seed, sk);
    }
    return sk;
  };
  return Object.freeze({
    kemId,
    publicKeyLength: expectDefined(kem.lengths.publicKey, "kem.lengths.publicKey"),
    privateKeyLength: 64,
    encLength: expectDefined(kem.lengths.cipherText, "kem.lengths.cipherText"),
    sharedSecretLength: 32,
    encapRandomnessLength: 32,
    keyPairFromSeed: (seed: Uint8Array): KeyPair => {
      if (seed.length !== 64) throw new RangeError(`ML-KEM seed must be 64 bytes, got ${seed.length}`);
      const { publicKey, secretKey } = kem.keygen(seed);
      const privateKey = seed.slice();
      expanded.set(privateKey, secretKey);
      return { publicKey, privateKey };
    },
    encap: (pk: Uint8Array, randomness?: Uint8Array) => {
      const { cipherText, sharedSecret } = kem.encapsulate(pk, randomness);
      return { enc: cipherText, sharedSecret };
    },
    decap: (enc: Uint8Array, seed: Uint8Array): Uint8Array => kem.decapsulate(enc, secretOf(seed)),
    publicKeyProblem: (pk: Uint8Array): string | undefined =>
      pk.length !== kem.lengths.publicKey ? `ML-KEM public key has ${pk.length} bytes, not ${kem.lengths.publicKey}` : mlKemModulusProblem(pk, k),
    shake256: shake,
  } satisfies KemPrimitive);
}

/** A hybrid: pk = ek_ML-KEM || the ECDH share (draft-irtf-cfrg-concrete-hybrid-kems). */
function hybrid(kemId: number, kem: NobleKem, k: number, ecdh: { length: number; check(share: Uint8Array): void } | undefined): KemPrimitive {
  const ekLength = 384 * k + 32;
  return Object.freeze({
    kemId,
    publicKeyLength: expectDefined(kem.lengths.publicKey, "kem.lengths.publicKey"),
    privateKeyLength: 32,
    encLength: expectDefined(kem.lengths.cipherText, "kem.lengths.cipherText"),
    sharedSecretLength: 32,
    encapRandomnessLength: kem.lengths.msgRand ?? 64,
    keyPairFromSeed: (seed: Uint8Array): KeyPair => {
      if (seed.length !== 32) throw new RangeError(`hybrid KEM seed must be 32 bytes, got ${seed.length}`);
      const { publicKey } = kem.keygen(seed);
      return { publicKey, privateKey: seed.slice() };
    },
    encap: (pk: Uint8Array, randomness?: Uint8Array) => {
      const { cipherText, sharedSecret } = kem.encapsulate(pk, randomness);
      return { enc: cipherText, sharedSecret };
    },
    decap: (enc: Uint8Array, seed: Uint8Array): Uint8Array => kem.decapsulate(enc, seed),
    publicKeyProblem: (pk: Uint8Array): string | undefined => {
      if (pk.length !== kem.lengths.publicKey) return `public key has ${pk.length} bytes, not ${kem.lengths.publicKey}`;
      const pq = mlKemModulusProblem(pk.subarray(0, ekLength), k);
      if (pq !== undefined) return pq;
      if (ecdh === undefined) return undefined; // X25519: every 32-byte string is a u-coordinate (X-Wing checks none)
      try {
        ecdh.check(pk.subarray(ekLength));
        return undefined;
      } catch (e) {
        return `the ECDH share is not a point of the curve (${e instanceof Error ? e.message : String(e)})`;
      }
    },
    shake256: shake,
  } satisfies KemPrimitive);
}

const nistShare = (curve: typeof p256) => ({
  length: 0,
  check: (share: Uint8Array): void => {
    if (share[0] !== 0x04) throw new RangeError("not an uncompressed point");
    curve.Point.fromBytes(share).assertValidity();
  },
});

/** The six post-quantum / hybrid KEMs by HPKE KEM id. */
export const noblePqKems: ReadonlyMap<number, KemPrimitive> = new Map([
  [HpkeKemId.ML_KEM_512, mlKem(HpkeKemId.ML_KEM_512, ml_kem512, 2)],
  [HpkeKemId.ML_KEM_768, mlKem(HpkeKemId.ML_KEM_768, ml_kem768, 3)],
  [HpkeKemId.ML_KEM_1024, mlKem(HpkeKemId.ML_KEM_1024, ml_kem1024, 4)],
  [HpkeKemId.MLKEM768_X25519, hybrid(HpkeKemId.MLKEM768_X25519, ml_kem768_x25519 as NobleKem, 3, undefined)],
  [HpkeKemId.MLKEM768_P256, hybrid(HpkeKemId.MLKEM768_P256, ml_kem768_p256 as NobleKem, 3, nistShare(p256))],
  [HpkeKemId.MLKEM1024_P384, hybrid(HpkeKemId.MLKEM1024_P384, ml_kem1024_p384 as NobleKem, 4, nistShare(p384 as unknown as typeof p256))],
]);

/**
 * ML-DSA (FIPS 204) with the pure (non-prehash) signing of an empty
 * context, as draft-ietf-tls-mldsa uses it; deterministic signing
 * (FIPS 204 §3.4, rnd = 0^32), so every provider gives the same bytes.
 * Private key: the 32-byte seed xi.
 */
function mlDsa(scheme: number, dsa: NobleDsa): SignaturePrimitive {
  const expanded = new WeakMap<Uint8Array, Uint8Array>();
  const pkLength = expectDefined(dsa.lengths.publicKey, "dsa.lengths.publicKey");
  const secretOf = (seed: Uint8Array): Uint8Array => {
    let sk = expanded.get(seed);
    if (sk === undefined) {
      if (seed.length !== 32) throw new RangeError(`ML-DSA private key (seed) must be 32 bytes, got ${seed.length}`);
      sk = dsa.keygen(seed).secretKey;
      expanded.set(seed, sk);
    }
    return sk;
  };
  return Object.freeze({
    scheme,
    generateKeyPair: async (): Promise<KeyPair> => {
      const privateKey = randomBytes(32);
      const { publicKey, secretKey } = dsa.keygen(privateKey);
      expanded.set(privateKey, secretKey);
      return { publicKey, privateKey };
    },
    publicKey: async (seed: Uint8Array): Promise<Uint8Array> => {
      if (seed.length !== 32) throw new RangeError(`ML-DSA private key (seed) must be 32 bytes, got ${seed.length}`);
      return dsa.keygen(seed).publicKey;
    },
    sign: async (seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> => dsa.sign(message, secretOf(seed), { extraEntropy: false }),
    verify: async (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> =>
      publicKey.length === pkLength && signature.length === dsa.lengths.signature && dsa.verify(signature, message, publicKey),
    // pk = rho || t1 (FIPS 204 §7.2 pkEncode): every bit pattern of that length decodes.
    publicKeyProblem: (publicKey: Uint8Array): string | undefined =>
      publicKey.length === pkLength ? undefined : `ML-DSA public key has ${publicKey.length} bytes, not ${pkLength}`,
  } satisfies SignaturePrimitive);
}

/** ML-DSA-44/65/87 by TLS SignatureScheme value. */
export const nobleMlDsa: ReadonlyMap<number, SignaturePrimitive> = new Map([
  [SignatureScheme.mldsa44, mlDsa(SignatureScheme.mldsa44, ml_dsa44)],
  [SignatureScheme.mldsa65, mlDsa(SignatureScheme.mldsa65, ml_dsa65)],
  [SignatureScheme.mldsa87, mlDsa(SignatureScheme.mldsa87, ml_dsa87)],
]);
