/**
 * Capabilities (RFC 9420 §7.2) and what the group requires of them: default
 * capabilities for a client, the `required_capabilities` extension (§11.1),
 * and the compatibility checks of §7.2, §7.3, §11.1, §12.1.7 and §13.4.
 *
 * Unknown and GREASE values in a capabilities list are simply never looked
 * for, which is how they are ignored (§13.4, §13.5). Default proposal and
 * extension types (§7.2) count as supported whether listed or not: senders
 * MUST NOT list them, but a receiver gains nothing by rejecting a leaf that did.
 */
import {
  type CipherSuiteId,
  type CredentialTypeId,
  CredentialType,
  type Extension,
  ExtensionType,
  ProposalType,
  ProtocolVersion,
  type ProtocolVersionId,
  expectDefined,
} from "@mlskit/core";
import { type Capabilities, type LeafIndex, type RequiredCapabilities, type TreeView, leafNodeLayout, readVarintAt } from "@mlskit/ratchet-tree";
import { decodeExtension, requiredCapabilitiesCodec } from "../extensions/extensions.js";
import { fail } from "../error-codes.js";

/** Extension types every client implements, which MUST NOT be listed in capabilities (§7.2). */
export const DEFAULT_EXTENSION_TYPES: ReadonlySet<number> = new Set(Object.values(ExtensionType));
/** Proposal types every client implements, which MUST NOT be listed in capabilities (§7.2). */
export const DEFAULT_PROPOSAL_TYPES: ReadonlySet<number> = new Set(Object.values(ProposalType));

/** Whether `t` is one of the default extension types of §7.2. */
export function isDefaultExtensionType(t: number): boolean {
  return DEFAULT_EXTENSION_TYPES.has(t);
}

/** Whether `t` is one of the default proposal types of §7.2. */
export function isDefaultProposalType(t: number): boolean {
  return DEFAULT_PROPOSAL_TYPES.has(t);
}

/** What a client supports, as {@link defaultCapabilities} takes it. */
export interface CapabilitiesOptions {
  /** The cipher suites the client supports (from `CryptoProvider.supportedCipherSuites()`). */
  readonly cipherSuites: readonly CipherSuiteId[];
  /** Protocol versions; defaults to `[mls10]`. */
  readonly versions?: readonly ProtocolVersionId[];
  /** Extension types supported; default types are dropped (§7.2). */
  readonly extensions?: readonly number[];
  /** Proposal types supported; default types are dropped (§7.2). */
  readonly proposals?: readonly number[];
  /** Credential types supported (e.g. `identityProvider.supportedCredentialTypes()`); defaults to `[basic]`. No defaults exist for these (§11.1). */
  readonly credentials?: readonly CredentialTypeId[];
}

/**
 * The capabilities a client advertises, without GREASE (§13.5: a client's
 * own representation of its capabilities MUST NOT contain GREASE values; add
 * them when sending with `greaseCapabilities`). Lists are de-duplicated and
 * the default proposal and extension types left out (§7.2: they "MUST NOT be
 * listed").
 */
export function defaultCapabilities(options: CapabilitiesOptions): Capabilities {
  const uniq = (xs: readonly number[], drop?: ReadonlySet<number>) => [...new Set(xs)].filter((x) => drop === undefined || !drop.has(x));
  return {
    versions: uniq(options.versions ?? [ProtocolVersion.mls10]),
    cipherSuites: uniq(options.cipherSuites),
    extensions: uniq(options.extensions ?? [], DEFAULT_EXTENSION_TYPES),
    proposals: uniq(options.proposals ?? [], DEFAULT_PROPOSAL_TYPES),
    credentials: uniq(options.credentials ?? [CredentialType.basic]),
  };
}

/** Whether the capabilities support an extension type: a default one (§7.2) or a listed one. */
export function supportsExtension(capabilities: Capabilities, extensionType: number): boolean {
  return DEFAULT_EXTENSION_TYPES.has(extensionType) || capabilities.extensions.includes(extensionType);
}

/** Whether the capabilities support a proposal type: a default one (§7.2) or a listed one. */
export function supportsProposal(capabilities: Capabilities, proposalType: number): boolean {
  return DEFAULT_PROPOSAL_TYPES.has(proposalType) || capabilities.proposals.includes(proposalType);
}

/** Whether the capabilities list a credential type (there are no default credential types, §11.1). */
export function supportsCredential(capabilities: Capabilities, credentialType: number): boolean {
  return capabilities.credentials.includes(credentialType);
}

/**
 * The group's `required_capabilities` (§11.1) from GroupContext extensions,
 * or undefined when the extension is absent.
 * @throws CodecError when its data is malformed; ValidationError `extensions/duplicate` (§13.4) when present twice.
 */
export function requiredCapabilitiesOf(extensions: readonly Extension[]): RequiredCapabilities | undefined {
  return decodeExtension(extensions, ExtensionType.required_capabilities, requiredCapabilitiesCodec);
}

const hex4 = (v: number) => `0x${v.toString(16).padStart(4, "0")}`;

/**
 * The parts of a LeafNode the capability checks read. A `LeafNode` is one;
 * so is a lighter object built from a stored tree.
 */
export interface CapabilityHolder {
  readonly capabilities: Capabilities;
  readonly credential: { readonly credentialType: CredentialTypeId };
}

/**
 * §7.3 and §11.1: a leaf lists every extension, proposal and credential type
 * the group's `required_capabilities` names (default proposal and extension
 * types are assumed, §11.1; credential types have no defaults).
 * @throws ValidationError `leaf-node/unsupported-capability` (§7.3).
 */
export function checkRequiredCapabilities(capabilities: Capabilities, required: RequiredCapabilities): void {
  for (const t of required.extensionTypes) {
    // §7.3: "the required extensions, proposals, and credential types MUST be listed in the LeafNode's capabilities field".
    if (!supportsExtension(capabilities, t)) fail("leaf-node/unsupported-capability", "7.3", `the leaf does not support required extension type ${hex4(t)}`);
  }
  for (const t of required.proposalTypes) {
    if (!supportsProposal(capabilities, t)) fail("leaf-node/unsupported-capability", "7.3", `the leaf does not support required proposal type ${hex4(t)}`);
  }
  for (const t of required.credentialTypes) {
    if (!supportsCredential(capabilities, t)) fail("leaf-node/unsupported-capability", "7.3", `the leaf does not support required credential type ${hex4(t)}`);
  }
}

/**
 * §11.1: "all members of the group need to support the cipher suite and
 * protocol version in use"; §7.2: a client lists every value it supports.
 * @throws ValidationError `leaf-node/unsupported-capability` (§11.1).
 */
export function checkVersionAndCipherSuite(capabilities: Capabilities, version: ProtocolVersionId, cipherSuite: CipherSuiteId): void {
  if (!capabilities.versions.includes(version)) {
    fail("leaf-node/unsupported-capability", "11.1", `the leaf's capabilities do not list protocol version ${hex4(version)}`);
  }
  if (!capabilities.cipherSuites.includes(cipherSuite)) {
    fail("leaf-node/unsupported-capability", "11.1", `the leaf's capabilities do not list cipher suite ${hex4(cipherSuite)}`);
  }
}

/**
 * §7.2: "the credential type used in the LeafNode MUST be included in the
 * credentials field of the capabilities field".
 * @throws ValidationError `leaf-node/unsupported-credential-type` (§7.2).
 */
export function checkOwnCredentialType(leaf: CapabilityHolder): void {
  if (!supportsCredential(leaf.capabilities, leaf.credential.credentialType)) {
    fail("leaf-node/unsupported-credential-type", "7.2", `the leaf's capabilities do not list its own credential type ${hex4(leaf.credential.credentialType)}`);
  }
}

/**
 * §7.2/§7.3: each non-default extension in a LeafNode's `extensions` is listed
 * in its `capabilities.extensions` (GREASE extensions included, §13.5), and
 * §13.4: no extension type appears twice.
 * @throws ValidationError `leaf-node/duplicate-extension` (§13.4), `leaf-node/unsupported-extension` (§7.3).
 */
export function checkLeafExtensionsListed(leaf: { readonly capabilities: Capabilities; readonly extensions: readonly Extension[] }): void {
  const seen = new Set<number>();
  for (const e of leaf.extensions) {
    // §13.4: "Any field containing a list of extensions MUST NOT have more than one extension of any given type."
    if (seen.has(e.extensionType)) fail("leaf-node/duplicate-extension", "13.4", `the leaf carries extension type ${hex4(e.extensionType)} twice`);
    seen.add(e.extensionType);
    // §7.3: "Verify that the extensions in the LeafNode are supported by checking that the ID for each
    // extension in the extensions field is listed in the capabilities.extensions field of the LeafNode."
    // Default types are exempt: §7.2 forbids listing them.
    if (!supportsExtension(leaf.capabilities, e.extensionType)) {
      fail("leaf-node/unsupported-extension", "7.3", `the leaf carries extension type ${hex4(e.extensionType)} that its capabilities do not list`);
    }
  }
}

/**
 * §13.4: "A client adding a new member to a group MUST verify that the
 * LeafNode for the new member is compatible with the group's extensions. The
 * capabilities field MUST indicate support for each extension in the
 * GroupContext." Also checks the group's `required_capabilities`, if any (§7.3).
 * @throws ValidationError `leaf-node/unsupported-capability` (§13.4, §7.3).
 */
export function checkGroupContextExtensionsSupported(capabilities: Capabilities, groupContextExtensions: readonly Extension[]): void {
  for (const e of groupContextExtensions) {
    if (!supportsExtension(capabilities, e.extensionType)) {
      fail("leaf-node/unsupported-capability", "13.4", `the leaf does not support the group's extension type ${hex4(e.extensionType)}`);
    }
  }
  const required = requiredCapabilitiesOf(groupContextExtensions);
  if (required !== undefined) checkRequiredCapabilities(capabilities, required);
}

/**
 * Who in a group uses and supports which credential type: the counts behind
 * the credential checks of §7.3 and §13.3, built once per group state in
 * O(N) and queried per new leaf in O(types). Immutable: {@link with} and
 * {@link without} return new summaries (for Adds earlier in the same Commit,
 * or the leaf being replaced).
 */
export class CredentialTypeSummary {
  private constructor(
    /** Number of members counted. */
    readonly memberCount: number,
    /** credential type → members using it. */
    private readonly used: ReadonlyMap<number, number>,
    /** credential type → members whose capabilities list it. */
    private readonly supported: ReadonlyMap<number, number>,
  ) {}

  /** An empty group (no constraint from other members). */
  static empty(): CredentialTypeSummary {
    return new CredentialTypeSummary(0, new Map(), new Map());
  }

  /** Counts the given members (LeafNodes, or objects with their credential type and capabilities). */
  static of(members: Iterable<CapabilityHolder>): CredentialTypeSummary {
    const used = new Map<number, number>();
    const supported = new Map<number, number>();
    let n = 0;
    for (const m of members) {
      n++;
      bump(used, m.credential.credentialType, 1);
      for (const t of new Set(m.capabilities.credentials)) bump(supported, t, 1);
    }
    return new CredentialTypeSummary(n, used, supported);
  }

  /**
   * Counts the members of a ratchet tree, reading their encodings without
   * decoding whole leaves. `exclude` leaves out members (e.g. removed ones).
   */
  static fromTree(tree: TreeView, exclude: ReadonlySet<LeafIndex> = new Set()): CredentialTypeSummary {
    const used = new Map<number, number>();
    const supported = new Map<number, number>();
    let n = 0;
    for (const l of tree.leaves()) {
      if (exclude.has(l)) continue;
      const b = expectDefined(tree.leafNodeBytes(l), "tree.leafNodeBytes(l)");
      const layout = leafNodeLayout(b);
      n++;
      bump(used, layout.credentialType, 1);
      // capabilities: versions, cipher_suites, extensions, proposals, then credentials.
      let p = layout.capabilities;
      for (let i = 0; i < 4; i++) {
        const [len, q] = readVarintAt(b, p);
        p = q + len;
      }
      const [len, q] = readVarintAt(b, p);
      const types = new Set<number>();
      for (let i = q; i < q + len; i += 2) types.add((expectDefined(b[i], "b[i]") << 8) | expectDefined(b[i + 1], "b[i + 1]"));
      for (const t of types) bump(supported, t, 1);
    }
    return new CredentialTypeSummary(n, used, supported);
  }

  /** The summary without one member it counts (the leaf an Update or Commit replaces). */
  without(member: CapabilityHolder): CredentialTypeSummary {
    return this.#adjust(member, -1);
  }

  /** The summary with one more member (e.g. an Add earlier in the same Commit). */
  with(member: CapabilityHolder): CredentialTypeSummary {
    return this.#adjust(member, 1);
  }

  /** Credential types used by at least one member. */
  typesInUse(): number[] {
    return [...this.used].filter(([, c]) => c > 0).map(([t]) => t);
  }

  /** Whether every member lists `credentialType` in its capabilities (vacuously true for no members). */
  supportedByAll(credentialType: number): boolean {
    return (this.supported.get(credentialType) ?? 0) === this.memberCount;
  }

  #adjust(member: CapabilityHolder, d: 1 | -1): CredentialTypeSummary {
    const used = new Map(this.used);
    const supported = new Map(this.supported);
    bump(used, member.credential.credentialType, d);
    for (const t of new Set(member.capabilities.credentials)) bump(supported, t, d);
    return new CredentialTypeSummary(this.memberCount + d, used, supported);
  }
}

function bump(m: Map<number, number>, k: number, d: number): void {
  const v = (m.get(k) ?? 0) + d;
  if (v === 0) m.delete(k);
  else m.set(k, v);
}

/**
 * §7.3: "Verify that the credential type is supported by all members of the
 * group, as specified by the capabilities field of each member's LeafNode,
 * and that the capabilities field of this LeafNode indicates support for all
 * the credential types currently in use by other members." `others` must not
 * count the leaf this one replaces (see {@link CredentialTypeSummary.without}).
 * @throws ValidationError `leaf-node/unsupported-credential-type` (§7.3).
 */
export function checkCredentialTypeCompatibility(leaf: CapabilityHolder, others: CredentialTypeSummary): void {
  const own = leaf.credential.credentialType;
  if (!others.supportedByAll(own)) {
    fail("leaf-node/unsupported-credential-type", "7.3", `credential type ${hex4(own)} is not supported by every member of the group`);
  }
  for (const t of others.typesInUse()) {
    if (!supportsCredential(leaf.capabilities, t)) {
      fail("leaf-node/unsupported-credential-type", "7.3", `the leaf does not support credential type ${hex4(t)} used by other members`);
    }
  }
}

/**
 * §13.4 and §12.1.7: new GroupContext extensions are valid only if every
 * member supports each of them (§13.4: "an extension in use by the group MUST
 * be supported by all members"), and every member has the capabilities a new
 * `required_capabilities` extension names (§12.1.7, §11.1). `members` yields
 * each member with its leaf index — the members after the Commit: including
 * those it adds, excluding those it removes (§12.1.7).
 * @throws ValidationError `group-context/unsupported-extension` (§13.4),
 * `group-context/unsupported-required-capability` (§12.1.7).
 */
export function checkMembersSupportGroupContextExtensions(extensions: readonly Extension[], members: Iterable<readonly [LeafIndex, CapabilityHolder]>): void {
  const required = requiredCapabilitiesOf(extensions);
  for (const [l, m] of members) {
    for (const e of extensions) {
      // §13.4: "all MLS GroupContext extensions are mandatory, in the sense that an extension in use by
      // the group MUST be supported by all members of the group."
      if (!supportsExtension(m.capabilities, e.extensionType)) {
        fail("group-context/unsupported-extension", "13.4", `member at leaf ${l} does not support extension type ${hex4(e.extensionType)}`);
      }
    }
    if (required === undefined) continue;
    try {
      checkRequiredCapabilities(m.capabilities, required);
    } catch (cause) {
      // §12.1.7: "A GroupContextExtensions proposal is invalid if it includes a required_capabilities
      // extension and some members of the group do not support some of the required capabilities" (also §11.1).
      const detail = cause instanceof Error ? cause.message : String(cause);
      fail("group-context/unsupported-required-capability", "12.1.7", `member at leaf ${l}: ${detail}`, cause);
    }
  }
}

const treeSummaries = new WeakMap<object, CredentialTypeSummary>();

/**
 * The credential-type summary of a tree's members, computed once per tree
 * (O(N)) unless {@link rememberMemberSummary} recorded one derived
 * incrementally (the tree of a new epoch, from its predecessor's, §12.3).
 */
export function memberSummaryOfTree(tree: TreeView): CredentialTypeSummary {
  let s = treeSummaries.get(tree);
  if (s === undefined) {
    s = CredentialTypeSummary.fromTree(tree);
    treeSummaries.set(tree, s);
  }
  return s;
}

/** Records the summary of a tree derived incrementally. */
export function rememberMemberSummary(tree: object, summary: CredentialTypeSummary): void {
  treeSummaries.set(tree, summary);
}
