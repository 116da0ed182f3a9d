/**
 * Leaf node validation (RFC 9420 §7.3) for a LeafNode met in a KeyPackage
 * (source `key_package`), an Update proposal (`update`) or a Commit's
 * UpdatePath (`commit`). A received LeafNode is untrusted until
 * {@link validateLeafNode} accepts it; each rejection is a
 * {@link ValidationError} whose code names the rule and whose `rfcSection`
 * names the section, except the Authentication Service's own `credential/…`
 * rejections, which propagate unchanged.
 *
 * Whole-tree validation for joiners (§12.4.3.1) lives in `@mlskit/ratchet-tree`.
 */
import { bytesEqual } from "@mlskit/codec";
import {
  type CipherSuiteProvider,
  type CredentialEvent,
  type CredentialGroup,
  type Extension,
  HpkeKemId,
  type IdentityProvider,
  ProtocolVersion,
  type ProtocolVersionId,
  type ValidatedIdentity,
  expectDefined,
} from "@mlskit/core";
import type { GroupContext } from "@mlskit/key-schedule";
import { type LeafIndex, type LeafNode, type LeafNodeGroupContext, LeafNodeSource, type TreeView, verifyLeafNodeSignature } from "@mlskit/ratchet-tree";
import {
  type CredentialTypeSummary,
  memberSummaryOfTree,
  checkCredentialTypeCompatibility,
  checkGroupContextExtensionsSupported,
  checkLeafExtensionsListed,
  checkOwnCredentialType,
  checkVersionAndCipherSuite,
} from "./capabilities.js";
import { fail } from "../error-codes.js";

/** Seconds in a day. */
const DAY = 86_400;
/**
 * Default longest `not_after − not_before` accepted, in seconds: 84 days plus
 * two hours (the default KeyPackage lifetime of 84 days, back-dated by one
 * hour, with an hour to spare). §7.2: "Applications MUST define a maximum
 * total lifetime that is acceptable for a LeafNode".
 */
export const DEFAULT_MAX_LIFETIME_SECONDS = 84 * DAY + 2 * 3600;
/** Default clock skew tolerated at either end of a lifetime, in seconds. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 300;

/**
 * How lifetimes (source `key_package`) are checked. §7.3: the current time
 * MUST be within the lifetime when the client sends the LeafNode (e.g. adds
 * the KeyPackage), and SHOULD be when it receives one; §7.2: the total
 * lifetime MUST NOT exceed the application's maximum.
 */
export interface LifetimePolicy {
  /** Check that `now` is within the lifetime (default true). Set false for a received Add that may have waited in transit (§7.3). */
  readonly checkCurrentTime?: boolean;
  /** The current time: a `Date`, seconds since the Unix epoch as a number or bigint. Defaults to `Date.now()`. */
  readonly now?: Date | number | bigint;
  /** Seconds of clock skew tolerated at either end (default {@link DEFAULT_CLOCK_SKEW_SECONDS}). */
  readonly clockSkew?: number;
  /** Longest acceptable total lifetime in seconds (default {@link DEFAULT_MAX_LIFETIME_SECONDS}; `Infinity` disables). */
  readonly maxLifetime?: number;
  /**
   * When joining (by Welcome or external Commit), check that `now` is within
   * the lifetime of every `key_package` leaf of the group's tree, with the
   * same `clockSkew` (§7.3 recommends it; ValidationError `tree/leaf-lifetime`
   * naming the leaf). Default true. Leaves of source `update` and `commit`
   * carry no lifetime and are not checked.
   */
  readonly checkJoinedTree?: boolean;
}

/**
 * Where in the tree keys are already used: a {@link TreeView} (`RatchetTree`
 * or a staged `TreeDiff`) is one, backed by the tree's key index. Custom
 * lookups can add keys pending in the same Commit.
 */
export interface LeafKeyLookup {
  /** Node indices (leaves are even) whose encryption key equals `key`. */
  findEncryptionKey(key: Uint8Array): readonly number[];
  /** Leaf indices whose signature key equals `key`. */
  findSignatureKey(key: Uint8Array): readonly number[];
}

/** The group a LeafNode is about to enter, as the checks need it. */
export interface LeafNodeGroup {
  /** The group's ID: signature context of `update`/`commit` leaves (§7.2) and AS context. */
  readonly groupId: Uint8Array;
  /** The group's protocol version (default mls10); the leaf must list it (§11.1). */
  readonly version?: ProtocolVersionId;
  /** The GroupContext extensions: each must be supported (§13.4), `required_capabilities` met (§7.3). */
  readonly extensions: readonly Extension[];
  /**
   * The current members' credential types and capabilities (§7.3). For an
   * Update or Commit, the leaf being replaced is taken out when `replaces`
   * is given; otherwise pass a summary that already excludes it.
   */
  readonly members?: CredentialTypeSummary;
  /**
   * The keys already in the tree the leaf is about to enter, before it enters
   * (§7.3; for a Commit, the tree after the proposals and before the path, §12.4.2).
   */
  readonly keys?: LeafKeyLookup;
}

interface CommonOptions {
  /** Validates the credential (§5.3.1). */
  readonly identityProvider: IdentityProvider;
  /** Lifetime checks for source `key_package` (defaults as in {@link LifetimePolicy}). */
  readonly lifetime?: LifetimePolicy;
  /** The event reported to the AS; defaults from the source ("key-package", "update", "commit"). */
  readonly credentialEvent?: CredentialEvent;
  /** The time the AS validates at; defaults to `lifetime.now`, else now. */
  readonly credentialTime?: Date | number;
  /** The protocol version the leaf must list (§11.1); defaults to `group.version`, else mls10. */
  readonly version?: ProtocolVersionId;
}

/** Options of {@link validateLeafNode} for a LeafNode in a KeyPackage. */
export interface KeyPackageLeafOptions extends CommonOptions {
  readonly source: typeof LeafNodeSource.key_package;
  /** The group the KeyPackage is to join, when known (Add validation, §12.1.1). */
  readonly group?: LeafNodeGroup;
}

/** Options of {@link validateLeafNode} for a LeafNode in an Update proposal or a Commit's UpdatePath. */
export interface MemberLeafOptions extends CommonOptions {
  readonly source: typeof LeafNodeSource.update | typeof LeafNodeSource.commit;
  readonly group: LeafNodeGroup;
  /** The sender's leaf index: signature context (§7.2); the one leaf allowed to share the signature key. */
  readonly leafIndex: LeafIndex;
  /**
   * The sender's current LeafNode, which this one replaces: its encryption key
   * must change (§7.3, §12.4.2), and the new credential must be a valid
   * successor of its credential (§5.3.1).
   */
  readonly replaces?: LeafNode;
  /** The parent hash the UpdatePath must carry (§7.9.2), when the caller computed it. */
  readonly expectedParentHash?: Uint8Array;
}

/** Options of {@link validateLeafNode}: where the LeafNode was received and in which group. */
export type LeafNodeValidationOptions = KeyPackageLeafOptions | MemberLeafOptions;

const SOURCE_NAMES: Record<number, string> = { 1: "key_package", 2: "update", 3: "commit" };
const SOURCE_EVENTS: Record<number, CredentialEvent> = { 1: "key-package", 2: "update", 3: "commit" };

/** RFC 9180 Npk per KEM: SerializePublicKey lengths of the registered suites (§5.1.1). */
const NPK: ReadonlyMap<number, number> = new Map([
  [HpkeKemId.DHKEM_P256_HKDF_SHA256, 65],
  [HpkeKemId.DHKEM_P384_HKDF_SHA384, 97],
  [HpkeKemId.DHKEM_P521_HKDF_SHA512, 133],
  [HpkeKemId.DHKEM_X25519_HKDF_SHA256, 32],
  [HpkeKemId.DHKEM_X448_HKDF_SHA512, 56],
]);

/**
 * Whether `key` has the length of an encoded HPKE public key of the suite
 * (§5.1.1); true for a KEM this table does not know.
 */
export function isPlausibleHpkePublicKey(cs: CipherSuiteProvider, key: Uint8Array): boolean {
  const n = NPK.get(cs.suite.kem);
  return n === undefined || key.length === n;
}

/**
 * Why `key` does not have the length of an encoded HPKE public key of the
 * suite (RFC 9180 §7.1.1 SerializePublicKey, §5.1.1), naming a compressed
 * NIST point as such; `undefined` when the length is right (or the KEM
 * unknown). The rest of DeserializePublicKey is the provider's
 * `hpkePublicKeyProblem` ({@link checkLeafNodeEncryptionKey}).
 */
export function hpkeKeyLengthProblem(cs: CipherSuiteProvider, key: Uint8Array): string | undefined {
  const n = NPK.get(cs.suite.kem);
  if (n === undefined || key.length === n) return undefined;
  const nist = n !== 32 && n !== 56;
  if (nist && key.length === (n + 1) / 2 && (key[0] === 0x02 || key[0] === 0x03)) {
    return `is a compressed point of ${key.length} bytes: RFC 9180 §7.1.1 (SerializePublicKey) requires the ${n}-byte uncompressed encoding`;
  }
  return `has ${key.length} bytes, not the ${n} of a public key of the suite's KEM (RFC 9180 §7.1.1)`;
}

/** A {@link LeafNodeGroup} for a group's current state: its context, members and keys. */
export function leafNodeGroupOf(groupContext: Pick<GroupContext, "groupId" | "version" | "extensions">, tree: TreeView): LeafNodeGroup {
  return {
    groupId: groupContext.groupId,
    version: groupContext.version,
    extensions: groupContext.extensions,
    // The summary the tree already has (derived with its epoch, §12.3), not a fresh O(N) scan per KeyPackage validated.
    members: memberSummaryOfTree(tree),
    keys: tree,
  };
}

/** `now` of a policy as seconds since the Unix epoch. */
export function nowSeconds(now: Date | number | bigint | undefined): bigint {
  if (now === undefined) return BigInt(Math.floor(Date.now() / 1000));
  if (typeof now === "bigint") return now;
  if (typeof now === "number") return BigInt(Math.floor(now));
  return BigInt(Math.floor(now.getTime() / 1000));
}

/**
 * The synchronous checks of §7.3 (everything but the signature and the AS):
 * source, fields present for the source, encryption key form, capabilities,
 * extensions, lifetime, credential-type compatibility and key uniqueness.
 * @throws ValidationError naming the first rule broken.
 */
export function checkLeafNodeContents(cs: CipherSuiteProvider, leaf: LeafNode, options: LeafNodeValidationOptions): void {
  const source = options.source;
  // §7.3: a LeafNode in a KeyPackage has source key_package (also §10), in an Update proposal update,
  // in a Commit's UpdatePath commit.
  if (leaf.leafNodeSource !== source) {
    fail("leaf-node/wrong-source", "7.3", `leaf_node_source is ${SOURCE_NAMES[leaf.leafNodeSource] ?? leaf.leafNodeSource}, expected ${SOURCE_NAMES[source]}`);
  }
  // §7.2: the lifetime is present exactly for key_package, the parent_hash exactly for commit.
  if (source === LeafNodeSource.key_package && leaf.lifetime === undefined) fail("leaf-node/missing-lifetime", "7.2", "a key_package LeafNode has no lifetime");
  if (source === LeafNodeSource.commit && leaf.parentHash === undefined) fail("leaf-node/missing-parent-hash", "7.2", "a commit LeafNode has no parent_hash");
  if ((source !== LeafNodeSource.key_package && leaf.lifetime !== undefined) || (source !== LeafNodeSource.commit && leaf.parentHash !== undefined)) {
    fail("leaf-node/malformed", "7.2", `a LeafNode of source ${SOURCE_NAMES[source]} carries a field of another source`);
  }
  if (options.source !== LeafNodeSource.key_package && options.expectedParentHash !== undefined) {
    // §7.9.2: the leaf's parent_hash is the parent hash of the next node on its filtered direct path.
    if (!bytesEqual(expectDefined(leaf.parentHash, "leaf.parentHash"), options.expectedParentHash))
      fail("leaf-node/parent-hash-mismatch", "7.9.2", "the commit LeafNode's parent_hash is not the one the tree implies");
  }
  // §5.1.1, §10: encryption_key is an HPKE public key of the suite (signature_key is proven by the signature).
  const lengthProblem = hpkeKeyLengthProblem(cs, leaf.encryptionKey);
  if (lengthProblem !== undefined) fail("leaf-node/invalid-encryption-key", "5.1.1", `encryption_key ${lengthProblem}`);

  const group = options.group;
  // §11.1: every member supports the group's protocol version and cipher suite.
  checkVersionAndCipherSuite(leaf.capabilities, options.version ?? group?.version ?? ProtocolVersion.mls10, cs.suite.id);
  // §7.2: the leaf's own credential type is in its capabilities.
  checkOwnCredentialType(leaf);
  // §7.3 / §13.4: its extensions are listed and not duplicated.
  checkLeafExtensionsListed(leaf);
  if (source === LeafNodeSource.key_package) checkLifetime(expectDefined(leaf.lifetime, "leaf.lifetime"), options.lifetime ?? {});

  if (group === undefined) return;
  // §13.4: support for each GroupContext extension; §7.3: the group's required_capabilities.
  checkGroupContextExtensionsSupported(leaf.capabilities, group.extensions);
  const replaced = options.source === LeafNodeSource.key_package ? undefined : options.replaces;
  if (group.members !== undefined) {
    // §7.3: the credential type is supported by all (other) members, and the leaf supports theirs.
    checkCredentialTypeCompatibility(leaf, replaced === undefined ? group.members : group.members.without(replaced));
  }
  // §12.4.2 for a Commit's leaf, §7.3 otherwise.
  const keySection = source === LeafNodeSource.commit ? "12.4.2" : "7.3";
  if (replaced !== undefined && bytesEqual(replaced.encryptionKey, leaf.encryptionKey)) {
    // §7.3 (Update): "encryption_key represents a different public key than the encryption_key in the leaf node
    // being replaced"; §12.4.2 (Commit): "different from the committer's current leaf node".
    fail("leaf-node/duplicate-encryption-key", keySection, "encryption_key is the same as in the leaf node it replaces");
  }
  if (group.keys !== undefined) {
    // §7.3: encryption_key and signature_key are unique among the members; §12.4.2: no key of an UpdatePath
    // appears in any node of the tree (the sender's own old leaf included).
    const encMatches = group.keys.findEncryptionKey(leaf.encryptionKey);
    if (encMatches.length > 0) fail("leaf-node/duplicate-encryption-key", keySection, `encryption_key is already used by node ${encMatches[0]}`);
    const own = options.source === LeafNodeSource.key_package ? -1 : options.leafIndex;
    const sigMatch = group.keys.findSignatureKey(leaf.signatureKey).find((l) => l !== own);
    if (sigMatch !== undefined) fail("leaf-node/duplicate-signature-key", "7.3", `signature_key is already used by leaf ${sigMatch}`);
  }
}

/** §7.2/§7.3 lifetime rules. */
function checkLifetime(lifetime: { readonly notBefore: bigint; readonly notAfter: bigint }, policy: LifetimePolicy): void {
  const { notBefore, notAfter } = lifetime;
  if (notBefore > notAfter) fail("leaf-node/lifetime", "7.3", `lifetime not_before ${notBefore} is after not_after ${notAfter}`);
  const max = policy.maxLifetime ?? DEFAULT_MAX_LIFETIME_SECONDS;
  // §7.2: "reject any LeafNode where the total lifetime is longer than this duration".
  if (Number.isFinite(max) && notAfter - notBefore > BigInt(Math.floor(max))) {
    fail("leaf-node/lifetime-too-long", "7.2", `lifetime of ${notAfter - notBefore} s exceeds the maximum of ${Math.floor(max)} s`);
  }
  if (policy.checkCurrentTime === false) return;
  const now = nowSeconds(policy.now);
  const skew = BigInt(Math.floor(policy.clockSkew ?? DEFAULT_CLOCK_SKEW_SECONDS));
  // §7.3: "verify that the current time is within the range of the lifetime field".
  if (now + skew < notBefore) fail("leaf-node/lifetime", "7.3", `the LeafNode is not valid before ${notBefore} (now ${now})`);
  if (now - skew > notAfter) fail("leaf-node/lifetime", "7.3", `the LeafNode expired at ${notAfter} (now ${now})`);
}

/**
 * §5.1.1 and RFC 9180 §7.1.1: `encryption_key` is a public key of the suite's
 * KEM that DeserializePublicKey accepts, as the provider's
 * {@link CipherSuiteProvider.hpkePublicKeyProblem} decides (an uncompressed
 * point on the curve; for X25519/X448 not a low-order point, whose DH output
 * RFC 9180 §7.1.4 refuses). Otherwise one member, or an outsider's
 * KeyPackage, would leave a key in the tree that nobody can encrypt to, and
 * every later Commit whose path covers it would fail for everyone.
 * @throws ValidationError `leaf-node/invalid-encryption-key` (§5.1.1).
 */
export async function checkLeafNodeEncryptionKey(cs: CipherSuiteProvider, leaf: LeafNode): Promise<void> {
  const problem = await cs.hpkePublicKeyProblem(leaf.encryptionKey);
  if (problem !== undefined) {
    fail("leaf-node/invalid-encryption-key", "5.1.1", `encryption_key is not a valid ${cs.suite.name} HPKE public key (RFC 9180 §7.1.1): ${problem}`);
  }
}

/**
 * Why a signature made with `signatureKey` failed, when the key is at fault
 * (§5.1.1: an ECDSA key is an uncompressed point on the curve, an EdDSA key a
 * canonical encoding of a point not of small order): a failed verification
 * reports the real cause instead of "invalid signature". A signature that
 * verifies proves its key valid (`CipherSuiteProvider.verify` refuses every
 * key `signaturePublicKeyProblem` refuses), so keys are examined only then.
 * @throws ValidationError `leaf-node/invalid-signature-key` (§5.1.1) when the key is invalid.
 */
export async function checkSignatureKeyAfterFailure(cs: CipherSuiteProvider, signatureKey: Uint8Array, what = "signature_key"): Promise<void> {
  const problem = await cs.signaturePublicKeyProblem(signatureKey);
  if (problem !== undefined) fail("leaf-node/invalid-signature-key", "5.1.1", `${what} is not a valid ${cs.suite.name} signature key: ${problem}`);
}

/**
 * §7.3: "Verify that the signature on the LeafNode is valid using
 * signature_key" — over LeafNodeTBS, with the group ID and leaf index for the
 * `update` and `commit` sources (§7.2).
 * @throws ValidationError `leaf-node/invalid-signature` (§7.3), or
 * `leaf-node/invalid-signature-key` (§5.1.1) when the key itself is invalid.
 */
export async function checkLeafNodeSignature(cs: CipherSuiteProvider, leaf: LeafNode, options: LeafNodeValidationOptions): Promise<void> {
  const ctx: LeafNodeGroupContext | undefined = options.source === LeafNodeSource.key_package ? undefined : { groupId: options.group.groupId, leafIndex: options.leafIndex };
  let ok: boolean;
  try {
    ok = await verifyLeafNodeSignature(cs, leaf, ctx);
  } catch (cause) {
    // An unencodable struct cannot carry a valid signature.
    return fail("leaf-node/invalid-signature", "7.3", "the LeafNode cannot be encoded for verification", cause);
  }
  if (!ok) {
    await checkSignatureKeyAfterFailure(cs, leaf.signatureKey);
    fail("leaf-node/invalid-signature", "7.3", "invalid signature on the LeafNode");
  }
}

/**
 * §7.3 / §5.3.1: the credential validated with the AS (the application's
 * {@link IdentityProvider}), and for a replaced leaf, accepted as a valid
 * successor of the old credential.
 * @throws whatever the provider throws (`credential/…` ValidationErrors);
 * ValidationError `credential/invalid-successor` (§5.3.1).
 */
export async function validateLeafNodeCredential(cs: CipherSuiteProvider, leaf: LeafNode, options: LeafNodeValidationOptions): Promise<ValidatedIdentity> {
  const group: CredentialGroup | undefined = options.group === undefined ? undefined : { groupId: options.group.groupId, extensions: options.group.extensions };
  const policyNow = options.lifetime?.now;
  const time = options.credentialTime ?? (typeof policyNow === "bigint" ? Number(policyNow) : policyNow);
  const identity = await options.identityProvider.validateCredential({
    credential: leaf.credential,
    signaturePublicKey: leaf.signatureKey,
    cipherSuite: cs.suite.id,
    context: {
      event: options.credentialEvent ?? expectDefined(SOURCE_EVENTS[options.source], "SOURCE_EVENTS[options.source]"),
      ...(time !== undefined ? { time } : {}),
      ...(group !== undefined ? { group } : {}),
    },
  });
  if (options.source !== LeafNodeSource.key_package && options.replaces !== undefined) {
    // §5.3.1: "the AS MUST also verify that the set of presented identifiers in the new credential is valid
    // as a successor to the set of presented identifiers in the old credential".
    if (!(await options.identityProvider.validSuccessor(options.replaces.credential, leaf.credential))) {
      fail("credential/invalid-successor", "5.3.1", "the new credential is not a valid successor of the one it replaces");
    }
  }
  return identity;
}

/**
 * Validates a received LeafNode (RFC 9420 §7.3): its contents
 * ({@link checkLeafNodeContents}), its encryption key as the KEM's
 * DeserializePublicKey would ({@link checkLeafNodeEncryptionKey}), then its
 * signature (naming an invalid signature key as such), then its credential
 * with the AS. Returns the identity the AS validated. Nothing is modified.
 * @throws ValidationError naming the first rule broken (see the checks).
 */
export async function validateLeafNode(cs: CipherSuiteProvider, leaf: LeafNode, options: LeafNodeValidationOptions): Promise<ValidatedIdentity> {
  checkLeafNodeContents(cs, leaf, options);
  await checkLeafNodeEncryptionKey(cs, leaf);
  await checkLeafNodeSignature(cs, leaf, options);
  return validateLeafNodeCredential(cs, leaf, options);
}
