/** GroupInfo as the DS receives it: an MLSMessage(GroupInfo) from the network. */
import { WireFormat } from "@mlskit/core";
import { DsError } from "@mlskit/ds-protocol";
import { type GroupInfo, type MLSMessageIn, decodeMlsMessage } from "@mlskit/group";

/** Decodes an MLSMessage(GroupInfo) (`group/invalid-group-info` otherwise). */
export function decodeGroupInfo(bytes: Uint8Array): GroupInfo {
  let m: MLSMessageIn;
  try {
    m = decodeMlsMessage(bytes);
  } catch (cause) {
    throw new DsError("group/invalid-group-info", "groupInfo is not a well-formed MLSMessage", { cause });
  }
  if (m.wireFormat !== WireFormat.mls_group_info) throw new DsError("group/invalid-group-info", "groupInfo is not an MLSMessage(GroupInfo)");
  return m.groupInfo;
}
