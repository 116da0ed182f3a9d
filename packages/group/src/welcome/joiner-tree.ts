/**
 * The ratchet tree a joiner receives with a GroupInfo (RFC 9420 §12.4.3.1,
 * §12.4.3.2): decoded and validated against the GroupContext, with every
 * member's credential checked by the Authentication Service (§5.3.1).
 */
import type { CipherSuiteProvider, CredentialEvent } from "@mlskit/core";
import type { GroupContext } from "@mlskit/key-schedule";
import { type RatchetTree, type TreeUnderValidation, decodeAndStartValidation } from "@mlskit/ratchet-tree";
import { requiredCapabilitiesOf } from "../leaf-nodes/capabilities.js";
import type { GroupServices } from "../state/group-state.js";
import type { GroupPolicy } from "../policy/group-policy.js";
import { DEFAULT_CLOCK_SKEW_SECONDS, nowSeconds } from "../leaf-nodes/leaf-node-validation.js";

/**
 * Decodes `treeBytes` and verifies its integrity against `gc` (tree hash,
 * parent hashes, leaves, required capabilities), validating each member's
 * credential for `event`. The policy's `maxTreeLeaves` is enforced while
 * parsing (`limits/tree-too-large`, before any hashing or signature), and,
 * unless `lifetime.checkJoinedTree` is false, every `key_package` leaf must
 * be within its lifetime at `lifetime.now` give or take `lifetime.clockSkew`
 * (§7.3, `tree/leaf-lifetime`).
 */
export async function decodeJoinerTree(
  cs: CipherSuiteProvider,
  services: GroupServices,
  policy: GroupPolicy,
  gc: GroupContext,
  treeBytes: Uint8Array,
  event: CredentialEvent,
): Promise<RatchetTree> {
  const { tree, verifyLeaves } = await startJoinerTree(cs, services, policy, gc, treeBytes, event);
  await verifyLeaves();
  return tree;
}

/**
 * {@link decodeJoinerTree} in two parts: resolves once every check but the
 * leaf signatures and credentials holds; `verifyLeaves()` completes those
 * (the caller awaits it before the tree is used as valid).
 * `ownLeaf`: the encoded LeafNode of the joiner's own KeyPackage, whose
 * signature the joiner made, so a leaf of exactly these bytes is not
 * verified again.
 */
export function startJoinerTree(
  cs: CipherSuiteProvider,
  services: GroupServices,
  policy: GroupPolicy,
  gc: GroupContext,
  treeBytes: Uint8Array,
  event: CredentialEvent,
  ownLeaf?: Uint8Array,
): Promise<TreeUnderValidation> {
  const required = requiredCapabilitiesOf(gc.extensions);
  const lifetime = policy.lifetime;
  const checkLifetimes = lifetime.checkJoinedTree !== false;
  return decodeAndStartValidation(cs, treeBytes, {
    groupId: gc.groupId,
    treeHash: gc.treeHash,
    maxLeaves: policy.maxTreeLeaves,
    ...(checkLifetimes ? { now: nowSeconds(lifetime.now), clockSkew: BigInt(Math.floor(lifetime.clockSkew ?? DEFAULT_CLOCK_SKEW_SECONDS)) } : {}),
    ...(required !== undefined ? { requiredCapabilities: required } : {}),
    ...(ownLeaf !== undefined ? { signedLeaf: ownLeaf } : {}),
    validateCredential: async (leaf) => {
      await services.identityProvider.validateCredential({
        credential: leaf.credential,
        signaturePublicKey: leaf.signatureKey,
        cipherSuite: cs.suite.id,
        context: { event, group: { groupId: gc.groupId, extensions: gc.extensions } },
      });
    },
  });
}
