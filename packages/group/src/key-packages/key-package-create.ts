/**
 * Creating KeyPackages (RFC 9420 §10): fresh init and encryption key pairs,
 * a LeafNode of source `key_package` signed with label "LeafNodeTBS", and the
 * KeyPackage signed with label "KeyPackageTBS", GREASEd by default (§13.5).
 */
import { bytesEqual, encode, wipe } from "@mlskit/codec";
import { type CipherSuiteId, type CipherSuiteProvider, type Credential, type Extension, ExtensionType, ProtocolVersion, makeKeyPackageRef, expectDefined } from "@mlskit/core";
import { type Capabilities, type Lifetime, type LeafNodeContent, LeafNodeSource, signLeafNode } from "@mlskit/ratchet-tree";
import { defaultCapabilities, isDefaultExtensionType, supportsCredential, supportsExtension } from "../leaf-nodes/capabilities.js";
import { applicationIdCodec, makeExtension } from "../extensions/extensions.js";
import { type GreaseSetting, addGreaseExtension, greaseCapabilities, resolveGrease } from "../extensions/grease.js";
import { type KeyPackage, keyPackageCodec, signKeyPackage } from "./key-package.js";
import { usage } from "../error-codes.js";

/**
 * `last_resort` (0x000A), a KeyPackage extension with empty data marking a
 * KeyPackage that may be used more than once when no other is left. RFC 9420
 * only mentions last-resort KeyPackages (§10, §16.8); the extension is defined
 * by draft-ietf-mls-extensions and registered in the IANA "MLS Extension
 * Types" registry (§17.3).
 */
export const LAST_RESORT_EXTENSION_TYPE = 0x000a;

/** Default validity of a new KeyPackage, in seconds: 84 days. */
export const DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS = 84 * 86_400;
/** How far `not_before` is back-dated by default, in seconds, to absorb clock skew. */
export const KEY_PACKAGE_BACKDATE_SECONDS = 3600;

/** Options of {@link createKeyPackage}. */
export interface CreateKeyPackageOptions {
  /** The suite the KeyPackage is for. */
  readonly cs: CipherSuiteProvider;
  /** If given, must equal `cs.suite.id` (a guard against mixing providers up). */
  readonly cipherSuite?: CipherSuiteId;
  /** The client's credential, bound to the signature key (§5.3). */
  readonly credential: Credential;
  /** The signature private key. When absent a fresh key pair is generated and returned in `privateKeys`. */
  readonly signaturePrivateKey?: Uint8Array;
  /** The matching public key; derived from the private key when absent. */
  readonly signaturePublicKey?: Uint8Array;
  /**
   * What the client supports, without GREASE (§7.2). Defaults to mls10, this
   * suite, the credential's type, and the non-default extension types used
   * below. Given capabilities must cover all of those.
   */
  readonly capabilities?: Capabilities;
  /** An explicit lifetime (seconds since the Unix epoch). */
  readonly lifetime?: Lifetime;
  /** Validity from now when `lifetime` is absent (default {@link DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS}). */
  readonly lifetimeSeconds?: number;
  /** The current time, for the default lifetime: a Date or seconds since the epoch. Defaults to now. */
  readonly now?: Date | number | bigint;
  /** `LeafNode.extensions` (non-default types must be in the capabilities, §7.2). */
  readonly leafNodeExtensions?: readonly Extension[];
  /** `KeyPackage.extensions` (their types must be in the capabilities, §10). */
  readonly extensions?: readonly Extension[];
  /** Adds an `application_id` extension (§5.3.3) to the LeafNode. */
  readonly applicationId?: Uint8Array;
  /** Adds the `last_resort` extension ({@link LAST_RESORT_EXTENSION_TYPE}) to the KeyPackage. */
  readonly lastResort?: boolean;
  /** GREASE (§13.5): on by default. */
  readonly grease?: GreaseSetting;
}

const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/**
 * The private keys behind a new KeyPackage. They print as redacted in
 * `JSON.stringify`, `String()` and Node's `util.inspect`; {@link wipe}
 * zeroes them once stored or used.
 */
export class KeyPackagePrivateKeys {
  readonly #init: Uint8Array;
  readonly #encryption: Uint8Array;
  readonly #signature: Uint8Array | undefined;

  constructor(initPrivateKey: Uint8Array, encryptionPrivateKey: Uint8Array, signaturePrivateKey?: Uint8Array) {
    this.#init = initPrivateKey;
    this.#encryption = encryptionPrivateKey;
    this.#signature = signaturePrivateKey;
  }

  /** HPKE private key of `init_key` (opens the Welcome, §12.4.3.1). */
  get initPrivateKey(): Uint8Array {
    return this.#init;
  }

  /** HPKE private key of `leaf_node.encryption_key` (the leaf's TreeKEM key). */
  get encryptionPrivateKey(): Uint8Array {
    return this.#encryption;
  }

  /** The signature private key, only when {@link createKeyPackage} generated it. */
  get signaturePrivateKey(): Uint8Array | undefined {
    return this.#signature;
  }

  /** Zeroes every key held (best effort in JavaScript). */
  wipe(): void {
    wipe(this.#init, this.#encryption, this.#signature);
  }

  toJSON(): { redacted: string } {
    return { redacted: "KeyPackagePrivateKeys" };
  }

  toString(): string {
    return "KeyPackagePrivateKeys [redacted]";
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

/** What {@link createKeyPackage} returns. */
export interface CreatedKeyPackage {
  readonly keyPackage: KeyPackage;
  /** The TLS encoding of `keyPackage` (the `KeyPackage` struct, without MLSMessage framing). */
  readonly encoded: Uint8Array;
  /** KeyPackageRef = MakeKeyPackageRef(encoded) (§5.2). */
  readonly reference: Uint8Array;
  readonly privateKeys: KeyPackagePrivateKeys;
}

const hex4 = (v: number) => `0x${v.toString(16).padStart(4, "0")}`;

function toSeconds(t: Date | number | bigint | undefined): bigint {
  if (t === undefined) return BigInt(Math.floor(Date.now() / 1000));
  if (typeof t === "bigint") return t;
  if (typeof t === "number") return BigInt(Math.floor(t));
  return BigInt(Math.floor(t.getTime() / 1000));
}

function assertNoDuplicateTypes(extensions: readonly Extension[], where: string): void {
  const seen = new Set<number>();
  for (const e of extensions) {
    // §13.4: no two extensions of one type in a list.
    if (seen.has(e.extensionType)) usage("key-package/duplicate-extension", `${where} has two extensions of type ${hex4(e.extensionType)}`);
    seen.add(e.extensionType);
  }
}

/**
 * Creates a KeyPackage (RFC 9420 §10) for `cs`: generates the init and
 * encryption key pairs (distinct, §10.1), builds and signs the LeafNode
 * (source `key_package`, §7.2) and signs the KeyPackage ("KeyPackageTBS").
 * With GREASE on (the default) random GREASE values go into the capability
 * lists, and GREASE extensions into `LeafNode.extensions` and
 * `KeyPackage.extensions`, their types listed in the capabilities (§13.5, §10).
 * @throws UsageError for inconsistent options (suite mismatch, capabilities
 * missing something the KeyPackage uses, key pair mismatch, duplicate extensions).
 */
export async function createKeyPackage(options: CreateKeyPackageOptions): Promise<CreatedKeyPackage> {
  const { cs, credential } = options;
  const suite = cs.suite.id;
  if (options.cipherSuite !== undefined && options.cipherSuite !== suite) {
    usage("key-package/cipher-suite-mismatch", `cipherSuite ${hex4(options.cipherSuite)} does not match the provider's suite ${hex4(suite)}`);
  }

  let signaturePrivateKey = options.signaturePrivateKey;
  let signaturePublicKey = options.signaturePublicKey;
  let generatedSignatureKey: Uint8Array | undefined;
  if (signaturePrivateKey === undefined) {
    if (signaturePublicKey !== undefined) usage("key-package/signature-key", "signaturePublicKey given without signaturePrivateKey");
    const pair = await cs.signatureGenerateKeyPair();
    signaturePrivateKey = generatedSignatureKey = pair.privateKey;
    signaturePublicKey = pair.publicKey;
  } else {
    const derived = await cs.signaturePublicKey(signaturePrivateKey);
    if (signaturePublicKey !== undefined && !bytesEqual(derived, signaturePublicKey)) {
      usage("key-package/signature-key", "signaturePublicKey does not belong to signaturePrivateKey");
    }
    signaturePublicKey = derived;
  }

  const leafExtensions: Extension[] = [...(options.leafNodeExtensions ?? [])];
  if (options.applicationId !== undefined) leafExtensions.push(makeExtension(ExtensionType.application_id, applicationIdCodec, options.applicationId));
  const kpExtensions: Extension[] = [...(options.extensions ?? [])];
  if (options.lastResort === true) kpExtensions.push({ extensionType: LAST_RESORT_EXTENSION_TYPE, extensionData: new Uint8Array(0) });
  assertNoDuplicateTypes(leafExtensions, "leafNodeExtensions");
  assertNoDuplicateTypes(kpExtensions, "extensions");

  const usedTypes = [...leafExtensions, ...kpExtensions].map((e) => e.extensionType).filter((t) => !isDefaultExtensionType(t));
  let capabilities = options.capabilities ?? defaultCapabilities({ cipherSuites: [suite], credentials: [credential.credentialType], extensions: usedTypes });
  // §7.2 / §10: the capabilities cover the version, suite, credential type and extensions used.
  if (!capabilities.versions.includes(ProtocolVersion.mls10)) usage("key-package/capabilities-incomplete", "capabilities do not list mls10");
  if (!capabilities.cipherSuites.includes(suite)) usage("key-package/capabilities-incomplete", `capabilities do not list the suite ${hex4(suite)}`);
  if (!supportsCredential(capabilities, credential.credentialType)) {
    usage("key-package/capabilities-incomplete", `capabilities do not list the credential type ${hex4(credential.credentialType)}`);
  }
  for (const t of usedTypes) {
    if (!supportsExtension(capabilities, t)) usage("key-package/capabilities-incomplete", `capabilities do not list extension type ${hex4(t)}`);
  }

  const grease = resolveGrease(options.grease);
  const random = (n: number) => cs.randomBytes(n);
  let leafExtensionsOut: Extension[] = leafExtensions;
  let kpExtensionsOut: Extension[] = kpExtensions;
  if (grease.capabilities) capabilities = greaseCapabilities(capabilities, random);
  const listed = new Set(capabilities.extensions);
  const addedTypes: number[] = [];
  if (grease.leafNodeExtensions) {
    const r = addGreaseExtension(
      leafExtensions,
      random,
      kpExtensions.map((e) => e.extensionType),
    );
    leafExtensionsOut = r.extensions;
    if (r.greaseType !== undefined) addedTypes.push(r.greaseType);
  }
  if (grease.keyPackageExtensions) {
    const r = addGreaseExtension(
      kpExtensions,
      random,
      leafExtensionsOut.map((e) => e.extensionType),
    );
    kpExtensionsOut = r.extensions;
    if (r.greaseType !== undefined) addedTypes.push(r.greaseType);
  }
  // §13.5: GREASE extension types "need to be reflected in LeafNode.capabilities.extensions"; §10 likewise for
  // KeyPackage.extensions.
  const missing = addedTypes.filter((t) => !listed.has(t));
  if (missing.length > 0) capabilities = { ...capabilities, extensions: [...capabilities.extensions, ...missing] };

  let lifetime = options.lifetime;
  if (lifetime === undefined) {
    const now = toSeconds(options.now);
    const seconds = BigInt(Math.floor(options.lifetimeSeconds ?? DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS));
    lifetime = { notBefore: now - BigInt(KEY_PACKAGE_BACKDATE_SECONDS), notAfter: now + seconds };
  }
  if (lifetime.notBefore > lifetime.notAfter) usage("key-package/lifetime", "lifetime.notBefore is after lifetime.notAfter");

  // §10.1: init_key and leaf_node.encryption_key differ; fresh pairs collide only with a broken RNG.
  let [init, enc] = await Promise.all([cs.hpkeGenerateKeyPair(), cs.hpkeGenerateKeyPair()]);
  for (let tries = 0; bytesEqual(init.publicKey, enc.publicKey); tries++) {
    if (tries >= 2) usage("key-package/key-generation", "the provider returned the same HPKE key pair repeatedly");
    enc = await cs.hpkeGenerateKeyPair();
  }

  const content: LeafNodeContent = {
    encryptionKey: enc.publicKey,
    signatureKey: expectDefined(signaturePublicKey, "signaturePublicKey"),
    credential,
    capabilities,
    leafNodeSource: LeafNodeSource.key_package,
    lifetime,
    extensions: leafExtensionsOut,
  };
  // §7.2: SignWithLabel(., "LeafNodeTBS", LeafNodeTBS); no group context for source key_package.
  const leafNode = await signLeafNode(cs, signaturePrivateKey, content);
  // §10: SignWithLabel(., "KeyPackageTBS", KeyPackageTBS).
  const keyPackage = await signKeyPackage(cs, signaturePrivateKey, {
    version: ProtocolVersion.mls10,
    cipherSuite: suite,
    initKey: init.publicKey,
    leafNode,
    extensions: kpExtensionsOut,
  });
  const encoded = encode(keyPackageCodec, keyPackage);
  const reference = await makeKeyPackageRef(cs, encoded);
  return {
    keyPackage,
    encoded,
    reference,
    privateKeys: new KeyPackagePrivateKeys(init.privateKey, enc.privateKey, generatedSignatureKey),
  };
}
