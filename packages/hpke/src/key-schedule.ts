/**
 * An HPKE suite (KEM, KDF, AEAD bound together) and the Base-mode key
 * schedule of RFC 9180 §5.1.
 */
import { UsageError } from "@mlskit/core";
import { Dhkem } from "./dhkem.js";
import { EMPTY, LABEL, LabeledKdf, hpkeSuiteId } from "./labeled.js";
import type { Aead, DhGroup, Kdf } from "./primitives.js";

/** RFC 9180 §7.3 AEAD id of the export-only "AEAD". */
export const EXPORT_ONLY_AEAD_ID = 0xffff;

const exportOnlyRefusal = (): Promise<never> =>
  Promise.reject(new UsageError("hpke/export-only", "the export-only AEAD (0xFFFF) cannot seal or open (RFC 9180 §5.3)"));

/**
 * The export-only AEAD (RFC 9180 §7.3, id 0xFFFF): a suite built with it
 * derives only the exporter secret; Seal and Open throw `hpke/export-only`.
 */
export const EXPORT_ONLY_AEAD: Aead = Object.freeze({
  id: EXPORT_ONLY_AEAD_ID,
  keyLength: 0,
  nonceLength: 0,
  tagLength: 0,
  seal: exportOnlyRefusal,
  open: exportOnlyRefusal,
});

/** What an {@link HpkeSuite} is built from. */
export interface HpkeSuiteParams {
  /** The DH group of the DHKEM. */
  readonly dh: DhGroup;
  /** The DHKEM's own KDF (RFC 9180 §7.1: fixed by the KEM). */
  readonly kemKdf: Kdf;
  /** The HPKE KDF. */
  readonly kdf: Kdf;
  /** The AEAD, or {@link EXPORT_ONLY_AEAD}. */
  readonly aead: Aead;
  /** A CSPRNG, for ephemeral keys. */
  randomBytes(length: number): Uint8Array;
}

/** A KEM, KDF and AEAD combination (RFC 9180 §5), with what can be precomputed. */
export class HpkeSuite {
  readonly kem: Dhkem;
  readonly kdf: Kdf;
  readonly aead: Aead;
  /** True for the export-only AEAD: no key or nonce is derived. */
  readonly exportOnly: boolean;
  /** suite_id = "HPKE" || kem_id || kdf_id || aead_id (RFC 9180 §5.1). */
  readonly suiteId: Uint8Array;
  /** LabeledExtract/Expand with the HPKE suite_id. */
  readonly labeled: LabeledKdf;
  private pskIdHashCache: Promise<Uint8Array> | undefined;

  constructor(params: HpkeSuiteParams) {
    this.kem = new Dhkem(params.dh, params.kemKdf, (n) => params.randomBytes(n));
    this.kdf = params.kdf;
    this.aead = params.aead;
    this.exportOnly = params.aead.id === EXPORT_ONLY_AEAD_ID;
    this.suiteId = hpkeSuiteId(params.dh.kemId, params.kdf.id, params.aead.id);
    this.labeled = new LabeledKdf(params.kdf, this.suiteId);
  }

  /**
   * psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id) with the empty
   * psk_id of Base mode (RFC 9180 §5.1): a constant of the suite, computed once.
   */
  pskIdHash(): Promise<Uint8Array> {
    if (this.pskIdHashCache === undefined) {
      const p = this.labeled.extract(EMPTY, LABEL.pskIdHash, EMPTY);
      this.pskIdHashCache = p;
      p.catch(() => {
        if (this.pskIdHashCache === p) this.pskIdHashCache = undefined;
      });
    }
    return this.pskIdHashCache;
  }
}

/** Builds an {@link HpkeSuite}. */
export function createHpkeSuite(params: HpkeSuiteParams): HpkeSuite {
  return new HpkeSuite(params);
}

/** The key schedule's outputs. A part not asked for is empty. */
export interface KeyScheduleSecrets {
  readonly key: Uint8Array;
  readonly baseNonce: Uint8Array;
  readonly exporterSecret: Uint8Array;
}

/** Which key-schedule outputs to derive: single-shot operations need only some. */
export type KeyScheduleNeeds = "all" | "aead" | "export";

const MODE_BASE = 0x00;

/**
 * KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = "")
 * (RFC 9180 §5.1). Each output is an independent LabeledExpand of `secret`,
 * so outputs not needed are skipped; with the export-only AEAD key and
 * base_nonce are never derived. Intermediate values are wiped; the caller
 * owns (and wipes) the outputs and `sharedSecret`.
 */
export async function keyScheduleBase(
  suite: HpkeSuite,
  sharedSecret: Uint8Array,
  info: Uint8Array,
  needs: KeyScheduleNeeds = "all",
): Promise<KeyScheduleSecrets> {
  const L = suite.labeled;
  // VerifyPSKInputs (§5.1.1) holds trivially: Base mode has no psk and no psk_id.
  const [pskIdHash, infoHash, secret] = await Promise.all([
    suite.pskIdHash(),
    L.extract(EMPTY, LABEL.infoHash, info),
    // secret = LabeledExtract(shared_secret, "secret", psk)
    L.extract(sharedSecret, LABEL.secret, EMPTY),
  ]);
  try {
    // key_schedule_context = concat(mode, psk_id_hash, info_hash)
    const context = new Uint8Array(1 + pskIdHash.length + infoHash.length);
    context[0] = MODE_BASE;
    context.set(pskIdHash, 1);
    context.set(infoHash, 1 + pskIdHash.length);
    const aead = needs !== "export" && !suite.exportOnly;
    const [key, baseNonce, exporterSecret] = await Promise.all([
      aead ? L.expand(secret, LABEL.key, context, suite.aead.keyLength) : EMPTY,
      aead ? L.expand(secret, LABEL.baseNonce, context, suite.aead.nonceLength) : EMPTY,
      needs !== "aead" ? L.expand(secret, LABEL.exp, context, L.hashLength) : EMPTY,
    ]);
    return { key, baseNonce, exporterSecret };
  } finally {
    secret.fill(0);
  }
}
