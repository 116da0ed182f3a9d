/**
 * Verifying a certificate's signature under its issuer's key (RFC 5280
 * §6.1.3 (a)(1)), on the injected WebCrypto `Crypto`.
 *
 * EdDSA (RFC 8410) is verified here directly: the signature is the raw
 * RFC 8032 value over the TBS bytes. `@peculiar/x509` names Ed448 with the
 * non-standard WebCrypto algorithm `{ name: "EdDSA", namedCurve: "Ed448" }`,
 * which native WebCrypto (Node ≥ 20's `Ed448`) does not accept, so it cannot
 * verify Ed448 itself. ECDSA and RSA go through `@peculiar/x509`, which knows
 * their hash and signature-format conversions.
 */
import { CryptoError } from "@mlskit/core";
import type { ParsedCertificate } from "./parsed-certificate.js";
import { KeyAlgorithmOid } from "./signature-key.js";

const EDDSA: Readonly<Record<string, "Ed25519" | "Ed448">> = {
  [KeyAlgorithmOid.ed25519]: "Ed25519",
  [KeyAlgorithmOid.ed448]: "Ed448",
};

/**
 * Whether `child` is signed by `issuer`'s key.
 * @throws {@link CryptoError} `crypto/unsupported` when the runtime's WebCrypto
 * lacks the EdDSA variant (Ed448 needs Node ≥ 20 or a browser that has it).
 */
export async function isSignedBy(child: ParsedCertificate, issuer: ParsedCertificate, crypto: Crypto): Promise<boolean> {
  const eddsa = EDDSA[child.fields.signatureAlgorithm];
  if (eddsa !== undefined) {
    // RFC 8410 §6: the signature algorithm and the issuer key are the same curve.
    if (issuer.fields.subjectPublicKeyInfo.algorithm !== child.fields.signatureAlgorithm) return false;
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey("spki", copy(issuer.fields.subjectPublicKeyInfo.der), { name: eddsa }, false, ["verify"]);
    } catch (cause) {
      if ((cause as { name?: unknown } | null)?.name === "NotSupportedError") {
        throw new CryptoError("crypto/unsupported", `this runtime's WebCrypto does not offer ${eddsa}`, { cause });
      }
      return false; // a malformed issuer key cannot verify anything
    }
    return crypto.subtle.verify({ name: eddsa }, key, copy(child.fields.signatureValue), copy(child.fields.tbs));
  }
  try {
    return await child.certificate.verify({ publicKey: issuer.certificate.publicKey, signatureOnly: true }, crypto);
  } catch {
    return false;
  }
}

/** A copy backed by a plain `ArrayBuffer`, as WebCrypto's `BufferSource` wants. */
function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
