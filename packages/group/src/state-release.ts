/**
 * The deletion schedule applied between snapshots (RFC 9420 §9.2, §16.8):
 * when a new state replaces an old one for good (a Commit merged, a pending
 * Commit dropped, an epoch evicted from the ring of past epochs), every
 * secret the old state held that the new one no longer holds is zeroed: the
 * old epoch's secrets but the two a past epoch keeps, evicted past epochs'
 * secret trees and keys, superseded leaf and path private keys, Update keys
 * of proposals that went nowhere, a dropped pending Commit's secrets.
 * Snapshots share what did not change, so "no longer holds" is by identity.
 */
import { wipe } from "@mlskit/codec";
import type { SecretTree } from "@mlskit/key-schedule";
import type { GroupState } from "./group-state.js";

interface Held {
  readonly bytes: Set<Uint8Array>;
  readonly trees: Set<SecretTree>;
}

function collect(state: GroupState, into: Held): void {
  for (const k of Object.values(state.keys) as Uint8Array[]) into.bytes.add(k);
  for (const n of state.privateKeys.nodes()) into.bytes.add(state.privateKeys.get(n)!);
  for (const k of state.ownUpdates.values()) into.bytes.add(k);
  for (const k of state.resumptionPsks.values()) into.bytes.add(k);
  into.trees.add(state.secretTree);
  for (const p of state.pastEpochs) {
    into.bytes.add(p.senderDataSecret);
    into.bytes.add(p.membershipKey);
    into.trees.add(p.secretTree);
  }
  if (state.pendingCommit !== undefined) collect(state.pendingCommit.state, into);
}

/**
 * Zeroes every secret of `old` that `next` does not hold. Call it once
 * `next` replaced `old` for good (the facade does, after storing `next`):
 * `old` is unusable afterwards. The signature private key is never touched
 * (it belongs to the client, not to the epoch).
 */
export function releaseSuperseded(old: GroupState, next: GroupState): void {
  if (old === next) return;
  const keep: Held = { bytes: new Set(), trees: new Set() };
  collect(next, keep);
  const held: Held = { bytes: new Set(), trees: new Set() };
  collect(old, held);
  for (const b of held.bytes) {
    if (!keep.bytes.has(b) && b !== old.signaturePrivateKey && b !== next.signaturePrivateKey) wipe(b);
  }
  for (const t of held.trees) if (!keep.trees.has(t)) t.wipe();
}
