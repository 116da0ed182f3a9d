/**
 * The handles the interop client gives the runner (state, transaction,
 * reinit and signer ids), held with a bound: at most `maxHandles` per kind,
 * and none unused for longer than `maxIdleMs`. The runner's test-runner
 * would release a script's states with a `Free` RPC, but our copy of the
 * proto has none (issue 13): without a bound, a long session keeps every
 * group of every script forever.
 *
 * Eviction takes the least recently used handle first; its resources are
 * released (`onRelease`: the group leaves the client's memory and storage,
 * a KeyPackage's private keys are deleted). A later call with an evicted or
 * freed handle gets FAILED_PRECONDITION naming the handle and why it went;
 * one that was never handed out, NOT_FOUND.
 */
import * as grpc from "@grpc/grpc-js";
import { InteropError, notFound } from "./errors.js";

/** Why a handle is no longer held. */
export type ReleaseReason = "freed" | "evicted-lru" | "evicted-idle";

/** The bounds of one {@link HandleTable}. */
export interface HandleLimits {
  /** Handles held at once; adding one more evicts the least recently used. */
  readonly maxHandles: number;
  /** A handle unused for longer than this is evicted (at the table's next use). */
  readonly maxIdleMs: number;
}

/** Defaults: far more than one script of the runner uses at once, and an hour of idleness. */
export const DEFAULT_HANDLE_LIMITS: HandleLimits = { maxHandles: 1024, maxIdleMs: 60 * 60 * 1000 };

interface Held<T> {
  readonly value: T;
  lastUsed: number;
}

/**
 * Handles of one kind, in least-recently-used order (a `Map` keeps insertion
 * order: a used handle is moved to the end, so the front is the next to go).
 */
export class HandleTable<T> {
  readonly #kind: string;
  readonly #limits: HandleLimits;
  readonly #onRelease: (id: number, value: T, reason: ReleaseReason) => void;
  readonly #now: () => number;
  readonly #held = new Map<number, Held<T>>();
  /** Recently released handles and why (bounded: the oldest records go first). */
  readonly #released = new Map<number, ReleaseReason>();
  #evictions = 0;

  constructor(kind: string, limits: HandleLimits, onRelease: (id: number, value: T, reason: ReleaseReason) => void, now: () => number = Date.now) {
    if (!Number.isInteger(limits.maxHandles) || limits.maxHandles < 1) throw new RangeError(`maxHandles must be a positive integer, not ${limits.maxHandles}`);
    if (!(limits.maxIdleMs > 0)) throw new RangeError(`maxIdleMs must be positive, not ${limits.maxIdleMs}`);
    this.#kind = kind;
    this.#limits = limits;
    this.#onRelease = onRelease;
    this.#now = now;
  }

  /** Handles held now. */
  get size(): number {
    return this.#held.size;
  }

  /** Handles evicted so far (least recently used or idle). */
  get evictions(): number {
    return this.#evictions;
  }

  /** Holds `value` under `id` (the most recently used), evicting what the bounds require. */
  add(id: number, value: T): void {
    this.#evictIdle();
    this.#held.set(id, { value, lastUsed: this.#now() });
    this.#released.delete(id);
    while (this.#held.size > this.#limits.maxHandles) {
      const oldest = this.#held.keys().next();
      if (oldest.done === true) break;
      this.#release(oldest.value, "evicted-lru");
    }
  }

  /**
   * The value of a held handle, which becomes the most recently used.
   * @throws InteropError FAILED_PRECONDITION `interop/handle-released` for a
   *   handle evicted or freed, NOT_FOUND `interop/unknown-id` for any other.
   */
  get(id: number): T {
    this.#evictIdle();
    const h = this.#held.get(id);
    if (h === undefined) throw this.#missing(id);
    this.#held.delete(id);
    h.lastUsed = this.#now();
    this.#held.set(id, h);
    return h.value;
  }

  /** The value of a held handle, without using it (undefined when not held). */
  peek(id: number): T | undefined {
    return this.#held.get(id)?.value;
  }

  /** Whether `id` was held and released (evicted or freed) recently. */
  released(id: number): boolean {
    return this.#released.has(id);
  }

  /** Whether `id` is held. */
  has(id: number): boolean {
    return this.#held.has(id);
  }

  /** The held values (least recently used first). */
  values(): T[] {
    return [...this.#held.values()].map((h) => h.value);
  }

  /** Stops holding a handle whose resources the caller took over (e.g. a KeyPackage a Welcome consumed); no `onRelease`. */
  take(id: number): T | undefined {
    const h = this.#held.get(id);
    if (h === undefined) return undefined;
    this.#held.delete(id);
    this.#remember(id, "freed");
    return h.value;
  }

  /** Releases a handle and its resources (`onRelease`). Returns whether it was held. */
  free(id: number): boolean {
    if (!this.#held.has(id)) return false;
    this.#release(id, "freed");
    return true;
  }

  #release(id: number, reason: ReleaseReason): void {
    const h = this.#held.get(id);
    if (h === undefined) return;
    this.#held.delete(id);
    this.#remember(id, reason);
    if (reason !== "freed") this.#evictions++;
    this.#onRelease(id, h.value, reason);
  }

  #remember(id: number, reason: ReleaseReason): void {
    this.#released.set(id, reason);
    // Enough to name recent handles precisely; older ones get NOT_FOUND.
    const cap = 4 * this.#limits.maxHandles;
    while (this.#released.size > cap) {
      const oldest = this.#released.keys().next();
      if (oldest.done === true) break;
      this.#released.delete(oldest.value);
    }
  }

  /** Evicts the handles unused for longer than `maxIdleMs` (they are at the front). */
  #evictIdle(): void {
    const cutoff = this.#now() - this.#limits.maxIdleMs;
    for (const [id, h] of this.#held) {
      if (h.lastUsed >= cutoff) break;
      this.#release(id, "evicted-idle");
    }
  }

  #missing(id: number): InteropError {
    const reason = this.#released.get(id);
    if (reason === undefined) return notFound(this.#kind, id);
    const why =
      reason === "freed"
        ? "it was freed"
        : reason === "evicted-lru"
          ? `it was evicted as the least recently used of more than ${this.#limits.maxHandles} ${this.#kind}s held (raise the client's maxHandles)`
          : `it was evicted after ${this.#limits.maxIdleMs} ms unused (raise the client's maxIdleMs)`;
    return new InteropError(grpc.status.FAILED_PRECONDITION, "interop/handle-released", `${this.#kind} ${id} is no longer held: ${why}`);
  }
}
