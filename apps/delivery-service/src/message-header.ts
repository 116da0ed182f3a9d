/**
 * What the DS reads of a group message: its clear header (RFC 9420 §6) —
 * group id, epoch, content type, and for a PublicMessage its sender type.
 * A PrivateMessage's sender and content are encrypted: the DS never sees them.
 */
import { bytesEqual } from "@mlskit/codec";
import { WireFormat } from "@mlskit/core";
import { DsError } from "@mlskit/ds-protocol";
import { ContentType, type MLSMessageIn, SenderType, decodeMlsMessage } from "@mlskit/group";

export interface MessageHeader {
  readonly wireFormat: "public" | "private";
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly contentType: "application" | "proposal" | "commit";
  /** PublicMessage only: the sender type (member, external, new_member_proposal, new_member_commit). */
  readonly senderType: number | undefined;
  /** The decoded message (untrusted: nothing but its syntax checked). */
  readonly message: MLSMessageIn;
}

function contentTypeName(t: number): MessageHeader["contentType"] {
  if (t === ContentType.application) return "application";
  if (t === ContentType.proposal) return "proposal";
  if (t === ContentType.commit) return "commit";
  throw new DsError("group/malformed-message", `unknown content type ${t}`);
}

/** Decodes an MLSMessage and reads its header (`group/malformed-message`, `group/not-a-group-message`). */
export function readMessageHeader(bytes: Uint8Array): MessageHeader {
  let m: MLSMessageIn;
  try {
    m = decodeMlsMessage(bytes);
  } catch (cause) {
    throw new DsError("group/malformed-message", "the message is not a well-formed MLSMessage", { cause });
  }
  if (m.wireFormat === WireFormat.mls_public_message) {
    const c = m.publicMessage.content;
    return { wireFormat: "public", groupId: c.groupId, epoch: c.epoch, contentType: contentTypeName(c.contentType), senderType: c.sender.senderType, message: m };
  }
  if (m.wireFormat === WireFormat.mls_private_message) {
    const p = m.privateMessage;
    return { wireFormat: "private", groupId: p.groupId, epoch: p.epoch, contentType: contentTypeName(p.contentType), senderType: undefined, message: m };
  }
  throw new DsError("group/not-a-group-message", "only PublicMessage and PrivateMessage are submitted to a group");
}

/** Reads the header and checks the message is for `groupId` (`group/wrong-group`). */
export function readGroupMessageHeader(bytes: Uint8Array, groupId: Uint8Array): MessageHeader {
  const h = readMessageHeader(bytes);
  if (!bytesEqual(h.groupId, groupId)) throw new DsError("group/wrong-group", "the message's group id is not the group of the path");
  return h;
}

/** True for an external Commit (RFC 9420 §12.4.3.2): a PublicMessage Commit by a new member. */
export function isExternalCommit(h: MessageHeader): boolean {
  return h.wireFormat === "public" && h.contentType === "commit" && h.senderType === SenderType.new_member_commit;
}
