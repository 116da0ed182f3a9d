/**
 * KeyPackage validation (RFC 9420 §10.1). A decoded KeyPackage is a
 * {@link KeyPackageIn}: untrusted network input. Only
 * {@link validateKeyPackage} turns it into a {@link ValidatedKeyPackage}, the
 * type Add proposals and commits should ask for (§12.1.1: "An Add proposal is
 * invalid if the KeyPackage is invalid according to Section 10.1").
 */
import { bytesEqual, decode } from "@mlskit/codec";
import {
  type CipherSuiteId,
  type CipherSuiteProvider,
  type CredentialEvent,
  type IdentityProvider,
  ProtocolVersion,
  type ProtocolVersionId,
  UsageError,
  type ValidatedIdentity,
} from "@mlskit/core";
import { LeafNodeSource } from "@mlskit/ratchet-tree";
import { supportsExtension } from "../leaf-nodes/capabilities.js";
import { type KeyPackage, keyPackageCodec, verifyKeyPackageSignature } from "./key-package.js";
import {
  type LeafNodeGroup,
  type LeafNodeValidationOptions,
  type LifetimePolicy,
  checkLeafNodeContents,
  checkLeafNodeEncryptionKey,
  checkLeafNodeSignature,
  checkSignatureKeyAfterFailure,
  hpkeKeyLengthProblem,
  validateLeafNodeCredential,
} from "../leaf-nodes/leaf-node-validation.js";
import { fail } from "../error-codes.js";

/** A KeyPackage as decoded from the network: not yet validated (§10.1). */
export type KeyPackageIn = KeyPackage;

declare const validatedKeyPackage: unique symbol;
/** A KeyPackage that passed {@link validateKeyPackage}. Only that function produces one. */
export type ValidatedKeyPackage = KeyPackage & { readonly [validatedKeyPackage]: true };

/** Options of {@link validateKeyPackage}. */
export interface KeyPackageValidationOptions {
  /** Validates the leaf's credential (§5.3.1). */
  readonly identityProvider: IdentityProvider;
  /**
   * The expected protocol version: the group's, or the enclosing MLSMessage's
   * (§10). Defaults to `group.version`, else mls10.
   */
  readonly version?: ProtocolVersionId;
  /** The expected cipher suite; must equal `cs.suite.id`, which is the default. */
  readonly cipherSuite?: CipherSuiteId;
  /**
   * The group the KeyPackage is to join (GroupContext extensions incl.
   * required_capabilities, members, keys in the tree). Absent for a
   * KeyPackage checked on its own.
   */
  readonly group?: LeafNodeGroup;
  /** Lifetime checks of the leaf node (§7.2, §7.3). */
  readonly lifetime?: LifetimePolicy;
  /** Event reported to the AS (default "key-package"). */
  readonly credentialEvent?: CredentialEvent;
  /** Time the AS validates at (default `lifetime.now`, else now). */
  readonly credentialTime?: Date | number;
  /**
   * Accept `KeyPackage.extensions` whose types the leaf's capabilities do
   * not list. §10 forbids them, but some implementations GREASE
   * `KeyPackage.extensions` without listing the types (cisco/mlspp#470);
   * set this to interoperate with them. Default false.
   */
  readonly allowUnlistedKeyPackageExtensions?: boolean;
}

/** What {@link validateKeyPackage} returns. */
export interface KeyPackageValidationResult {
  /** The same KeyPackage object, now typed as validated. */
  readonly keyPackage: ValidatedKeyPackage;
  /** The identity the AS validated for its credential. */
  readonly identity: ValidatedIdentity;
}

const hex4 = (v: number) => `0x${v.toString(16).padStart(4, "0")}`;

/** Decodes a whole `KeyPackage` struct (no MLSMessage framing); throws CodecError when malformed. */
export function decodeKeyPackage(bytes: Uint8Array): KeyPackageIn {
  return decode(keyPackageCodec, bytes, "KeyPackage");
}

/**
 * Validates a received KeyPackage (RFC 9420 §10.1): version and cipher suite
 * as expected, `init_key` and the leaf's `encryption_key` keys of the suite
 * that RFC 9180 §7.1.1 DeserializePublicKey accepts (no low-order X25519/X448
 * point, no point off a NIST curve), `init_key` different from the leaf's
 * `encryption_key`, extensions well formed and listed in the capabilities
 * (§10, §13.4), the leaf node valid for a KeyPackage (§7.3, source
 * `key_package`, and against the group when given), both signatures valid,
 * and finally the credential accepted by the AS. The input is not modified.
 * @throws ValidationError naming the first rule broken; the AS's own
 * `credential/…` errors propagate unchanged.
 */
export async function validateKeyPackage(cs: CipherSuiteProvider, keyPackage: KeyPackageIn, options: KeyPackageValidationOptions): Promise<KeyPackageValidationResult> {
  const suite = cs.suite.id;
  if (options.cipherSuite !== undefined && options.cipherSuite !== suite) {
    throw new UsageError("key-package/provider-mismatch", `expected suite ${hex4(options.cipherSuite)} but the provider serves ${hex4(suite)}`);
  }
  const version = options.version ?? options.group?.version ?? ProtocolVersion.mls10;
  // §10.1: "Verify that the cipher suite and protocol version of the KeyPackage match those in the GroupContext."
  if (keyPackage.version !== version) {
    fail("key-package/version-mismatch", "10.1", `KeyPackage version ${hex4(keyPackage.version)}, expected ${hex4(version)}`);
  }
  if (keyPackage.cipherSuite !== suite) {
    fail("key-package/cipher-suite-mismatch", "10.1", `KeyPackage cipher suite ${hex4(keyPackage.cipherSuite)}, expected ${hex4(suite)}`);
  }
  // §10: "The value for init_key MUST be a public key for the asymmetric encryption scheme defined by cipher_suite".
  const initKeyLength = hpkeKeyLengthProblem(cs, keyPackage.initKey);
  if (initKeyLength !== undefined) fail("key-package/invalid-init-key", "10", `init_key ${initKeyLength}`);
  const leaf = keyPackage.leafNode;
  // §10.1: "Verify that the value of leaf_node.encryption_key is different from the value of the init_key field."
  if (bytesEqual(leaf.encryptionKey, keyPackage.initKey)) {
    fail("key-package/init-key-equals-encryption-key", "10.1", "init_key equals leaf_node.encryption_key");
  }
  const seen = new Set<number>();
  for (const e of keyPackage.extensions) {
    // §13.4: "Any field containing a list of extensions MUST NOT have more than one extension of any given type."
    if (seen.has(e.extensionType)) fail("key-package/duplicate-extension", "13.4", `KeyPackage.extensions has two extensions of type ${hex4(e.extensionType)}`);
    seen.add(e.extensionType);
    // §10: "Extensions included in the extensions or leaf_node.extensions fields MUST be included in the
    // leaf_node.capabilities field." Their contents are otherwise ignored when unknown (§13.4).
    if (options.allowUnlistedKeyPackageExtensions !== true && !supportsExtension(leaf.capabilities, e.extensionType)) {
      fail("key-package/unsupported-extension", "10", `KeyPackage extension type ${hex4(e.extensionType)} is not listed in leaf_node.capabilities`);
    }
  }

  const leafOptions: LeafNodeValidationOptions = {
    source: LeafNodeSource.key_package,
    identityProvider: options.identityProvider,
    version,
    ...(options.group !== undefined ? { group: options.group } : {}),
    ...(options.lifetime !== undefined ? { lifetime: options.lifetime } : {}),
    ...(options.credentialEvent !== undefined ? { credentialEvent: options.credentialEvent } : {}),
    ...(options.credentialTime !== undefined ? { credentialTime: options.credentialTime } : {}),
  };
  // §10.1: "Verify that the leaf_node of the KeyPackage is valid for a KeyPackage according to Section 7.3"
  // (§10: its leaf_node_source MUST be key_package).
  checkLeafNodeContents(cs, leaf, leafOptions);
  const settled = (p: Promise<void>): Promise<unknown> =>
    p.then(
      () => undefined,
      (e: unknown) => e,
    );
  // The keys (as RFC 9180 §7.1.1 DeserializePublicKey would take them) and both signatures, together.
  const [initKeyProblem, encryptionKey, kpSignatureOk, leafSignature] = await Promise.all([
    cs.hpkePublicKeyProblem(keyPackage.initKey),
    settled(checkLeafNodeEncryptionKey(cs, leaf)),
    verifyKeyPackageSignature(cs, keyPackage).catch(() => false),
    settled(checkLeafNodeSignature(cs, leaf, leafOptions)),
  ]);
  // §10: init_key is a public key of the suite's KEM; one nobody can encrypt to (a low-order X25519 point, a point off
  // the curve) would make the Welcome to this KeyPackage impossible, and in the tree the same for every later Commit.
  if (initKeyProblem !== undefined) {
    fail("key-package/invalid-init-key", "10", `init_key is not a valid ${cs.suite.name} HPKE public key (RFC 9180 §7.1.1): ${initKeyProblem}`);
  }
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows the error a check already raised (unknown, narrowed to {})
  if (encryptionKey !== undefined) throw encryptionKey;
  // §10.1: "Verify that the signature on the KeyPackage is valid using the public key in leaf_node.credential"
  // — the leaf's signature_key, which the credential binds (§10: an invalid signature makes it malformed).
  if (!kpSignatureOk) {
    // §5.1.1: a key that is no valid signature key (a compressed ECDSA point, ...) is named as the cause.
    await checkSignatureKeyAfterFailure(cs, leaf.signatureKey, "leaf_node.signature_key");
    fail("key-package/invalid-signature", "10.1", "invalid signature on the KeyPackage");
  }
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows the error a check already raised (unknown, narrowed to {})
  if (leafSignature !== undefined) throw leafSignature;
  // §7.3 / §5.3.1: the credential is validated with the AS, last, once everything it signs is known good.
  const identity = await validateLeafNodeCredential(cs, leaf, leafOptions);
  return { keyPackage: keyPackage as ValidatedKeyPackage, identity };
}
