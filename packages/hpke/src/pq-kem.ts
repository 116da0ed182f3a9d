/**
 * HPKE KEMs for ML-KEM and the PQ/T hybrids (draft-ietf-hpke-pq-05 §3-§4)
 * over a {@link KemPrimitive}: written once, like DHKEM. No RFC 9180
 * LabeledExtract/Expand here: these KEMs output their shared secret
 * directly (Nsecret = 32), and DeriveKeyPair uses the single-stage
 * SHAKE256.LabeledDerive of draft-ietf-hpke-hpke — or, for the `"seed"`
 * convention ts-mls 2.0 uses, the seed itself (see
 * `CipherSuiteDescription.kemDeriveKeyPair`).
 */
import { CryptoError, HpkeKemId, type KemDeriveKeyPair, type KeyPair } from "@mlskit/core";
import { kemName } from "./algorithms.js";
import { asCryptoError } from "./errors.js";
import { LABEL } from "./labeled.js";
import type { KemPrimitive } from "./primitives.js";

/** What HPKE needs of any KEM (DHKEM or these). */
export interface Kem {
  readonly id: number;
  readonly encLength: number;
  readonly publicKeyLength: number;
  readonly privateKeyLength: number;
  readonly sharedSecretLength: number;
  generateKeyPair(): Promise<KeyPair>;
  deriveKeyPair(ikm: Uint8Array): Promise<KeyPair>;
  encap(pkR: Uint8Array): Promise<{ sharedSecret: Uint8Array; enc: Uint8Array }>;
  decap(enc: Uint8Array, skR: Uint8Array, pkR?: Uint8Array): Promise<Uint8Array>;
  /** Throws `crypto/invalid-key` for a public key of the wrong size. */
  checkPublicKey(pk: Uint8Array): void;
  /** `undefined` for a valid public key, otherwise the reason. */
  publicKeyProblem(pk: Uint8Array): Promise<string | undefined>;
}

const DERIVE_KEY_PAIR = new TextEncoder().encode("DeriveKeyPair");
const ML_KEM = new Set<number>([HpkeKemId.ML_KEM_512, HpkeKemId.ML_KEM_768, HpkeKemId.ML_KEM_1024]);

/** True for the KEM ids this module serves. */
export const isPqKemId = (kemId: number): boolean =>
  ML_KEM.has(kemId) || kemId === HpkeKemId.MLKEM768_P256 || kemId === HpkeKemId.MLKEM1024_P384 || kemId === HpkeKemId.MLKEM768_X25519;

/**
 * SHAKE256.LabeledDerive(ikm, label, context, L) (draft-ietf-hpke-hpke §4):
 * Derive(ikm || "HPKE-v1" || suite_id || I2OSP(len(label), 2) || label || I2OSP(L, 2) || context, L),
 * with suite_id = "KEM" || I2OSP(kem_id, 2).
 */
export function labeledDeriveShake256(kem: KemPrimitive, ikm: Uint8Array, label: Uint8Array, context: Uint8Array, length: number): Uint8Array {
  const v = LABEL.version;
  const input = new Uint8Array(ikm.length + v.length + 5 + 2 + label.length + 2 + context.length);
  let at = 0;
  input.set(ikm, at);
  at += ikm.length;
  input.set(v, at);
  at += v.length;
  input.set([0x4b, 0x45, 0x4d, kem.kemId >>> 8, kem.kemId & 0xff], at);
  at += 5;
  input.set([label.length >>> 8, label.length & 0xff], at);
  at += 2;
  input.set(label, at);
  at += label.length;
  input.set([length >>> 8, length & 0xff], at);
  at += 2;
  input.set(context, at);
  try {
    return kem.shake256(input, length);
  } finally {
    input.fill(0);
  }
}

/** An HPKE KEM over a post-quantum / hybrid {@link KemPrimitive}. */
export class PqKem implements Kem {
  readonly id: number;
  readonly primitive: KemPrimitive;
  readonly encLength: number;
  readonly publicKeyLength: number;
  readonly privateKeyLength: number;
  readonly sharedSecretLength: number;
  readonly derivation: KemDeriveKeyPair;
  private readonly randomBytes: (length: number) => Uint8Array;

  constructor(primitive: KemPrimitive, derivation: KemDeriveKeyPair, randomBytes: (length: number) => Uint8Array) {
    this.id = primitive.kemId;
    this.primitive = primitive;
    this.encLength = primitive.encLength;
    this.publicKeyLength = primitive.publicKeyLength;
    this.privateKeyLength = primitive.privateKeyLength;
    this.sharedSecretLength = primitive.sharedSecretLength;
    this.derivation = derivation;
    this.randomBytes = randomBytes;
  }

  /** The KEM seed for `ikm`: see `CipherSuiteDescription.kemDeriveKeyPair`. */
  seedOf(ikm: Uint8Array): Uint8Array {
    const n = this.privateKeyLength;
    if (this.derivation === "labeled-shake256") return labeledDeriveShake256(this.primitive, ikm, DERIVE_KEY_PAIR, new Uint8Array(0), n);
    if (ML_KEM.has(this.id)) {
      if (ikm.length !== n) {
        throw new CryptoError("crypto/derive-key-pair", `DeriveKeyPair: ${kemName(this.id)} with the "seed" convention takes a ${n}-byte ikm (d || z), got ${ikm.length}`);
      }
      return ikm.slice();
    }
    return this.primitive.shake256(ikm, n);
  }

  async deriveKeyPair(ikm: Uint8Array): Promise<KeyPair> {
    const seed = this.seedOf(ikm);
    try {
      return await this.primitive.keyPairFromSeed(seed);
    } catch (e) {
      throw asCryptoError(e, "crypto/derive-key-pair", `DeriveKeyPair: ${kemName(this.id)} key generation failed`);
    } finally {
      seed.fill(0);
    }
  }

  /** GenerateKeyPair(): DeriveKeyPair of the KEM on a random seed (draft-ietf-hpke-pq-05 §3: dk = random(64)). */
  async generateKeyPair(): Promise<KeyPair> {
    const seed = this.randomBytes(this.privateKeyLength);
    try {
      return await this.primitive.keyPairFromSeed(seed);
    } finally {
      seed.fill(0);
    }
  }

  async encap(pkR: Uint8Array): Promise<{ sharedSecret: Uint8Array; enc: Uint8Array }> {
    this.checkPublicKey(pkR);
    const problem = this.primitive.publicKeyProblem(pkR);
    if (problem !== undefined) throw new CryptoError("crypto/invalid-key", `Encap: invalid ${kemName(this.id)} public key: ${problem}`);
    try {
      const { enc, sharedSecret } = await this.primitive.encap(pkR);
      return { enc, sharedSecret };
    } catch (e) {
      throw asCryptoError(e, "crypto/invalid-key", `Encap: invalid ${kemName(this.id)} public key`);
    }
  }

  /** @internal EncapsDerand, for test vectors only. */
  async encapDerand(pkR: Uint8Array, randomness: Uint8Array): Promise<{ sharedSecret: Uint8Array; enc: Uint8Array }> {
    this.checkPublicKey(pkR);
    const { enc, sharedSecret } = await this.primitive.encap(pkR, randomness);
    return { enc, sharedSecret };
  }

  async decap(enc: Uint8Array, skR: Uint8Array, pkR?: Uint8Array): Promise<Uint8Array> {
    if (skR.length !== this.privateKeyLength) {
      throw new CryptoError("crypto/invalid-key", `${kemName(this.id)} private key must be ${this.privateKeyLength} bytes, got ${skR.length}`);
    }
    if (pkR !== undefined) this.checkPublicKey(pkR);
    if (enc.length !== this.encLength) {
      throw new CryptoError("crypto/hpke-open", `Decap: ${kemName(this.id)} enc must be ${this.encLength} bytes, got ${enc.length}`);
    }
    try {
      return await this.primitive.decap(enc, skR);
    } catch (e) {
      throw asCryptoError(e, "crypto/hpke-open", `Decap: ${kemName(this.id)} failed (invalid enc)`);
    }
  }

  checkPublicKey(pk: Uint8Array): void {
    if (pk.length !== this.publicKeyLength) {
      throw new CryptoError("crypto/invalid-key", `${kemName(this.id)} public key must be ${this.publicKeyLength} bytes, got ${pk.length}`);
    }
  }

  publicKeyProblem(pk: Uint8Array): Promise<string | undefined> {
    if (pk.length !== this.publicKeyLength) return Promise.resolve(`${kemName(this.id)} public key has ${pk.length} bytes, not ${this.publicKeyLength}`);
    try {
      return Promise.resolve(this.primitive.publicKeyProblem(pk));
    } catch (e) {
      return Promise.resolve(`public key refused: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
