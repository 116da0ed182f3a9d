/** An in-memory {@link PskStore} of external PSKs. */
import type { PskStore } from "@mlskit/core";
import { keyOf } from "./hex.js";

/** External PSKs by `psk_id` (RFC 9420 §8.4), copied in and out. */
export class MemoryPskStore implements PskStore {
  readonly #psks = new Map<string, Uint8Array>();

  async get(pskId: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#psks.get(keyOf(pskId))?.slice();
  }

  async put(pskId: Uint8Array, psk: Uint8Array): Promise<void> {
    this.#psks.set(keyOf(pskId), psk.slice());
  }

  async delete(pskId: Uint8Array): Promise<boolean> {
    const key = keyOf(pskId);
    this.#psks.get(key)?.fill(0);
    return this.#psks.delete(key);
  }
}
