/**
 * Capability probing: whether `crypto.subtle` offers a
 * {@link WebCryptoAlgorithm}, found out by running it once on random input.
 */
import { webCryptoAead } from "./aead.js";
import type { WebCryptoAlgorithm } from "./algorithms.js";
import { webCryptoDh } from "./dh.js";
import { webCryptoHash } from "./hash.js";
import { Hmac } from "./hmac.js";
import { probeAead, probeDh, probeHash, probeSignature } from "./probe.js";
import { webCryptoSignature } from "./signature.js";
import { randomBytes, type WebCryptoContext } from "./util.js";

/**
 * Runs the probe of `algorithm` on `ctx` (false without `crypto.subtle`).
 * Never given key handles: a probe stores no key.
 */
export async function probeAlgorithm(ctx: WebCryptoContext | undefined, algorithm: WebCryptoAlgorithm): Promise<boolean> {
  if (ctx === undefined) return false;
  const random = (n: number): Uint8Array => randomBytes(ctx.crypto, n);
  switch (algorithm) {
    case "SHA-256":
    case "SHA-384":
    case "SHA-512":
      return probeHash(webCryptoHash(ctx, new Hmac(ctx, algorithm)));
    case "AES-128-GCM":
    case "AES-256-GCM":
    case "ChaCha20-Poly1305":
      return probeAead(webCryptoAead(ctx, algorithm), random);
    case "X25519":
    case "X448":
      return probeDh(webCryptoDh(ctx, algorithm), random);
    case "ECDH-P-256":
    case "ECDH-P-384":
    case "ECDH-P-521":
      return probeDh(webCryptoDh(ctx, algorithm.slice(5) as "P-256"), random);
    case "Ed25519":
    case "Ed448":
    case "ECDSA-P-256":
    case "ECDSA-P-384":
    case "ECDSA-P-521":
      return probeSignature(() => webCryptoSignature(ctx, algorithm));
  }
}
