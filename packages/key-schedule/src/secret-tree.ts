/**
 * The secret tree (RFC 9420 §9): from `encryption_secret` at the root, a tree
 * of secrets shaped like the ratchet tree, whose leaves seed each member's
 * handshake and application hash ratchets.
 *
 * ```
 * tree_node_[N]_secret
 *   +--> ExpandWithLabel(., "tree", "left",  KDF.Nh) = tree_node_[left(N)]_secret
 *   +--> ExpandWithLabel(., "tree", "right", KDF.Nh) = tree_node_[right(N)]_secret
 * leaf secret
 *   +--> ExpandWithLabel(., "handshake",   "", KDF.Nh) = handshake_ratchet_secret_[N]_[0]
 *   +--> ExpandWithLabel(., "application", "", KDF.Nh) = application_ratchet_secret_[N]_[0]
 * ```
 *
 * Nothing is derived up front: the first use of a leaf derives the O(log N)
 * path down to it, and each parent's secret is deleted as soon as both its
 * children exist (RFC 9420 §9.2).
 */
import { wipe } from "@mlskit/codec";
import { type CipherSuiteProvider, InternalError, UsageError, ValidationError, expectDefined } from "@mlskit/core";
import { HashRatchet, type HashRatchetOptions } from "./hash-ratchet.js";
import type { PendingKey } from "./pending-key.js";
import { DEFAULT_RATCHET_POLICY, type RatchetPolicy, assertRatchetPolicy } from "./ratchet-policy.js";
import type { RatchetKeyNonce } from "./key-nonce.js";
import { Redacted } from "./redact.js";
import { type SecretTreeState, secretTreeStateProblem } from "./secret-tree-state.js";
import { type DetachedEntry, type DetachedLeaf, type LeafRatchets, type TreeKey, deriveLeafDetached, frontierOn } from "./secret-tree-leaf.js";
import { SerialQueue } from "./serial-queue.js";
import { left, right, root } from "./tree-math.js";

/** Which of a leaf's two ratchets (RFC 9420 §9): handshake (Proposal, Commit) or application messages. */
export type RatchetType = "handshake" | "application";

/** Options of a {@link SecretTree}. */
export interface SecretTreeOptions {
  /** Policy for application ratchets, and for handshake ratchets unless `handshakePolicy` is given. */
  readonly policy?: Partial<RatchetPolicy>;
  /** Policy for handshake ratchets. */
  readonly handshakePolicy?: Partial<RatchetPolicy>;
}

/** The key of a leaf's ratchet in `SecretTree.#reserved`. */
function reservedKey(leaf: number, type: RatchetType): string {
  return `${type}:${leaf}`;
}

/** The secret tree of one epoch. */
export class SecretTree extends Redacted {
  /** Number of leaves of the group's ratchet tree. */
  readonly leafCount: number;
  readonly #cs: CipherSuiteProvider;
  readonly #policies: Readonly<Record<RatchetType, RatchetPolicy>>;
  /** Secrets of tree nodes derived but not yet split (the frontier). */
  readonly #nodes = new Map<number, Uint8Array>();
  readonly #leaves = new Map<number, LeafRatchets>();
  readonly #queue = new SerialQueue();
  #wiped = false;
  #changes = 0;
  /** Keys of our own ratchets moved past ahead of their use ({@link reserve}), by leaf and type, oldest first. */
  readonly #reserved = new Map<string, RatchetKeyNonce[]>();
  /** Detached derivations of leaves not yet in the tree, shared by the lookups in flight. */
  readonly #detached = new Map<number, DetachedEntry>();

  /**
   * A tree over `leafCount` leaves rooted at `encryptionSecret`. The tree keeps
   * its own copy; the caller should wipe its `encryption_secret` once the tree
   * exists (RFC 9420 §9.2).
   */
  constructor(cs: CipherSuiteProvider, encryptionSecret: Uint8Array, leafCount: number, options: SecretTreeOptions = {}) {
    super("SecretTree");
    if (!Number.isInteger(leafCount) || leafCount < 1 || leafCount > 2 ** 30) {
      throw new UsageError("secret-tree/invalid-leaf-count", `leafCount must be an integer in [1, 2^30], got ${leafCount}`);
    }
    if (encryptionSecret.length !== cs.hashLength) {
      throw new UsageError("secret-tree/invalid-secret-length", `encryption_secret must be KDF.Nh = ${cs.hashLength} bytes`);
    }
    const application = { ...DEFAULT_RATCHET_POLICY, ...options.policy };
    const handshake = { ...application, ...options.handshakePolicy };
    assertRatchetPolicy(application);
    assertRatchetPolicy(handshake);
    this.#cs = cs;
    this.leafCount = leafCount;
    this.#policies = { handshake, application };
    this.#nodes.set(root(leafCount), encryptionSecret.slice());
  }

  /**
   * A secret tree in the state `state` (from {@link exportState}, possibly
   * of another process), with the same options as the constructor. The tree
   * keeps copies of the bytes; ratchets keep only the skipped keys that fit
   * the window of the policy given here (see {@link HashRatchet.fromState}).
   * Its {@link changeCount} starts at 0.
   * @throws UsageError `secret-tree/invalid-state` when `state` breaks a rule
   *   of {@link secretTreeStateProblem}; `secret-tree/invalid-policy` for a bad policy.
   */
  static fromState(cs: CipherSuiteProvider, state: SecretTreeState, options: SecretTreeOptions = {}): SecretTree {
    const problem = secretTreeStateProblem(cs, state);
    if (problem !== undefined) {
      throw new UsageError("secret-tree/invalid-state", `invalid secret tree state: ${problem.path}: ${problem.message}`);
    }
    const tree = new SecretTree(cs, new Uint8Array(cs.hashLength), state.leafCount, options);
    tree.#nodes.clear();
    for (const n of state.nodes) tree.#nodes.set(n.node, n.secret.slice());
    for (const l of state.leaves) {
      tree.#leaves.set(l.leaf, {
        handshake: HashRatchet.fromState(cs, l.handshake, tree.#ratchetOptions(l.leaf, "handshake")),
        application: HashRatchet.fromState(cs, l.application, tree.#ratchetOptions(l.leaf, "application")),
      });
    }
    return tree;
  }

  /**
   * Counts the changes of the tree's state since it was created or restored:
   * +1 for each step of the derivation of a leaf's ratchets on the first use
   * of the leaf (each node split on the path, then the leaf itself), and
   * every change of a ratchet ({@link HashRatchet.changeCount}: a key handed
   * out by {@link getKey}, {@link nextKey}, {@link withKey},
   * {@link withNextKey} or a ratchet's own `get`/`next`, and a key put back
   * after a failed use). Lookups that fail (consumed generation, outside the
   * window, leaf out of range) change nothing. A storage layer compares the
   * count before and after an operation to know whether the tree must be
   * written again.
   */
  get changeCount(): number {
    return this.#changes;
  }

  /**
   * The tree's state as plain data (copies of every secret): the frontier
   * node secrets ascending by node index, and the derived leaves' ratchets
   * ascending by leaf. Take it between operations: it reflects those that
   * completed (each step of an operation in flight leaves a consistent state).
   * @throws UsageError `secret-tree/wiped` once the tree was wiped.
   */
  exportState(): SecretTreeState {
    if (this.#wiped) throw new UsageError("secret-tree/wiped", "the secret tree was wiped");
    const nodes = [...this.#nodes.entries()].sort((a, b) => a[0] - b[0]).map(([node, secret]) => ({ node, secret: secret.slice() }));
    const leaves = [...this.#leaves.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([leaf, r]) => ({ leaf, handshake: r.handshake.exportState(), application: r.application.exportState() }));
    return { leafCount: this.leafCount, nodes, leaves };
  }

  /**
   * Receiver side: the key and nonce of `generation` in `leaf`'s ratchet,
   * consumed by this call; see {@link HashRatchet.get} for the errors.
   * Prefer {@link withKey}, which wipes the key after use.
   */
  async getKey(leaf: number, type: RatchetType, generation: number): Promise<RatchetKeyNonce> {
    return (await this.ratchet(leaf, type)).get(generation);
  }

  /**
   * Sender side: the key and nonce of the next unused generation of `leaf`'s
   * ratchet: a key {@link reserve}d earlier if there is one, else the ratchet's next.
   */
  async nextKey(leaf: number, type: RatchetType): Promise<RatchetKeyNonce> {
    return this.#reserved.get(reservedKey(leaf, type))?.shift() ?? (await this.ratchet(leaf, type)).next();
  }

  /**
   * Sender side: moves `leaf`'s ratchet past `count` generations now and
   * keeps their keys, in memory only, for the next {@link nextKey} calls.
   * The exported state stands after them, so storing it before sealing
   * means no restart can hand the same generation out again: a message
   * whose seal was lost to a crash costs a skipped generation, never a
   * reused key and nonce (RFC 9420 §9.2, §6.3.1). Reserved keys are
   * wiped with the tree.
   */
  async reserve(leaf: number, type: RatchetType, count: number): Promise<void> {
    if (!Number.isInteger(count) || count < 0) throw new UsageError("secret-tree/invalid-count", `count must be a non-negative integer, got ${count}`);
    const ratchet = await this.ratchet(leaf, type);
    const keys: RatchetKeyNonce[] = [];
    for (let i = 0; i < count; i++) keys.push(await ratchet.next());
    this.#reserved.set(reservedKey(leaf, type), [...(this.#reserved.get(reservedKey(leaf, type)) ?? []), ...keys]);
  }

  /**
   * Receiver side: the key of `generation` in `leaf`'s ratchet, looked up
   * WITHOUT changing the tree: neither the ratchet nor, for a sender's first
   * message this epoch, the path to its leaf moves until
   * {@link TreeKey.consume} (RFC 9420 §9.2: a key is consumed once it
   * decrypted a message; here, once the message authenticated, since any
   * member can forge sender data). {@link TreeKey.discard} leaves no trace.
   * Errors as {@link HashRatchet.peek}, and `secret-tree/leaf-out-of-range`.
   */
  async peekKey(leaf: number, type: RatchetType, generation: number): Promise<TreeKey> {
    this.#checkLeaf(leaf);
    const ready = this.#leaves.get(leaf);
    if (ready !== undefined) {
      const pending = await ready[type].peek(generation);
      return { key: pending.key, consume: () => ready[type].consume(pending), discard: () => pending.discard() };
    }
    // A sender's first messages this epoch, looked up side by side, share one detached derivation.
    const entry = this.#acquire(leaf);
    let pending: PendingKey;
    try {
      pending = await (await entry.derived).ratchets[type].peek(generation);
    } catch (e) {
      this.#release(leaf, entry);
      throw e;
    }
    return {
      key: pending.key,
      consume: () => {
        try {
          this.#attach(leaf, expectDefined(entry.value, "entry.value"))[type].consume(pending);
        } finally {
          this.#release(leaf, entry);
        }
      },
      discard: () => {
        pending.discard();
        this.#release(leaf, entry);
      },
    };
  }

  /** The shared detached derivation of an underived leaf, with one more user. */
  #acquire(leaf: number): DetachedEntry {
    let entry = this.#detached.get(leaf);
    if (entry === undefined) {
      const created: DetachedEntry = { users: 0, value: undefined, derived: undefined as unknown as Promise<DetachedLeaf> };
      created.derived = this.#deriveDetached(leaf).then((d) => (created.value = d));
      created.derived.catch(() => undefined);
      this.#detached.set(leaf, created);
      entry = created;
    }
    entry.users++;
    return entry;
  }

  /**
   * One user of a detached derivation is done. With none left it is
   * forgotten, and wiped unless it became the leaf's ratchets: forgeries
   * naming an underived leaf leave nothing behind.
   */
  #release(leaf: number, entry: DetachedEntry): void {
    if (--entry.users > 0) return;
    if (this.#detached.get(leaf) === entry) this.#detached.delete(leaf);
    const d = entry.value;
    if (d !== undefined && this.#leaves.get(leaf) !== d.ratchets) d.wipe();
  }

  /**
   * Runs `use` (typically an AEAD open and a signature check) with the key of
   * `generation`, and consumes the generation only if `use` succeeds
   * ({@link peekKey}); the key is wiped either way. A forged message leaves
   * ratchet positions and retained keys exactly as they were.
   */
  async withKey<T>(leaf: number, type: RatchetType, generation: number, use: (key: RatchetKeyNonce) => Promise<T> | T): Promise<T> {
    const pending = await this.peekKey(leaf, type, generation);
    let result: T;
    try {
      result = await use(pending.key);
      pending.consume();
    } catch (e) {
      pending.discard();
      throw e;
    }
    pending.key.wipe();
    return result;
  }

  /** Runs `use` (typically an AEAD seal) with the next key of `leaf`'s ratchet, then wipes it. */
  async withNextKey<T>(leaf: number, type: RatchetType, use: (key: RatchetKeyNonce) => Promise<T> | T): Promise<T> {
    const key = await this.nextKey(leaf, type);
    try {
      return await use(key);
    } finally {
      key.wipe();
    }
  }

  /**
   * The ratchet of one leaf, deriving the path to the leaf on first use.
   * @throws ValidationError `secret-tree/leaf-out-of-range` for a leaf the
   *   tree does not have (RFC 9420 §6.3.2: the sender's leaf must exist).
   */
  async ratchet(leaf: number, type: RatchetType): Promise<HashRatchet> {
    this.#checkLeaf(leaf);
    const ready = this.#leaves.get(leaf);
    if (ready !== undefined) return ready[type];
    const created = await this.#queue.run(() => this.#deriveLeaf(leaf));
    return created[type];
  }

  /** Wipes every node secret and ratchet; the tree cannot be used afterwards. */
  wipe(): void {
    this.#wiped = true;
    for (const queue of this.#reserved.values()) for (const k of queue) k.wipe();
    this.#reserved.clear();
    for (const e of this.#detached.values()) e.value?.wipe();
    this.#detached.clear();
    for (const s of this.#nodes.values()) wipe(s);
    this.#nodes.clear();
    for (const r of this.#leaves.values()) {
      r.handshake.wipe();
      r.application.wipe();
    }
    this.#leaves.clear();
  }

  async #deriveLeaf(leaf: number): Promise<LeafRatchets> {
    const existing = this.#leaves.get(leaf);
    if (existing !== undefined) return existing;
    const entry = this.#acquire(leaf);
    try {
      return this.#attach(leaf, await entry.derived);
    } finally {
      this.#release(leaf, entry);
    }
  }

  /**
   * Derives the ratchets of `leaf` from a copy of the frontier secret above
   * it, with the secrets of the path's off-path children, changing nothing
   * in the tree (so a lookup for a message that then fails leaves no trace,
   * and concurrent derivations cannot wipe each other's inputs).
   */
  async #deriveDetached(leaf: number): Promise<DetachedLeaf> {
    const x = frontierOn(this.#nodes, this.leafCount, leaf);
    const detached = await deriveLeafDetached(this.#cs, x, expectDefined(this.#nodes.get(x), "this.#nodes.get(x)"), leaf, (handshake, application) => ({
      handshake: new HashRatchet(this.#cs, handshake, this.#ratchetOptions(leaf, "handshake")),
      application: new HashRatchet(this.#cs, application, this.#ratchetOptions(leaf, "application")),
    }));
    if (this.#wiped) {
      detached.wipe();
      throw new UsageError("secret-tree/wiped", "the secret tree was wiped");
    }
    return detached;
  }

  /**
   * Makes a detached derivation of `leaf` part of the tree: the frontier node
   * on its path (wherever it stands now: other leaves may have been derived
   * since) is split down to the leaf, its secret and the leaf's deleted
   * (RFC 9420 §9.2: consumed once both children exist), the off-path
   * children kept. Synchronous, so it cannot interleave with another. When
   * the leaf was derived meanwhile, the detached copy is wiped and the live
   * ratchets returned (a derivation is deterministic: they are the same chain).
   */
  #attach(leaf: number, detached: DetachedLeaf): LeafRatchets {
    if (this.#wiped) throw new UsageError("secret-tree/wiped", "the secret tree was wiped");
    // Attached meanwhile (by the sender's own path, derived apart): the same chain; the last user of `detached` wipes it.
    const existing = this.#leaves.get(leaf);
    if (existing !== undefined) return existing;
    const target = 2 * leaf;
    let x = frontierOn(this.#nodes, this.leafCount, leaf);
    wipe(this.#nodes.get(x));
    this.#nodes.delete(x);
    while (x !== target) {
      const goLeft = target < x;
      const off = goLeft ? right(x) : left(x);
      const secret = detached.offPath.get(off);
      if (secret === undefined) throw new InternalError("secret-tree/missing-node", `the derivation of leaf ${leaf} lacks node ${off}`);
      this.#nodes.set(off, secret);
      detached.offPath.delete(off);
      x = goLeft ? left(x) : right(x);
    }
    // What was split above the current frontier is already in the tree (or consumed): drop our copies.
    for (const v of detached.offPath.values()) wipe(v);
    detached.offPath.clear();
    this.#leaves.set(leaf, detached.ratchets);
    this.#changes++;
    return detached.ratchets;
  }

  #checkLeaf(leaf: number): void {
    if (this.#wiped) throw new UsageError("secret-tree/wiped", "the secret tree was wiped");
    if (!Number.isInteger(leaf) || leaf < 0 || leaf >= this.leafCount) {
      throw new ValidationError("secret-tree/leaf-out-of-range", "6.3.2", `leaf index ${leaf} is not in a tree of ${this.leafCount} leaves`);
    }
  }

  #ratchetOptions(leaf: number, type: RatchetType): HashRatchetOptions {
    return {
      policy: this.#policies[type],
      description: `${type} ratchet of leaf ${leaf}`,
      onChange: () => {
        this.#changes++;
      },
    };
  }
}
