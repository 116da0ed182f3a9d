/**
 * Telling the crypto provider that private keys are spent
 * (`CryptoProvider.forgetPrivateKey`, RFC 9420 §9.2 and §16.8): a provider
 * may keep something for a key outside its bytes (a non-extractable
 * `CryptoKey` in a key store), which wiping the bytes does not delete.
 * Called only once what no longer needs the keys is stored, so a crash in
 * between can leave a spent key behind, never lose one still needed.
 * Internal to the facade.
 */
import type { CryptoProvider } from "@mlskit/core";
import { type GroupState, LAST_RESORT_EXTENSION_TYPE } from "@mlskit/group";
import { LeafNodeSource, leafToNode } from "@mlskit/ratchet-tree";
import type { KeyDeletionFailure } from "./client-options.js";
import { expectDefined } from "@mlskit/core";

/** Where a spent key comes from, as {@link KeyDeletionFailure.reason} tells. */
export type SpentKeyReason = KeyDeletionFailure["reason"];

/** Forgets spent private keys with the provider; failures go to the application's hook, never to the operation. @internal */
export class KeyForgetter {
  readonly #crypto: CryptoProvider;
  readonly #onFailed: ((failure: KeyDeletionFailure) => void) | undefined;

  constructor(crypto: CryptoProvider, onFailed: ((failure: KeyDeletionFailure) => void) | undefined) {
    this.#crypto = crypto;
    this.#onFailed = onFailed;
  }

  /**
   * `crypto.forgetPrivateKey` for each key (nothing when the provider has no
   * such method). Never rejects: the state is already stored, so a failure
   * is reported to `onKeyDeletionFailed` (or, without one, `console.warn`).
   */
  async forget(keys: readonly Uint8Array[], reason: SpentKeyReason): Promise<void> {
    const forget = this.#crypto.forgetPrivateKey?.bind(this.#crypto);
    if (forget === undefined || keys.length === 0) return;
    const results = await Promise.allSettled(keys.map((k) => forget(k)));
    for (const r of results) if (r.status === "rejected") this.#report({ reason, error: r.reason });
  }

  #report(failure: KeyDeletionFailure): void {
    try {
      if (this.#onFailed !== undefined) this.#onFailed(failure);
      else console.warn(`mlskit: the crypto provider could not forget a spent private key (${failure.reason})`, failure.error);
    } catch {
      // The hook's own failure must not fail the operation either.
    }
  }
}

/**
 * The leaf private key `state` shares with other groups: the encryption key
 * of a last-resort KeyPackage (§10, §16.8) is the leaf key of every group
 * joined with it, and stays its own leaf's key until an Update or Commit
 * replaces it. Recognized by the own leaf still being the KeyPackage's
 * (`leaf_node_source` key_package) with `last_resort` in its capabilities
 * (which a last-resort KeyPackage's leaf lists). Such a key is never
 * forgotten when one group releases it.
 */
export function sharedLeafKey(state: GroupState): Uint8Array | undefined {
  const leaf = state.tree.leafNode(state.ownLeaf);
  if (leaf === undefined || leaf.leafNodeSource !== LeafNodeSource.key_package) return undefined;
  if (!leaf.capabilities.extensions.includes(LAST_RESORT_EXTENSION_TYPE)) return undefined;
  return state.privateKeys.get(leafToNode(state.ownLeaf))?.slice();
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** `keys` without those equal to `except`. */
export function without(keys: readonly Uint8Array[], except: Uint8Array | undefined): Uint8Array[] {
  return except === undefined ? [...keys] : keys.filter((k) => !sameBytes(k, except));
}

/** Every HPKE private key `state` holds (leaf, path and Update keys, a pending Commit's), without the shared leaf key. */
export function statePrivateKeys(state: GroupState): Uint8Array[] {
  const out: Uint8Array[] = [];
  const add = (k: Uint8Array): void => {
    if (!k.every((x) => x === 0) && !out.some((o) => sameBytes(o, k))) out.push(k.slice());
  };
  for (let s: GroupState | undefined = state; s !== undefined; s = s.pendingCommit?.state) {
    for (const n of s.privateKeys.nodes()) add(expectDefined(s.privateKeys.get(n), "s.privateKeys.get(n)"));
    for (const k of s.ownUpdates.values()) add(k);
  }
  return without(out, sharedLeafKey(state));
}
