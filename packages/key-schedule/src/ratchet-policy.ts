/** The limits an application sets on receiving ratchets (RFC 9420 §15.3). */
import { UsageError } from "@mlskit/core";

/** Limits on a receiving ratchet (RFC 9420 §15.3 "Delayed and Reordered Application Messages"). */
export interface RatchetPolicy {
  /**
   * How many generations behind the newest derived one keep their unused key
   * and nonce for out-of-order messages: at most this many skipped keys are
   * retained per ratchet. 0 keeps none.
   */
  readonly outOfOrderWindow: number;
  /**
   * How many generations past the next expected one a receiver may be asked
   * to ratchet forward in one step; bounds the work a malicious sender can cause.
   */
  readonly maxForwardDistance: number;
}

/** Defaults: 1000 retained out-of-order keys, jumps of up to 1000 generations. */
export const DEFAULT_RATCHET_POLICY: RatchetPolicy = Object.freeze({ outOfOrderWindow: 1000, maxForwardDistance: 1000 });

/** Throws unless `policy` holds non-negative integers. */
export function assertRatchetPolicy(policy: RatchetPolicy): void {
  for (const name of ["outOfOrderWindow", "maxForwardDistance"] as const) {
    const v = policy[name];
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new UsageError("secret-tree/invalid-policy", `RatchetPolicy.${name} must be a non-negative integer, got ${String(v)}`);
    }
  }
}
