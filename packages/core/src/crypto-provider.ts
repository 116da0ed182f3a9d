/**
 * The crypto provider interface (docs/ARCHITECTURE.md: "provider bound to a suite").
 * A {@link CryptoProvider} hands out one {@link CipherSuiteProvider} per MLS
 * cipher suite; that object knows its sizes and performs every primitive the
 * protocol needs, so protocol code never passes algorithm ids around.
 *
 * Key encodings are canonical across providers, so state made with one works
 * with another:
 * - HPKE keys: RFC 9180 SerializePublicKey / SerializePrivateKey (X25519/X448
 *   raw 32/56 bytes; NIST curves uncompressed point and big-endian scalar).
 * - Signature keys: Ed25519/Ed448 raw public key and raw secret seed; ECDSA
 *   uncompressed point and big-endian scalar. ECDSA signatures are DER
 *   (RFC 9420 §5.1.2).
 */
import type { CipherSuiteDescription, CipherSuiteId } from "./ids.js";

/** A key pair in the canonical encodings above. */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

/** Result of HPKE single-shot encryption: RFC 9420 `HPKECiphertext`. */
export interface HpkeCiphertext {
  readonly kemOutput: Uint8Array;
  readonly ciphertext: Uint8Array;
}

/**
 * An HPKE Encap (RFC 9180 §4) done before the rest of SealBase: the KEM
 * depends only on the recipient's public key, the key schedule and the AEAD
 * on `info` and the plaintext. A committer encapsulates to every recipient
 * of its UpdatePath while it still derives the path's keys, and seals once
 * the provisional GroupContext (the `info`) is known (RFC 9420 §12.4.1).
 * Holds the KEM shared secret until {@link HpkeEncapsulation.seal} (which
 * wipes it) or {@link HpkeEncapsulation.discard}; usable once.
 */
export interface HpkeEncapsulation {
  /** `enc`, the encapsulated key (RFC 9420 `kem_output`). */
  readonly kemOutput: Uint8Array;
  /** KeyScheduleS(mode_base, shared_secret, info) and one Seal (RFC 9180 §5.1, §6.1); the rest of SealBase. */
  seal(info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<HpkeCiphertext>;
  /** Wipes the shared secret without sealing (a commit that failed on the way). */
  discard(): void;
}

/** Operations of one cipher suite. Every operation may be async (WebCrypto is). */
export interface CipherSuiteProvider {
  readonly suite: CipherSuiteDescription;
  /** Hash output size, KDF.Nh (RFC 9420 uses it for secrets). */
  readonly hashLength: number;
  /** AEAD.Nk and AEAD.Nn. */
  readonly aeadKeyLength: number;
  readonly aeadNonceLength: number;

  hash(data: Uint8Array): Promise<Uint8Array>;
  /**
   * Optional: Hash(data) computed synchronously, the same function as
   * {@link CipherSuiteProvider.hash}. A provider offers it when it can hash
   * without an await (a pure-JavaScript hash, or a hybrid that hashes small
   * inputs in JavaScript); callers that hash many small inputs in a row (the
   * ratchet tree's tree and parent hashes, RFC 9420 §7.8-§7.9) then skip one
   * promise per input. Callers must fall back to `hash` when it is absent.
   * The result must not depend on whether `data` is later modified (the
   * input is consumed before returning).
   */
  hashSync?(data: Uint8Array): Uint8Array;
  /** MAC(key, data) = HMAC with the suite's hash (RFC 9420 §5.1). */
  mac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  /** HKDF-Extract with the suite's KDF. */
  kdfExtract(salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array>;
  /** HKDF-Expand with the suite's KDF. */
  kdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>;
  /**
   * Optional: HKDF-Expand computed synchronously, the same function as
   * {@link CipherSuiteProvider.kdfExpand}. The per-message derivations (the
   * secret tree's ratchets, RFC 9420 §9.1, and the sender-data key, §6.3.2)
   * use it when present: five short HMACs per message, each cheaper than
   * the promise that would carry it. Callers must fall back to `kdfExpand`
   * when it is absent.
   */
  kdfExpandSync?(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;

  /** AEAD encryption; returns ciphertext || tag. */
  aeadSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** AEAD decryption; throws {@link CryptoError} `crypto/aead-open` on failure. */
  aeadOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;

  /** RFC 9180 SealBase. */
  hpkeSeal(publicKey: Uint8Array, info: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<HpkeCiphertext>;
  /**
   * Optional: many independent SealBase calls at once, one ciphertext per
   * item in order, each exactly as {@link CipherSuiteProvider.hpkeSeal}
   * (failures as it fails). Present where the provider can spread them over
   * more than one thread (`@mlskit/crypto-node`: a worker beside the calling
   * thread); callers with many recipients (the N - 1 encryptions of a
   * full-path Commit over blank parents, RFC 9420 §12.4.1) use it when
   * present.
   */
  hpkeSealBatch?(items: readonly HpkeSealInput[]): Promise<HpkeCiphertext[]>;
  /** The Encap of RFC 9180 SealBase now, its key schedule and Seal later ({@link HpkeEncapsulation}). */
  hpkeEncap(publicKey: Uint8Array): Promise<HpkeEncapsulation>;
  /**
   * RFC 9180 OpenBase. `publicKey` (the recipient's, if known) spares a
   * scalar multiplication. Throws {@link CryptoError} `crypto/hpke-open`.
   */
  hpkeOpen(ciphertext: HpkeCiphertext, privateKey: Uint8Array, info: Uint8Array, aad: Uint8Array, publicKey?: Uint8Array): Promise<Uint8Array>;
  /** RFC 9180 SetupBaseS + Context.Export (used by MLS external init, §8.3). */
  hpkeExportSender(publicKey: Uint8Array, info: Uint8Array, exporterContext: Uint8Array, length: number): Promise<{ kemOutput: Uint8Array; exportedSecret: Uint8Array }>;
  /** RFC 9180 SetupBaseR + Context.Export. */
  hpkeExportReceiver(kemOutput: Uint8Array, privateKey: Uint8Array, info: Uint8Array, exporterContext: Uint8Array, length: number, publicKey?: Uint8Array): Promise<Uint8Array>;
  /** A fresh random HPKE key pair. */
  hpkeGenerateKeyPair(): Promise<KeyPair>;
  /** RFC 9180 DeriveKeyPair (used for TreeKEM node keys, RFC 9420 §7.4). */
  hpkeDeriveKeyPair(ikm: Uint8Array): Promise<KeyPair>;

  /** A fresh signature key pair. */
  signatureGenerateKeyPair(): Promise<KeyPair>;
  /** The public key for a signature private key. */
  signaturePublicKey(privateKey: Uint8Array): Promise<Uint8Array>;
  sign(privateKey: Uint8Array, message: Uint8Array): Promise<Uint8Array>;
  /**
   * False for a bad signature or a malformed key/signature; never throws for
   * those. A key {@link CipherSuiteProvider.signaturePublicKeyProblem} refuses
   * never verifies a signature (a small-order EdDSA key included, whose
   * "signatures" anyone could make), so a signature that verifies proves its
   * key valid too.
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /**
   * Optional: many independent verifications at once, each exactly as
   * {@link CipherSuiteProvider.verify} (false for a bad signature or a
   * malformed or refused key; never rejects for those), resolving to one
   * result per item in order. Present where the provider can spread them
   * over threads (node:crypto's thread pool), so callers with many
   * signatures (a joiner's tree, RFC 9420 §12.4.3.1) use it when present and
   * `verify` otherwise.
   */
  verifyBatch?(items: readonly SignatureCheck[]): Promise<boolean[]>;

  /**
   * Public-key validation, where a key enters the protocol (a LeafNode's
   * `encryption_key`, a KeyPackage's `init_key`, UpdatePath node keys,
   * `external_pub`, every node of a joiner's tree). Resolves to `undefined`
   * for a key RFC 9180 §7.1.1 DeserializePublicKey accepts, and otherwise to
   * a readable reason (never rejects): the wrong length (Npk); for
   * P-256/P-384/P-521 a compressed point or another encoding than the
   * uncompressed SEC1 point, or a point not on the curve; for X25519/X448
   * the all-zero key and every other low-order point (RFC 7748 §6, their DH
   * output is the all-zero value RFC 9180 §7.1.4 forbids, so no member could
   * encrypt to such a key).
   *
   * A promise because `crypto.subtle` validates a NIST point only by
   * importing it; providers that check synchronously (X25519/X448 always,
   * noble for every curve) return a settled one, and callers checking many
   * keys (a joined tree) issue the checks together.
   */
  hpkePublicKeyProblem(publicKey: Uint8Array): Promise<string | undefined>;
  /**
   * The same for a signature public key (a LeafNode's `signature_key`, an
   * external sender's key): `undefined` when valid, otherwise the reason.
   * Ed25519/Ed448: 32/57 bytes, a canonical RFC 8032 §5.1.3/§5.2.3 encoding
   * of a point, not of small order. ECDSA: RFC 9420 §5.1.1 requires the
   * uncompressed SEC1 point (0x04 || X || Y) on the curve; a compressed point
   * gets its own reason, naming §5.1.1.
   */
  signaturePublicKeyProblem(publicKey: Uint8Array): Promise<string | undefined>;

  /** Cryptographically secure random bytes. */
  randomBytes(length: number): Uint8Array;
}

/** One SealBase (RFC 9180 §6.1) of {@link CipherSuiteProvider.hpkeSealBatch}. */
export interface HpkeSealInput {
  readonly publicKey: Uint8Array;
  readonly info: Uint8Array;
  readonly aad: Uint8Array;
  readonly plaintext: Uint8Array;
}

/** One signature to check: `signature` over `message` under `publicKey` (see {@link CipherSuiteProvider.verifyBatch}). */
export interface SignatureCheck {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

/** A source of cipher-suite providers. */
export interface CryptoProvider {
  /** A short name for reports and benches ("noble", "webcrypto"). */
  readonly name: string;
  /**
   * The suites this provider can serve in this runtime (async: a WebCrypto
   * provider probes what `crypto.subtle` offers).
   */
  supportedCipherSuites(): Promise<readonly CipherSuiteId[]>;
  /**
   * The provider for one suite. Throws {@link CryptoError} `crypto/unsupported`
   * for a suite it cannot serve, naming what is missing.
   */
  cipherSuite(id: CipherSuiteId): Promise<CipherSuiteProvider>;
  /**
   * Optional: the private key `privateKey` (as a `KeyPair.privateKey` of one
   * of this provider's suites gave it: HPKE or signature) is spent; drop
   * anything the provider keeps for it (a non-extractable key's `CryptoKey`
   * in a key store, a cached imported key). The caller wipes its own bytes;
   * this is for what lives outside them, so that deleting a key (RFC 9420
   * §9.2, §16.8) keeps forward secrecy. Resolves also for a key the provider
   * keeps nothing for, or knows nothing of. Providers that keep nothing omit it.
   *
   * The mls facade calls it once a state that no longer holds a key is
   * stored (superseded leaf, path and Update keys), for a KeyPackage's init
   * key once a Welcome consumed it, and for a KeyPackage's keys when the
   * application deletes it through the client.
   */
  forgetPrivateKey?(privateKey: Uint8Array): Promise<void>;
}
