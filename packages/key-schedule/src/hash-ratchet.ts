/**
 * The per-sender hash ratchet of RFC 9420 §9.1, with the out-of-order window
 * and forward limit that §15.3 asks applications to define.
 *
 * ```
 * ratchet_secret_[N]_[j]
 *   +--> DeriveTreeSecret(., "nonce", j, AEAD.Nn) = ratchet_nonce_[N]_[j]
 *   +--> DeriveTreeSecret(., "key",   j, AEAD.Nk) = ratchet_key_[N]_[j]
 *   V
 * DeriveTreeSecret(., "secret", j, KDF.Nh) = ratchet_secret_[N]_[j+1]
 * ```
 */
import { wipe } from "@mlskit/codec";
import {
  type CipherSuiteProvider,
  UsageError,
  ValidationError,
  deriveTreeSecret,
  deriveTreeSecretSync,
  hasSyncKdf,
} from "@mlskit/core";
import { RatchetKeyNonce } from "./key-nonce.js";
import { Redacted } from "./redact.js";
import { type HashRatchetState, hashRatchetStateProblem } from "./secret-tree-state.js";
import { SerialQueue } from "./serial-queue.js";

/** Limits on a receiving ratchet (RFC 9420 §15.3 "Delayed and Reordered Application Messages"). */
export interface RatchetPolicy {
  /**
   * How many generations behind the newest derived one keep their unused key
   * and nonce for out-of-order messages: at most this many skipped keys are
   * retained per ratchet. 0 keeps none.
   */
  readonly outOfOrderWindow: number;
  /**
   * How many generations past the next expected one a receiver may be asked
   * to ratchet forward in one step; bounds the work a malicious sender can cause.
   */
  readonly maxForwardDistance: number;
}

/** Defaults: 1000 retained out-of-order keys, jumps of up to 1000 generations. */
export const DEFAULT_RATCHET_POLICY: RatchetPolicy = Object.freeze({ outOfOrderWindow: 1000, maxForwardDistance: 1000 });

/** What one ratchet step derived (see `HashRatchet.#step`). */
interface Step {
  readonly keyNonce: RatchetKeyNonce | undefined;
  readonly next: Uint8Array | undefined;
}

/** Generations are uint32 (RFC 9420 §6.3.2 SenderData, §9.1 DeriveTreeSecret). */
const MAX_GENERATION = 0xffffffff;

/** Options of a {@link HashRatchet}. */
export interface HashRatchetOptions {
  readonly policy?: RatchetPolicy;
  /** Names the ratchet in error messages, such as `"application ratchet of leaf 3"`. */
  readonly description?: string;
  /**
   * Called after every change of the ratchet's state (see
   * {@link HashRatchet.changeCount}); the secret tree counts its ratchets' changes this way.
   */
  readonly onChange?: () => void;
}

/** Throws unless `policy` holds non-negative integers. */
export function assertRatchetPolicy(policy: RatchetPolicy): void {
  for (const name of ["outOfOrderWindow", "maxForwardDistance"] as const) {
    const v = policy[name];
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new UsageError("secret-tree/invalid-policy", `RatchetPolicy.${name} must be a non-negative integer, got ${String(v)}`);
    }
  }
}

/**
 * One hash ratchet (handshake or application) of one leaf. Every key/nonce
 * pair is handed out at most once; consumed and evicted values are wiped
 * (RFC 9420 §9.2). Operations are serialised internally.
 */
export class HashRatchet extends Redacted {
  readonly #cs: CipherSuiteProvider;
  readonly #policy: RatchetPolicy;
  readonly #description: string;
  readonly #onChange: (() => void) | undefined;
  readonly #queue = new SerialQueue();
  /** `ratchet_secret_[#generation]`; undefined once exhausted or wiped. */
  #secret: Uint8Array | undefined;
  #generation = 0;
  /** Unused keys of generations below #generation, inside the window. */
  readonly #skipped = new Map<number, RatchetKeyNonce>();
  #wiped = false;
  #changes = 0;

  /** Starts at generation 0 from `baseSecret`, which the ratchet takes ownership of (and wipes). */
  constructor(cs: CipherSuiteProvider, baseSecret: Uint8Array, options: HashRatchetOptions = {}) {
    super("HashRatchet");
    const policy = options.policy ?? DEFAULT_RATCHET_POLICY;
    assertRatchetPolicy(policy);
    if (baseSecret.length !== cs.hashLength) {
      throw new UsageError("secret-tree/invalid-secret-length", `ratchet secret must be KDF.Nh = ${cs.hashLength} bytes`);
    }
    this.#cs = cs;
    this.#policy = policy;
    this.#description = options.description ?? "hash ratchet";
    this.#onChange = options.onChange;
    this.#secret = baseSecret;
  }

  /**
   * A ratchet in the state `state` (from {@link exportState}, possibly of
   * another process). The ratchet keeps copies of the bytes. Skipped keys
   * that do not fit the window of `options.policy` (which may be smaller than
   * the one the state was exported under) are left out.
   * @throws UsageError `secret-tree/invalid-state` when `state` breaks a rule
   *   of {@link hashRatchetStateProblem} (sizes, generations).
   */
  static fromState(cs: CipherSuiteProvider, state: HashRatchetState, options: HashRatchetOptions = {}): HashRatchet {
    const problem = hashRatchetStateProblem(cs, state);
    if (problem !== undefined) {
      throw new UsageError("secret-tree/invalid-state", `invalid hash ratchet state: ${problem.path}: ${problem.message}`);
    }
    const ratchet = new HashRatchet(cs, new Uint8Array(cs.hashLength), options);
    ratchet.#restoreFrom(state);
    return ratchet;
  }

  /** The generation {@link next} will hand out: one past the newest derived. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Counts the changes of the ratchet's state since it was created: +1 for
   * each key handed out by {@link next} or {@link get}, and for each key
   * {@link restore} put back. Failed calls and a {@link restore} that wipes
   * the key instead change nothing; nor does {@link wipe} (a wiped ratchet
   * has no state to keep).
   */
  get changeCount(): number {
    return this.#changes;
  }

  /**
   * The ratchet's state as plain data: copies of its secret and of the
   * skipped keys, ascending by generation. Take it between operations: it
   * reflects those that completed.
   * @throws UsageError `secret-tree/wiped` once the ratchet was wiped.
   */
  exportState(): HashRatchetState {
    this.#assertUsable();
    const skipped = [...this.#skipped.values()]
      .sort((a, b) => a.generation - b.generation)
      .map((k) => ({ generation: k.generation, key: k.key.slice(), nonce: k.nonce.slice() }));
    return { secret: this.#secret?.slice(), generation: this.#generation, skipped };
  }

  /** Sender side: the key and nonce of the next generation. A generation is never handed out twice. */
  next(): Promise<RatchetKeyNonce> {
    return this.#queue.run(async () => {
      this.#assertUsable();
      return this.#advanceTo(this.#generation);
    });
  }

  /**
   * Receiver side: the key and nonce of `generation`, consumed by this call.
   * Generations behind the current one are served from the out-of-order
   * window; generations ahead ratchet forward (at most
   * `maxForwardDistance` steps), keeping the skipped keys inside the window.
   *
   * @throws ValidationError `secret-tree/generation-consumed` (RFC 9420 §9.2),
   *   `secret-tree/generation-outside-window` or
   *   `secret-tree/generation-too-far-ahead` (RFC 9420 §15.3).
   */
  get(generation: number): Promise<RatchetKeyNonce> {
    return this.#queue.run(async () => {
      this.#assertUsable();
      if (!Number.isInteger(generation) || generation < 0 || generation > MAX_GENERATION) {
        throw new UsageError("secret-tree/invalid-generation", `generation must be a uint32, got ${String(generation)}`);
      }
      const { outOfOrderWindow, maxForwardDistance } = this.#policy;
      if (generation < this.#generation) {
        const kept = this.#skipped.get(generation);
        if (kept !== undefined) {
          this.#skipped.delete(generation);
          this.#changed();
          return kept;
        }
        // RFC 9420 §15.3: unused keys are kept only within the application's window.
        if (generation < this.#generation - 1 - outOfOrderWindow) {
          throw new ValidationError(
            "secret-tree/generation-outside-window",
            "15.3",
            `${this.#description}: generation ${generation} is more than ${outOfOrderWindow} generations behind ${this.#generation - 1}; its key is gone`,
          );
        }
        // RFC 9420 §9.2: a consumed key is deleted and each key/nonce is used once (§9.1).
        throw new ValidationError(
          "secret-tree/generation-consumed",
          "9.2",
          `${this.#description}: the key for generation ${generation} was already consumed`,
        );
      }
      // RFC 9420 §15.3: limit how far a message can make the receiver ratchet forward.
      if (generation - this.#generation > maxForwardDistance) {
        throw new ValidationError(
          "secret-tree/generation-too-far-ahead",
          "15.3",
          `${this.#description}: generation ${generation} is more than ${maxForwardDistance} generations ahead of ${this.#generation}`,
        );
      }
      return this.#advanceTo(generation);
    });
  }

  /**
   * Returns a key obtained from {@link get} whose use failed (for example, the
   * AEAD did not open): RFC 9420 §9.2 counts a key as consumed only after it
   * decrypted a message, so a forged message must not burn the genuine one's
   * key. The key goes back into the window if it still fits, else it is wiped.
   */
  restore(keyNonce: RatchetKeyNonce): void {
    const g = keyNonce.generation;
    const fits =
      !this.#wiped &&
      g < this.#generation &&
      g >= this.#generation - 1 - this.#policy.outOfOrderWindow &&
      !this.#skipped.has(g);
    if (fits) {
      this.#skipped.set(g, keyNonce);
      this.#changed();
    } else {
      keyNonce.wipe();
    }
  }

  /** Wipes every secret, key and nonce the ratchet holds; it cannot be used afterwards. */
  wipe(): void {
    this.#wiped = true;
    wipe(this.#secret);
    this.#secret = undefined;
    for (const k of this.#skipped.values()) k.wipe();
    this.#skipped.clear();
  }

  #changed(): void {
    this.#changes++;
    this.#onChange?.();
  }

  /** Replaces the fresh state of a ratchet made by {@link fromState} with `state` (already checked). */
  #restoreFrom(state: HashRatchetState): void {
    wipe(this.#secret);
    this.#secret = state.secret?.slice();
    this.#generation = state.generation;
    // RFC 9420 §15.3: keep only what the current policy's window allows.
    const keepFrom = state.generation - 1 - this.#policy.outOfOrderWindow;
    for (const k of state.skipped) {
      if (k.generation >= keepFrom) this.#skipped.set(k.generation, new RatchetKeyNonce(k.generation, k.key.slice(), k.nonce.slice()));
    }
  }

  #assertUsable(): void {
    if (this.#wiped) throw new UsageError("secret-tree/wiped", `${this.#description} was wiped`);
  }

  /**
   * One step of the ratchet from `ratchet_secret_[j]`: its key and nonce
   * (when `withKey`) and `ratchet_secret_[j+1]` (when `withNext`). With a
   * synchronous KDF the step is computed at once, without a promise.
   */
  #step(secret: Uint8Array, j: number, withKey: boolean, withNext: boolean): Step | Promise<Step> {
    const cs = this.#cs;
    const { aeadKeyLength, aeadNonceLength, hashLength } = cs;
    if (hasSyncKdf(cs)) {
      return {
        keyNonce: withKey
          ? new RatchetKeyNonce(
              j,
              deriveTreeSecretSync(cs, secret, "key", j, aeadKeyLength),
              deriveTreeSecretSync(cs, secret, "nonce", j, aeadNonceLength),
            )
          : undefined,
        next: withNext ? deriveTreeSecretSync(cs, secret, "secret", j, hashLength) : undefined,
      };
    }
    return Promise.all([
      withKey ? deriveTreeSecret(cs, secret, "key", j, aeadKeyLength) : undefined,
      withKey ? deriveTreeSecret(cs, secret, "nonce", j, aeadNonceLength) : undefined,
      withNext ? deriveTreeSecret(cs, secret, "secret", j, hashLength) : undefined,
    ]).then(([key, nonce, next]) => ({
      keyNonce: key !== undefined && nonce !== undefined ? new RatchetKeyNonce(j, key, nonce) : undefined,
      next,
    }));
  }

  /**
   * Ratchets from #generation to `target` inclusive. State changes only once
   * every derivation succeeded; superseded ratchet secrets are wiped as the
   * ratchet moves (RFC 9420 §9.2).
   */
  async #advanceTo(target: number): Promise<RatchetKeyNonce> {
    const original = this.#secret;
    const start = this.#generation;
    if (original === undefined) {
      throw new UsageError("secret-tree/ratchet-exhausted", `${this.#description} has no generation after ${MAX_GENERATION}`);
    }
    const window = this.#policy.outOfOrderWindow;
    const keepFrom = target - window;
    const kept: RatchetKeyNonce[] = [];
    let secret = original;
    try {
      for (let j = start; j < target; j++) {
        const step = this.#step(secret, j, j >= keepFrom, true);
        const { keyNonce: skipped, next } = step instanceof Promise ? await step : step;
        if (skipped !== undefined) kept.push(skipped);
        if (secret !== original) wipe(secret);
        secret = next!;
      }
      const last = this.#step(secret, target, true, target < MAX_GENERATION);
      const { keyNonce, next } = last instanceof Promise ? await last : last;
      const result = keyNonce!;
      if (secret !== original) wipe(secret);
      secret = original;
      if (this.#wiped) {
        result.wipe();
        wipe(next);
        throw new UsageError("secret-tree/wiped", `${this.#description} was wiped`);
      }
      wipe(original);
      this.#secret = next;
      this.#generation = target + 1;
      for (const k of kept) this.#skipped.set(k.generation, k);
      // Evict keys that fell out of the window as it moved forward.
      for (let g = Math.max(0, start - 1 - window); g < target - window; g++) {
        const old = this.#skipped.get(g);
        if (old !== undefined) {
          old.wipe();
          this.#skipped.delete(g);
        }
      }
      this.#changed();
      return result;
    } catch (e) {
      if (secret !== original) wipe(secret);
      for (const k of kept) k.wipe();
      throw e;
    }
  }
}
