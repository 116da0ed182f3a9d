/** Queue entries as they go on the wire (ds-protocol QueueItem). */
import { toHex } from "@mlskit/codec";
import { type QueueItem, toBase64 } from "@mlskit/ds-protocol";
import type { StoredQueueItem } from "./store/ds-store.js";

export function toQueueItem(item: StoredQueueItem): QueueItem {
  return {
    seq: item.seq,
    kind: item.kind,
    groupId: toHex(item.groupId),
    epoch: item.epoch.toString(),
    sender: item.sender,
    message: toBase64(item.message),
    ...(item.ratchetTree !== undefined ? { ratchetTree: toBase64(item.ratchetTree) } : {}),
  };
}
