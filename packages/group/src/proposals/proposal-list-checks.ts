/**
 * Helpers of proposal-list validation (RFC 9420 §12.2): the members'
 * credential summary per tree, PreSharedKeyID keys, key distinctness of new
 * leaves (§7.3), and GroupContextExtensions validation (§12.1.7, §13.4).
 */
import { toHex } from "@mlskit/codec";
import { type CipherSuiteProvider, type Extension, expectDefined } from "@mlskit/core";
import { PSKType, type PreSharedKeyID } from "@mlskit/key-schedule";
import type { LeafIndex, LeafNode } from "@mlskit/ratchet-tree";
import { type CredentialTypeSummary, checkMembersSupportGroupContextExtensions, memberSummaryOfTree, rememberMemberSummary } from "../leaf-nodes/capabilities.js";
import { externalSendersOf } from "../extensions/extensions.js";
import { checkAcceptedExtensions } from "../policy/group-policy.js";
import type { ProposalListState } from "./proposal-list-types.js";
import type { AddProposal } from "./proposal.js";
import { fail } from "../error-codes.js";

/** The credential-type summary of a tree's members, computed once per tree (O(N)) and derived incrementally after. */
export function memberSummaryOf(state: ProposalListState): CredentialTypeSummary {
  return memberSummaryOfTree(state.tree);
}

/** @internal Records the summary of a tree derived incrementally. */
export function setMemberSummary(tree: object, summary: CredentialTypeSummary): void {
  rememberMemberSummary(tree, summary);
}

/** A string key identifying a PreSharedKeyID (§12.2 duplicate check). */
export function pskKey(id: PreSharedKeyID): string {
  return id.psktype === PSKType.external ? `e:${toHex(id.pskId)}:${toHex(id.pskNonce)}` : `r:${id.usage}:${toHex(id.pskGroupId)}:${id.pskEpoch}:${toHex(id.pskNonce)}`;
}

/** §7.3: new leaves' encryption and signature keys are distinct from one another. */
export function checkDistinctKeys(leaves: readonly LeafNode[], section: string): void {
  const enc = new Set<string>();
  const sig = new Set<string>();
  for (const l of leaves) {
    const e = toHex(l.encryptionKey);
    const s = toHex(l.signatureKey);
    if (enc.has(e)) fail("leaf-node/duplicate-encryption-key", section, "two new leaves share an encryption_key");
    if (sig.has(s)) fail("leaf-node/duplicate-signature-key", section, "two new leaves share a signature_key");
    enc.add(e);
    sig.add(s);
  }
}

/**
 * §12.1.8.1 / §5.1.1: each external sender's `signature_key` (in the
 * `external_senders` extension of `extensions`, if any) is a valid signature
 * key of the suite. It verifies the proposals that sender signs; no
 * signature by it comes with the extension to prove it, so it is checked
 * when the extension enters (a GroupContextExtensions proposal, a joiner's
 * GroupContext).
 * @throws ValidationError `extensions/invalid-external-sender-key` (§12.1.8.1).
 */
export async function checkExternalSenderKeys(cs: CipherSuiteProvider, extensions: readonly Extension[]): Promise<void> {
  const senders = externalSendersOf(extensions);
  const problems = await Promise.all(senders.map((s) => cs.signaturePublicKeyProblem(s.signatureKey)));
  problems.forEach((problem, i) => {
    if (problem !== undefined) {
      fail(
        "extensions/invalid-external-sender-key",
        "12.1.8.1",
        `external_senders[${i}].signature_key is not a valid ${cs.suite.name} signature key (RFC 9420 §5.1.1): ${problem}`,
      );
    }
  });
}

/**
 * §12.1.7: new GroupContext extensions supported by every member after the
 * Commit (Adds included, Removes excluded; §13.4), `required_capabilities`
 * met by each (§11.1); no extension type twice (§13.4); the extension types
 * accepted by policy; `external_senders` credentials validated (§5.3.1).
 */
export async function validateGroupContextExtensions(
  state: ProposalListState,
  extensions: readonly Extension[],
  adds: readonly AddProposal[],
  removed: ReadonlySet<number>,
): Promise<void> {
  const seen = new Set<number>();
  for (const e of extensions) {
    // §13.4: "Any field containing a list of extensions MUST NOT have more than one extension of any given type."
    if (seen.has(e.extensionType)) fail("extensions/duplicate", "13.4", `GroupContextExtensions carries type ${e.extensionType} twice`);
    seen.add(e.extensionType);
  }
  checkAcceptedExtensions(state.policy, extensions);
  const tree = state.tree;
  function* membersAfter(): Generator<readonly [LeafIndex, LeafNode]> {
    for (const l of tree.leaves()) if (!removed.has(l)) yield [l, expectDefined(tree.leafNode(l), `leaf ${l}, listed by tree.leaves()`)] as const;
    let i = 0;
    for (const a of adds) yield [(tree.leafCount + i++) as LeafIndex, a.keyPackage.leafNode] as const;
  }
  checkMembersSupportGroupContextExtensions(extensions, membersAfter());
  const senders = externalSendersOf(extensions);
  await checkExternalSenderKeys(state.cs, extensions);
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
}
