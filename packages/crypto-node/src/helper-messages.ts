/** The messages between the calling thread and the helper thread (helper-thread.ts, helper-worker.ts). */
import type { CipherSuiteDescription, HpkeCiphertext, HpkeSealInput } from "@mlskit/core";

/** Seal `items` in `suite` (seal-pool.ts), answered with a `sealed` reply. */
export interface SealRequest {
  readonly kind: "seal";
  readonly id: number;
  readonly suite: CipherSuiteDescription;
  readonly items: readonly HpkeSealInput[];
}

/**
 * Verify `scheme`'s signatures, packed in `data` (3 end offsets per item in
 * `ends`: key, message, signature), sharing them with the caller through
 * `states` (verify-share.ts). Never answered.
 */
export interface VerifyRequest {
  readonly kind: "verify";
  readonly scheme: number;
  readonly states: Int32Array;
  readonly data: Uint8Array;
  readonly ends: Uint32Array;
}

/** What the helper is asked. */
export type HelperRequest = SealRequest | VerifyRequest;

/** The answer to seal request `id`: the ciphertexts in order, or why not. */
export type HelperReply =
  | { readonly kind: "sealed"; readonly id: number; readonly ok: true; readonly out: HpkeCiphertext[] }
  | { readonly kind: "sealed"; readonly id: number; readonly ok: false; readonly error: string };
