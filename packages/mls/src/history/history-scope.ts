/**
 * The helpers of history sharing shared by its sharing, importing and
 * reading sides: branches of epochs, scoping a secret tree to senders,
 * exhausted ratchets, and resolving senders in an epoch's tree.
 */
import { bytesEqual, toHex, utf8 } from "@mlskit/codec";
import { type CipherSuiteProvider, type IdentityProvider, ValidationError, expectDefined } from "@mlskit/core";
import type { GroupPolicy, GroupState, PastEpoch } from "@mlskit/group";
import { EXHAUSTED_GENERATION, type HashRatchetState, SecretTree, type SecretTreeState } from "@mlskit/key-schedule";
import type { LeafIndex, RatchetTree } from "@mlskit/ratchet-tree";
import type { MemberRef } from "../group-proposals.js";
import type { HistoryKind, HistoryStore } from "./history-store.js";

/** The client's history store of a kind for a group (loaded once, then cached). */
export type HistoryStores = (kind: HistoryKind, state: Pick<GroupState, "cs" | "policy" | "groupContext">) => Promise<HistoryStore>;

/** The branch (confirmed transcript hash) this member's state holds epoch `epoch` on, when it holds it. */
export function ownBranch(state: GroupState, epoch: bigint): Uint8Array | undefined {
  if (epoch === state.groupContext.epoch) return state.groupContext.confirmedTranscriptHash;
  return state.pastEpochs.find((p) => p.epoch === epoch)?.framing.groupContext.confirmedTranscriptHash;
}

export function compareEpochs(a: { epoch: bigint; branch: Uint8Array }, b: { epoch: bigint; branch: Uint8Array }): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return toHex(a.branch) < toHex(b.branch) ? -1 : toHex(a.branch) > toHex(b.branch) ? 1 : 0;
}

/** A leaf index no member has: reading history, no leaf is "ours". */
export const NO_LEAF = 0x7fffffff as LeafIndex;

const EXHAUSTED: HashRatchetState = { secret: undefined, generation: EXHAUSTED_GENERATION, skipped: [] };

export function exhausted(r: HashRatchetState): boolean {
  return r.secret === undefined && r.skipped.length === 0;
}

export function outOfScope(message: string): ValidationError {
  return new ValidationError("history/out-of-scope", "15.3", message);
}

/**
 * The secret tree of `source` cut to `leaves`: only their application
 * ratchets, every other ratchet exhausted, no node secret. `source` is not
 * modified (the leaves are derived on a copy).
 */
export async function scopedSecretTree(cs: CipherSuiteProvider, source: SecretTree, leaves: ReadonlySet<number>): Promise<SecretTreeState> {
  const copy = SecretTree.fromState(cs, source.exportState());
  for (const leaf of leaves) await copy.ratchet(leaf, "application");
  const derived = new Map(copy.exportState().leaves.map((l) => [l.leaf, l.application]));
  copy.wipe();
  const out = [];
  for (let leaf = 0; leaf < source.leafCount; leaf++) {
    out.push({ leaf, handshake: EXHAUSTED, application: leaves.has(leaf) ? (derived.get(leaf) ?? EXHAUSTED) : EXHAUSTED });
  }
  return { leafCount: source.leafCount, nodes: [], leaves: out };
}

/** A past epoch with its secret tree replaced by `secretTree` and no membership key (never shared). */
export function pastWith(cs: CipherSuiteProvider, past: PastEpoch, secretTree: SecretTreeState, policy: GroupPolicy): PastEpoch {
  return {
    epoch: past.epoch,
    framing: past.framing,
    tree: past.tree,
    senderDataSecret: past.senderDataSecret,
    membershipKey: new Uint8Array(cs.hashLength),
    secretTree: SecretTree.fromState(cs, secretTree, { policy: policy.ratchet }),
  };
}

export async function identityOf(ip: IdentityProvider, tree: RatchetTree, leaf: number): Promise<Uint8Array | undefined> {
  const node = tree.leafNode(leaf as LeafIndex);
  return node === undefined ? undefined : ip.identity(node.credential);
}

/** The leaves of `tree` named by `senders` (all members when undefined). */
export async function resolveSenders(ip: IdentityProvider, tree: RatchetTree, senders: readonly MemberRef[] | undefined): Promise<Map<number, Uint8Array>> {
  const out = new Map<number, Uint8Array>();
  for (const l of tree.leaves()) {
    const id = expectDefined(await identityOf(ip, tree, l), "(await identityOf(ip, tree, l))");
    const named = senders === undefined || senders.some((s) => (typeof s === "number" ? s === l : bytesEqual(typeof s === "string" ? utf8(s) : s, id)));
    if (named) out.set(l, id);
  }
  return out;
}

/** An imported epoch with the ratchets of `next` where it has them, else those of `old`. */
export function merged(cs: CipherSuiteProvider, old: PastEpoch, next: PastEpoch, policy: GroupPolicy): PastEpoch {
  const a = old.secretTree.exportState();
  const b = next.secretTree.exportState();
  if (a.leafCount !== b.leafCount) return next;
  const leaves = b.leaves.map((l, i) => (exhausted(l.application) ? expectDefined(a.leaves[i], "a.leaves[i]") : l));
  return pastWith(cs, next, { leafCount: b.leafCount, nodes: [], leaves }, policy);
}
