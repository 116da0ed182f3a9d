/**
 * Messages of the next epoch that arrive before its Commit (RFC 9420 §15.3
 * reordering), held until the Commit is merged. Nothing in them can be
 * authenticated yet: their keys come from an epoch not yet entered. So what
 * is held is bounded in count, bytes and, for PublicMessages, per claimed
 * sender; an exact copy is held once; and a message that does not fit is
 * refused with a typed error rather than evicting one held before it, so
 * forged entries can never push out a genuine message already held. A
 * refused message is the application's to hand again once the Commit is
 * merged (the code says so); forgeries in the buffer are dropped then, as
 * they fail to decrypt.
 */
import { bytesEqual } from "@mlskit/codec";
import { ValidationError, WireFormat } from "@mlskit/core";
import type { GroupState } from "../state/group-state.js";
import { type MLSMessageIn, decodeMlsMessage } from "../framing/mls-message.js";
import { SenderType } from "../framing/sender.js";

/** The claimed member sender of a held PublicMessage (unauthenticated: only a quota key). */
function claimedSender(m: MLSMessageIn): number | undefined {
  if (m.wireFormat !== WireFormat.mls_public_message) return undefined;
  const s = m.publicMessage.content.sender;
  return s.senderType === SenderType.member ? s.leafIndex : undefined;
}

/**
 * The state with `bytes` (a decoded message `m` of the next epoch) held.
 * @throws ValidationError `message/early-message-too-large`,
 *   `message/early-buffer-full` or `message/early-sender-quota` (§15.3);
 *   the state is unchanged then.
 */
export function holdEarlyMessage(state: GroupState, m: MLSMessageIn, bytes: Uint8Array): GroupState {
  const { maxEarlyMessages, maxEarlyBytes, maxEarlyPerSender } = state.policy;
  const held = state.earlyMessages;
  if (held.some((h) => h.length === bytes.length && bytesEqual(h, bytes))) return state;
  if (bytes.length > maxEarlyBytes) {
    throw new ValidationError(
      "message/early-message-too-large",
      "15.3",
      `a ${bytes.length}-byte message of the next epoch exceeds the early-message budget of ${maxEarlyBytes} bytes`,
    );
  }
  let total = bytes.length;
  for (const h of held) total += h.length;
  if (held.length >= maxEarlyMessages || total > maxEarlyBytes) {
    throw new ValidationError(
      "message/early-buffer-full",
      "15.3",
      `the messages held for the next epoch reached ${held.length} messages / ${total - bytes.length} bytes (limits ${maxEarlyMessages} / ${maxEarlyBytes}): hand this one again once the next Commit is merged`,
    );
  }
  const sender = claimedSender(m);
  if (sender !== undefined) {
    let same = 0;
    for (const h of held) if (claimedSender(decodeMlsMessage(h)) === sender) same++;
    if (same >= maxEarlyPerSender) {
      throw new ValidationError(
        "message/early-sender-quota",
        "15.3",
        `${same} messages of the next epoch claiming member ${sender} are held already (limit ${maxEarlyPerSender}): hand this one again once the next Commit is merged`,
      );
    }
  }
  return { ...state, earlyMessages: [...held, bytes.slice()] };
}
