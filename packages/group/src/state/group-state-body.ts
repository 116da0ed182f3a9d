/**
 * The body of a stored group state (format version 1), after the header of
 * `blob-header.ts`:
 *
 * ```tls
 * struct {
 *     GroupContext group_context;                   // RFC 9420 §8.1
 *     select (nesting) {
 *         case current: opaque ratchet_tree<V>;     // optional<Node> ratchet_tree<V>, §12.4.3.3
 *         case pending: TreeDelta ratchet_tree;     // the nodes changed from the current state's tree
 *     };
 *     uint32 own_leaf;
 *     NodePrivateKey private_keys<V>;
 *     opaque signature_private_key<V>;
 *     EpochKeys keys;                               // §8, Table 4
 *     SecretTreeState secret_tree;                  // §9, @mlskit/key-schedule
 *     opaque interim_transcript_hash<V>;            // §8.2
 *     opaque confirmation_tag<V>;
 *     CachedProposal proposals<V>;
 *     select (nesting) {
 *         case current:
 *             ResumptionPsk resumption_psks<V>;     // §8.6
 *             optional<PendingCommitState> pending_commit;
 *         case pending: struct {};                  // rebuilt from the current state (see group-state-codec.ts)
 *     };
 *     opaque early_messages<V><V>;
 *     optional<ReInit> reinit;                      // §12.1.5
 *     OwnUpdate own_updates<V>;
 *     GroupStatus status;
 * } GroupStateBody;
 *
 * struct { opaque message<V>; GroupStateBody state; } PendingCommitState;  // state: nesting pending
 * ```
 * The parts are defined in `state-parts.ts` and `stored-tree.ts`. Past
 * epochs are not in the body: the storage layer keeps them as records of
 * their own (`past-epoch-codec.ts`).
 */
import { InternalError, type CipherSuiteProvider } from "@mlskit/core";
import { type Reader, type Writer, opaque } from "@mlskit/codec";
import { type GroupContext, type SecretTreeState, groupContextCodec, secretTreeStateCodec } from "@mlskit/key-schedule";
import type { LeafIndex, NodeIndex } from "@mlskit/ratchet-tree";
import type { CachedProposal, EpochKeys, GroupState, GroupStatus } from "./group-state.js";
import type { ReInitProposal } from "../proposals/proposal.js";
import {
  readEarlyMessages,
  readEpochKeys,
  readDigest,
  readNonEmpty,
  readOwnUpdates,
  readPrivateKeys,
  readProposals,
  readReinit,
  readResumptionPsks,
  readStatus,
  writeEarlyMessages,
  writeEpochKeys,
  writeOwnUpdates,
  writePrivateKeys,
  writeProposals,
  writeReinit,
  writeResumptionPsks,
  writeStatus,
} from "./state-parts.js";
import { type TreeDelta, readTreeDelta, writeTreeDelta } from "./stored-tree.js";
import { encodedTree } from "./encoded-tree.js";

/**
 * Where each field of {@link GroupState} goes. A compile-time guard: a field
 * added to GroupState fails to compile here until it is given a place.
 */
export const GROUP_STATE_FIELDS: Record<keyof GroupState, "body" | "pending-rebuilt" | "record" | "environment" | "derived"> = {
  cs: "environment",
  policy: "environment",
  services: "environment",
  groupContext: "body",
  framing: "derived", // createFramingContext(cs, groupContext)
  tree: "body",
  privateKeys: "body",
  ownLeaf: "body",
  signaturePrivateKey: "body",
  keys: "body",
  secretTree: "body",
  interimTranscriptHash: "body",
  confirmationTag: "body",
  proposals: "body",
  pastEpochs: "record", // separate records; for a pending Commit's state, rebuilt
  resumptionPsks: "body", // for a pending Commit's state, rebuilt
  pendingCommit: "body",
  earlyMessages: "body",
  reinit: "body",
  ownUpdates: "body",
  status: "body",
};

/** A decoded body, before its tree is loaded and its objects are built. */
export interface StoredBody {
  readonly groupContext: GroupContext;
  readonly tree: { readonly kind: "full"; readonly bytes: Uint8Array } | { readonly kind: "delta"; readonly delta: TreeDelta };
  readonly ownLeaf: LeafIndex;
  readonly privateKeys: [NodeIndex, Uint8Array][];
  readonly signaturePrivateKey: Uint8Array;
  readonly keys: EpochKeys;
  readonly secretTree: SecretTreeState;
  readonly interimTranscriptHash: Uint8Array;
  readonly confirmationTag: Uint8Array;
  readonly proposals: Map<string, CachedProposal>;
  /** Only in the current state's body. */
  readonly resumptionPsks: Map<bigint, Uint8Array> | undefined;
  /** Only in the current state's body. */
  readonly pending: { readonly message: Uint8Array; readonly body: StoredBody } | undefined;
  readonly earlyMessages: Uint8Array[];
  readonly reinit: ReInitProposal | undefined;
  readonly ownUpdates: Map<string, Uint8Array>;
  readonly status: GroupStatus;
}

/**
 * Writes the body of `state`; `current` is given when `state` is the state
 * of `current`'s pending Commit (its tree is then written as a delta).
 */
export function writeGroupStateBody(w: Writer, state: GroupState, current?: GroupState): void {
  groupContextCodec.encode(w, state.groupContext);
  if (current === undefined) w.opaque(encodedTree(state.tree));
  else writeTreeDelta(w, current.tree, state.tree);
  // TreePrivateKeys holds the member's leaf too; the state machine keeps it equal to ownLeaf.
  if (state.privateKeys.leafIndex !== state.ownLeaf) {
    throw new InternalError("state/inconsistent", `private keys of leaf ${state.privateKeys.leafIndex} in the state of leaf ${state.ownLeaf}`);
  }
  w.uint32(state.ownLeaf);
  writePrivateKeys(w, state.privateKeys);
  w.opaque(state.signaturePrivateKey);
  writeEpochKeys(w, state.keys);
  secretTreeStateCodec(state.cs).encode(w, state.secretTree.exportState());
  w.opaque(state.interimTranscriptHash);
  w.opaque(state.confirmationTag);
  writeProposals(w, state.proposals);
  if (current === undefined) {
    writeResumptionPsks(w, state.resumptionPsks);
    const pending = state.pendingCommit;
    if (pending === undefined) w.uint8(0);
    else {
      w.uint8(1);
      w.opaque(pending.message);
      writeGroupStateBody(w, pending.state, state);
    }
  } else if (state.pendingCommit !== undefined) {
    throw new InternalError("state/inconsistent", "the state of a pending Commit has a pending Commit");
  }
  writeEarlyMessages(w, state.earlyMessages);
  writeReinit(w, state.reinit);
  writeOwnUpdates(w, state.ownUpdates);
  writeStatus(w, state.status);
}

/**
 * Reads a body of the suite of `cs` (the current state's, or with `nested`
 * a pending Commit's state). Checks what can be checked without the tree;
 * `group-state-codec.ts` checks the rest once the tree is loaded.
 */
export function readGroupStateBody(r: Reader, cs: CipherSuiteProvider, nested: boolean): StoredBody {
  const contextAt = r.offset;
  const groupContext = r.field("group_context", () => groupContextCodec.decode(r));
  if (groupContext.cipherSuite !== cs.suite.id || groupContext.version !== 1) {
    r.field("group_context", () =>
      r.fail(
        "codec/invalid-value",
        `GroupContext of version ${groupContext.version} and suite ${groupContext.cipherSuite} in a state of mls10 and suite ${cs.suite.id}`,
        contextAt,
      ),
    );
  }
  const tree: StoredBody["tree"] = nested
    ? { kind: "delta", delta: r.field("ratchet_tree", () => readTreeDelta(r)) }
    : { kind: "full", bytes: r.field("ratchet_tree", () => opaque.decode(r)) };
  const ownLeaf = r.field("own_leaf", () => r.uint32()) as LeafIndex;
  const privateKeys = readPrivateKeys(r);
  const signaturePrivateKey = readNonEmpty(r, "signature_private_key");
  const keys = r.field("keys", () => readEpochKeys(r, cs));
  const secretTree = r.field("secret_tree", () => secretTreeStateCodec(cs).decode(r));
  const interimTranscriptHash = readDigest(r, cs, "interim_transcript_hash");
  const confirmationTag = readDigest(r, cs, "confirmation_tag");
  const proposals = readProposals(r, cs);
  let resumptionPsks: StoredBody["resumptionPsks"];
  let pending: StoredBody["pending"];
  if (!nested) {
    resumptionPsks = readResumptionPsks(r, cs, groupContext.epoch);
    pending = r.field("pending_commit", () => {
      const at = r.offset;
      const flag = r.uint8();
      if (flag === 0) return undefined;
      if (flag !== 1) r.fail("codec/invalid-value", `optional presence flag ${flag} is neither 0 nor 1`, at);
      const message = r.field("message", () => opaque.decode(r));
      return { message, body: r.field("state", () => readGroupStateBody(r, cs, true)) };
    });
  }
  return {
    groupContext,
    tree,
    ownLeaf,
    privateKeys,
    signaturePrivateKey,
    keys,
    secretTree,
    interimTranscriptHash,
    confirmationTag,
    proposals,
    resumptionPsks,
    pending,
    earlyMessages: readEarlyMessages(r),
    reinit: readReinit(r),
    ownUpdates: readOwnUpdates(r),
    status: readStatus(r),
  };
}
