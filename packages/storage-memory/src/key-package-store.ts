/** An in-memory {@link KeyPackageStore}. */
import type { KeyPackageMaterial, KeyPackageStore } from "@mlskit/core";
import { keyOf } from "./hex.js";

function copy(m: KeyPackageMaterial): KeyPackageMaterial {
  return {
    keyPackage: m.keyPackage.slice(),
    initPrivateKey: m.initPrivateKey.slice(),
    encryptionPrivateKey: m.encryptionPrivateKey.slice(),
    ...(m.lastResort !== undefined ? { lastResort: m.lastResort } : {}),
  };
}

/**
 * Holds KeyPackage private material by KeyPackageRef. It keeps its own
 * copies, and zeroes the private keys of material it deletes (best effort).
 */
export class MemoryKeyPackageStore implements KeyPackageStore {
  readonly #entries = new Map<string, KeyPackageMaterial>();

  async put(ref: Uint8Array, material: KeyPackageMaterial): Promise<void> {
    this.#entries.set(keyOf(ref), copy(material));
  }

  async get(ref: Uint8Array): Promise<KeyPackageMaterial | undefined> {
    const m = this.#entries.get(keyOf(ref));
    return m === undefined ? undefined : copy(m);
  }

  async take(ref: Uint8Array): Promise<KeyPackageMaterial | undefined> {
    const key = keyOf(ref);
    const m = this.#entries.get(key);
    if (m === undefined) return undefined;
    if (m.lastResort === true) return copy(m);
    this.#entries.delete(key);
    return m;
  }

  async delete(ref: Uint8Array): Promise<boolean> {
    const key = keyOf(ref);
    const m = this.#entries.get(key);
    if (m === undefined) return false;
    m.initPrivateKey.fill(0);
    m.encryptionPrivateKey.fill(0);
    return this.#entries.delete(key);
  }

  async count(): Promise<number> {
    return this.#entries.size;
  }
}
