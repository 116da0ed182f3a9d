/**
 * LabeledExtract and LabeledExpand (RFC 9180 §4): every KDF call of HPKE and
 * DHKEM is domain-separated by "HPKE-v1", a suite id and a label.
 */
import type { Kdf } from "./primitives.js";

const ascii = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};

/** The labels of RFC 9180, encoded once. */
export const LABEL = {
  /** "HPKE-v1" (RFC 9180 §4). */
  version: ascii("HPKE-v1"),
  eaePrk: ascii("eae_prk"),
  sharedSecret: ascii("shared_secret"),
  dkpPrk: ascii("dkp_prk"),
  candidate: ascii("candidate"),
  sk: ascii("sk"),
  pskIdHash: ascii("psk_id_hash"),
  infoHash: ascii("info_hash"),
  secret: ascii("secret"),
  key: ascii("key"),
  baseNonce: ascii("base_nonce"),
  exp: ascii("exp"),
  sec: ascii("sec"),
} as const;

export const EMPTY = new Uint8Array(0);

/** suite_id = concat("KEM", I2OSP(kem_id, 2)) (RFC 9180 §4.1). */
export function kemSuiteId(kemId: number): Uint8Array {
  return Uint8Array.of(0x4b, 0x45, 0x4d, kemId >>> 8, kemId & 0xff);
}

/** suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2)) (RFC 9180 §5.1). */
export function hpkeSuiteId(kemId: number, kdfId: number, aeadId: number): Uint8Array {
  return Uint8Array.of(0x48, 0x50, 0x4b, 0x45, kemId >>> 8, kemId & 0xff, kdfId >>> 8, kdfId & 0xff, aeadId >>> 8, aeadId & 0xff);
}

/**
 * A KDF bound to one suite_id: the prefix "HPKE-v1" || suite_id is built
 * once, and each labeled call allocates exactly one input buffer.
 */
export class LabeledKdf {
  readonly kdf: Kdf;
  /** Nh of the KDF. */
  readonly hashLength: number;
  private readonly prefix: Uint8Array;

  constructor(kdf: Kdf, suiteId: Uint8Array) {
    this.kdf = kdf;
    this.hashLength = kdf.hashLength;
    const prefix = new Uint8Array(LABEL.version.length + suiteId.length);
    prefix.set(LABEL.version);
    prefix.set(suiteId, LABEL.version.length);
    this.prefix = prefix;
  }

  /**
   * LabeledExtract(salt, label, ikm) (RFC 9180 §4):
   * `Extract(salt, concat("HPKE-v1", suite_id, label, ikm))`. The labeled
   * input, which may hold a secret (a DH output), is wiped afterwards.
   */
  extract(salt: Uint8Array, label: Uint8Array, ikm: Uint8Array): Promise<Uint8Array> {
    const p = this.prefix;
    const input = new Uint8Array(p.length + label.length + ikm.length);
    input.set(p);
    input.set(label, p.length);
    input.set(ikm, p.length + label.length);
    const wipe = (): void => void input.fill(0);
    let out: Promise<Uint8Array>;
    try {
      out = this.kdf.extract(salt, input);
    } catch (e) {
      wipe();
      return Promise.reject(e);
    }
    // Registered before any caller's continuation, so it runs first.
    out.then(wipe, wipe);
    return out;
  }

  /**
   * LabeledExpand(prk, label, info, L) (RFC 9180 §4):
   * `Expand(prk, concat(I2OSP(L, 2), "HPKE-v1", suite_id, label, info), L)`.
   */
  expand(prk: Uint8Array, label: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
    // RFC 9180 §4: L is encoded on two bytes (and Expand limits it to 255*Nh).
    if (!Number.isInteger(length) || length < 0 || length > 0xffff) {
      return Promise.reject(new RangeError(`LabeledExpand length ${length} out of range`));
    }
    const p = this.prefix;
    const input = new Uint8Array(2 + p.length + label.length + info.length);
    input[0] = length >>> 8;
    input[1] = length & 0xff;
    input.set(p, 2);
    input.set(label, 2 + p.length);
    input.set(info, 2 + p.length + label.length);
    return this.kdf.expand(prk, input, length);
  }
}
