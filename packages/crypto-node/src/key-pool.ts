/**
 * X25519/X448 key pairs generated ahead of use on node:crypto's thread pool.
 *
 * An HPKE Encap needs a fresh ephemeral key pair (RFC 9180 §4.1), and a
 * Commit with a path a fresh leaf key pair (RFC 9420 §7.4): neither depends
 * on the message, so they can be made before they are asked for. Made on
 * this thread, each is a scalar multiplication (≈ 25-30 µs for X25519); a
 * small group's path Commit makes 5-7 of them one after another. Taken from
 * here, each costs this thread only the start and the completion of one
 * thread-pool job (≈ 8-10 µs), and the multiplication runs on another core.
 *
 * Bounded ({@link POOL_CAPACITY} per curve, process-wide), started by the
 * first take and refilled only by takes (at most {@link REFILL_PER_TAKE}
 * jobs each): no timer, and nothing in flight once demand stops, so it never
 * keeps a process alive. Each key pair is handed out once and then belongs to
 * the taker; the pool keeps no reference to it. A generation that fails
 * stops the refills for good (takers then generate their own).
 */
import { type KeyObject, generateKeyPair } from "node:crypto";
import { expectDefined } from "@mlskit/core";
import { u8 } from "./keys.js";

/** The curves generated here. */
export type MontgomeryCurve = "X25519" | "X448";

/** A generated key pair: the private key only as a `KeyObject` (never serialised here), the public key raw (RFC 7748). */
export interface PooledKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: Uint8Array;
}

/** Key pairs kept ready per curve: a path Commit of a group of up to about 32 members takes at most this many. */
const POOL_CAPACITY = 32;
/** Generations started per take: refills follow demand, at a bounded cost to the taker. */
const REFILL_PER_TAKE = 2;

/** One key pair generated on node:crypto's thread pool. */
function generateOnThreadPool(crv: MontgomeryCurve, done: (err: Error | null, pair?: PooledKeyPair) => void): void {
  const onDone = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
    if (err !== null) return done(err);
    let pair: PooledKeyPair;
    try {
      const raw = u8(Buffer.from(expectDefined(publicKey.export({ format: "jwk" }).x, "jwk.x"), "base64url"));
      if (raw.length !== (crv === "X25519" ? 32 : 56)) throw new RangeError(`${crv} key generation gave a ${raw.length}-byte public key`);
      pair = { privateKey, publicKey: raw };
    } catch (e) {
      return done(e instanceof Error ? e : new Error(String(e)));
    }
    done(null, pair);
  };
  if (crv === "X25519") generateKeyPair("x25519", undefined, onDone);
  else generateKeyPair("x448", undefined, onDone);
}

/** {@link generateOnThreadPool} as a promise. */
export function generateOnThreadPoolAsync(crv: MontgomeryCurve): Promise<PooledKeyPair> {
  return new Promise((resolve, reject) => generateOnThreadPool(crv, (err, pair) => (err !== null || pair === undefined ? reject(err ?? new Error("no key pair")) : resolve(pair))));
}

class KeyPairPool {
  readonly #ready: PooledKeyPair[] = [];
  #inFlight = 0;
  #failed = false;

  constructor(readonly crv: MontgomeryCurve) {}

  /** A key pair generated ahead of time, or `undefined` when none is ready; either way starts refills. */
  take(): PooledKeyPair | undefined {
    const pair = this.#ready.pop();
    this.#refill();
    return pair;
  }

  #refill(): void {
    for (let i = 0; i < REFILL_PER_TAKE && !this.#failed && this.#ready.length + this.#inFlight < POOL_CAPACITY; i++) {
      this.#inFlight++;
      generateOnThreadPool(this.crv, (err, pair) => {
        this.#inFlight--;
        if (err !== null || pair === undefined) this.#failed = true;
        else this.#ready.push(pair);
      });
    }
  }

  get sizes(): { ready: number; inFlight: number } {
    return { ready: this.#ready.length, inFlight: this.#inFlight };
  }
}

const pools = new Map<MontgomeryCurve, KeyPairPool>();

/** A key pair of `crv` generated ahead of time (never handed out before), or `undefined` when none is ready. */
export function takePooledKeyPair(crv: MontgomeryCurve): PooledKeyPair | undefined {
  let pool = pools.get(crv);
  if (pool === undefined) {
    pool = new KeyPairPool(crv);
    pools.set(crv, pool);
  }
  return pool.take();
}

/** Key pairs ready and being generated, per curve (for tests and reports). */
export function keyPairPoolSizes(crv: MontgomeryCurve): { ready: number; inFlight: number; capacity: number } {
  return { ...(pools.get(crv)?.sizes ?? { ready: 0, inFlight: 0 }), capacity: POOL_CAPACITY };
}
