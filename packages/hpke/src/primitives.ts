/**
 * The primitive interfaces HPKE (RFC 9180) and the MLS cipher suites are
 * written over. A crypto provider implements only these (on noble, on
 * WebCrypto, ...); the protocol logic — DHKEM, the HPKE key schedule, labeled
 * operations — is written once, in this package and in `@mlskit/core`.
 */
import type { CipherSuiteDescription, HpkeCiphertext, HpkeSealInput, KeyPair, SignatureCheck } from "@mlskit/core";

/** A hash function. */
export interface HashPrimitive {
  readonly name: "SHA-256" | "SHA-384" | "SHA-512";
  /** Output size in bytes. */
  readonly outputLength: number;
  digest(data: Uint8Array): Promise<Uint8Array>;
  /**
   * The same digest, synchronously, when the implementation can (pure JS).
   * Tree hashing calls it per node: an awaited call per small input costs more
   * than the hash itself.
   */
  digestSync?(data: Uint8Array): Uint8Array;
  /** HMAC with this hash. */
  hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
}

/** An HPKE KDF (RFC 9180 §4): HKDF over a hash. */
export interface Kdf {
  /** RFC 9180 KDF id. */
  readonly id: number;
  /** Nh. */
  readonly hashLength: number;
  extract(salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array>;
  expand(prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
  /**
   * The same Expand, synchronously, when the implementation can (pure JS).
   * The secret tree's ratchets and the sender-data key call it for every
   * message: five short HMACs, each cheaper than the promise around it.
   */
  expandSync?(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
}

/** An HPKE AEAD (RFC 9180 §5.2). `seal` returns ciphertext || tag. */
export interface Aead {
  /** RFC 9180 AEAD id. */
  readonly id: number;
  /** Nk, Nn, Nt. */
  readonly keyLength: number;
  readonly nonceLength: number;
  readonly tagLength: number;
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Throws on authentication failure (the caller maps it to a CryptoError). */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
}

/**
 * A Diffie-Hellman group for DHKEM (RFC 9180 §4.1), with keys in the RFC 9180
 * Serialize/Deserialize encodings.
 */
export interface DhGroup {
  /** RFC 9180 KEM id of the DHKEM built on this group. */
  readonly kemId: number;
  /** Npk, Nsk, Ndh (Nenc = Npk for DHKEM). */
  readonly publicKeyLength: number;
  readonly privateKeyLength: number;
  readonly dhLength: number;
  /**
   * DeriveKeyPair's rejection-sampling mask for the first byte (RFC 9180
   * §7.1.3): 0xff for P-256/P-384, 0x01 for P-521; `undefined` for X25519/X448,
   * whose private key is the expanded bytes directly.
   */
  readonly bitmask: number | undefined;
  /** True when `sk` is a valid private scalar (non-zero, below the order). */
  isValidPrivateKey(sk: Uint8Array): boolean;
  /**
   * Optional: true when `sk` is not key bytes but a handle the group resolves
   * itself (a stored non-extractable `CryptoKey`, `@mlskit/crypto-webcrypto`'s
   * `nonExtractableKeys` mode). Decap then skips its Nsk length check and
   * leaves `sk` to {@link DhGroup.dh} and {@link DhGroup.publicKey}. Absent:
   * every private key is Nsk bytes.
   */
  isPrivateKeyHandle?(sk: Uint8Array): boolean;
  /** pk(sk), serialized. */
  publicKey(sk: Uint8Array): Promise<Uint8Array>;
  /**
   * DH(sk, pk), serialized. Throws on an invalid public key or an all-zero
   * shared secret (RFC 9180 §7.1.4).
   */
  dh(sk: Uint8Array, pk: Uint8Array): Promise<Uint8Array>;
  /**
   * Optional GenerateKeyPair (RFC 9180 §4): a fresh random key pair in the
   * Serialize encodings. RFC 9180 only requires it to be randomized (only
   * DeriveKeyPair, §7.1.3, must be deterministic), so a native source can use
   * its own key generation and keep the generated key, so that the DH which
   * follows (Encap's ephemeral key) imports nothing. When absent, DHKEM uses
   * DeriveKeyPair(random(Nsk)).
   */
  generateKeyPair?(): Promise<KeyPair>;
  /**
   * Optional: Encap's key generation and DH in one (RFC 9180 §4.1:
   * `skE, pkE = GenerateKeyPair(); dh = DH(skE, pkR)`), with an ephemeral key
   * pair the group makes and drops itself, so the ephemeral private key never
   * leaves it (no bytes to wipe, nothing cached) and may be made ahead of
   * time off the calling thread (crypto-node keeps a few generated on
   * node:crypto's thread pool). Each ephemeral key is used for one DH only.
   * Throws as {@link DhGroup.dh} does for an invalid `pkR` or an all-zero
   * output. When absent, DHKEM uses {@link DhGroup.generateKeyPair} (or
   * DeriveKeyPair) and {@link DhGroup.dh}.
   */
  ephemeralDh?(pkR: Uint8Array): Promise<EphemeralDh>;
  /**
   * What only the group's arithmetic can tell about a public key (RFC 9180
   * §7.1.1 DeserializePublicKey, §7.1.4), asked after the checks this package
   * makes for every group ({@link dhPublicKeyShapeProblem}: Npk bytes, the
   * uncompressed SEC1 prefix of NIST points, X25519/X448 low-order points):
   * for P-256/P-384/P-521, that the point is on the curve. `undefined` for a
   * valid key, otherwise the reason; synchronous where the implementation can
   * (a joined tree asks once per node). A thrown error counts as a reason.
   */
  publicKeyProblem(pk: Uint8Array): string | undefined | Promise<string | undefined>;
}

/** {@link DhGroup.ephemeralDh}'s output: `DH(skE, pkR)` and `enc = SerializePublicKey(pkE)`. */
export interface EphemeralDh {
  readonly dh: Uint8Array;
  readonly enc: Uint8Array;
}

/**
 * A post-quantum or PQ/T hybrid KEM (draft-ietf-hpke-pq-05): ML-KEM
 * (FIPS 203) or a hybrid of draft-irtf-cfrg-concrete-hybrid-kems (X-Wing =
 * MLKEM768-X25519, MLKEM768-P256, MLKEM1024-P384). Keys are the fixed-length
 * byte strings of those specs; the private key is the KEM's seed (64 bytes
 * d || z for ML-KEM, 32 bytes for the hybrids), from which the KEM expands
 * the working key. HPKE's DeriveKeyPair (the mapping of an ikm to that seed)
 * is `@mlskit/hpke`'s, not the primitive's.
 */
export interface KemPrimitive {
  /** HPKE KEM id. */
  readonly kemId: number;
  /** Npk, Nsk (= the seed length), Nenc, Nsecret. */
  readonly publicKeyLength: number;
  readonly privateKeyLength: number;
  readonly encLength: number;
  readonly sharedSecretLength: number;
  /** KEM.DeriveKeyPair(seed) of the KEM's own spec (ML-KEM.KeyGen_internal(d, z) for ML-KEM); the private key returned is `seed` (a copy). */
  keyPairFromSeed(seed: Uint8Array): KeyPair | Promise<KeyPair>;
  /** Encaps(pk), with the KEM's own randomness, or `randomness` (EncapsDerand, for test vectors) when given. Throws on an invalid key. */
  encap(publicKey: Uint8Array, randomness?: Uint8Array): { enc: Uint8Array; sharedSecret: Uint8Array } | Promise<{ enc: Uint8Array; sharedSecret: Uint8Array }>;
  /** Decaps(enc, sk); ML-KEM's implicit rejection gives a pseudorandom secret for a tampered `enc`. */
  decap(enc: Uint8Array, privateKey: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** Length of EncapsDerand's randomness. */
  readonly encapRandomnessLength: number;
  /** FIPS 203 §7.2 encapsulation-key check (and the ECDH share's for hybrids): `undefined` for a valid key, else the reason. */
  publicKeyProblem(publicKey: Uint8Array): string | undefined;
  /** SHAKE256(data, 8 * length) (FIPS 202), for DeriveKeyPair. */
  shake256(data: Uint8Array, length: number): Uint8Array;
}

/** A signature scheme, with the key and signature encodings of `@mlskit/core`'s provider docs. */
export interface SignaturePrimitive {
  readonly scheme: number;
  generateKeyPair(): Promise<KeyPair>;
  publicKey(privateKey: Uint8Array): Promise<Uint8Array>;
  sign(privateKey: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
  /** False for a bad or malformed signature or key. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /**
   * Optional: many verifications at once, spread over threads (node:crypto's
   * thread pool); one result per item, each as `verify` would give it.
   * Exposed as `CipherSuiteProvider.verifyBatch` (after the shape checks).
   */
  verifyBatch?(items: readonly SignatureCheck[]): Promise<boolean[]>;
  /**
   * What only the curve's arithmetic can tell about a public key, asked after
   * the checks this package makes for every scheme
   * ({@link signaturePublicKeyShapeProblem}: length, the uncompressed SEC1
   * prefix of ECDSA keys (RFC 9420 §5.1.1), canonical and small-order EdDSA
   * encodings): for ECDSA that the point is on the curve, for EdDSA that the
   * encoding decodes to a point (RFC 8032 §5.1.3, §5.2.3). `undefined` for a
   * valid key, or when the implementation cannot tell without field
   * arithmetic of its own (`crypto.subtle` cannot decode an EdDSA point; its
   * verification still fails for such a key). A thrown error counts as a reason.
   */
  publicKeyProblem(publicKey: Uint8Array): string | undefined | Promise<string | undefined>;
}

/** Everything one MLS cipher suite is built from. */
export interface SuitePrimitives {
  readonly suite: CipherSuiteDescription;
  readonly hash: HashPrimitive;
  /** The suite's KDF (also HPKE's KDF). */
  readonly kdf: Kdf;
  /** The KDF inside the DHKEM (RFC 9180 §4.1; same hash family as the group). */
  readonly kemKdf: Kdf | undefined;
  readonly aead: Aead;
  /** The DH group of a DHKEM suite; `undefined` when {@link SuitePrimitives.kem} is given. */
  readonly dh: DhGroup | undefined;
  /** The KEM of a post-quantum suite (instead of {@link SuitePrimitives.dh}). */
  readonly kem?: KemPrimitive;
  readonly signature: SignaturePrimitive;
  randomBytes(length: number): Uint8Array;
  /** SealBase of many items elsewhere (the source's `hpkeSealBatch` for this suite), when the source has it. */
  readonly sealElsewhere?: (items: readonly HpkeSealInput[]) => Promise<HpkeCiphertext[]>;
}

/**
 * A source of primitives (noble, WebCrypto, ...). Each lookup returns
 * `undefined` when the source cannot offer that algorithm, so sources compose:
 * a WebCrypto provider can take what `crypto.subtle` lacks from another source.
 */
export interface PrimitiveSource {
  readonly name: string;
  hash(name: HashPrimitive["name"]): HashPrimitive | undefined;
  /** By RFC 9180 KDF id. */
  kdf(id: number): Kdf | undefined;
  /** By RFC 9180 AEAD id. */
  aead(id: number): Aead | undefined;
  /** By RFC 9180 KEM id. */
  dh(kemId: number): DhGroup | undefined;
  /** Optional: a post-quantum / hybrid KEM by HPKE KEM id (draft-ietf-hpke-pq-05). */
  kem?(kemId: number): KemPrimitive | undefined;
  /** By TLS SignatureScheme value. */
  signature(scheme: number): SignaturePrimitive | undefined;
  randomBytes(length: number): Uint8Array;
  /**
   * Optional: SealBase (RFC 9180) of many items in `suite` on another thread
   * (crypto-node's worker), with this source's primitives there. Rejects
   * when it cannot (a suite it does not serve, no worker); the suite
   * provider then seals those items itself. See
   * `CipherSuiteProvider.hpkeSealBatch`.
   */
  hpkeSealBatch?(suite: CipherSuiteDescription, items: readonly HpkeSealInput[]): Promise<HpkeCiphertext[]>;
}
