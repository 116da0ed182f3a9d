/**
 * Registered values from RFC 9420 §17 (IANA). Each is an open, number-backed
 * `as const` map: values outside it are legal on the wire (GREASE, private use,
 * application-defined), so the types are plain `number` aliases.
 */

/** MLS cipher suites (RFC 9420 §17.1). */
export const CipherSuite = {
  MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519: 0x0001,
  MLS_128_DHKEMP256_AES128GCM_SHA256_P256: 0x0002,
  MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519: 0x0003,
  MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448: 0x0004,
  MLS_256_DHKEMP521_AES256GCM_SHA512_P521: 0x0005,
  MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448: 0x0006,
  MLS_256_DHKEMP384_AES256GCM_SHA384_P384: 0x0007,
} as const;
export type CipherSuiteId = number;

/** Protocol versions (RFC 9420 §6). */
export const ProtocolVersion = { mls10: 1 } as const;
export type ProtocolVersionId = number;

/** Extension types (RFC 9420 §17.3). */
export const ExtensionType = {
  application_id: 0x0001,
  ratchet_tree: 0x0002,
  required_capabilities: 0x0003,
  external_pub: 0x0004,
  external_senders: 0x0005,
} as const;
export type ExtensionTypeId = number;

/** Proposal types (RFC 9420 §17.4). */
export const ProposalType = {
  add: 0x0001,
  update: 0x0002,
  remove: 0x0003,
  psk: 0x0004,
  reinit: 0x0005,
  external_init: 0x0006,
  group_context_extensions: 0x0007,
} as const;
export type ProposalTypeId = number;

/** Credential types (RFC 9420 §17.5). */
export const CredentialType = { basic: 0x0001, x509: 0x0002 } as const;
export type CredentialTypeId = number;

/** Wire formats (RFC 9420 §17.2). */
export const WireFormat = {
  mls_public_message: 0x0001,
  mls_private_message: 0x0002,
  mls_welcome: 0x0003,
  mls_group_info: 0x0004,
  mls_key_package: 0x0005,
} as const;
export type WireFormatId = number;

/** Signature schemes used by the registered suites (TLS SignatureScheme values). */
export const SignatureScheme = {
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  ed25519: 0x0807,
  ed448: 0x0808,
  /** ML-DSA (FIPS 204), TLS code points of draft-ietf-tls-mldsa. */
  mldsa44: 0x0904,
  mldsa65: 0x0905,
  mldsa87: 0x0906,
} as const;
export type SignatureSchemeId = (typeof SignatureScheme)[keyof typeof SignatureScheme];

/** HPKE algorithm identifiers (RFC 9180 §7). */
export const HpkeKemId = {
  DHKEM_P256_HKDF_SHA256: 0x0010,
  DHKEM_P384_HKDF_SHA384: 0x0011,
  DHKEM_P521_HKDF_SHA512: 0x0012,
  DHKEM_X25519_HKDF_SHA256: 0x0020,
  DHKEM_X448_HKDF_SHA512: 0x0021,
  /** ML-KEM (FIPS 203) in HPKE, draft-ietf-hpke-pq-05 §3. */
  ML_KEM_512: 0x0040,
  ML_KEM_768: 0x0041,
  ML_KEM_1024: 0x0042,
  /** PQ/T hybrids of draft-irtf-cfrg-concrete-hybrid-kems in HPKE, draft-ietf-hpke-pq-05 §4. */
  MLKEM768_P256: 0x0050,
  MLKEM1024_P384: 0x0051,
  /** MLKEM768-X25519, i.e. X-Wing (draft-connolly-cfrg-xwing-kem). */
  MLKEM768_X25519: 0x647a,
} as const;
export const HpkeKdfId = { HKDF_SHA256: 0x0001, HKDF_SHA384: 0x0002, HKDF_SHA512: 0x0003 } as const;
export const HpkeAeadId = { AES_128_GCM: 0x0001, AES_256_GCM: 0x0002, CHACHA20_POLY1305: 0x0003, EXPORT_ONLY: 0xffff } as const;

/** What a cipher suite is made of (RFC 9420 §5.1, table in §17.1). */
export interface CipherSuiteDescription {
  readonly id: CipherSuiteId;
  readonly name: string;
  readonly kem: number;
  readonly kdf: number;
  readonly aead: number;
  readonly hash: "SHA-256" | "SHA-384" | "SHA-512";
  readonly signature: SignatureSchemeId;
  /**
   * How HPKE DeriveKeyPair(ikm) maps to a post-quantum KEM's seed (absent
   * for DHKEM, which follows RFC 9180 §7.1.3, and for PQ KEMs means
   * `"labeled-shake256"`):
   * - `"labeled-shake256"`: draft-ietf-hpke-pq-05 §3/§4,
   *   seed = SHAKE256.LabeledDerive(ikm, "DeriveKeyPair", "", Nseed).
   * - `"seed"`: the pre-draft convention of `@hpke/ml-kem` 0.3 and
   *   `@hpke/hybridkem-x-wing` 0.7, which ts-mls 2.0 uses: ML-KEM takes ikm
   *   itself as the 64-byte seed d || z (so ikm must be 64 bytes: ts-mls's
   *   suites use HKDF-SHA512), X-Wing seed = SHAKE256(ikm, 32)
   *   (draft-connolly-cfrg-xwing-kem-06 §5.3).
   */
  readonly kemDeriveKeyPair?: KemDeriveKeyPair;
}

/** See {@link CipherSuiteDescription.kemDeriveKeyPair}. */
export type KemDeriveKeyPair = "labeled-shake256" | "seed";

const K = HpkeKemId;
const F = HpkeKdfId;
const A = HpkeAeadId;
const S = SignatureScheme;

/** The seven registered suites, by id. */
export const CIPHER_SUITES: ReadonlyMap<CipherSuiteId, CipherSuiteDescription> = new Map(
  (
    [
      [0x0001, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519", K.DHKEM_X25519_HKDF_SHA256, F.HKDF_SHA256, A.AES_128_GCM, "SHA-256", S.ed25519],
      [0x0002, "MLS_128_DHKEMP256_AES128GCM_SHA256_P256", K.DHKEM_P256_HKDF_SHA256, F.HKDF_SHA256, A.AES_128_GCM, "SHA-256", S.ecdsa_secp256r1_sha256],
      [0x0003, "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519", K.DHKEM_X25519_HKDF_SHA256, F.HKDF_SHA256, A.CHACHA20_POLY1305, "SHA-256", S.ed25519],
      [0x0004, "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448", K.DHKEM_X448_HKDF_SHA512, F.HKDF_SHA512, A.AES_256_GCM, "SHA-512", S.ed448],
      [0x0005, "MLS_256_DHKEMP521_AES256GCM_SHA512_P521", K.DHKEM_P521_HKDF_SHA512, F.HKDF_SHA512, A.AES_256_GCM, "SHA-512", S.ecdsa_secp521r1_sha512],
      [0x0006, "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448", K.DHKEM_X448_HKDF_SHA512, F.HKDF_SHA512, A.CHACHA20_POLY1305, "SHA-512", S.ed448],
      [0x0007, "MLS_256_DHKEMP384_AES256GCM_SHA384_P384", K.DHKEM_P384_HKDF_SHA384, F.HKDF_SHA384, A.AES_256_GCM, "SHA-384", S.ecdsa_secp384r1_sha384],
    ] as const
  ).map(([id, name, kem, kdf, aead, hash, signature]) => [id, { id, name, kem, kdf, aead, hash, signature }]),
);
