/** RFC 9180 §7 algorithm identifiers: names for messages and the KEM → KDF pairing. */
import { HpkeAeadId, HpkeKdfId, HpkeKemId } from "@mlskit/core";

/**
 * The KDF inside each DHKEM (RFC 9180 §7.1, table 2): DHKEM(P-256) and
 * DHKEM(X25519) use HKDF-SHA256, DHKEM(P-384) HKDF-SHA384, DHKEM(P-521) and
 * DHKEM(X448) HKDF-SHA512.
 */
export function kemKdfId(kemId: number): number | undefined {
  switch (kemId) {
    case HpkeKemId.DHKEM_P256_HKDF_SHA256:
    case HpkeKemId.DHKEM_X25519_HKDF_SHA256:
      return HpkeKdfId.HKDF_SHA256;
    case HpkeKemId.DHKEM_P384_HKDF_SHA384:
      return HpkeKdfId.HKDF_SHA384;
    case HpkeKemId.DHKEM_P521_HKDF_SHA512:
    case HpkeKemId.DHKEM_X448_HKDF_SHA512:
      return HpkeKdfId.HKDF_SHA512;
    default:
      return undefined;
  }
}

const hex4 = (id: number): string => "0x" + id.toString(16).padStart(4, "0");

const KEM_NAMES: Record<number, string> = {
  [HpkeKemId.DHKEM_P256_HKDF_SHA256]: "DHKEM(P-256, HKDF-SHA256)",
  [HpkeKemId.DHKEM_P384_HKDF_SHA384]: "DHKEM(P-384, HKDF-SHA384)",
  [HpkeKemId.DHKEM_P521_HKDF_SHA512]: "DHKEM(P-521, HKDF-SHA512)",
  [HpkeKemId.DHKEM_X25519_HKDF_SHA256]: "DHKEM(X25519, HKDF-SHA256)",
  [HpkeKemId.DHKEM_X448_HKDF_SHA512]: "DHKEM(X448, HKDF-SHA512)",
  [HpkeKemId.ML_KEM_512]: "ML-KEM-512",
  [HpkeKemId.ML_KEM_768]: "ML-KEM-768",
  [HpkeKemId.ML_KEM_1024]: "ML-KEM-1024",
  [HpkeKemId.MLKEM768_P256]: "MLKEM768-P256",
  [HpkeKemId.MLKEM1024_P384]: "MLKEM1024-P384",
  [HpkeKemId.MLKEM768_X25519]: "MLKEM768-X25519 (X-Wing)",
};
const KDF_NAMES: Record<number, string> = {
  [HpkeKdfId.HKDF_SHA256]: "HKDF-SHA256",
  [HpkeKdfId.HKDF_SHA384]: "HKDF-SHA384",
  [HpkeKdfId.HKDF_SHA512]: "HKDF-SHA512",
};
const AEAD_NAMES: Record<number, string> = {
  [HpkeAeadId.AES_128_GCM]: "AES-128-GCM",
  [HpkeAeadId.AES_256_GCM]: "AES-256-GCM",
  [HpkeAeadId.CHACHA20_POLY1305]: "ChaCha20-Poly1305",
  [HpkeAeadId.EXPORT_ONLY]: "Export-only",
};

/** "DHKEM(X25519, HKDF-SHA256)", or "KEM 0x1234" for an unknown id. */
export const kemName = (id: number): string => KEM_NAMES[id] ?? `KEM ${hex4(id)}`;
/** "HKDF-SHA256", or "KDF 0x1234". */
export const kdfName = (id: number): string => KDF_NAMES[id] ?? `KDF ${hex4(id)}`;
/** "AES-128-GCM", or "AEAD 0x1234". */
export const aeadName = (id: number): string => AEAD_NAMES[id] ?? `AEAD ${hex4(id)}`;
