/**
 * DHKEM (RFC 9180 §4.1) over a {@link DhGroup} and the KEM's own KDF, with
 * DeriveKeyPair (§7.1.3). Written once; providers supply only the group.
 */
import { CryptoError, UsageError, type KeyPair, expectDefined } from "@mlskit/core";
import { kemKdfId, kemName } from "./algorithms.js";
import { asCryptoError } from "./errors.js";
import { EMPTY, LABEL, LabeledKdf, kemSuiteId } from "./labeled.js";
import type { DhGroup, EphemeralDh, Kdf } from "./primitives.js";
import type { Kem } from "./pq-kem.js";
import { dhPublicKeyProblem } from "./public-keys.js";

/** Encap's output: the KEM shared secret and the encapsulated key `enc`. */
export interface EncapResult {
  readonly sharedSecret: Uint8Array;
  readonly enc: Uint8Array;
}

/** A DHKEM instance: one group, the KEM's KDF, and a random source. */
export class Dhkem implements Kem {
  /** RFC 9180 KEM id. */
  readonly id: number;
  readonly group: DhGroup;
  /** Nenc (= Npk for DHKEM), Npk, Nsk. */
  readonly encLength: number;
  readonly publicKeyLength: number;
  readonly privateKeyLength: number;
  /** Nsecret: the KEM KDF's Nh (RFC 9180 §7.1). */
  readonly sharedSecretLength: number;
  /** LabeledExtract/Expand with suite_id = "KEM" || I2OSP(kem_id, 2). */
  readonly labeled: LabeledKdf;
  private readonly randomBytes: (length: number) => Uint8Array;

  constructor(group: DhGroup, kdf: Kdf, randomBytes: (length: number) => Uint8Array) {
    const expected = kemKdfId(group.kemId);
    if (expected !== undefined && expected !== kdf.id) {
      throw new UsageError("hpke/kem-kdf-mismatch", `${kemName(group.kemId)} needs KDF ${expected}, got ${kdf.id}`);
    }
    this.id = group.kemId;
    this.group = group;
    this.encLength = group.publicKeyLength;
    this.publicKeyLength = group.publicKeyLength;
    this.privateKeyLength = group.privateKeyLength;
    this.sharedSecretLength = kdf.hashLength;
    this.labeled = new LabeledKdf(kdf, kemSuiteId(group.kemId));
    this.randomBytes = randomBytes;
  }

  /**
   * DeriveKeyPair(ikm) (RFC 9180 §7.1.3). X25519/X448: the private key is
   * `LabeledExpand(dkp_prk, "sk", "", Nsk)`. NIST curves: rejection sampling
   * over `LabeledExpand(dkp_prk, "candidate", I2OSP(counter, 1), Nsk)` with
   * the first byte masked, until a scalar in [1, n) appears (at most 256 tries).
   */
  async deriveKeyPair(ikm: Uint8Array): Promise<KeyPair> {
    const g = this.group;
    const dkpPrk = await this.labeled.extract(EMPTY, LABEL.dkpPrk, ikm);
    let sk: Uint8Array | undefined;
    try {
      if (g.bitmask === undefined) {
        sk = await this.labeled.expand(dkpPrk, LABEL.sk, EMPTY, g.privateKeyLength);
      } else {
        const counter = new Uint8Array(1);
        for (let i = 0; i <= 255; i++) {
          counter[0] = i;
          const bytes = await this.labeled.expand(dkpPrk, LABEL.candidate, counter, g.privateKeyLength);
          bytes[0] = expectDefined(bytes[0], "bytes[0]") & g.bitmask;
          if (g.isValidPrivateKey(bytes)) {
            sk = bytes;
            break;
          }
          bytes.fill(0);
        }
        // RFC 9180 §7.1.3: "if counter > 255: raise DeriveKeyPairError".
        if (sk === undefined) throw new CryptoError("crypto/derive-key-pair", `DeriveKeyPair: no valid ${kemName(this.id)} scalar in 256 candidates`);
      }
    } finally {
      dkpPrk.fill(0);
    }
    try {
      return { privateKey: sk, publicKey: await g.publicKey(sk) };
    } catch (e) {
      sk.fill(0);
      throw asCryptoError(e, "crypto/invalid-key", `DeriveKeyPair: ${kemName(this.id)} public key computation failed`);
    }
  }

  /**
   * GenerateKeyPair() (RFC 9180 §4): the group's own random key generation
   * when it has one ({@link DhGroup.generateKeyPair}, e.g. `crypto.subtle`'s
   * generateKey), otherwise DeriveKeyPair(random(Nsk)) (§7.1.3).
   */
  generateKeyPair(): Promise<KeyPair> {
    const g = this.group;
    if (g.generateKeyPair !== undefined) {
      return g.generateKeyPair().catch((e: unknown) => {
        throw asCryptoError(e, "crypto/invalid-key", `GenerateKeyPair: ${kemName(this.id)} key generation failed`);
      });
    }
    return this.deriveRandomKeyPair();
  }

  private async deriveRandomKeyPair(): Promise<KeyPair> {
    const ikm = this.randomBytes(this.privateKeyLength);
    try {
      return await this.deriveKeyPair(ikm);
    } finally {
      ikm.fill(0);
    }
  }

  /**
   * Encap(pkR) (RFC 9180 §4.1) with a fresh ephemeral key pair, wiped
   * afterwards; or the group's {@link DhGroup.ephemeralDh}, whose ephemeral
   * private key never leaves the group.
   */
  async encap(pkR: Uint8Array): Promise<EncapResult> {
    this.checkPublicKey(pkR);
    if (this.group.ephemeralDh !== undefined) {
      let eph: EphemeralDh;
      try {
        // RFC 9180 §7.1.4: the sender validates pkR (DH throws on an invalid point or a zero output).
        eph = await this.group.ephemeralDh(pkR);
      } catch (e) {
        throw asCryptoError(e, "crypto/invalid-key", `Encap: invalid ${kemName(this.id)} public key`);
      }
      return { sharedSecret: await this.extractAndExpand(eph.dh, kemContext(eph.enc, pkR)), enc: eph.enc };
    }
    const eph = await this.generateKeyPair();
    try {
      return await encapWithKeyPair(this, pkR, eph.privateKey, eph.publicKey);
    } finally {
      eph.privateKey.fill(0);
    }
  }

  /**
   * Decap(enc, skR) (RFC 9180 §4.1). `pkR`, when the caller knows it, is used
   * as `SerializePublicKey(pk(skR))` and spares a scalar multiplication.
   * A bad `enc` throws `crypto/hpke-open`; a malformed `skR` `crypto/invalid-key`.
   * `skR` may be a key handle of the group ({@link DhGroup.isPrivateKeyHandle}).
   */
  async decap(enc: Uint8Array, skR: Uint8Array, pkR?: Uint8Array): Promise<Uint8Array> {
    if (skR.length !== this.privateKeyLength && this.group.isPrivateKeyHandle?.(skR) !== true) {
      throw new CryptoError("crypto/invalid-key", `${kemName(this.id)} private key must be ${this.privateKeyLength} bytes, got ${skR.length}`);
    }
    if (pkR !== undefined) this.checkPublicKey(pkR);
    if (enc.length !== this.encLength) {
      throw new CryptoError("crypto/hpke-open", `Decap: ${kemName(this.id)} enc must be ${this.encLength} bytes, got ${enc.length}`);
    }
    let pkRm = pkR;
    if (pkRm === undefined) {
      try {
        pkRm = await this.group.publicKey(skR);
      } catch (e) {
        throw asCryptoError(e, "crypto/invalid-key", `${kemName(this.id)} private key is invalid`);
      }
    }
    let dh: Uint8Array;
    try {
      // RFC 9180 §7.1.4: DH validates pkE and rejects an all-zero output.
      dh = await this.group.dh(skR, enc);
    } catch (e) {
      throw asCryptoError(e, "crypto/hpke-open", `Decap: ${kemName(this.id)} DH failed (invalid enc)`);
    }
    return this.extractAndExpand(dh, kemContext(enc, pkRm));
  }

  /**
   * ExtractAndExpand(dh, kem_context) (RFC 9180 §4.1):
   * `LabeledExpand(LabeledExtract("", "eae_prk", dh), "shared_secret", kem_context, Nsecret)`.
   * Wipes `dh` and the intermediate PRK.
   */
  async extractAndExpand(dh: Uint8Array, context: Uint8Array): Promise<Uint8Array> {
    let prk: Uint8Array | undefined;
    try {
      prk = await this.labeled.extract(EMPTY, LABEL.eaePrk, dh);
      return await this.labeled.expand(prk, LABEL.sharedSecret, context, this.sharedSecretLength);
    } finally {
      dh.fill(0);
      prk?.fill(0);
    }
  }

  /** RFC 9180 §7.1.1 DeserializePublicKey as a reason, or `undefined` for a valid key. */
  publicKeyProblem(pk: Uint8Array): Promise<string | undefined> {
    return dhPublicKeyProblem(this.group, pk);
  }

  /** @internal Throws `crypto/invalid-key` for a public key of the wrong size. */
  checkPublicKey(pk: Uint8Array): void {
    if (pk.length !== this.publicKeyLength) {
      throw new CryptoError("crypto/invalid-key", `${kemName(this.id)} public key must be ${this.publicKeyLength} bytes, got ${pk.length}`);
    }
  }
}

/** kem_context = concat(enc, pkRm) (RFC 9180 §4.1). */
function kemContext(enc: Uint8Array, pkRm: Uint8Array): Uint8Array {
  const out = new Uint8Array(enc.length + pkRm.length);
  out.set(enc);
  out.set(pkRm, enc.length);
  return out;
}

/**
 * @internal Encap with a given ephemeral key pair (deterministic; for test
 * vectors). Not exported from the package's main entry: an ephemeral key
 * must never be reused.
 */
export async function encapWithKeyPair(kem: Dhkem, pkR: Uint8Array, skE: Uint8Array, pkE: Uint8Array): Promise<EncapResult> {
  kem.checkPublicKey(pkR);
  let dh: Uint8Array;
  try {
    // RFC 9180 §7.1.4: the sender validates pkR (DH throws on an invalid point or a zero output).
    dh = await kem.group.dh(skE, pkR);
  } catch (e) {
    throw asCryptoError(e, "crypto/invalid-key", `Encap: invalid ${kemName(kem.id)} public key`);
  }
  // enc = SerializePublicKey(pkE): pkE is already serialized.
  const enc = pkE;
  const sharedSecret = await kem.extractAndExpand(dh, kemContext(enc, pkR));
  return { sharedSecret, enc };
}
