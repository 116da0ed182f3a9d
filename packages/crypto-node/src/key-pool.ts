/**
 * X25519/X448 key pairs generated ahead of use on node:crypto's thread pool.
 *
 * An HPKE Encap needs a fresh ephemeral key pair (RFC 9180 §4.1), and a
 * Commit with a path a fresh leaf key pair (RFC 9420 §7.4): neither depends
 * on the message, so they can be made before they are asked for. Made on
 * this thread, each is a scalar multiplication (≈ 25-30 µs for X25519); a
 * small group's path Commit makes 5-7 of them one after another. Taken from
 * here, each costs this thread an array pop; the multiplication ran earlier
 * on another core.
 *
 * Bounded ({@link POOL_CAPACITY} per curve, process-wide) and started by the
 * first take. Refills are not made by the takes of an operation: each job
 * started costs this thread its start and its completion, and a job running
 * beside the operation competes with it for this machine's cores. A take
 * instead schedules one refill to capacity for when the current burst of
 * takes (one operation's microtask chain) has yielded to the event loop
 * (`setImmediate`, unref'd: no timer, and nothing pending keeps a process
 * alive). Only a take that finds the pool empty starts jobs itself, all the
 * way to capacity at once: a caller that chains operations without yielding
 * (a benchmark loop, a batch) collects completed jobs only when it next
 * yields, and then finds the pool full; started a few per take instead,
 * it would find a few and run dry again. That take is already on the slow
 * path (it generates its own key). Each key pair is handed out once and then
 * belongs to the taker; the pool keeps no reference to it. A generation that
 * fails stops the refills for good (takers then generate their own).
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
  #refillScheduled = false;

  constructor(readonly crv: MontgomeryCurve) {}

  /** A key pair generated ahead of time, or `undefined` when none is ready; either way schedules a refill after this burst. */
  take(): PooledKeyPair | undefined {
    const pair = this.#ready.pop();
    if (pair === undefined) this.#fill();
    this.#scheduleRefill();
    return pair;
  }

  /** One refill to capacity per burst of takes, once the event loop turns (after the current operation's microtasks). */
  #scheduleRefill(): void {
    if (this.#refillScheduled || this.#failed) return;
    this.#refillScheduled = true;
    setImmediate(() => {
      this.#refillScheduled = false;
      this.#fill();
    }).unref();
  }

  /** Starts generations up to capacity (ready and in flight together), none once one has failed. */
  #fill(): void {
    while (!this.#failed && this.#ready.length + this.#inFlight < POOL_CAPACITY) {
      this.#inFlight++;
      generateOnThreadPool(this.crv, (err, pair) => {
        this.#inFlight--;
        if (err !== null || pair === undefined) this.#failed = true;
        else if (!this.#failed) this.#ready.push(pair);
      });
    }
  }

  get sizes(): { ready: number; inFlight: number; refillScheduled: boolean; failed: boolean } {
    return { ready: this.#ready.length, inFlight: this.#inFlight, refillScheduled: this.#refillScheduled, failed: this.#failed };
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
export function keyPairPoolSizes(crv: MontgomeryCurve): { ready: number; inFlight: number; capacity: number; refillScheduled: boolean; failed: boolean } {
  return { ...(pools.get(crv)?.sizes ?? { ready: 0, inFlight: 0, refillScheduled: false, failed: false }), capacity: POOL_CAPACITY };
}
