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
import { type CipherSuiteProvider, InternalError, UsageError, ValidationError, expectDefined } from "@mlskit/core";
import { RatchetKeyNonce } from "./key-nonce.js";
import { AHEAD_KEPT, type AheadStep, PendingKey } from "./pending-key.js";
import { DEFAULT_RATCHET_POLICY, type RatchetPolicy, assertRatchetPolicy } from "./ratchet-policy.js";
import { MAX_GENERATION, ratchetStep } from "./ratchet-step.js";
import { Redacted } from "./redact.js";
import { type HashRatchetState, hashRatchetStateProblem } from "./secret-tree-state.js";
import { SerialQueue } from "./serial-queue.js";

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
  /**
   * The chain derived ahead of #generation and not consumed yet (by
   * {@link peek}): entry i is generation #generation + i, its key and
   * `ratchet_secret` of the generation after it. In memory only.
   */
  readonly #ahead: AheadStep[] = [];
  /** Peeked keys not yet consumed or discarded: the look-ahead is trimmed only when none is. */
  #outstanding = 0;
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
   * {@link peek}ed and then passed to {@link consume}. Failed calls, a peek
   * alone and a discarded peek change nothing; nor does {@link wipe} (a
   * wiped ratchet has no state to keep).
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
    const skipped = [...this.#skipped.values()].sort((a, b) => a.generation - b.generation).map((k) => ({ generation: k.generation, key: k.key.slice(), nonce: k.nonce.slice() }));
    return { secret: this.#secret?.slice(), generation: this.#generation, skipped };
  }

  /** Sender side: the key and nonce of the next generation. A generation is never handed out twice. */
  next(): Promise<RatchetKeyNonce> {
    return this.#queue.run(async () => {
      this.#assertUsable();
      const target = this.#generation;
      await this.#extendTo(target);
      const step = expectDefined(this.#ahead[0], "this.#ahead[0]");
      this.#advance(target);
      // The look-ahead's own key is handed out: nobody else holds it.
      return step.key;
    });
  }

  /**
   * Receiver side: the key and nonce of `generation`, consumed by this call
   * (see {@link peek}, then {@link consume}).
   */
  async get(generation: number): Promise<RatchetKeyNonce> {
    const pending = await this.peek(generation);
    try {
      this.consume(pending);
    } catch (e) {
      pending.discard();
      throw e;
    }
    return pending.key;
  }

  /**
   * Receiver side: the key and nonce of `generation`, looked up WITHOUT
   * changing the ratchet's state. RFC 9420 §9.2 counts a key as consumed only
   * once it decrypted a message, and any member can forge sender data naming
   * any generation: so the ratchet moves, skipped keys are kept and old ones
   * evicted only when the caller, the message authenticated, calls
   * {@link consume}; {@link PendingKey.discard} leaves no trace in the state.
   * Generations behind the current one come from the out-of-order window;
   * generations ahead (at most `maxForwardDistance` steps, §15.3) come from a
   * look-ahead of the chain kept in memory, outside the exported state (it
   * is derivable from the ratchet secret the state holds anyway), so lookups
   * made side by side derive each generation once, and a forgery far ahead
   * costs its derivation once.
   *
   * @throws ValidationError `secret-tree/generation-consumed` (RFC 9420 §9.2),
   *   `secret-tree/generation-outside-window` or
   *   `secret-tree/generation-too-far-ahead` (RFC 9420 §15.3).
   */
  async peek(generation: number): Promise<PendingKey> {
    this.#assertUsable();
    if (!Number.isInteger(generation) || generation < 0 || generation > MAX_GENERATION) {
      throw new UsageError("secret-tree/invalid-generation", `generation must be a uint32, got ${String(generation)}`);
    }
    if (generation < this.#generation) return this.#peekKept(generation);
    // RFC 9420 §15.3: limit how far a message can make the receiver ratchet forward.
    if (generation - this.#generation > this.#policy.maxForwardDistance) {
      throw new ValidationError(
        "secret-tree/generation-too-far-ahead",
        "15.3",
        `${this.#description}: generation ${generation} is more than ${this.#policy.maxForwardDistance} generations ahead of ${this.#generation}`,
      );
    }
    await this.#queue.run(async () => {
      this.#assertUsable();
      await this.#extendTo(generation);
    });
    // Consumed meanwhile by another message of this sender: it may be in the window now.
    if (generation < this.#generation) return this.#peekKept(generation);
    const step = expectDefined(this.#ahead[generation - this.#generation], "this.#ahead[generation - this.#generation]");
    this.#outstanding++;
    return new PendingKey(new RatchetKeyNonce(generation, step.key.key.slice(), step.key.nonce.slice()), this, () => this.#settled());
  }

  /**
   * A peeked key was consumed or discarded. Once none is outstanding, a
   * look-ahead longer than {@link AHEAD_KEPT} is cut back, so forgeries naming
   * far generations cannot make a receiver hold their keys.
   */
  #settled(): void {
    this.#outstanding--;
    if (this.#outstanding > 0 || this.#ahead.length <= AHEAD_KEPT) return;
    for (const step of this.#ahead.splice(AHEAD_KEPT)) {
      step.key.wipe();
      wipe(step.next);
    }
  }

  /**
   * The message that used `pending`'s key authenticated: its generation is
   * consumed. The ratchet moves past it (keeping the skipped keys inside the
   * window, wiping superseded secrets and evicted keys, RFC 9420 §9.2), or
   * the kept key is deleted. Synchronous, so consumptions cannot interleave;
   * works for a key peeked from another ratchet of the same chain (a sender's
   * first message, derived apart, SecretTree.peekKey). The caller still owns
   * (and wipes) `pending.key`.
   * @throws ValidationError `secret-tree/generation-consumed` when another
   *   message consumed the generation meanwhile (a replay in flight).
   */
  consume(pending: PendingKey): void {
    this.#assertUsable();
    try {
      this.#consume(pending);
    } finally {
      pending.settle();
    }
  }

  #consume(pending: PendingKey): void {
    const target = pending.key.generation;
    if (target < this.#generation) {
      const kept = this.#skipped.get(target);
      if (kept === undefined) throw this.#goneError(target);
      this.#skipped.delete(target);
      kept.wipe();
      this.#changed();
      return;
    }
    if (target >= this.#generation + this.#ahead.length) {
      // Peeked on another ratchet of the same chain: take its look-ahead from where this one stands.
      const source = pending.source;
      if (source === this) throw new InternalError("secret-tree/look-ahead-lost", `${this.#description}: generation ${target} was peeked but is not ahead`);
      for (const s of source.#aheadCopy(this.#generation + this.#ahead.length, target)) this.#ahead.push(s);
    }
    // The look-ahead's copy of the key goes; the caller wipes its own.
    this.#advance(target).wipe();
  }

  /** Wipes every secret, key and nonce the ratchet holds; it cannot be used afterwards. */
  wipe(): void {
    this.#wiped = true;
    for (const step of this.#ahead) {
      step.key.wipe();
      wipe(step.next);
    }
    this.#ahead.length = 0;
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

  /** Why `generation`, behind the ratchet and not in its window, cannot be read. */
  #goneError(generation: number): ValidationError {
    const window = this.#policy.outOfOrderWindow;
    // RFC 9420 §15.3: unused keys are kept only within the application's window.
    if (generation < this.#generation - 1 - window) {
      return new ValidationError(
        "secret-tree/generation-outside-window",
        "15.3",
        `${this.#description}: generation ${generation} is more than ${window} generations behind ${this.#generation - 1}; its key is gone`,
      );
    }
    // RFC 9420 §9.2: a consumed key is deleted and each key/nonce is used once (§9.1).
    return new ValidationError("secret-tree/generation-consumed", "9.2", `${this.#description}: the key for generation ${generation} was already consumed`);
  }

  /** A key of the out-of-order window, looked up without consuming it. */
  #peekKept(generation: number): PendingKey {
    const kept = this.#skipped.get(generation);
    if (kept === undefined) throw this.#goneError(generation);
    return new PendingKey(new RatchetKeyNonce(generation, kept.key.slice(), kept.nonce.slice()), this, undefined);
  }

  /**
   * Extends the look-ahead to cover `target`, from a copy of its last secret
   * (a consumption meanwhile may take ownership of that secret). Runs in the
   * ratchet's queue; only appends, so consumptions may interleave.
   */
  async #extendTo(target: number): Promise<void> {
    let j = this.#generation + this.#ahead.length;
    if (j > target) return;
    const last = this.#ahead.length > 0 ? expectDefined(this.#ahead[this.#ahead.length - 1], "this.#ahead[this.#ahead.length - 1]").next : this.#secret;
    if (last === undefined) {
      throw new UsageError("secret-tree/ratchet-exhausted", `${this.#description} has no generation after ${MAX_GENERATION}`);
    }
    let secret: Uint8Array = last.slice();
    try {
      for (; j <= target; j++) {
        const step = ratchetStep(this.#cs, secret, j, true, j < MAX_GENERATION);
        const { keyNonce, next } = step instanceof Promise ? await step : step;
        wipe(secret);
        if (this.#wiped) {
          expectDefined(keyNonce, "keyNonce").wipe();
          wipe(next);
          throw new UsageError("secret-tree/wiped", `${this.#description} was wiped`);
        }
        this.#ahead.push({ key: expectDefined(keyNonce, "keyNonce"), next });
        if (next === undefined) break;
        secret = next.slice();
      }
    } finally {
      wipe(secret);
    }
  }

  /** Copies of the look-ahead's steps for generations `from`..`to` (both within it). */
  #aheadCopy(from: number, to: number): AheadStep[] {
    const out: AheadStep[] = [];
    for (let g = from; g <= to; g++) {
      const s = this.#ahead[g - this.#generation];
      if (s === undefined) throw new InternalError("secret-tree/look-ahead-lost", `${this.#description}: generation ${g} is not in the look-ahead`);
      out.push({ key: new RatchetKeyNonce(g, s.key.key.slice(), s.key.nonce.slice()), next: s.next?.slice() });
    }
    return out;
  }

  /**
   * Moves the ratchet past `target` (covered by the look-ahead): the
   * generations skipped on the way stay in the out-of-order window if they
   * fit, the others and the superseded secret are wiped, keys that fell out
   * of the window are evicted (RFC 9420 §9.2, §15.3). Returns the look-ahead's
   * key of `target`, which the caller owns.
   */
  #advance(target: number): RatchetKeyNonce {
    const start = this.#generation;
    const window = this.#policy.outOfOrderWindow;
    const steps = this.#ahead.splice(0, target - start + 1);
    for (let k = 0; k < steps.length - 1; k++) {
      const s = expectDefined(steps[k], "steps[k]");
      wipe(s.next);
      if (s.key.generation >= target - window && !this.#skipped.has(s.key.generation)) this.#skipped.set(s.key.generation, s.key);
      else s.key.wipe();
    }
    const last = expectDefined(steps[steps.length - 1], "steps[steps.length - 1]");
    wipe(this.#secret);
    this.#secret = last.next;
    this.#generation = target + 1;
    for (let g = Math.max(0, start - 1 - window); g < target - window; g++) {
      const old = this.#skipped.get(g);
      if (old !== undefined) {
        old.wipe();
        this.#skipped.delete(g);
      }
    }
    this.#changed();
    return last.key;
  }
}
