/**
 * The crash test's Delivery Service: durable, in its own SQLite file, and
 * part of the harness (not the product's DS). Per group it keeps an ordered
 * log of messages in which each epoch has at most one accepted Commit (the
 * first wins, RFC 9750 §5.2's strongly consistent ordering), the Welcome of
 * each joiner, and per member a cursor the application advances only after
 * it processed a message and put what it read in its inbox, in the same
 * transaction. It also holds the harness's oracles: the plaintext each sender
 * sent, the epoch authenticator the first member to reach an epoch saw, the
 * "intents" written before each library call (so a restart can tell what the
 * crash interrupted), and counters.
 *
 * Every method is one SQLite transaction, so SIGKILL leaves each of them whole or absent.
 */
import Sqlite from "better-sqlite3";

/** A message of a group's log. */
export interface LogEntry {
  readonly seq: number;
  readonly gid: string;
  readonly kind: "commit" | "application";
  /** The epoch of the message (for a Commit, the epoch it ends). */
  readonly epoch: number;
  readonly sender: string;
  readonly bytes: Uint8Array;
  /** What the sender encrypted (the harness's oracle; a real DS never sees it). */
  readonly plaintext: string | null;
}

/** One period of a client's membership of a group, from the Commit that added it (or the group's creation) to the Commit that removed it. */
export interface Membership {
  readonly id: number;
  readonly gid: string;
  readonly name: string;
  /** The first epoch the client is a member of. */
  readonly joinEpoch: number;
  /** The log position of the Commit that added the client (0 for the creator): it reads what follows. */
  readonly fromSeq: number;
  /** The log position of the Commit that removed it (the last message it reads), or null. */
  readonly untilSeq: number | null;
  readonly welcome: Uint8Array | null;
  readonly welcomeAcked: boolean;
  /** The last log position acknowledged. */
  readonly cursor: number;
  readonly removalAcked: boolean;
  /** Set when the member's state could not follow the log: it is left alone afterwards (a violation was recorded). */
  readonly broken: boolean;
}

/** What a Commit submission carries besides the Commit. */
export interface CommitExtras {
  readonly welcome?: Uint8Array;
  readonly joiner?: string;
  readonly keyPackageRef?: string;
  readonly removed?: string;
}

/** The DS's answer to a submission. */
export type Submission = { readonly accepted: true; readonly seq: number } | { readonly accepted: false; readonly reason: string };

/** What a member read, as acknowledged. */
export interface InboxItem {
  readonly seq: number;
  /** `read`: the plaintext; `lost`: consumed by the library before a crash, never handed to the app; `failed`: a violation was recorded. */
  readonly status: "read" | "lost" | "failed";
  readonly plaintext: string | null;
}

/** Counters kept with the events they count (in the same transaction). */
export type Stat =
  | "groupsCreated"
  | "appSent"
  | "appBursts"
  | "appRejected"
  | "commitsAccepted"
  | "commitsRejected"
  | "adds"
  | "removes"
  | "updates"
  | "keyPackagesPublished"
  | "appRead"
  | "appReadAfterRestart"
  | "appLost"
  | "appFailed"
  | "commitsMerged"
  | "ownCommitsMerged"
  | "commitsMergedBeforeCrash"
  | "removalsProcessed"
  | "welcomesJoined"
  | "welcomesJoinedBeforeCrash"
  | "pendingCommitsDiscarded"
  | "replaysRejected"
  | "authenticatorChecks";

interface MembershipRow {
  id: number;
  gid: string;
  name: string;
  join_epoch: number;
  from_seq: number;
  until_seq: number | null;
  welcome: Buffer | null;
  welcome_acked: number;
  cursor: number;
  removal_acked: number;
  broken: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS groups (gid TEXT PRIMARY KEY, creator TEXT NOT NULL, epoch INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, gid TEXT NOT NULL, kind TEXT NOT NULL, epoch INTEGER NOT NULL,
  sender TEXT NOT NULL, bytes BLOB NOT NULL, plaintext TEXT, run INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS one_commit_per_epoch ON log (gid, epoch) WHERE kind = 'commit';
CREATE INDEX IF NOT EXISTS log_by_group ON log (gid, seq);
CREATE TABLE IF NOT EXISTS memberships (
  id INTEGER PRIMARY KEY AUTOINCREMENT, gid TEXT NOT NULL, name TEXT NOT NULL, join_epoch INTEGER NOT NULL,
  from_seq INTEGER NOT NULL, until_seq INTEGER, welcome BLOB, welcome_acked INTEGER NOT NULL, cursor INTEGER NOT NULL,
  removal_acked INTEGER NOT NULL DEFAULT 0, broken INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS key_packages (ref TEXT PRIMARY KEY, name TEXT NOT NULL, bytes BLOB NOT NULL, used_in TEXT);
CREATE TABLE IF NOT EXISTS inbox (name TEXT NOT NULL, seq INTEGER NOT NULL, status TEXT NOT NULL, plaintext TEXT, PRIMARY KEY (name, seq));
CREATE TABLE IF NOT EXISTS intents (name TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (name, seq, kind));
CREATE TABLE IF NOT EXISTS authenticators (gid TEXT NOT NULL, epoch INTEGER NOT NULL, value TEXT NOT NULL, first_by TEXT NOT NULL, PRIMARY KEY (gid, epoch));
CREATE TABLE IF NOT EXISTS stats (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

const toEntry = (r: { seq: number; gid: string; kind: string; epoch: number; sender: string; bytes: Buffer; plaintext: string | null }): LogEntry => ({
  seq: r.seq,
  gid: r.gid,
  kind: r.kind as LogEntry["kind"],
  epoch: r.epoch,
  sender: r.sender,
  bytes: new Uint8Array(r.bytes),
  plaintext: r.plaintext,
});

const toMembership = (r: MembershipRow): Membership => ({
  id: r.id,
  gid: r.gid,
  name: r.name,
  joinEpoch: r.join_epoch,
  fromSeq: r.from_seq,
  untilSeq: r.until_seq,
  welcome: r.welcome === null ? null : new Uint8Array(r.welcome),
  welcomeAcked: r.welcome_acked === 1,
  cursor: r.cursor,
  removalAcked: r.removal_acked === 1,
  broken: r.broken === 1,
});

/** The durable simulated Delivery Service (see the module comment). */
export class DeliveryService {
  readonly #db: Sqlite.Database;
  readonly #run: number;

  /** Opens (creating when missing) the DS in `path`; `run` is recorded with every message. */
  constructor(path: string, run: number) {
    this.#db = new Sqlite(path);
    // WAL: a committed transaction is in the WAL file once the call returns, which SIGKILL cannot undo.
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = NORMAL");
    this.#db.exec(SCHEMA);
    this.#run = run;
  }

  /** Closes the database. */
  close(): void {
    this.#db.close();
  }

  #bump(stat: Stat, by = 1): void {
    if (by === 0) return;
    this.#db.prepare("INSERT INTO stats (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value").run(stat, by);
  }

  /** Adds to a counter on its own (for events with no other DS write). */
  count(stat: Stat, by = 1): void {
    this.#bump(stat, by);
  }

  /** Every counter. */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.#db.prepare("SELECT key, value FROM stats").all() as { key: string; value: number }[]) out[r.key] = r.value;
    return out;
  }

  // ---- groups and membership ----

  /** The groups the DS knows, with their current epoch (the number of accepted Commits). */
  groups(): { gid: string; creator: string; epoch: number }[] {
    return this.#db.prepare("SELECT gid, creator, epoch FROM groups ORDER BY gid").all() as { gid: string; creator: string; epoch: number }[];
  }

  /** The group's current epoch, or undefined. */
  epoch(gid: string): number | undefined {
    return (this.#db.prepare("SELECT epoch FROM groups WHERE gid = ?").get(gid) as { epoch: number } | undefined)?.epoch;
  }

  /** Registers a group its creator made (epoch 0), with the creator's authenticator of epoch 0. */
  createGroup(gid: string, creator: string, authenticator: string): void {
    this.#db.transaction(() => {
      this.#db.prepare("INSERT INTO groups (gid, creator, epoch) VALUES (?, ?, 0)").run(gid, creator);
      this.#db.prepare("INSERT INTO memberships (gid, name, join_epoch, from_seq, welcome_acked, cursor) VALUES (?, ?, 0, 0, 1, 0)").run(gid, creator);
      this.#db.prepare("INSERT INTO authenticators (gid, epoch, value, first_by) VALUES (?, 0, ?, ?)").run(gid, authenticator, creator);
      this.#bump("groupsCreated");
    })();
  }

  /** The client's latest membership of the group, if it ever was a member. */
  membership(gid: string, name: string): Membership | undefined {
    const r = this.#db.prepare("SELECT * FROM memberships WHERE gid = ? AND name = ? ORDER BY id DESC LIMIT 1").get(gid, name) as MembershipRow | undefined;
    return r === undefined ? undefined : toMembership(r);
  }

  /** Memberships not yet removed by an accepted Commit: the group's members as the DS sees them. */
  members(gid: string): Membership[] {
    return (this.#db.prepare("SELECT * FROM memberships WHERE gid = ? AND until_seq IS NULL ORDER BY name").all(gid) as MembershipRow[]).map(toMembership);
  }

  /** Every client's latest membership of the group. */
  latestMemberships(gid: string): Membership[] {
    return (
      this.#db
        .prepare("SELECT * FROM memberships m WHERE gid = ? AND id = (SELECT MAX(id) FROM memberships WHERE gid = m.gid AND name = m.name) ORDER BY name")
        .all(gid) as MembershipRow[]
    ).map(toMembership);
  }

  /** Marks a membership whose state cannot follow the log any more. */
  markBroken(id: number): void {
    this.#db.prepare("UPDATE memberships SET broken = 1 WHERE id = ?").run(id);
  }

  // ---- KeyPackages ----

  /** Publishes a client's KeyPackage. */
  publishKeyPackage(name: string, ref: string, bytes: Uint8Array): void {
    this.#db.transaction(() => {
      this.#db.prepare("INSERT INTO key_packages (ref, name, bytes) VALUES (?, ?, ?)").run(ref, name, bytes);
      this.#bump("keyPackagesPublished");
    })();
  }

  /** The client's latest unused published KeyPackage. */
  unusedKeyPackage(name: string): { ref: string; bytes: Uint8Array } | undefined {
    const r = this.#db.prepare("SELECT ref, bytes FROM key_packages WHERE name = ? AND used_in IS NULL ORDER BY rowid DESC LIMIT 1").get(name) as
      { ref: string; bytes: Buffer } | undefined;
    return r === undefined ? undefined : { ref: r.ref, bytes: new Uint8Array(r.bytes) };
  }

  // ---- submissions ----

  /**
   * Appends application messages of one sender, in order. Refused when the
   * sender is no longer a member, or when the messages are more than two
   * epochs old: every reader then still keeps their epoch (3 past epochs).
   */
  submitApplication(gid: string, sender: string, epoch: number, messages: readonly { bytes: Uint8Array; plaintext: string }[]): Submission {
    return this.#db.transaction((): Submission => {
      const current = this.epoch(gid);
      const member = this.membership(gid, sender);
      if (current === undefined || member === undefined || member.untilSeq !== null || !member.welcomeAcked) {
        this.#bump("appRejected", messages.length);
        return { accepted: false, reason: "not-a-member" };
      }
      if (epoch < current - 2 || epoch > current) {
        this.#bump("appRejected", messages.length);
        return { accepted: false, reason: "epoch" };
      }
      let seq = 0;
      const insert = this.#db.prepare("INSERT INTO log (gid, kind, epoch, sender, bytes, plaintext, run) VALUES (?, 'application', ?, ?, ?, ?, ?)");
      for (const m of messages) seq = Number(insert.run(gid, epoch, sender, m.bytes, m.plaintext, this.#run).lastInsertRowid);
      this.#bump("appSent", messages.length);
      if (messages.length > 1) this.#bump("appBursts");
      return { accepted: true, seq };
    })();
  }

  /**
   * Submits a Commit of `epoch`: accepted when it is the group's current
   * epoch (first Commit wins), the sender is a member, and the Add's
   * KeyPackage is unused and its client not a member. Accepting it moves the
   * group to the next epoch, opens the joiner's membership with the Welcome
   * and closes the removed member's after this Commit.
   */
  submitCommit(gid: string, sender: string, epoch: number, bytes: Uint8Array, extras: CommitExtras = {}): Submission {
    return this.#db.transaction((): Submission => {
      const reject = (reason: string): Submission => {
        this.#bump("commitsRejected");
        return { accepted: false, reason };
      };
      const current = this.epoch(gid);
      const member = this.membership(gid, sender);
      if (current === undefined || member === undefined || member.untilSeq !== null) return reject("not-a-member");
      if (epoch !== current) return reject(epoch < current ? "stale-epoch" : "future-epoch");
      if (extras.joiner !== undefined) {
        const kp = this.#db.prepare("SELECT used_in FROM key_packages WHERE ref = ?").get(extras.keyPackageRef) as { used_in: string | null } | undefined;
        if (kp === undefined || kp.used_in !== null) return reject("key-package-used");
        const prior = this.membership(gid, extras.joiner);
        if (prior !== undefined && !prior.removalAcked) return reject("joiner-still-member");
      }
      if (extras.removed !== undefined) {
        const m = this.membership(gid, extras.removed);
        if (m === undefined || m.untilSeq !== null) return reject("removed-not-a-member");
      }
      const seq = Number(
        this.#db.prepare("INSERT INTO log (gid, kind, epoch, sender, bytes, plaintext, run) VALUES (?, 'commit', ?, ?, ?, NULL, ?)").run(gid, epoch, sender, bytes, this.#run)
          .lastInsertRowid,
      );
      this.#db.prepare("UPDATE groups SET epoch = ? WHERE gid = ?").run(epoch + 1, gid);
      if (extras.joiner !== undefined) {
        this.#db.prepare("UPDATE key_packages SET used_in = ? WHERE ref = ?").run(gid, extras.keyPackageRef);
        this.#db
          .prepare("INSERT INTO memberships (gid, name, join_epoch, from_seq, welcome, welcome_acked, cursor) VALUES (?, ?, ?, ?, ?, 0, ?)")
          .run(gid, extras.joiner, epoch + 1, seq, extras.welcome ?? null, seq);
        this.#bump("adds");
      }
      if (extras.removed !== undefined) {
        this.#db.prepare("UPDATE memberships SET until_seq = ? WHERE gid = ? AND name = ? AND until_seq IS NULL").run(seq, gid, extras.removed);
        this.#bump("removes");
      }
      if (extras.joiner === undefined && extras.removed === undefined) this.#bump("updates");
      this.#bump("commitsAccepted");
      return { accepted: true, seq };
    })();
  }

  // ---- reading ----

  /** What the member has still to read, in order: at most `limit` messages after its cursor. */
  backlog(m: Membership, limit = 1_000_000): LogEntry[] {
    const rows = this.#db
      .prepare(
        `SELECT seq, gid, kind, epoch, sender, bytes, plaintext FROM log
         WHERE gid = ? AND seq > ? AND (? IS NULL OR seq <= ?)
           AND NOT (kind = 'application' AND (sender = ? OR epoch < ?))
         ORDER BY seq LIMIT ?`,
      )
      .all(m.gid, m.cursor, m.untilSeq, m.untilSeq, m.name, m.joinEpoch, limit) as Parameters<typeof toEntry>[0][];
    return rows.map(toEntry);
  }

  /** The Commit of the group's `epoch`, if one was accepted. */
  commitOf(gid: string, epoch: number): LogEntry | undefined {
    const r = this.#db.prepare("SELECT seq, gid, kind, epoch, sender, bytes, plaintext FROM log WHERE gid = ? AND kind = 'commit' AND epoch = ?").get(gid, epoch);
    return r === undefined ? undefined : toEntry(r as Parameters<typeof toEntry>[0]);
  }

  /** The number of Commits of the group in the log positions (after, upTo]. */
  commitsBetween(gid: string, after: number, upTo: number): number {
    return (this.#db.prepare("SELECT COUNT(*) AS n FROM log WHERE gid = ? AND kind = 'commit' AND seq > ? AND seq <= ?").get(gid, after, upTo) as { n: number }).n;
  }

  /** The member's read application messages of its current membership, newest first. */
  readMessages(m: Membership, limit: number): LogEntry[] {
    const rows = this.#db
      .prepare(
        `SELECT l.seq, l.gid, l.kind, l.epoch, l.sender, l.bytes, l.plaintext FROM inbox i JOIN log l ON l.seq = i.seq
         WHERE i.name = ? AND l.gid = ? AND i.status = 'read' AND i.seq > ? ORDER BY i.seq DESC LIMIT ?`,
      )
      .all(m.name, m.gid, m.fromSeq, limit) as Parameters<typeof toEntry>[0][];
    return rows.map(toEntry);
  }

  /** The last Commit the member acknowledged in its current membership. */
  lastAckedCommit(m: Membership): LogEntry | undefined {
    const r = this.#db
      .prepare("SELECT seq, gid, kind, epoch, sender, bytes, plaintext FROM log WHERE gid = ? AND kind = 'commit' AND seq > ? AND seq <= ? ORDER BY seq DESC LIMIT 1")
      .get(m.gid, m.fromSeq, m.cursor);
    return r === undefined ? undefined : toEntry(r as Parameters<typeof toEntry>[0]);
  }

  /** Delivered application messages up to the member's cursor that have no inbox row (there must be none). */
  unackedBehindCursor(m: Membership): number[] {
    const rows = this.#db
      .prepare(
        `SELECT l.seq FROM log l LEFT JOIN inbox i ON i.name = ? AND i.seq = l.seq
         WHERE l.gid = ? AND l.kind = 'application' AND l.seq > ? AND l.seq <= ? AND l.sender <> ? AND l.epoch >= ? AND i.seq IS NULL`,
      )
      .all(m.name, m.gid, m.fromSeq, m.cursor, m.name, m.joinEpoch) as { seq: number }[];
    return rows.map((r) => r.seq);
  }

  /** Inbox rows whose plaintext differs from what was sent (there must be none). */
  inboxMismatches(name: string): number[] {
    const rows = this.#db
      .prepare("SELECT i.seq FROM inbox i JOIN log l ON l.seq = i.seq WHERE i.name = ? AND i.status = 'read' AND (i.plaintext IS NOT l.plaintext)")
      .all(name) as { seq: number }[];
    return rows.map((r) => r.seq);
  }

  // ---- intents and acknowledgements ----

  /** Records that the member is about to hand these log positions to the library. */
  putIntents(name: string, seqs: readonly number[], kind: "application" | "commit" | "welcome"): void {
    this.#db.transaction(() => {
      const put = this.#db.prepare("INSERT OR IGNORE INTO intents (name, seq, kind) VALUES (?, ?, ?)");
      for (const s of seqs) put.run(name, s, kind);
    })();
  }

  /** Whether an intent for this position was written (and not acknowledged) before. */
  hasIntent(name: string, seq: number, kind: "application" | "commit" | "welcome"): boolean {
    return this.#db.prepare("SELECT 1 FROM intents WHERE name = ? AND seq = ? AND kind = ?").get(name, seq, kind) !== undefined;
  }

  /** Acknowledges application messages: inbox rows, cursor and counters in one transaction. */
  ackApplication(m: Membership, items: readonly InboxItem[], afterRestart: boolean): void {
    if (items.length === 0) return;
    this.#db.transaction(() => {
      const put = this.#db.prepare("INSERT INTO inbox (name, seq, status, plaintext) VALUES (?, ?, ?, ?)");
      const drop = this.#db.prepare("DELETE FROM intents WHERE name = ? AND seq = ? AND kind = 'application'");
      let last = m.cursor;
      for (const it of items) {
        put.run(m.name, it.seq, it.status, it.plaintext);
        drop.run(m.name, it.seq);
        last = Math.max(last, it.seq);
      }
      this.#db.prepare("UPDATE memberships SET cursor = ? WHERE id = ?").run(last, m.id);
      const read = items.filter((i) => i.status === "read").length;
      this.#bump("appRead", read);
      if (afterRestart) this.#bump("appReadAfterRestart", read);
      this.#bump("appLost", items.filter((i) => i.status === "lost").length);
      this.#bump("appFailed", items.filter((i) => i.status === "failed").length);
    })();
  }

  /**
   * Acknowledges a Commit: the cursor moves past it; the authenticator of
   * the epoch reached is recorded or compared (false on a mismatch).
   */
  ackCommit(
    m: Membership,
    seq: number,
    how: Extract<Stat, "commitsMerged" | "ownCommitsMerged" | "commitsMergedBeforeCrash" | "removalsProcessed">,
    reached?: { epoch: number; authenticator: string },
  ): boolean {
    return this.#db.transaction((): boolean => {
      this.#db.prepare("UPDATE memberships SET cursor = ?, removal_acked = ? WHERE id = ?").run(seq, seq === m.untilSeq ? 1 : 0, m.id);
      this.#db.prepare("DELETE FROM intents WHERE name = ? AND seq = ? AND kind = 'commit'").run(m.name, seq);
      this.#bump(how);
      return reached === undefined ? true : this.#agree(m.gid, m.name, reached.epoch, reached.authenticator);
    })();
  }

  /** Acknowledges a join from the member's Welcome; false when the authenticator disagrees with the recorded one. */
  ackWelcome(m: Membership, authenticator: string, beforeCrash: boolean): boolean {
    return this.#db.transaction((): boolean => {
      this.#db.prepare("UPDATE memberships SET welcome_acked = 1 WHERE id = ?").run(m.id);
      this.#db.prepare("DELETE FROM intents WHERE name = ? AND seq = ? AND kind = 'welcome'").run(m.name, m.fromSeq);
      this.#bump(beforeCrash ? "welcomesJoinedBeforeCrash" : "welcomesJoined");
      return this.#agree(m.gid, m.name, m.joinEpoch, authenticator);
    })();
  }

  /** Records the epoch's authenticator if nobody did yet, else compares; false on a mismatch. */
  agree(gid: string, name: string, epoch: number, authenticator: string): boolean {
    return this.#db.transaction(() => this.#agree(gid, name, epoch, authenticator))();
  }

  #agree(gid: string, name: string, epoch: number, authenticator: string): boolean {
    this.#db.prepare("INSERT OR IGNORE INTO authenticators (gid, epoch, value, first_by) VALUES (?, ?, ?, ?)").run(gid, epoch, authenticator, name);
    const recorded = (this.#db.prepare("SELECT value FROM authenticators WHERE gid = ? AND epoch = ?").get(gid, epoch) as { value: string }).value;
    this.#bump("authenticatorChecks");
    return recorded === authenticator;
  }

  // ---- the key log's check ----

  /** Every ciphertext that left a client through the DS: the group messages and the Welcomes. */
  *releasedMessages(): Generator<Uint8Array> {
    for (const r of this.#db.prepare("SELECT bytes FROM log").iterate() as Iterable<{ bytes: Buffer }>) yield new Uint8Array(r.bytes);
    for (const r of this.#db.prepare("SELECT welcome FROM memberships WHERE welcome IS NOT NULL").iterate() as Iterable<{ welcome: Buffer }>) yield new Uint8Array(r.welcome);
  }
}
