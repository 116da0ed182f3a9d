/**
 * The deletion schedule applied between snapshots (RFC 9420 §9.2, §16.8):
 * when a new state replaces an old one for good (a Commit merged, a pending
 * Commit dropped, an epoch evicted from the ring of past epochs), every
 * secret the old state held that the new one no longer holds is zeroed: the
 * old epoch's secrets but the two a past epoch keeps, evicted past epochs'
 * secret trees and keys, superseded leaf and path private keys, Update keys
 * of proposals that went nowhere, a dropped pending Commit's secrets.
 * Snapshots share what did not change, so "no longer holds" is by identity.
 *
 * The HPKE private keys among them (leaf and path keys, Update keys) are
 * also returned, copied before the wipe, so the caller can tell the crypto
 * provider they are spent (`CryptoProvider.forgetPrivateKey`: a key handle's
 * non-extractable key lives outside the state, and wiping the handle's bytes
 * does not delete it).
 */
import { wipe } from "@mlskit/codec";
import type { SecretTree } from "@mlskit/key-schedule";
import type { GroupState } from "./group-state.js";
import { expectDefined } from "@mlskit/core";

interface Held {
  readonly bytes: Set<Uint8Array>;
  readonly trees: Set<SecretTree>;
  /** The HPKE private keys among `bytes` (tree nodes' keys, Update keys). */
  readonly privateKeys: Set<Uint8Array>;
}

function collect(state: GroupState, into: Held): void {
  for (const k of Object.values(state.keys) as Uint8Array[]) into.bytes.add(k);
  for (const n of state.privateKeys.nodes()) {
    const k = expectDefined(state.privateKeys.get(n), "state.privateKeys.get(n)");
    into.bytes.add(k);
    into.privateKeys.add(k);
  }
  for (const k of state.ownUpdates.values()) {
    into.bytes.add(k);
    into.privateKeys.add(k);
  }
  for (const k of state.resumptionPsks.values()) into.bytes.add(k);
  into.trees.add(state.secretTree);
  for (const p of state.pastEpochs) {
    into.bytes.add(p.senderDataSecret);
    into.bytes.add(p.membershipKey);
    into.trees.add(p.secretTree);
  }
  if (state.pendingCommit !== undefined) collect(state.pendingCommit.state, into);
}

const newHeld = (): Held => ({ bytes: new Set(), trees: new Set(), privateKeys: new Set() });

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Zeroes every secret of `old` that `next` does not hold. Call it once
 * `next` replaced `old` for good (the facade does, after storing `next`):
 * `old` is unusable afterwards. The signature private key is never touched
 * (it belongs to the client, not to the epoch).
 *
 * Returns copies (made before the wipe) of the HPKE private keys released:
 * the leaf and path keys (`privateKeys`, of the state and of a dropped
 * pending Commit) and Update keys (`ownUpdates`) that `next` no longer
 * holds, each once. A key `next` still holds by value in another array is
 * not listed (it is not spent); epoch secrets and the signature key never
 * are. Pass each to `CryptoProvider.forgetPrivateKey` (when the provider has
 * it): with non-extractable keys, a key handle's `CryptoKey` is only deleted
 * that way (RFC 9420 §9.2, forward secrecy).
 */
export function releaseSuperseded(old: GroupState, next: GroupState): Uint8Array[] {
  if (old === next) return [];
  const keep = newHeld();
  collect(next, keep);
  const held = newHeld();
  collect(old, held);
  const released: Uint8Array[] = [];
  const isSignatureKey = (b: Uint8Array): boolean => sameBytes(b, old.signaturePrivateKey) || sameBytes(b, next.signaturePrivateKey);
  for (const k of held.privateKeys) {
    if (keep.bytes.has(k) || k.every((x) => x === 0) || isSignatureKey(k)) continue;
    const kept = [...keep.privateKeys].some((other) => sameBytes(other, k));
    if (!kept && !released.some((r) => sameBytes(r, k))) released.push(k.slice());
  }
  for (const b of held.bytes) {
    if (!keep.bytes.has(b) && b !== old.signaturePrivateKey && b !== next.signaturePrivateKey) wipe(b);
  }
  for (const t of held.trees) if (!keep.trees.has(t)) t.wipe();
  return released;
}
