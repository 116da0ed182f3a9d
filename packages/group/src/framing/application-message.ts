/** Application messages (RFC 9420 §6.3, §15): sent as PrivateMessage with the sender's application ratchet. */
import { UsageError } from "@mlskit/core";
import { ContentType } from "./content-type.js";
import type { FramedContent } from "./framed-content.js";
import type { GroupState } from "../state/group-state.js";
import { encodeMlsMessage, privateMessageToMls } from "./mls-message.js";
import { createPrivateMessage } from "./private-message-protection.js";
import { memberSender } from "./sender.js";

/**
 * Encrypts application data for the group (§6: application data MUST be a
 * PrivateMessage), padded per policy, with `authenticatedData` in the clear
 * but authenticated. Returns the MLSMessage bytes; the state's secret tree
 * advances (the key is consumed, §9.2).
 * @throws UsageError when proposals are pending (§12.4: "A group member that has
 *   observed one or more valid proposals within an epoch MUST send a Commit message
 *   before sending application data"), or the group was reinitialized (§11.2).
 */
export async function createApplicationMessage(state: GroupState, data: Uint8Array, options: { readonly authenticatedData?: Uint8Array } = {}): Promise<Uint8Array> {
  if (state.reinit !== undefined) throw new UsageError("usage/group-reinitialized", "the group was reinitialized (RFC 9420 §11.2)");
  if (state.proposals.size > 0) {
    throw new UsageError("usage/pending-proposals", "commit the proposals received this epoch before sending application data (RFC 9420 §12.4)");
  }
  const gc = state.groupContext;
  const content: FramedContent = {
    groupId: gc.groupId,
    epoch: gc.epoch,
    sender: memberSender(state.ownLeaf),
    authenticatedData: options.authenticatedData ?? new Uint8Array(0),
    contentType: ContentType.application,
    applicationData: data,
  };
  const pm = await createPrivateMessage(
    state.framing,
    { content, signaturePrivateKey: state.signaturePrivateKey, padding: state.policy.padding },
    { secretTree: state.secretTree, senderDataSecret: state.keys.senderDataSecret },
  );
  return encodeMlsMessage(privateMessageToMls(pm));
}
