/**
 * The ratchet tree a joiner receives with a GroupInfo (RFC 9420 §12.4.3.1,
 * §12.4.3.2): decoded and validated against the GroupContext, with every
 * member's credential checked by the Authentication Service (§5.3.1).
 */
import type { CipherSuiteProvider, CredentialEvent } from "@mlskit/core";
import type { GroupContext } from "@mlskit/key-schedule";
import { type RatchetTree, decodeAndValidateTree } from "@mlskit/ratchet-tree";
import { requiredCapabilitiesOf } from "./capabilities.js";
import type { GroupServices } from "./group-state.js";

/**
 * Decodes `treeBytes` and verifies its integrity against `gc` (tree hash,
 * parent hashes, leaves, required capabilities), validating each member's
 * credential for `event`.
 */
export async function decodeJoinerTree(
  cs: CipherSuiteProvider,
  services: GroupServices,
  gc: GroupContext,
  treeBytes: Uint8Array,
  event: CredentialEvent,
): Promise<RatchetTree> {
  const required = requiredCapabilitiesOf(gc.extensions);
  return decodeAndValidateTree(cs, treeBytes, {
    groupId: gc.groupId,
    treeHash: gc.treeHash,
    ...(required !== undefined ? { requiredCapabilities: required } : {}),
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
