/**
 * Proposal-list validation (RFC 9420 §12.2, with the per-type rules of
 * §12.1.x) and application (§12.3) to a copy-on-write {@link TreeDiff}. Used
 * by both the committer and the receivers of a Commit, so both reach the
 * same verdict. The input state is never modified: the diff is dropped when
 * a rule fails.
 */
import { bytesEqual, toHex } from "@mlskit/codec";
import { type Extension, ExtensionType, ProposalType, ValidationError } from "@mlskit/core";
import { PSKType, type PreSharedKeyID, ResumptionPSKUsage, assertPskNonceLength } from "@mlskit/key-schedule";
import { type LeafIndex, type LeafNode, LeafNodeSource, type TreeDiff } from "@mlskit/ratchet-tree";
import {
  CredentialTypeSummary,
  checkMembersSupportGroupContextExtensions,
  isDefaultProposalType,
  supportsProposal,
} from "./capabilities.js";
import { externalSendersOf } from "./extensions.js";
import { type CustomProposalContext, checkAcceptedExtensions } from "./group-policy.js";
import type { GroupState } from "./group-state.js";
import { keyPackageRef } from "./key-package.js";
import { type ValidatedKeyPackage, validateKeyPackage } from "./key-package-validation.js";
import { type LeafNodeGroup, validateLeafNode } from "./leaf-node-validation.js";
import {
  type AddProposal,
  type CustomProposal,
  type ExternalInitProposal,
  type Proposal,
  type ReInitProposal,
  type RemoveProposal,
  type UpdateProposal,
  proposalTypeOf,
} from "./proposal.js";
import { type Sender, SenderType } from "./sender.js";

/** A proposal with who sent it (by value: the committer). */
export interface ProposalWithSender {
  readonly proposal: Proposal;
  readonly sender: Sender;
  /** The ProposalRef when it was committed by reference. */
  readonly ref?: Uint8Array;
}

/** What applying a valid proposal list did (§12.3). */
export interface AppliedProposals {
  readonly diff: TreeDiff;
  /** The GroupContext extensions of the new epoch. */
  readonly extensions: readonly Extension[];
  readonly extensionsChanged: boolean;
  readonly added: readonly { readonly leafIndex: LeafIndex; readonly keyPackage: ValidatedKeyPackage; readonly keyPackageRef: Uint8Array }[];
  readonly removed: readonly { readonly leafIndex: LeafIndex; readonly leafNode: LeafNode }[];
  readonly updated: readonly { readonly leafIndex: LeafIndex; readonly leafNode: LeafNode; readonly previous: LeafNode }[];
  /** PreSharedKeyIDs in list order (§8.4: the psk_secret chain follows it). */
  readonly psks: readonly PreSharedKeyID[];
  readonly externalInit: ExternalInitProposal | undefined;
  readonly reinit: ReInitProposal | undefined;
  readonly custom: readonly CustomProposal[];
  /** §12.4: the Commit must carry a path. */
  readonly pathRequired: boolean;
  /** The credential summary of the members after the proposals (for the path leaf's §7.3 checks). */
  readonly memberSummary: CredentialTypeSummary;
}

/** Options of {@link applyProposalList}. */
export interface ApplyProposalListOptions {
  /** The committer: a member leaf, or undefined for an external commit (§12.2). */
  readonly committer: LeafIndex | undefined;
  /** The Commit's sender (for custom proposal hooks). */
  readonly commitSender: Sender;
}

function reject(code: string, section: string, message: string, cause?: unknown): never {
  throw new ValidationError(code, section, message, cause === undefined ? {} : { cause });
}

/** Path-required proposal types (§12.4 pseudocode `pathRequiredTypes`). */
const PATH_REQUIRED: ReadonlySet<number> = new Set([
  ProposalType.update,
  ProposalType.remove,
  ProposalType.external_init,
  ProposalType.group_context_extensions,
]);

const summaries = new WeakMap<object, CredentialTypeSummary>();

/** The credential-type summary of a tree's members, computed once per tree (O(N)) and derived incrementally after. */
export function memberSummaryOf(state: GroupState): CredentialTypeSummary {
  let s = summaries.get(state.tree);
  if (s === undefined) {
    s = CredentialTypeSummary.fromTree(state.tree);
    summaries.set(state.tree, s);
  }
  return s;
}

/** @internal Records the summary of a tree derived incrementally. */
export function setMemberSummary(tree: object, summary: CredentialTypeSummary): void {
  summaries.set(tree, summary);
}

function pskKey(id: PreSharedKeyID): string {
  return id.psktype === PSKType.external
    ? `e:${toHex(id.pskId)}:${toHex(id.pskNonce)}`
    : `r:${id.usage}:${toHex(id.pskGroupId)}:${id.pskEpoch}:${toHex(id.pskNonce)}`;
}

/**
 * Validates a Commit's proposal list (§12.2) and applies it (§12.3) to a
 * fresh diff of the state's tree: GroupContextExtensions first, then
 * Updates, Removes, Adds in list order, PSKs in list order, ExternalInit and
 * ReInit noted. Each enforced rule cites its section.
 * @throws ValidationError naming the first rule broken.
 */
export async function applyProposalList(
  state: GroupState,
  list: readonly ProposalWithSender[],
  options: ApplyProposalListOptions,
): Promise<AppliedProposals> {
  const { cs, policy } = state;
  const external = options.committer === undefined;
  const committer = options.committer;
  const gc = state.groupContext;

  const adds: { p: AddProposal; s: Sender }[] = [];
  const updates: { p: UpdateProposal; s: Sender }[] = [];
  const removes: { p: RemoveProposal; s: Sender }[] = [];
  const psks: PreSharedKeyID[] = [];
  const custom: CustomProposal[] = [];
  let gce: Extension[] | undefined;
  let externalInit: ExternalInitProposal | undefined;
  let reinit: ReInitProposal | undefined;
  let pathRequired = list.length === 0;
  for (const { proposal: p, sender: s } of list) {
    const t = proposalTypeOf(p);
    if (PATH_REQUIRED.has(t)) pathRequired = true;
    switch (p.proposalType) {
      case ProposalType.add:
        adds.push({ p, s });
        break;
      case ProposalType.update:
        // §12.1.2: an Update is sent by a member about its own leaf.
        if (s.senderType !== SenderType.member) reject("proposal/update-not-from-member", "12.1.2", "an Update proposal must come from a member");
        updates.push({ p, s });
        break;
      case ProposalType.remove:
        removes.push({ p, s });
        break;
      case ProposalType.psk:
        psks.push(p.psk);
        break;
      case ProposalType.reinit:
        if (reinit !== undefined) reject("proposal-list/reinit-with-others", "12.2", "a Commit contains more than one ReInit");
        reinit = p;
        break;
      case ProposalType.external_init:
        // §12.2: a regular Commit is invalid if "It contains an ExternalInit proposal"; an external one has exactly one.
        if (!external) reject("proposal-list/external-init-in-regular-commit", "12.2", "a regular Commit contains an ExternalInit proposal");
        if (externalInit !== undefined) reject("proposal-list/external-init-count", "12.2", "an external Commit contains more than one ExternalInit");
        externalInit = p;
        break;
      case ProposalType.group_context_extensions:
        // §12.2: "It contains multiple GroupContextExtensions proposals."
        if (gce !== undefined) reject("proposal-list/multiple-group-context-extensions", "12.2", "a Commit contains more than one GroupContextExtensions proposal");
        gce = [...p.extensions];
        break;
      case "custom": {
        const h = policy.customProposals.get(p.customProposalType);
        // §12.2: a proposal of a non-default type not supported by the members that process the Commit (us included).
        if (h === undefined) reject("proposal-list/unsupported-proposal-type", "12.2", `proposal type ${p.customProposalType} is not supported`);
        if (h.requiresPath !== false) pathRequired = true;
        custom.push(p);
        break;
      }
    }
  }

  if (external) {
    // §12.2 external Commit: exactly one ExternalInit, at most one Remove, PSKs, nothing else.
    if (externalInit === undefined) reject("proposal-list/external-init-count", "12.2", "an external Commit must contain exactly one ExternalInit");
    if (removes.length > 1) reject("proposal-list/external-commit-removes", "12.2", "an external Commit may contain at most one Remove");
    if (adds.length + updates.length + custom.length > 0 || reinit !== undefined || gce !== undefined) {
      reject("proposal-list/external-commit-proposals", "12.2", "an external Commit may only contain ExternalInit, one Remove and PreSharedKey proposals");
    }
  } else if (reinit !== undefined && list.length > 1) {
    // §12.2: "It contains a ReInit proposal together with any other proposal."
    reject("proposal-list/reinit-with-others", "12.2", "a Commit contains a ReInit together with other proposals");
  }

  // §12.2: "multiple PreSharedKey proposals that reference the same PreSharedKeyID".
  const seenPsk = new Set<string>();
  for (const id of psks) {
    const k = pskKey(id);
    if (seenPsk.has(k)) reject("proposal-list/duplicate-psk", "12.2", "two PreSharedKey proposals reference the same PreSharedKeyID");
    seenPsk.add(k);
    // §12.1.4: "The psk_nonce is not of length KDF.Nh."
    try {
      assertPskNonceLength(cs, id);
    } catch (e) {
      reject("proposal/psk-nonce-length", "12.1.4", `psk_nonce has ${id.pskNonce.length} bytes, expected ${cs.hashLength}`, e);
    }
    if (id.psktype === PSKType.resumption && id.usage !== ResumptionPSKUsage.application && gc.epoch !== 0n) {
      // §12.1.4: resumption PSKs with usage reinit/branch only in the first Commit of a reinitialized or branched group.
      reject("proposal/psk-usage", "12.1.4", `a resumption PSK with usage ${id.usage} outside a reinitialization or branch`);
    }
  }

  if (reinit !== undefined && reinit.version < gc.version) {
    // §12.1.5: "A ReInit proposal is invalid if the version field is less than the version for the current group."
    reject("proposal/reinit-version", "12.1.5", `ReInit version ${reinit.version} is lower than the group's ${gc.version}`);
  }

  const diff = state.tree.stage();
  const extensions: readonly Extension[] = gce ?? gc.extensions;
  let summary = memberSummaryOf(state);
  const group = (): LeafNodeGroup => ({ groupId: gc.groupId, version: gc.version, extensions, members: summary });

  // §12.2: the same leaf at most once among Updates and Removes; never the committer's own leaf.
  const touched = new Set<number>();
  for (const { p, s } of updates) {
    const l = (s as { leafIndex: LeafIndex }).leafIndex;
    // §12.2: "It contains an Update proposal generated by the committer."
    if (l === committer) reject("proposal-list/committer-update", "12.2", "the Commit contains an Update proposal by the committer");
    if (touched.has(l)) reject("proposal-list/duplicate-leaf", "12.2", `leaf ${l} is updated or removed more than once`);
    touched.add(l);
  }
  for (const { p } of removes) {
    // §12.2: "It contains a Remove proposal that removes the committer."
    if (p.removed === committer) reject("proposal-list/committer-removed", "12.2", "the Commit removes the committer");
    if (touched.has(p.removed)) reject("proposal-list/duplicate-leaf", "12.2", `leaf ${p.removed} is updated or removed more than once`);
    touched.add(p.removed);
    // §12.1.3: "A Remove proposal is invalid if the removed field does not identify a non-blank leaf node."
    if (state.tree.isLeafBlank(p.removed)) reject("proposal/remove-blank-leaf", "12.1.3", `Remove of leaf ${p.removed}, which is blank or outside the tree`);
  }

  // GroupContextExtensions (§12.3 first), validated against the members after the Commit (§12.1.7).
  if (gce !== undefined) await validateGroupContextExtensions(state, gce, adds.map((a) => a.p), new Set(removes.map((r) => r.p.removed)));

  // Updates (§12.1.2): the LeafNode is valid for an Update (§7.3), replacing the sender's leaf.
  const updated: { leafIndex: LeafIndex; leafNode: LeafNode; previous: LeafNode }[] = [];
  await Promise.all(
    updates.map(async ({ p, s }) => {
      const l = (s as { leafIndex: LeafIndex }).leafIndex;
      const previous = state.tree.leafNode(l);
      if (previous === undefined) reject("proposal/update-blank-leaf", "12.1.2", `Update from blank leaf ${l}`);
      try {
        await validateLeafNode(cs, p.leafNode, {
          source: LeafNodeSource.update,
          identityProvider: state.services.identityProvider,
          group: { ...group(), keys: state.tree },
          leafIndex: l,
          replaces: previous,
          lifetime: policy.lifetime,
        });
      } catch (e) {
        // §12.1.2: "An Update proposal is invalid if the LeafNode is invalid for an Update proposal according to Section 7.3."
        if (ValidationError.isInstance(e)) throw e;
        reject("proposal/update-invalid-leaf", "12.1.2", "the Update's LeafNode is invalid", e);
      }
      updated.push({ leafIndex: l, leafNode: p.leafNode, previous });
    }),
  );
  for (const u of updated) {
    diff.updateLeaf(u.leafIndex, u.leafNode);
    summary = summary.without(u.previous).with(u.leafNode);
  }
  // §7.3 across the Updates themselves: their keys must be distinct from one another.
  checkDistinctKeys(updated.map((u) => u.leafNode), "7.3");

  // Removes (§12.1.3).
  const removed: { leafIndex: LeafIndex; leafNode: LeafNode }[] = [];
  for (const { p } of removes) {
    const leafNode = diff.leafNode(p.removed)!;
    diff.removeLeaf(p.removed);
    summary = summary.without(leafNode);
    removed.push({ leafIndex: p.removed, leafNode });
  }

  // Adds (§12.1.1): each KeyPackage valid (§10.1) for this group; no duplicates, no current members (§12.2).
  const validated = await Promise.all(
    adds.map(async ({ p }) => {
      const { keyPackage } = await validateKeyPackage(cs, p.keyPackage, {
        identityProvider: state.services.identityProvider,
        version: gc.version,
        group: group(),
        lifetime: policy.lifetime,
      });
      return { keyPackage, ref: await keyPackageRef(cs, keyPackage) };
    }),
  );
  const added: { leafIndex: LeafIndex; keyPackage: ValidatedKeyPackage; keyPackageRef: Uint8Array }[] = [];
  // Keys introduced by this Commit, so each lookup is O(1) plus the base tree's key index (no O(k²) for k Adds).
  const newSig = new Set(updated.map((u) => toHex(u.leafNode.signatureKey)));
  const newEnc = new Set(updated.map((u) => toHex(u.leafNode.encryptionKey)));
  const addIds = new Set<string>();
  const identities = await Promise.all(validated.map(({ keyPackage }) => state.services.identityProvider.identity(keyPackage.leafNode.credential)));
  validated.forEach(({ keyPackage, ref }, i) => {
    const leaf = keyPackage.leafNode;
    const sig = toHex(leaf.signatureKey);
    const enc = toHex(leaf.encryptionKey);
    const id = toHex(identities[i]!);
    // §12.2: "multiple Add proposals that contain KeyPackages that represent the same client" (same signature key or identity).
    if (addIds.has(id) || (newSig.has(sig) && !updated.some((u) => toHex(u.leafNode.signatureKey) === sig))) {
      reject("proposal-list/duplicate-add", "12.2", "two Add proposals represent the same client");
    }
    // §12.2: "an Add proposal with a KeyPackage that represents a client already in the group ... unless there is a
    // Remove proposal in the list removing the matching client" (same signature key as a remaining member).
    const baseSig = state.tree.findSignatureKey(leaf.signatureKey).filter((l) => !diff.isLeafBlank(l) && bytesEqual(diff.signatureKey(l)!, leaf.signatureKey));
    if (baseSig.length > 0 || newSig.has(sig)) reject("proposal-list/add-existing-member", "12.2", "an Add's KeyPackage represents a client already in the group");
    // §7.3: encryption keys unique in the tree.
    const baseEnc = state.tree.findEncryptionKey(leaf.encryptionKey).filter((n) => {
      const k = diff.encryptionKey(n);
      return k !== undefined && bytesEqual(k, leaf.encryptionKey);
    });
    if (baseEnc.length > 0 || newEnc.has(enc)) reject("leaf-node/duplicate-encryption-key", "7.3", "an Add's encryption_key is already used in the tree");
    addIds.add(id);
    newSig.add(sig);
    newEnc.add(enc);
    const leafIndex = diff.addLeaf(leaf);
    summary = summary.with(leaf);
    added.push({ leafIndex, keyPackage, keyPackageRef: ref });
  });

  // Custom proposals (§13.2): supported by every member that processes the Commit (§12.2), then their hooks.
  let finalExtensions = extensions;
  if (custom.length > 0) {
    const exclude = new Set<number>([...removed.map((r) => r.leafIndex), ...added.map((a) => a.leafIndex)]);
    for (const p of custom) {
      for (const l of diff.leaves()) {
        if (exclude.has(l)) continue;
        if (!isDefaultProposalType(p.customProposalType) && !supportsProposal(diff.leafNode(l)!.capabilities, p.customProposalType)) {
          reject("proposal-list/unsupported-proposal-type", "12.2", `member at leaf ${l} does not support proposal type ${p.customProposalType}`);
        }
      }
      const h = policy.customProposals.get(p.customProposalType)!;
      const ctx: CustomProposalContext = { groupId: gc.groupId, epoch: gc.epoch, extensions: finalExtensions, sender: options.commitSender, committer };
      await h.validate?.(p, ctx);
      const next = h.apply?.(p, ctx);
      if (next) finalExtensions = next;
    }
  }

  return {
    diff,
    extensions: finalExtensions,
    extensionsChanged: gce !== undefined || finalExtensions !== extensions,
    added,
    removed,
    updated,
    psks,
    externalInit,
    reinit,
    custom,
    pathRequired,
    memberSummary: summary,
  };
}

function checkDistinctKeys(leaves: readonly LeafNode[], section: string): void {
  const enc = new Set<string>();
  const sig = new Set<string>();
  for (const l of leaves) {
    const e = toHex(l.encryptionKey);
    const s = toHex(l.signatureKey);
    if (enc.has(e)) reject("leaf-node/duplicate-encryption-key", section, "two new leaves share an encryption_key");
    if (sig.has(s)) reject("leaf-node/duplicate-signature-key", section, "two new leaves share a signature_key");
    enc.add(e);
    sig.add(s);
  }
}

/**
 * §12.1.7: new GroupContext extensions supported by every member after the
 * Commit (Adds included, Removes excluded; §13.4), `required_capabilities`
 * met by each (§11.1); no extension type twice (§13.4); the extension types
 * accepted by policy; `external_senders` credentials validated (§5.3.1).
 */
async function validateGroupContextExtensions(
  state: GroupState,
  extensions: readonly Extension[],
  adds: readonly AddProposal[],
  removed: ReadonlySet<number>,
): Promise<void> {
  const seen = new Set<number>();
  for (const e of extensions) {
    // §13.4: "Any field containing a list of extensions MUST NOT have more than one extension of any given type."
    if (seen.has(e.extensionType)) reject("extensions/duplicate", "13.4", `GroupContextExtensions carries type ${e.extensionType} twice`);
    seen.add(e.extensionType);
  }
  checkAcceptedExtensions(state.policy, extensions);
  const tree = state.tree;
  function* membersAfter(): Generator<readonly [LeafIndex, LeafNode]> {
    for (const l of tree.leaves()) if (!removed.has(l)) yield [l, tree.leafNode(l)!] as const;
    let i = 0;
    for (const a of adds) yield [(tree.leafCount + i++) as LeafIndex, a.keyPackage.leafNode] as const;
  }
  checkMembersSupportGroupContextExtensions(extensions, membersAfter());
  const senders = externalSendersOf(extensions);
  // §12.1.8.1 / §5.3.1: external senders' credentials are validated with the AS when added or changed.
  await Promise.all(
    senders.map((s) =>
      state.services.identityProvider.validateExternalSender({
        credential: s.credential,
        signaturePublicKey: s.signatureKey,
        cipherSuite: state.cs.suite.id,
        context: { event: "external-sender", group: { groupId: state.groupContext.groupId, extensions } },
      }),
    ),
  );
  void ExtensionType;
}
