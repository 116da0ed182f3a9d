/**
 * Base-mode setup (RFC 9180 §5.1.1) and the single-shot APIs (§6): seal/open
 * one message, or export one secret, without keeping a context. Single-shot
 * calls derive only the key-schedule outputs they use and wipe every
 * intermediate secret (shared secret, key, nonce, exporter secret).
 */
import { UsageError } from "@mlskit/core";
import { HpkeContext } from "./context.js";
import { asCryptoError } from "./errors.js";
import { keyScheduleBase, type HpkeSuite, type KeyScheduleNeeds, type KeyScheduleSecrets } from "./key-schedule.js";
import { LABEL } from "./labeled.js";

/** SetupBaseS's output: the encapsulated key and the sender context. */
export interface SenderSetup {
  readonly enc: Uint8Array;
  readonly context: HpkeContext;
}

/** SealBase's output. */
export interface SealResult {
  readonly enc: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/** SendExport's output. */
export interface SendExportResult {
  readonly enc: Uint8Array;
  readonly exportedSecret: Uint8Array;
}

function wipeSecrets(s: KeyScheduleSecrets): void {
  s.key.fill(0);
  s.baseNonce.fill(0);
  s.exporterSecret.fill(0);
}

/**
 * Runs the key schedule on `sharedSecret` and `use` on its outputs, then
 * wipes the shared secret and every output, whatever happens: the shape of
 * every single-shot call.
 */
async function withKeySchedule<T>(
  suite: HpkeSuite,
  sharedSecret: Uint8Array,
  info: Uint8Array,
  needs: KeyScheduleNeeds,
  use: (secrets: KeyScheduleSecrets) => Promise<T>,
): Promise<T> {
  let secrets: KeyScheduleSecrets | undefined;
  try {
    secrets = await keyScheduleBase(suite, sharedSecret, info, needs);
    return await use(secrets);
  } finally {
    sharedSecret.fill(0);
    if (secrets) wipeSecrets(secrets);
  }
}

/** SetupBaseS(pkR, info) (RFC 9180 §5.1.1). */
export async function setupBaseS(suite: HpkeSuite, pkR: Uint8Array, info: Uint8Array): Promise<SenderSetup> {
  const { sharedSecret, enc } = await suite.kem.encap(pkR);
  try {
    return { enc, context: new HpkeContext(suite, "sender", await keyScheduleBase(suite, sharedSecret, info)) };
  } finally {
    sharedSecret.fill(0);
  }
}

/**
 * SetupBaseR(enc, skR, info) (RFC 9180 §5.1.1). `pkR`, if known, spares
 * recomputing pk(skR).
 */
export async function setupBaseR(suite: HpkeSuite, enc: Uint8Array, skR: Uint8Array, info: Uint8Array, pkR?: Uint8Array): Promise<HpkeContext> {
  const sharedSecret = await suite.kem.decap(enc, skR, pkR);
  try {
    return new HpkeContext(suite, "recipient", await keyScheduleBase(suite, sharedSecret, info));
  } finally {
    sharedSecret.fill(0);
  }
}

function refuseExportOnly(suite: HpkeSuite): void {
  if (suite.exportOnly) throw new UsageError("hpke/export-only", "the export-only AEAD (0xFFFF) cannot seal or open (RFC 9180 §5.3)");
}

/**
 * SealBase(pkR, info, aad, pt) (RFC 9180 §6.1): SetupBaseS then one Seal at
 * sequence number 0, whose nonce is base_nonce itself.
 */
export async function sealBase(suite: HpkeSuite, pkR: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<SealResult> {
  const encapsulated = await encapForSealBase(suite, pkR);
  return { enc: encapsulated.enc, ciphertext: await encapsulated.seal(info, aad, plaintext) };
}

/** SealBase split after its Encap (see `HpkeEncapsulation` in `@mlskit/core`). */
export interface EncapsulatedSeal {
  readonly enc: Uint8Array;
  /** The rest of SealBase(pkR, info, aad, pt); wipes the shared secret. Once only. */
  seal(info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Wipes the shared secret unused. */
  discard(): void;
}

/**
 * The Encap of SealBase (RFC 9180 §5.1.1, §6.1) now, its KeyScheduleS and
 * Seal when `seal` is called: the same output as {@link sealBase}.
 */
export async function encapForSealBase(suite: HpkeSuite, pkR: Uint8Array): Promise<EncapsulatedSeal> {
  refuseExportOnly(suite);
  const { sharedSecret, enc } = await suite.kem.encap(pkR);
  let used = false;
  return {
    enc,
    async seal(info, aad, plaintext) {
      if (used) throw new UsageError("hpke/encapsulation-used", "an HPKE encapsulation seals one message");
      used = true;
      return withKeySchedule(suite, sharedSecret, info, "aead", (k) => suite.aead.seal(k.key, k.baseNonce, aad, plaintext));
    },
    discard() {
      used = true;
      sharedSecret.fill(0);
    },
  };
}

/**
 * OpenBase(enc, skR, info, aad, ct) (RFC 9180 §6.1). Throws `crypto/hpke-open`
 * when decapsulation or decryption fails, `crypto/invalid-key` for a
 * malformed key.
 */
export async function openBase(
  suite: HpkeSuite,
  enc: Uint8Array,
  skR: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  pkR?: Uint8Array,
): Promise<Uint8Array> {
  refuseExportOnly(suite);
  const sharedSecret = await suite.kem.decap(enc, skR, pkR);
  return withKeySchedule(suite, sharedSecret, info, "aead", async (k) => {
    try {
      return await suite.aead.open(k.key, k.baseNonce, aad, ciphertext);
    } catch (e) {
      throw asCryptoError(e, "crypto/hpke-open", "HPKE open failed");
    }
  });
}

/** SendExport(pkR, info, exporter_context, L) (RFC 9180 §6.2). */
export async function sendExport(suite: HpkeSuite, pkR: Uint8Array, info: Uint8Array, exporterContext: Uint8Array, length: number): Promise<SendExportResult> {
  const { sharedSecret, enc } = await suite.kem.encap(pkR);
  const exportedSecret = await withKeySchedule(suite, sharedSecret, info, "export", (k) => suite.labeled.expand(k.exporterSecret, LABEL.sec, exporterContext, length));
  return { enc, exportedSecret };
}

/** ReceiveExport(enc, skR, info, exporter_context, L) (RFC 9180 §6.2). */
export async function receiveExport(
  suite: HpkeSuite,
  enc: Uint8Array,
  skR: Uint8Array,
  info: Uint8Array,
  exporterContext: Uint8Array,
  length: number,
  pkR?: Uint8Array,
): Promise<Uint8Array> {
  const sharedSecret = await suite.kem.decap(enc, skR, pkR);
  return withKeySchedule(suite, sharedSecret, info, "export", (k) => suite.labeled.expand(k.exporterSecret, LABEL.sec, exporterContext, length));
}
