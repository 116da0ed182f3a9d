/**
 * An HPKE suite (KEM, KDF, AEAD bound together) and the Base-mode key
 * schedule of RFC 9180 §5.1.
 */
import { bytesEqual } from "@mlskit/codec";
import { UsageError, expectDefined } from "@mlskit/core";
import type { KemDeriveKeyPair } from "@mlskit/core";
import { Dhkem } from "./dhkem.js";
import { PqKem, type Kem } from "./pq-kem.js";
import { EMPTY, LABEL, LabeledKdf, hpkeSuiteId } from "./labeled.js";
import type { Aead, DhGroup, Kdf, KemPrimitive } from "./primitives.js";

/** mode_base (RFC 9180 §5, table 1). */
const MODE_BASE = 0x00;

/** RFC 9180 §7.3 AEAD id of the export-only "AEAD". */
export const EXPORT_ONLY_AEAD_ID = 0xffff;

const exportOnlyRefusal = (): Promise<never> => Promise.reject(new UsageError("hpke/export-only", "the export-only AEAD (0xFFFF) cannot seal or open (RFC 9180 §5.3)"));

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
  /** The DH group of the DHKEM (or {@link HpkeSuiteParams.kem}). */
  readonly dh?: DhGroup | undefined;
  /** The DHKEM's own KDF (RFC 9180 §7.1: fixed by the KEM); not used with {@link HpkeSuiteParams.kem}. */
  readonly kemKdf?: Kdf | undefined;
  /** A post-quantum / hybrid KEM (draft-ietf-hpke-pq-05) instead of a DHKEM. */
  readonly kem?: KemPrimitive | undefined;
  /** Its DeriveKeyPair convention (default `"labeled-shake256"`). */
  readonly kemDeriveKeyPair?: KemDeriveKeyPair | undefined;
  /** The HPKE KDF. */
  readonly kdf: Kdf;
  /** The AEAD, or {@link EXPORT_ONLY_AEAD}. */
  readonly aead: Aead;
  /** A CSPRNG, for ephemeral keys. */
  randomBytes(length: number): Uint8Array;
}

/**
 * Key-schedule contexts remembered per suite: MLS seals many times with one
 * `info` (every node of an UpdatePath under the same GroupContext), and
 * `info_hash` depends on nothing else. `info` is public, so a copy is kept
 * to recognise it; a very long `info` is not remembered.
 */
const CONTEXT_CACHE_ENTRIES = 4;
const CONTEXT_CACHE_MAX_INFO = 16384;

interface ContextEntry {
  readonly info: Uint8Array;
  readonly context: Promise<Uint8Array>;
}

/** A KEM, KDF and AEAD combination (RFC 9180 §5), with what can be precomputed. */
export class HpkeSuite {
  readonly kem: Kem;
  readonly kdf: Kdf;
  readonly aead: Aead;
  /** True for the export-only AEAD: no key or nonce is derived. */
  readonly exportOnly: boolean;
  /** suite_id = "HPKE" || kem_id || kdf_id || aead_id (RFC 9180 §5.1). */
  readonly suiteId: Uint8Array;
  /** LabeledExtract/Expand with the HPKE suite_id. */
  readonly labeled: LabeledKdf;
  private pskIdHashCache: Promise<Uint8Array> | undefined;
  /** Most recently used last. */
  private readonly contexts: ContextEntry[] = [];

  constructor(params: HpkeSuiteParams) {
    const random = (n: number): Uint8Array => params.randomBytes(n);
    if (params.kem !== undefined) this.kem = new PqKem(params.kem, params.kemDeriveKeyPair ?? "labeled-shake256", random);
    else if (params.dh !== undefined && params.kemKdf !== undefined) this.kem = new Dhkem(params.dh, params.kemKdf, random);
    else throw new UsageError("hpke/kem-kdf-mismatch", "an HPKE suite needs a DH group and its KDF, or a KEM");
    this.kdf = params.kdf;
    this.aead = params.aead;
    this.exportOnly = params.aead.id === EXPORT_ONLY_AEAD_ID;
    this.suiteId = hpkeSuiteId(this.kem.id, params.kdf.id, params.aead.id);
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

  /**
   * key_schedule_context = concat(mode_base, psk_id_hash, info_hash) with
   * info_hash = LabeledExtract("", "info_hash", info) (RFC 9180 §5.1). Public
   * values only; the last few are remembered by `info`. The result is shared:
   * callers must not modify it.
   */
  keyScheduleContext(info: Uint8Array): Promise<Uint8Array> {
    const entries = this.contexts;
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = expectDefined(entries[i], "entries[i]");
      if (bytesEqual(e.info, info)) {
        if (i !== entries.length - 1) {
          entries.splice(i, 1);
          entries.push(e);
        }
        return e.context;
      }
    }
    const context = this.buildContext(info);
    if (info.length <= CONTEXT_CACHE_MAX_INFO) {
      const entry: ContextEntry = { info: info.slice(), context };
      entries.push(entry);
      if (entries.length > CONTEXT_CACHE_ENTRIES) entries.shift();
      context.catch(() => {
        const at = entries.indexOf(entry);
        if (at >= 0) entries.splice(at, 1);
      });
    }
    return context;
  }

  private async buildContext(info: Uint8Array): Promise<Uint8Array> {
    const [pskIdHash, infoHash] = await Promise.all([this.pskIdHash(), this.labeled.extract(EMPTY, LABEL.infoHash, info)]);
    const context = new Uint8Array(1 + pskIdHash.length + infoHash.length);
    context[0] = MODE_BASE;
    context.set(pskIdHash, 1);
    context.set(infoHash, 1 + pskIdHash.length);
    return context;
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

/**
 * KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = "")
 * (RFC 9180 §5.1). Each output is an independent LabeledExpand of `secret`,
 * so outputs not needed are skipped; with the export-only AEAD key and
 * base_nonce are never derived. Intermediate values are wiped; the caller
 * owns (and wipes) the outputs and `sharedSecret`.
 */
export async function keyScheduleBase(suite: HpkeSuite, sharedSecret: Uint8Array, info: Uint8Array, needs: KeyScheduleNeeds = "all"): Promise<KeyScheduleSecrets> {
  const L = suite.labeled;
  // VerifyPSKInputs (§5.1.1) holds trivially: Base mode has no psk and no psk_id.
  const [context, secret] = await Promise.all([
    suite.keyScheduleContext(info),
    // secret = LabeledExtract(shared_secret, "secret", psk)
    L.extract(sharedSecret, LABEL.secret, EMPTY),
  ]);
  try {
    const aead = needs !== "export" && !suite.exportOnly;
    const exporter = needs !== "aead";
    if (aead && !exporter) {
      const [key, baseNonce] = await Promise.all([L.expand(secret, LABEL.key, context, suite.aead.keyLength), L.expand(secret, LABEL.baseNonce, context, suite.aead.nonceLength)]);
      return { key, baseNonce, exporterSecret: EMPTY };
    }
    if (!aead) {
      return { key: EMPTY, baseNonce: EMPTY, exporterSecret: await L.expand(secret, LABEL.exp, context, L.hashLength) };
    }
    const [key, baseNonce, exporterSecret] = await Promise.all([
      L.expand(secret, LABEL.key, context, suite.aead.keyLength),
      L.expand(secret, LABEL.baseNonce, context, suite.aead.nonceLength),
      L.expand(secret, LABEL.exp, context, L.hashLength),
    ]);
    return { key, baseNonce, exporterSecret };
  } finally {
    secret.fill(0);
  }
}
