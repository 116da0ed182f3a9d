/**
 * The HPKE encryption context (RFC 9180 §5.2) and secret export (§5.3).
 */
import { CryptoError, UsageError, expectDefined } from "@mlskit/core";
import { asCryptoError } from "./errors.js";
import type { HpkeSuite, KeyScheduleSecrets } from "./key-schedule.js";
import { LABEL } from "./labeled.js";

/** Whether a context seals (sender) or opens (recipient). */
export type HpkeRole = "sender" | "recipient";

/**
 * An HPKE context after SetupBaseS / SetupBaseR. The sender seals, the
 * recipient opens, both export. Each seal or open uses the next sequence
 * number; a nonce is never used twice, even when calls overlap in time: the
 * sequence number is taken synchronously, before the AEAD runs.
 */
export class HpkeContext {
  readonly role: HpkeRole;
  #suite: HpkeSuite;
  #key: Uint8Array;
  #baseNonce: Uint8Array;
  #exporterSecret: Uint8Array;
  #seq = 0;
  /** Largest sequence number allowed (RFC 9180 §5.2), capped to what a JS number counts exactly. */
  readonly #maxSeq: number;

  /** @internal Use setupBaseS / setupBaseR. Takes ownership of `secrets`. */
  constructor(suite: HpkeSuite, role: HpkeRole, secrets: KeyScheduleSecrets) {
    this.role = role;
    this.#suite = suite;
    this.#key = secrets.key;
    this.#baseNonce = secrets.baseNonce;
    this.#exporterSecret = secrets.exporterSecret;
    const nn = suite.aead.nonceLength;
    // RFC 9180 §5.2 IncrementSeq: raise if seq >= (1 << (8*Nn)) - 1.
    this.#maxSeq = nn >= 7 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * nn) - 1;
  }

  /** The sequence number the next seal or open will use. */
  get sequence(): number {
    return this.#seq;
  }

  /** Context.Seal(aad, pt) (RFC 9180 §5.2). Sender only. */
  seal(aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    if (this.role !== "sender") return Promise.reject(new UsageError("hpke/wrong-role", "only a sender context can seal"));
    let nonce: Uint8Array;
    try {
      nonce = this.#nextNonce();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#suite.aead.seal(this.#key, nonce, aad, plaintext);
  }

  /**
   * Context.Open(aad, ct) (RFC 9180 §5.2). Recipient only. Throws
   * `crypto/hpke-open` on authentication failure; the sequence number then
   * stays where it was (unless another open started meanwhile).
   */
  async open(aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
    if (this.role !== "recipient") throw new UsageError("hpke/wrong-role", "only a recipient context can open");
    const seq = this.#seq;
    const nonce = this.#nextNonce();
    try {
      return await this.#suite.aead.open(this.#key, nonce, aad, ciphertext);
    } catch (e) {
      // RFC 9180 §5.2: IncrementSeq only after a successful Open.
      if (this.#seq === seq + 1) this.#seq = seq;
      if (UsageError.isInstance(e)) throw e;
      throw asCryptoError(e, "crypto/hpke-open", "HPKE open failed");
    }
  }

  /**
   * Context.Export(exporter_context, L) =
   * LabeledExpand(exporter_secret, "sec", exporter_context, L) (RFC 9180 §5.3).
   */
  export(exporterContext: Uint8Array, length: number): Promise<Uint8Array> {
    return this.#suite.labeled.expand(this.#exporterSecret, LABEL.sec, exporterContext, length);
  }

  /** Wipes the context's secrets; the context is unusable afterwards. */
  dispose(): void {
    this.#key.fill(0);
    this.#baseNonce.fill(0);
    this.#exporterSecret.fill(0);
    this.#seq = this.#maxSeq;
  }

  /** Secrets never appear in JSON. */
  toJSON(): { role: HpkeRole; sequence: number } {
    return { role: this.role, sequence: this.#seq };
  }

  /**
   * ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn) (RFC 9180 §5.2), then
   * IncrementSeq. Throws `crypto/hpke-message-limit` when exhausted.
   */
  #nextNonce(): Uint8Array {
    if (this.#suite.exportOnly) {
      throw new UsageError("hpke/export-only", "the export-only AEAD (0xFFFF) cannot seal or open (RFC 9180 §5.3)");
    }
    const seq = this.#seq;
    if (seq >= this.#maxSeq) {
      throw new CryptoError("crypto/hpke-message-limit", "HPKE context sequence number exhausted (RFC 9180 §5.2)");
    }
    this.#seq = seq + 1;
    return computeNonce(this.#baseNonce, seq);
  }
}

/** base_nonce XOR I2OSP(seq, Nn) (RFC 9180 §5.2); `seq` is a safe integer. */
export function computeNonce(baseNonce: Uint8Array, seq: number): Uint8Array {
  const nonce = baseNonce.slice();
  let s = seq;
  for (let i = nonce.length - 1; s > 0 && i >= 0; i--) {
    nonce[i] = expectDefined(nonce[i], "nonce[i]") ^ (s & 0xff);
    s = Math.floor(s / 256);
  }
  return nonce;
}
