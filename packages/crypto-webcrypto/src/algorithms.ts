/**
 * The algorithms this package can run on `crypto.subtle`, and the MLS/HPKE
 * code points (RFC 9180 ids, TLS SignatureSchemes) that map onto them.
 */
import type { AeadName } from "./aead.js";
import type { HashName } from "./hmac.js";

/**
 * The algorithms this package can run on `crypto.subtle`. A hash name stands
 * for its digest, its HMAC and the HKDF built on that HMAC.
 */
export type WebCryptoAlgorithm =
  HashName | AeadName | "X25519" | "X448" | "ECDH-P-256" | "ECDH-P-384" | "ECDH-P-521" | "Ed25519" | "Ed448" | "ECDSA-P-256" | "ECDSA-P-384" | "ECDSA-P-521";

/** Every {@link WebCryptoAlgorithm}, in a stable order. */
export const WEBCRYPTO_ALGORITHMS: readonly WebCryptoAlgorithm[] = [
  "SHA-256",
  "SHA-384",
  "SHA-512",
  "AES-128-GCM",
  "AES-256-GCM",
  "ChaCha20-Poly1305",
  "X25519",
  "X448",
  "ECDH-P-256",
  "ECDH-P-384",
  "ECDH-P-521",
  "Ed25519",
  "Ed448",
  "ECDSA-P-256",
  "ECDSA-P-384",
  "ECDSA-P-521",
];

/** RFC 9180 KDF id → hash. */
export const KDF_HASH: Readonly<Record<number, HashName>> = { 0x0001: "SHA-256", 0x0002: "SHA-384", 0x0003: "SHA-512" };
/** RFC 9180 AEAD id → algorithm. */
export const AEAD_ALGORITHM: Readonly<Record<number, AeadName>> = {
  0x0001: "AES-128-GCM",
  0x0002: "AES-256-GCM",
  0x0003: "ChaCha20-Poly1305",
};
/** RFC 9180 KEM id → DH algorithm. */
export const DH_ALGORITHM: Readonly<Record<number, "X25519" | "X448" | "ECDH-P-256" | "ECDH-P-384" | "ECDH-P-521">> = {
  0x0010: "ECDH-P-256",
  0x0011: "ECDH-P-384",
  0x0012: "ECDH-P-521",
  0x0020: "X25519",
  0x0021: "X448",
};
/** TLS SignatureScheme → signature algorithm. */
export const SIGNATURE_ALGORITHM: Readonly<Record<number, "Ed25519" | "Ed448" | "ECDSA-P-256" | "ECDSA-P-384" | "ECDSA-P-521">> = {
  0x0403: "ECDSA-P-256",
  0x0503: "ECDSA-P-384",
  0x0603: "ECDSA-P-521",
  0x0807: "Ed25519",
  0x0808: "Ed448",
};
