/**
 * Keeps a client's KeyPackages published at the Delivery Service (RFC 9750
 * §5.1): `target` ordinary ones (each used once) and one last-resort
 * KeyPackage (RFC 9420 §16.8) for when they run out. The DS's count is the
 * truth (claims happen there), so a refill publishes what is missing.
 */
import type { Client } from "@mlskit/mls";
import type { DsConnection } from "./connection.js";

/** Options of {@link KeyPackageSupply}. */
export interface KeyPackageSupplyOptions {
  /** Ordinary KeyPackages to keep published (default 10). */
  readonly target?: number;
  /** Keep a last-resort KeyPackage published (default true). */
  readonly lastResort?: boolean;
}

/** A client's KeyPackage stock at the DS. */
export class KeyPackageSupply {
  readonly #client: Client;
  readonly #conn: DsConnection;
  readonly #target: number;
  readonly #lastResort: boolean;
  #running: Promise<number> | undefined;
  #again = false;

  constructor(client: Client, conn: DsConnection, options: KeyPackageSupplyOptions = {}) {
    this.#client = client;
    this.#conn = conn;
    this.#target = Math.max(0, options.target ?? 10);
    this.#lastResort = options.lastResort ?? true;
  }

  /**
   * Publishes the KeyPackages missing from the target (and the last-resort
   * one when the DS has none); returns how many were published. Calls made
   * while one runs share it, plus one more run after it.
   */
  refill(): Promise<number> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const run = async (): Promise<number> => {
      let published = 0;
      do {
        this.#again = false;
        published += await this.#refillOnce();
      } while (this.#again);
      return published;
    };
    this.#running = run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #refillOnce(): Promise<number> {
    const suite = this.#client.cipherSuite;
    const count = await this.#conn.keyPackageCount(suite);
    const missing = Math.max(0, this.#target - count.available);
    const keyPackages: Uint8Array[] = [];
    for (let i = 0; i < missing; i++) keyPackages.push((await this.#client.createKeyPackage()).keyPackage);
    const lastResort = this.#lastResort && !count.lastResort ? (await this.#client.createKeyPackage({ lastResort: true })).keyPackage : undefined;
    if (keyPackages.length === 0 && lastResort === undefined) return 0;
    await this.#conn.publishKeyPackages({ keyPackages, ...(lastResort !== undefined ? { lastResort } : {}) });
    return keyPackages.length + (lastResort !== undefined ? 1 : 0);
  }
}
