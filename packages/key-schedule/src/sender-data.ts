/** Sender data key and nonce (RFC 9420 §6.3.2). */
import { type CipherSuiteProvider, expandWithLabel, expandWithLabelSync, hasSyncKdf } from "@mlskit/core";
import { AeadKeyNonce } from "./key-nonce.js";

/**
 * `ciphertext_sample = ciphertext[0..KDF.Nh-1]`; "If the length of the
 * ciphertext is less than KDF.Nh, the whole ciphertext is used" (RFC 9420 §6.3.2).
 * Returns a view into `ciphertext`, not a copy.
 */
export function ciphertextSample(cs: CipherSuiteProvider, ciphertext: Uint8Array): Uint8Array {
  return ciphertext.subarray(0, Math.min(cs.hashLength, ciphertext.length));
}

/**
 * ```
 * sender_data_key   = ExpandWithLabel(sender_data_secret, "key",   ciphertext_sample, AEAD.Nk)
 * sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)
 * ```
 * (RFC 9420 §6.3.2), where `ciphertext` is the PrivateMessage's content
 * ciphertext. `senderDataSecret` is not modified.
 */
export async function deriveSenderDataKeyNonce(cs: CipherSuiteProvider, senderDataSecret: Uint8Array, ciphertext: Uint8Array): Promise<AeadKeyNonce> {
  const sample = ciphertextSample(cs, ciphertext);
  if (hasSyncKdf(cs)) {
    return new AeadKeyNonce(
      expandWithLabelSync(cs, senderDataSecret, "key", sample, cs.aeadKeyLength),
      expandWithLabelSync(cs, senderDataSecret, "nonce", sample, cs.aeadNonceLength),
    );
  }
  const [key, nonce] = await Promise.all([
    expandWithLabel(cs, senderDataSecret, "key", sample, cs.aeadKeyLength),
    expandWithLabel(cs, senderDataSecret, "nonce", sample, cs.aeadNonceLength),
  ]);
  return new AeadKeyNonce(key, nonce);
}
