/**
 * A past epoch kept to read its late application messages (RFC 9420
 * §15.3) as a stored record: the header of `blob-header.ts` (magic "MLSE")
 * and
 *
 * ```tls
 * struct {
 *     GroupContext group_context;        // its epoch is the record's
 *     opaque ratchet_tree<V>;            // the senders' signature keys
 *     SecretTreeState secret_tree;       // what is left of the epoch's keys
 *     opaque sender_data_secret<V>;
 *     opaque membership_key<V>;
 * } PastEpochBody;
 * ```
 */
import { Writer, opaque } from "@mlskit/codec";
import { type CipherSuiteProvider, InternalError } from "@mlskit/core";
import { SecretTree, groupContextCodec, secretTreeStateCodec } from "@mlskit/key-schedule";
import { createFramingContext } from "../framing/framing-context.js";
import type { GroupPolicy } from "../policy/group-policy.js";
import type { PastEpoch } from "./group-state.js";
import { corrupt, decodingBody, readHeader, writeHeader } from "./blob-header.js";
import { readNh } from "./state-parts.js";
import { loadTree } from "./stored-tree.js";
import { encodedTree } from "./encoded-tree.js";

/** Where each field of {@link PastEpoch} goes: a field added there fails to compile here until it is stored. */
export const PAST_EPOCH_FIELDS: Record<keyof PastEpoch, "body" | "derived"> = {
  epoch: "body", // group_context.epoch
  framing: "derived", // createFramingContext(cs, group_context)
  secretTree: "body",
  senderDataSecret: "body",
  membershipKey: "body",
  tree: "body",
};

/**
 * Encodes a past epoch for storage. The secret tree is encoded as it is
 * now: write the record again when its `changeCount` moved.
 * @throws UsageError `secret-tree/wiped` when its secret tree was wiped.
 */
export function encodePastEpoch(past: PastEpoch): Uint8Array {
  const { cs, groupContext } = past.framing;
  if (groupContext.epoch !== past.epoch) {
    throw new InternalError("state/inconsistent", `past epoch ${past.epoch} with the GroupContext of epoch ${groupContext.epoch}`);
  }
  const w = new Writer(past.tree.nodeCount * 160 + 512);
  writeHeader(w, "past-epoch", cs.suite.id);
  groupContextCodec.encode(w, groupContext);
  w.opaque(encodedTree(past.tree));
  secretTreeStateCodec(cs).encode(w, past.secretTree.exportState());
  w.opaque(past.senderDataSecret);
  w.opaque(past.membershipKey);
  return w.finish();
}

/**
 * Decodes a past epoch written by {@link encodePastEpoch}, its framing
 * context rebuilt and its secret tree restored under `policy.ratchet`. The
 * tree is parsed structurally and checked against the GroupContext's tree hash.
 * @throws StorageError `storage/corrupt` for a damaged, truncated or
 *   foreign blob, `storage/unsupported-version` for a newer format;
 *   UsageError `usage/cipher-suite-mismatch` when `cs` is of another suite.
 */
export async function decodePastEpoch(bytes: Uint8Array, cs: CipherSuiteProvider, policy: GroupPolicy): Promise<PastEpoch> {
  const { body: r } = readHeader(bytes, "past-epoch", cs.suite.id);
  return decodingBody("past-epoch", async () => {
    const { groupContext, treeBytes, secretTree, senderDataSecret, membershipKey } = r.field("PastEpoch", () => {
      const at = r.offset;
      const groupContext = r.field("group_context", () => groupContextCodec.decode(r));
      if (groupContext.cipherSuite !== cs.suite.id) r.field("group_context", () => r.fail("codec/invalid-value", `GroupContext of suite ${groupContext.cipherSuite}`, at));
      return {
        groupContext,
        treeBytes: r.field("ratchet_tree", () => opaque.decode(r)),
        secretTree: r.field("secret_tree", () => secretTreeStateCodec(cs).decode(r)),
        senderDataSecret: readNh(r, cs, "sender_data_secret"),
        membershipKey: readNh(r, cs, "membership_key"),
      };
    });
    r.assertEnd();
    const tree = await loadTree(cs, treeBytes, groupContext.treeHash);
    if (secretTree.leafCount !== tree.leafCount) {
      throw corrupt("past-epoch", `a secret tree of ${secretTree.leafCount} leaves for a ratchet tree of ${tree.leafCount}`);
    }
    return {
      epoch: groupContext.epoch,
      framing: createFramingContext(cs, groupContext),
      secretTree: SecretTree.fromState(cs, secretTree, { policy: policy.ratchet }),
      senderDataSecret,
      membershipKey,
      tree,
    };
  });
}
