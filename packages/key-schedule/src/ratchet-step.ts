/**
 * One step of a hash ratchet (RFC 9420 §9.1): from `ratchet_secret_[j]`, the
 * key and nonce of generation j and `ratchet_secret_[j+1]`.
 */
import { type CipherSuiteProvider, deriveTreeSecret, deriveTreeSecretSync, hasSyncKdf } from "@mlskit/core";
import { RatchetKeyNonce } from "./key-nonce.js";

/** What one ratchet step derived (see {@link ratchetStep}). */
export interface Step {
  readonly keyNonce: RatchetKeyNonce | undefined;
  readonly next: Uint8Array | undefined;
}

/** Generations are uint32 (RFC 9420 §6.3.2 SenderData, §9.1 DeriveTreeSecret). */
export const MAX_GENERATION = 0xffffffff;

/**
 * One step of the ratchet from `ratchet_secret_[j]`: its key and nonce
 * (when `withKey`) and `ratchet_secret_[j+1]` (when `withNext`). With a
 * synchronous KDF the step is computed at once, without a promise.
 */
export function ratchetStep(cs: CipherSuiteProvider, secret: Uint8Array, j: number, withKey: boolean, withNext: boolean): Step | Promise<Step> {
  const { aeadKeyLength, aeadNonceLength, hashLength } = cs;
  if (hasSyncKdf(cs)) {
    return {
      keyNonce: withKey
        ? new RatchetKeyNonce(j, deriveTreeSecretSync(cs, secret, "key", j, aeadKeyLength), deriveTreeSecretSync(cs, secret, "nonce", j, aeadNonceLength))
        : undefined,
      next: withNext ? deriveTreeSecretSync(cs, secret, "secret", j, hashLength) : undefined,
    };
  }
  return Promise.all([
    withKey ? deriveTreeSecret(cs, secret, "key", j, aeadKeyLength) : undefined,
    withKey ? deriveTreeSecret(cs, secret, "nonce", j, aeadNonceLength) : undefined,
    withNext ? deriveTreeSecret(cs, secret, "secret", j, hashLength) : undefined,
  ]).then(([key, nonce, next]) => ({
    keyNonce: key !== undefined && nonce !== undefined ? new RatchetKeyNonce(j, key, nonce) : undefined,
    next,
  }));
}
