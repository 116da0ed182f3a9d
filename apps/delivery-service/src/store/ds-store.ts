/**
 * The Delivery Service's storage seam. One interface, two implementations:
 * SQLite (the embedded default, one node) and PostgreSQL (several DS nodes
 * behind one address). The server holds no state of its own beyond
 * connections: everything a restart must keep is here.
 *
 * What every implementation promises (the store conformance tests check each):
 * - **Ordering (RFC 9750 §5.2).** {@link DsStore.appendMessage} is the
 *   ordering point: in one transaction it checks the group's epoch, and for a
 *   Commit moves it to the next epoch, so of two Commits for one epoch
 *   exactly one is accepted, across processes and nodes.
 * - **Atomic fan-out.** The message, every recipient's queue entry, the
 *   membership change, the new public view and GroupInfo, and the Welcome's
 *   queue entries are written in that same transaction: all or nothing.
 * - **Per-client queue order.** A client's queue `seq` values are strictly
 *   increasing in commit order: a reader that has seen `seq = n` never later
 *   finds a new entry with `seq <= n` (PostgreSQL: per-client counters
 *   taken under a row lock, recipients locked in sorted order).
 * - **Claim once.** A KeyPackage is handed out at most once; a last-resort
 *   KeyPackage only when none other is left, and it is kept.
 * - **Notification.** After a transaction that enqueued entries commits,
 *   every {@link DsStore.onEnqueued} listener (on every node sharing the
 *   database) is told which clients have new entries.
 */

/** A client as registered with the DS. */
export interface RegisteredClient {
  readonly clientId: string;
  readonly cipherSuite: number;
  readonly signaturePublicKey: Uint8Array;
  /** The TLS-encoded MLS Credential it presented. */
  readonly credential: Uint8Array;
}

/** A KeyPackage in the directory. */
export interface DirectoryKeyPackage {
  /** KeyPackageRef (RFC 9420 §5.2): unique per KeyPackage. */
  readonly ref: Uint8Array;
  /** MLSMessage(KeyPackage). */
  readonly bytes: Uint8Array;
}

/** A group as the DS knows it. */
export interface GroupRecord {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  /** Client ids the group's messages go to. */
  readonly members: readonly string[];
  /** The encoded public view (`@mlskit/group` observer), when the DS follows the group's public state. */
  readonly view: Uint8Array | undefined;
  readonly groupInfo: Uint8Array | undefined;
  readonly ratchetTree: Uint8Array | undefined;
}

/** What a Commit changes besides the epoch. */
export interface CommitEffects {
  /** Client ids that become members (Welcome recipients, an external joiner). */
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** The new public view; undefined keeps none (the DS stops following). */
  readonly view?: Uint8Array;
  readonly groupInfo?: Uint8Array;
  readonly ratchetTree?: Uint8Array;
  /** The Welcome, queued for `added` (kind "welcome", epoch = the new epoch). */
  readonly welcome?: Uint8Array;
}

/** A message to append to a group in its current epoch. */
export interface AppendInput {
  readonly groupId: Uint8Array;
  /** The epoch in the message header: must be the group's current epoch. */
  readonly epoch: bigint;
  readonly kind: "handshake" | "application";
  readonly sender: string;
  readonly message: Uint8Array;
  /** Present for a Commit: the epoch moves to `epoch + 1`. */
  readonly commit?: CommitEffects;
  /** Milliseconds since the Unix epoch (queue retention). */
  readonly now: number;
}

export type AppendResult =
  | { readonly accepted: true; readonly epoch: bigint }
  | { readonly accepted: false; readonly reason: "unknown-group" | "stale-epoch" | "future-epoch"; readonly currentEpoch: bigint };

/** A queue entry as stored. */
export interface StoredQueueItem {
  readonly seq: number;
  readonly kind: "welcome" | "handshake" | "application";
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly sender: string;
  readonly message: Uint8Array;
  readonly ratchetTree: Uint8Array | undefined;
}

/** Retention of undelivered queue entries. */
export interface RetentionPolicy {
  /** Entries older than this many milliseconds are dropped. */
  readonly maxAgeMs: number;
  /** At most this many entries per client; the oldest go first. */
  readonly maxPerClient: number;
}

export interface DsStore {
  /** Registers a client; "exists" when the id is taken by the same key, "conflict" by another key. */
  registerClient(client: RegisteredClient): Promise<"created" | "exists" | "conflict">;
  getClient(clientId: string): Promise<RegisteredClient | undefined>;
  /** Remembers a request nonce until `expiresAt` (ms); false when it was already seen (a replay). */
  rememberNonce(clientId: string, nonce: string, expiresAt: number): Promise<boolean>;

  /** Adds KeyPackages of `clientId` for `cipherSuite`; a `lastResort` one replaces the previous. Duplicate refs are ignored. */
  publishKeyPackages(clientId: string, cipherSuite: number, keyPackages: readonly DirectoryKeyPackage[], lastResort?: DirectoryKeyPackage): Promise<void>;
  /** Hands out one KeyPackage of the target (deleting it), or its last-resort one (kept) when none is left. */
  claimKeyPackage(clientId: string, cipherSuite: number): Promise<{ bytes: Uint8Array; lastResort: boolean } | undefined>;
  countKeyPackages(clientId: string, cipherSuite: number): Promise<{ available: number; lastResort: boolean }>;

  /** Creates a group at `epoch` with its first members; false when the id is taken. */
  createGroup(group: GroupRecord): Promise<boolean>;
  getGroup(groupId: Uint8Array): Promise<GroupRecord | undefined>;
  /**
   * The ordering point. Queues the message for every member but the sender
   * (for a Commit: the members before it, so removed members learn of their
   * removal), applies the Commit's effects, queues its Welcome to the added
   * clients — one transaction.
   */
  appendMessage(input: AppendInput): Promise<AppendResult>;
  /** Accepted handshake messages of epochs ≥ `fromEpoch`, oldest first, at most `limit`. */
  handshakesSince(groupId: Uint8Array, fromEpoch: bigint, limit: number): Promise<{ epoch: bigint; sender: string; message: Uint8Array }[]>;

  /** Entries of the client's queue with `seq > after`, oldest first; `truncated` when retention dropped unacknowledged entries after `after`. */
  fetchQueue(clientId: string, after: number, limit: number): Promise<{ items: StoredQueueItem[]; truncated: boolean }>;
  /** Drops the client's entries with `seq <= upTo`. */
  ackQueue(clientId: string, upTo: number): Promise<void>;
  /** Applies retention to every queue; returns how many entries were dropped. */
  pruneQueues(policy: RetentionPolicy, now: number): Promise<number>;

  /**
   * Listens for new queue entries (on this node and, for a shared database,
   * every node). The listener is told which clients have new entries, or
   * `"anyone"` when notifications may have been lost (the cross-node channel
   * reconnected): then every reader must look again. Returns an unsubscribe
   * function.
   */
  onEnqueued(listener: (clientIds: readonly string[] | "anyone") => void): () => void;
  close(): Promise<void>;
}
