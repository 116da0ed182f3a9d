/** An AEAD key and nonce derived for one message, redacted when printed. */
import { wipe } from "@mlskit/codec";
import { Redacted } from "./redact.js";

/** An AEAD key and nonce (`AEAD.Nk` and `AEAD.Nn` bytes). */
export class AeadKeyNonce extends Redacted {
  readonly #key: Uint8Array;
  readonly #nonce: Uint8Array;

  constructor(key: Uint8Array, nonce: Uint8Array, redactedName = "AeadKeyNonce") {
    super(redactedName);
    this.#key = key;
    this.#nonce = nonce;
  }

  get key(): Uint8Array {
    return this.#key;
  }

  get nonce(): Uint8Array {
    return this.#nonce;
  }

  /** Overwrites key and nonce with zeros (RFC 9420 §9.2: delete once consumed). */
  wipe(): void {
    wipe(this.#key, this.#nonce);
  }
}

/**
 * `ratchet_key_[N]_[j]` and `ratchet_nonce_[N]_[j]` (RFC 9420 §9.1) with the
 * generation `j` they belong to.
 */
export class RatchetKeyNonce extends AeadKeyNonce {
  readonly generation: number;

  constructor(generation: number, key: Uint8Array, nonce: Uint8Array) {
    super(key, nonce, "RatchetKeyNonce");
    this.generation = generation;
  }

  override toJSON(): { redacted: string; generation: number } {
    return { redacted: this.redactedName, generation: this.generation };
  }
}
