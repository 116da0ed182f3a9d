/**
 * A receiver's key looked up without consuming it (RFC 9420 §9.2: a key is
 * consumed once its message authenticated), and the look-ahead a ratchet
 * keeps for such lookups.
 */
import type { HashRatchet } from "./hash-ratchet.js";
import type { RatchetKeyNonce } from "./key-nonce.js";
import { Redacted } from "./redact.js";

/** One generation of a ratchet's look-ahead: its key and the next ratchet secret (undefined past the last generation). */
export interface AheadStep {
  readonly key: RatchetKeyNonce;
  readonly next: Uint8Array | undefined;
}

/**
 * A key looked up for a received message by {@link HashRatchet.peek}, not
 * consumed yet: {@link HashRatchet.consume} it once the message
 * authenticated, or {@link discard} it.
 */
export class PendingKey extends Redacted {
  readonly key: RatchetKeyNonce;
  /** @internal The ratchet it was peeked on (a ratchet of the same chain may consume it). */
  readonly source: HashRatchet;
  #onSettle: (() => void) | undefined;

  /** @internal */
  constructor(key: RatchetKeyNonce, source: HashRatchet, onSettle: (() => void) | undefined) {
    super("PendingKey");
    this.key = key;
    this.source = source;
    this.#onSettle = onSettle;
  }

  /** The message failed: wipes this copy of the key; the ratchet's state never changed. */
  discard(): void {
    this.key.wipe();
    this.settle();
  }

  /** @internal Tells the source ratchet this lookup is over (once). */
  settle(): void {
    const f = this.#onSettle;
    this.#onSettle = undefined;
    f?.();
  }
}

/** Look-ahead entries a ratchet keeps once no lookup is outstanding (a burst's worth; more is cut back). */
export const AHEAD_KEPT = 64;
