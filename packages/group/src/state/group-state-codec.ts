/**
 * A member's group state as a stored blob (docs/ARCHITECTURE.md "State", "Storage"):
 * the header of `blob-header.ts` (magic "MLSG") and the body of
 * `group-state-body.ts`. The run-time context (provider, policy, services)
 * is not stored: decoding takes it. Past epochs are stored as records of
 * their own (`past-epoch-codec.ts`) and handed to the decoder.
 */
import { bytesEqual, Writer } from "@mlskit/codec";
import { SecretTree } from "@mlskit/key-schedule";
import { type RatchetTree, TreePrivateKeys } from "@mlskit/ratchet-tree";
import type { CipherSuiteProvider } from "@mlskit/core";
import { createFramingContext } from "../framing/framing-context.js";
import type { GroupPolicy } from "../policy/group-policy.js";
import { type GroupServices, type GroupState, type PastEpoch, REDACTED_STATE } from "./group-state.js";
import { corrupt, decodingBody, readHeader, writeHeader } from "./blob-header.js";
import { historyAfter } from "./epoch-history.js";
import { type StoredBody, readGroupStateBody, writeGroupStateBody } from "./group-state-body.js";
import { applyTreeDelta, loadTree } from "./stored-tree.js";
import { expectDefined } from "@mlskit/core";

/** The run-time context a stored state is decoded with. */
export interface GroupStateEnvironment {
  readonly cs: CipherSuiteProvider;
  readonly policy: GroupPolicy;
  readonly services: GroupServices;
}

/**
 * Encodes `state` for storage: every field but the run-time context and the
 * past epochs (see `group-state-body.ts` for the layout). A pending
 * Commit's state is included, its tree as the nodes it changes. Encoding
 * the same state twice gives the same bytes; the state is not modified.
 * @throws UsageError `secret-tree/wiped` when the state's secret tree was wiped.
 */
export function encodeGroupState(state: GroupState): Uint8Array {
  const w = new Writer(state.tree.nodeCount * 160 + 1024);
  writeHeader(w, "group-state", state.cs.suite.id);
  writeGroupStateBody(w, state, undefined);
  return w.finish();
}

/**
 * Decodes a group state written by {@link encodeGroupState}. The tree is
 * parsed structurally, not re-validated (it was validated when it entered
 * the state), and checked against the GroupContext's tree hash. `pastEpochs`
 * are the group's past-epoch records (decoded with `decodePastEpoch`, in
 * any order): they are kept newest first, at most `policy.pastEpochs`. A
 * pending Commit's state gets the history `enterEpoch` gives it: the current
 * epoch first among its past epochs, sharing its secret tree.
 * @throws StorageError `storage/corrupt` for a blob that is not a group
 *   state, is damaged or truncated, has trailing bytes, or does not agree
 *   with `pastEpochs` (another group, an epoch not before the state's, an
 *   epoch twice); `storage/unsupported-version` for a newer format;
 *   UsageError `usage/cipher-suite-mismatch` when `env.cs` is of another suite.
 */
export async function decodeGroupState(bytes: Uint8Array, env: GroupStateEnvironment, pastEpochs: readonly PastEpoch[]): Promise<GroupState> {
  const { body } = readHeader(bytes, "group-state", env.cs.suite.id);
  return decodingBody("group-state", async () => {
    const stored = body.field("GroupState", () => readGroupStateBody(body, env.cs, false));
    body.assertEnd();
    const current = assemble(stored, env, await loadTree(env.cs, treeBytes(stored), stored.groupContext.treeHash), {
      pastEpochs: arrangePastEpochs(pastEpochs, stored, env.policy),
      resumptionPsks: expectDefined(stored.resumptionPsks, "stored.resumptionPsks"),
    });
    if (stored.pending === undefined) return current;
    const next = stored.pending.body;
    const gc = next.groupContext;
    if (gc.epoch !== current.groupContext.epoch + 1n || !bytesEqual(gc.groupId, current.groupContext.groupId)) {
      throw corrupt("group-state", `the pending Commit's state is of epoch ${gc.epoch} of another group or epoch than ${current.groupContext.epoch} + 1`);
    }
    if (next.tree.kind !== "delta") throw corrupt("group-state", "the pending Commit's tree is not a delta");
    const tree = await loadTree(env.cs, applyTreeDelta(current.tree, next.tree.delta), gc.treeHash);
    const state = assemble(next, env, tree, historyAfter(current, env.policy));
    return { ...current, pendingCommit: { message: stored.pending.message, state } };
  });
}

function treeBytes(stored: StoredBody): Uint8Array {
  if (stored.tree.kind !== "full") throw corrupt("group-state", "the current state's tree is a delta");
  return stored.tree.bytes;
}

/** The past-epoch records of the state: of its group, before its epoch, each epoch once; newest first, cut to the policy. */
function arrangePastEpochs(pastEpochs: readonly PastEpoch[], stored: StoredBody, policy: GroupPolicy): PastEpoch[] {
  const { epoch, groupId } = stored.groupContext;
  const sorted = [...pastEpochs].sort((a, b) => (a.epoch > b.epoch ? -1 : a.epoch < b.epoch ? 1 : 0));
  for (const [i, p] of sorted.entries()) {
    if (!bytesEqual(p.framing.groupContext.groupId, groupId)) throw corrupt("group-state", `the past epoch ${p.epoch} is of another group`);
    if (p.epoch >= epoch) throw corrupt("group-state", `the past epoch ${p.epoch} is not before the state's epoch ${epoch}`);
    if (i > 0 && expectDefined(sorted[i - 1], "sorted[i - 1]").epoch === p.epoch) throw corrupt("group-state", `the past epoch ${p.epoch} is given twice`);
  }
  return sorted.slice(0, policy.pastEpochs);
}

/** The state of a decoded body with its loaded tree and its history; checks what needs the tree. */
function assemble(
  stored: StoredBody,
  env: GroupStateEnvironment,
  tree: RatchetTree,
  history: { readonly pastEpochs: readonly PastEpoch[]; readonly resumptionPsks: ReadonlyMap<bigint, Uint8Array> },
): GroupState {
  const { cs, policy, services } = env;
  if (stored.ownLeaf >= tree.leafCount) throw corrupt("group-state", `own leaf ${stored.ownLeaf} is not in a tree of ${tree.leafCount} leaves`);
  for (const [node] of stored.privateKeys) {
    if (node >= tree.nodeCount) throw corrupt("group-state", `a private key for node ${node}, outside a tree of ${tree.nodeCount} nodes`);
  }
  // enterEpoch sizes the secret tree by the epoch's ratchet tree.
  if (stored.secretTree.leafCount !== tree.leafCount) {
    throw corrupt("group-state", `a secret tree of ${stored.secretTree.leafCount} leaves for a ratchet tree of ${tree.leafCount}`);
  }
  return {
    cs,
    policy,
    services,
    groupContext: stored.groupContext,
    framing: createFramingContext(cs, stored.groupContext),
    tree,
    privateKeys: new TreePrivateKeys(stored.ownLeaf, stored.privateKeys),
    ownLeaf: stored.ownLeaf,
    signaturePrivateKey: stored.signaturePrivateKey,
    keys: stored.keys,
    secretTree: SecretTree.fromState(cs, stored.secretTree, { policy: policy.ratchet }),
    interimTranscriptHash: stored.interimTranscriptHash,
    confirmationTag: stored.confirmationTag,
    proposals: stored.proposals,
    pastEpochs: history.pastEpochs,
    resumptionPsks: history.resumptionPsks,
    pendingCommit: undefined,
    earlyMessages: stored.earlyMessages,
    reinit: stored.reinit,
    ownUpdates: stored.ownUpdates,
    status: stored.status,
    ...REDACTED_STATE,
  };
}
