/**
 * The DsStore conformance suite: every promise of ds-store.ts, checked the
 * same way against each implementation. A target gives fresh databases and
 * opens handles on them; two handles on one database stand for two DS nodes
 * (for SQLite, two connections to one file).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AppendInput, AppendResult, CommitEffects, DsStore, GroupRecord } from "./ds-store.js";
import { DsStoreError } from "./store-error.js";

export interface OpenOptions {
  /** The store's fault hook (see the stores' `faults` option). */
  readonly faults?: (step: string) => void;
}

export interface ConformanceDatabase {
  /** A new handle on this database: another connection, for PostgreSQL another node. */
  open(options?: OpenOptions): Promise<DsStore>;
}

export interface ConformanceTarget {
  /** A new, empty database. */
  newDatabase(): Promise<ConformanceDatabase>;
  /** True when handles on one database notify each other's onEnqueued listeners (several nodes on one database). */
  readonly crossHandleNotification: boolean;
  /** How many concurrent attempts the race tests make (more where the driver really runs them in parallel). */
  readonly concurrency: number;
}

const te = new TextEncoder();
const bytes = (s: string): Uint8Array => te.encode(s);
const SUITE = 1;

/** Registers the suite in the current `describe`. */
export function describeDsStoreConformance(target: ConformanceTarget): void {
  const opened: DsStore[] = [];
  afterEach(async () => {
    await Promise.allSettled(opened.splice(0).map((s) => s.close()));
  });

  async function fresh(): Promise<{ db: ConformanceDatabase; open: (o?: OpenOptions) => Promise<DsStore> }> {
    const db = await target.newDatabase();
    const open = async (o?: OpenOptions): Promise<DsStore> => {
      const s = await db.open(o);
      opened.push(s);
      return s;
    };
    return { db, open };
  }

  function group(id: string, members: string[], epoch = 0n, extra: Partial<GroupRecord> = {}): GroupRecord {
    return { groupId: bytes(id), epoch, members, view: bytes(`view ${id}`), groupInfo: bytes(`gi ${id} ${epoch}`), ratchetTree: undefined, ...extra };
  }

  function message(groupId: string, epoch: bigint, sender: string, text: string, commit?: CommitEffects, now = 1000): AppendInput {
    return {
      groupId: bytes(groupId),
      epoch,
      kind: commit || text.startsWith("hs") ? "handshake" : "application",
      sender,
      message: bytes(text),
      now,
      ...(commit ? { commit } : {}),
    };
  }

  const commitOf = (added: string[], removed: string[], tag: string, welcome = true): CommitEffects => ({
    added,
    removed,
    view: bytes(`view ${tag}`),
    groupInfo: bytes(`gi ${tag}`),
    ratchetTree: bytes(`tree ${tag}`),
    ...(welcome ? { welcome: bytes(`welcome ${tag}`) } : {}),
  });

  async function queueTexts(store: DsStore, clientId: string): Promise<string[]> {
    const { items } = await store.fetchQueue(clientId, 0, 1000);
    return items.map((i) => `${i.kind}:${new TextDecoder().decode(i.message)}`);
  }

  describe("clients and nonces", () => {
    it("registers a client once: exists for the same key, conflict for another", async () => {
      const s = await (await fresh()).open();
      const alice = { clientId: "alice", cipherSuite: SUITE, signaturePublicKey: bytes("pk-a"), credential: bytes("cred-a") };
      expect(await s.registerClient(alice)).toBe("created");
      expect(await s.registerClient({ ...alice, credential: bytes("other") })).toBe("exists");
      expect(await s.registerClient({ ...alice, signaturePublicKey: bytes("pk-x") })).toBe("conflict");
      expect(await s.getClient("alice")).toEqual(alice);
      expect(await s.getClient("bob")).toBeUndefined();
    });

    it("a nonce is new once per client, a replay is false, an expired one may be taken again", async () => {
      const s = await (await fresh()).open();
      const later = Date.now() + 60_000;
      expect(await s.rememberNonce("alice", "n1", later)).toBe(true);
      expect(await s.rememberNonce("alice", "n1", later)).toBe(false);
      expect(await s.rememberNonce("bob", "n1", later)).toBe(true);
      expect(await s.rememberNonce("alice", "old", Date.now() - 1)).toBe(true);
      expect(await s.rememberNonce("alice", "old", later)).toBe(true);
      expect(await s.rememberNonce("alice", "old", later)).toBe(false);
    });

    it("many nonces (past the pruning interval) keep answering correctly", async () => {
      const s = await (await fresh()).open();
      const past = Date.now() - 1;
      for (let i = 0; i < 600; i++) expect(await s.rememberNonce("c", `e${i}`, past)).toBe(true);
      const later = Date.now() + 60_000;
      for (let i = 0; i < 10; i++) expect(await s.rememberNonce("c", `l${i}`, later)).toBe(true);
      for (let i = 0; i < 10; i++) expect(await s.rememberNonce("c", `l${i}`, later)).toBe(false);
    });
  });

  describe("KeyPackages", () => {
    it("publishes, counts, ignores duplicate refs, keeps suites apart", async () => {
      const s = await (await fresh()).open();
      const kps = [1, 2, 3].map((i) => ({ ref: bytes(`ref${i}`), bytes: bytes(`kp${i}`) }));
      await s.publishKeyPackages("alice", SUITE, kps);
      await s.publishKeyPackages("alice", SUITE, [kps[0]!]);
      await s.publishKeyPackages("alice", 2, [{ ref: bytes("ref-s2"), bytes: bytes("kp-s2") }]);
      expect(await s.countKeyPackages("alice", SUITE)).toEqual({ available: 3, lastResort: false });
      expect(await s.countKeyPackages("alice", 2)).toEqual({ available: 1, lastResort: false });
      expect(await s.countKeyPackages("bob", SUITE)).toEqual({ available: 0, lastResort: false });
    });

    it("claims each KeyPackage once, then the last-resort one (kept, replaced by a newer)", async () => {
      const s = await (await fresh()).open();
      await s.publishKeyPackages(
        "alice",
        SUITE,
        [
          { ref: bytes("r1"), bytes: bytes("kp1") },
          { ref: bytes("r2"), bytes: bytes("kp2") },
        ],
        { ref: bytes("lr1"), bytes: bytes("last1") },
      );
      expect(await s.countKeyPackages("alice", SUITE)).toEqual({ available: 2, lastResort: true });
      const first = await s.claimKeyPackage("alice", SUITE);
      const second = await s.claimKeyPackage("alice", SUITE);
      expect([first, second].map((c) => c?.lastResort)).toEqual([false, false]);
      expect(new Set([first, second].map((c) => new TextDecoder().decode(c!.bytes)))).toEqual(new Set(["kp1", "kp2"]));
      expect(await s.claimKeyPackage("alice", SUITE)).toEqual({ bytes: bytes("last1"), lastResort: true });
      expect(await s.claimKeyPackage("alice", SUITE)).toEqual({ bytes: bytes("last1"), lastResort: true });
      expect(await s.countKeyPackages("alice", SUITE)).toEqual({ available: 0, lastResort: true });
      await s.publishKeyPackages("alice", SUITE, [], { ref: bytes("lr2"), bytes: bytes("last2") });
      expect(await s.claimKeyPackage("alice", SUITE)).toEqual({ bytes: bytes("last2"), lastResort: true });
      expect(await s.claimKeyPackage("bob", SUITE)).toBeUndefined();
      expect(await s.claimKeyPackage("alice", 2)).toBeUndefined();
    });

    it("concurrent claims on two handles hand out each KeyPackage at most once", async () => {
      const { open } = await fresh();
      const [a, b] = [await open(), await open()];
      const n = target.concurrency;
      await a.publishKeyPackages(
        "t",
        SUITE,
        Array.from({ length: n }, (_, i) => ({ ref: bytes(`r${i}`), bytes: bytes(`kp${i}`) })),
        { ref: bytes("lr"), bytes: bytes("last") },
      );
      const claims = await Promise.all(Array.from({ length: 2 * n }, (_, i) => (i % 2 ? a : b).claimKeyPackage("t", SUITE)));
      const fresh_ = claims.filter((c) => c && !c.lastResort).map((c) => new TextDecoder().decode(c!.bytes));
      expect(fresh_.length).toBe(n);
      expect(new Set(fresh_).size).toBe(n);
      expect(claims.filter((c) => c?.lastResort).length).toBe(n);
      expect(await b.countKeyPackages("t", SUITE)).toEqual({ available: 0, lastResort: true });
    });
  });

  describe("groups and ordering", () => {
    it("creates a group once and reads it back", async () => {
      const s = await (await fresh()).open();
      const g = group("g", ["alice", "bob"], 5n, { ratchetTree: bytes("tree") });
      expect(await s.createGroup(g)).toBe(true);
      expect(await s.createGroup(group("g", ["mallory"]))).toBe(false);
      const read = await s.getGroup(bytes("g"));
      expect(read).toEqual({ ...g, members: ["alice", "bob"] });
      expect(await s.getGroup(bytes("nope"))).toBeUndefined();
      await s.createGroup(group("h", ["x"], 0n, { view: undefined, groupInfo: undefined }));
      expect(await s.getGroup(bytes("h"))).toEqual({ groupId: bytes("h"), epoch: 0n, members: ["x"], view: undefined, groupInfo: undefined, ratchetTree: undefined });
    });

    it("answers unknown-group, stale-epoch and future-epoch, changing nothing", async () => {
      const s = await (await fresh()).open();
      await s.createGroup(group("g", ["alice", "bob"], 3n));
      expect(await s.appendMessage(message("nope", 0n, "alice", "x"))).toEqual({ accepted: false, reason: "unknown-group", currentEpoch: 0n });
      expect(await s.appendMessage(message("g", 2n, "alice", "x"))).toEqual({ accepted: false, reason: "stale-epoch", currentEpoch: 3n });
      expect(await s.appendMessage(message("g", 4n, "alice", "hs x", commitOf([], [], "c")))).toEqual({ accepted: false, reason: "future-epoch", currentEpoch: 3n });
      expect(await queueTexts(s, "bob")).toEqual([]);
      expect((await s.getGroup(bytes("g")))?.epoch).toBe(3n);
    });

    it("fans a message out to every member but the sender, in the current epoch", async () => {
      const s = await (await fresh()).open();
      await s.createGroup(group("g", ["alice", "bob", "carol"], 7n));
      expect(await s.appendMessage(message("g", 7n, "alice", "hello"))).toEqual({ accepted: true, epoch: 7n });
      expect(await s.appendMessage(message("g", 7n, "bob", "hs proposal"))).toEqual({ accepted: true, epoch: 7n });
      expect(await queueTexts(s, "alice")).toEqual(["handshake:hs proposal"]);
      expect(await queueTexts(s, "bob")).toEqual(["application:hello"]);
      expect(await queueTexts(s, "carol")).toEqual(["application:hello", "handshake:hs proposal"]);
      const { items } = await s.fetchQueue("carol", 0, 10);
      expect(items[0]).toEqual({ seq: 1, kind: "application", groupId: bytes("g"), epoch: 7n, sender: "alice", message: bytes("hello"), ratchetTree: undefined });
      expect(items[1]?.seq).toBe(2);
      // Only handshake messages are history.
      expect(await s.handshakesSince(bytes("g"), 0n, 10)).toEqual([{ epoch: 7n, sender: "bob", message: bytes("hs proposal") }]);
    });

    it("a Commit goes to the members before it, moves the epoch, changes membership and state, and queues its Welcome to the added", async () => {
      const s = await (await fresh()).open();
      await s.createGroup(group("g", ["alice", "bob", "carol"], 1n));
      const result = await s.appendMessage(message("g", 1n, "alice", "hs commit1", commitOf(["dave", "erin"], ["carol"], "e2")));
      expect(result).toEqual({ accepted: true, epoch: 2n });
      expect(await queueTexts(s, "bob")).toEqual(["handshake:hs commit1"]);
      expect(await queueTexts(s, "carol")).toEqual(["handshake:hs commit1"]);
      expect(await queueTexts(s, "alice")).toEqual([]);
      expect(await queueTexts(s, "dave")).toEqual(["welcome:welcome e2"]);
      const welcome = (await s.fetchQueue("erin", 0, 10)).items[0];
      expect(welcome).toEqual({ seq: 1, kind: "welcome", groupId: bytes("g"), epoch: 2n, sender: "alice", message: bytes("welcome e2"), ratchetTree: bytes("tree e2") });
      expect(await s.getGroup(bytes("g"))).toEqual({
        groupId: bytes("g"),
        epoch: 2n,
        members: ["alice", "bob", "dave", "erin"],
        view: bytes("view e2"),
        groupInfo: bytes("gi e2"),
        ratchetTree: bytes("tree e2"),
      });
      // The next epoch's messages reach the new members and no longer the removed one.
      await s.appendMessage(message("g", 2n, "dave", "hi all"));
      expect(await queueTexts(s, "carol")).toEqual(["handshake:hs commit1"]);
      expect(await queueTexts(s, "erin")).toEqual(["welcome:welcome e2", "application:hi all"]);
      // A Commit without a view leaves the DS no view; history keeps every accepted handshake.
      await s.appendMessage(message("g", 2n, "bob", "hs commit2", { added: [], removed: [] }));
      expect((await s.getGroup(bytes("g")))?.view).toBeUndefined();
      expect((await s.handshakesSince(bytes("g"), 0n, 10)).map((h) => [h.epoch, h.sender])).toEqual([
        [1n, "alice"],
        [2n, "bob"],
      ]);
      expect((await s.handshakesSince(bytes("g"), 2n, 10)).map((h) => h.epoch)).toEqual([2n]);
      expect((await s.handshakesSince(bytes("g"), 0n, 1)).length).toBe(1);
    });

    it("of many concurrent Commits for one epoch on two handles exactly one is accepted, round after round", async () => {
      const { open } = await fresh();
      const nodes = [await open(), await open()];
      const members = Array.from({ length: 5 }, (_, i) => `m${i}`);
      await nodes[0]!.createGroup(group("g", members, 0n));
      for (let epoch = 0n; epoch < 5n; epoch++) {
        const attempts = Array.from({ length: target.concurrency }, (_, i) =>
          nodes[i % 2]!.appendMessage(message("g", epoch, members[i % members.length]!, `hs commit ${epoch} ${i}`, commitOf([], [], `${epoch}-${i}`, false))),
        );
        const results: AppendResult[] = await Promise.all(attempts);
        expect(results.filter((r) => r.accepted)).toEqual([{ accepted: true, epoch: epoch + 1n }]);
        for (const r of results.filter((r) => !r.accepted)) expect(r).toEqual({ accepted: false, reason: "stale-epoch", currentEpoch: epoch + 1n });
      }
      expect((await nodes[1]!.getGroup(bytes("g")))?.epoch).toBe(5n);
      expect((await nodes[0]!.handshakesSince(bytes("g"), 0n, 100)).map((h) => h.epoch)).toEqual([0n, 1n, 2n, 3n, 4n]);
    });

    it("a client's seq is strictly increasing under concurrent appends from many groups, and a polling reader never sees a smaller one later", async () => {
      const { open } = await fresh();
      const nodes = [await open(), await open()];
      const reader = await open();
      const groups = 8;
      const perGroup = Math.max(4, Math.ceil(target.concurrency / 2));
      for (let g = 0; g < groups; g++) await nodes[0]!.createGroup(group(`g${g}`, [`s${g}`, "target", `other${g % 3}`], 0n));
      let done = false;
      let highest = 0;
      const seen: number[] = [];
      const poll = (async () => {
        // Polls as a client would: from the highest seq seen; anything at or below it appearing later would be lost.
        while (!done) {
          const { items } = await reader.fetchQueue("target", 0, 10_000);
          const fresh_ = items.filter((i) => i.seq > highest);
          for (const i of items) if (!seen.includes(i.seq) && i.seq <= highest) throw new Error(`seq ${i.seq} appeared after ${highest} was seen`);
          for (const i of fresh_) seen.push(i.seq);
          highest = Math.max(highest, ...fresh_.map((i) => i.seq));
          await new Promise((r) => setTimeout(r, 1));
        }
      })();
      await Promise.all(
        Array.from({ length: groups }, async (_, g) => {
          for (let i = 0; i < perGroup; i++) {
            const r = await nodes[g % 2]!.appendMessage(message(`g${g}`, 0n, `s${g}`, `m ${g} ${i}`));
            expect(r.accepted).toBe(true);
          }
        }),
      );
      done = true;
      await poll;
      const { items } = await reader.fetchQueue("target", 0, 10_000);
      const seqs = items.map((i) => i.seq);
      expect(seqs).toEqual(Array.from({ length: groups * perGroup }, (_, i) => i + 1));
      // Each group's messages in the order they were accepted.
      for (let g = 0; g < groups; g++) {
        const mine = items.filter((i) => new TextDecoder().decode(i.groupId) === `g${g}`).map((i) => new TextDecoder().decode(i.message));
        expect(mine).toEqual(Array.from({ length: perGroup }, (_, i) => `m ${g} ${i}`));
      }
    });
  });

  describe("queues", () => {
    it("ack drops entries up to the cursor and is not truncation", async () => {
      const s = await (await fresh()).open();
      await s.createGroup(group("g", ["a", "b"]));
      for (let i = 0; i < 5; i++) await s.appendMessage(message("g", 0n, "a", `m${i}`));
      await s.ackQueue("b", 3);
      expect(await s.fetchQueue("b", 0, 10)).toMatchObject({ truncated: false, items: [{ seq: 4 }, { seq: 5 }] });
      expect(await s.fetchQueue("b", 3, 10)).toMatchObject({ truncated: false, items: [{ seq: 4 }, { seq: 5 }] });
      expect((await s.fetchQueue("b", 4, 10)).items.map((i) => i.seq)).toEqual([5]);
      expect((await s.fetchQueue("b", 3, 1)).items.map((i) => i.seq)).toEqual([4]);
      await s.ackQueue("b", 5);
      expect(await s.fetchQueue("b", 0, 10)).toEqual({ items: [], truncated: false });
      // seq keeps counting after the queue empties.
      await s.appendMessage(message("g", 0n, "a", "m5"));
      expect((await s.fetchQueue("b", 5, 10)).items.map((i) => i.seq)).toEqual([6]);
    });

    it("retention by age drops old entries; a cursor before them is told truncated", async () => {
      const s = await (await fresh()).open();
      await s.createGroup(group("g", ["a", "b", "c"]));
      for (let i = 0; i < 3; i++) await s.appendMessage(message("g", 0n, "a", `old${i}`, undefined, 1_000));
      for (let i = 0; i < 2; i++) await s.appendMessage(message("g", 0n, "a", `new${i}`, undefined, 50_000));
      await s.ackQueue("c", 3);
      // b: 3 old entries unacknowledged; c: acknowledged them already.
      expect(await s.pruneQueues({ maxAgeMs: 10_000, maxPerClient: 100 }, 55_000)).toBe(3);
      expect(await s.fetchQueue("b", 0, 10)).toMatchObject({ truncated: true, items: [{ seq: 4 }, { seq: 5 }] });
      expect((await s.fetchQueue("b", 2, 10)).truncated).toBe(true);
      expect((await s.fetchQueue("b", 3, 10)).truncated).toBe(false);
      expect((await s.fetchQueue("c", 3, 10)).truncated).toBe(false);
      expect(await s.pruneQueues({ maxAgeMs: 10_000, maxPerClient: 100 }, 55_000)).toBe(0);
    });

    it("retention by count keeps the newest maxPerClient entries per client", async () => {
      const s = await (await fresh()).open();
      await s.createGroup(group("g", ["a", "b", "c"]));
      for (let i = 0; i < 6; i++) await s.appendMessage(message("g", 0n, "a", `m${i}`));
      await s.appendMessage(message("g", 0n, "b", "from b"));
      // b has 6, c has 7, a has 1: cap 4 drops 2 of b's and 3 of c's.
      expect(await s.pruneQueues({ maxAgeMs: 1e12, maxPerClient: 4 }, 2_000)).toBe(5);
      expect(await s.fetchQueue("b", 0, 10)).toMatchObject({ truncated: true });
      expect((await s.fetchQueue("b", 0, 10)).items.map((i) => i.seq)).toEqual([3, 4, 5, 6]);
      expect((await s.fetchQueue("c", 0, 10)).items.map((i) => i.seq)).toEqual([4, 5, 6, 7]);
      expect((await s.fetchQueue("c", 3, 10)).truncated).toBe(false);
      expect(await s.fetchQueue("a", 0, 10)).toMatchObject({ truncated: false, items: [{ seq: 1 }] });
    });

    it("rejects malformed arguments with store/invalid-input", async () => {
      const s = await (await fresh()).open();
      await expect(s.fetchQueue("a", -1, 10)).rejects.toSatisfy((e: unknown) => DsStoreError.isInstance(e) && e.code === "store/invalid-input");
      await expect(s.createGroup(group("g", ["a"], -1n))).rejects.toSatisfy((e: unknown) => DsStoreError.isInstance(e) && e.code === "store/invalid-input");
    });
  });

  describe("notification", () => {
    it("onEnqueued tells who has new entries after the commit, not for refused messages, and stops on unsubscribe", async () => {
      const s = await (await fresh()).open();
      await s.createGroup(group("g", ["a", "b", "c"]));
      const heard: { ids: readonly string[]; visible: Promise<number> }[] = [];
      const off = s.onEnqueued((ids) => {
        if (ids === "anyone") throw new Error("no notification was lost here");
        // Committed already: what the listener was told about is there to fetch.
        heard.push({ ids, visible: s.fetchQueue(ids[0]!, 0, 10).then((q) => q.items.length) });
      });
      await s.appendMessage(message("g", 0n, "a", "hs c", commitOf(["d"], ["c"], "x")));
      await s.appendMessage(message("g", 0n, "a", "stale"));
      await waitFor(() => heard.length >= 1);
      expect(heard.map((h) => [...h.ids].sort())).toEqual([["b", "c", "d"]]);
      expect(await heard[0]!.visible).toBe(1);
      off();
      await s.appendMessage(message("g", 1n, "a", "after"));
      await new Promise((r) => setTimeout(r, 100));
      expect(heard.length).toBe(1);
    });

    if (target.crossHandleNotification) {
      it("onEnqueued fires on the other node sharing the database", async () => {
        const { open } = await fresh();
        const [a, b] = [await open(), await open()];
        await a.createGroup(group("g", ["x", "y", "z"]));
        const onB: string[][] = [];
        b.onEnqueued((ids) => onB.push([...ids].sort()));
        await a.appendMessage(message("g", 0n, "x", "hello"));
        await waitFor(() => onB.length >= 1);
        expect(onB).toEqual([["y", "z"]]);
        // Many recipients: more ids than fit one notification payload arrive, each once.
        const many = Array.from({ length: 600 }, (_, i) => `client-with-a-longish-identifier-${String(i).padStart(4, "0")}`);
        await a.createGroup(group("big", ["x", ...many]));
        onB.length = 0;
        await a.appendMessage(message("big", 0n, "x", "to all"));
        await waitFor(() => onB.flat().length >= many.length);
        expect(onB.flat().sort()).toEqual(many);
      });
    }
  });

  describe("durability and atomicity", () => {
    it("a failure half way through an append leaves nothing of it", async () => {
      const { open } = await fresh();
      const steps = ["handshake", "queue", "members", "group", "welcome"];
      let failAt = "";
      const s = await open({
        faults: (step) => {
          if (step === failAt) throw new Error(`injected failure at ${step}`);
        },
      });
      await s.createGroup(group("g", ["a", "b"], 0n));
      await s.appendMessage(message("g", 0n, "a", "before"));
      const heard: string[] = [];
      s.onEnqueued((ids) => heard.push(...ids));
      const before = await s.getGroup(bytes("g"));
      for (const step of steps) {
        failAt = step;
        const err = await s.appendMessage(message("g", 0n, "a", "hs commit", commitOf(["c"], ["b"], step))).catch((e: unknown) => e);
        expect(DsStoreError.isInstance(err) && err.code).toBe("store/failed");
        expect(await s.getGroup(bytes("g"))).toEqual(before);
        expect(await queueTexts(s, "b")).toEqual(["application:before"]);
        expect(await queueTexts(s, "c")).toEqual([]);
        expect(await s.handshakesSince(bytes("g"), 0n, 10)).toEqual([]);
      }
      failAt = "";
      expect(await s.appendMessage(message("g", 0n, "a", "hs commit", commitOf(["c"], ["b"], "ok")))).toEqual({ accepted: true, epoch: 1n });
      // The counters rolled back too: no gaps.
      expect((await s.fetchQueue("b", 0, 10)).items.map((i) => i.seq)).toEqual([1, 2]);
      expect((await s.fetchQueue("c", 0, 10)).items.map((i) => i.seq)).toEqual([1]);
      await waitFor(() => heard.length >= 2);
      expect(heard.sort()).toEqual(["b", "c"]);
    });

    it("a closed handle refuses calls with store/closed; a reopened database keeps everything", async () => {
      const { open } = await fresh();
      const s = await open();
      const alice = { clientId: "alice", cipherSuite: SUITE, signaturePublicKey: bytes("pk"), credential: bytes("cred") };
      await s.registerClient(alice);
      await s.rememberNonce("alice", "n", Date.now() + 60_000);
      await s.publishKeyPackages("alice", SUITE, [{ ref: bytes("r"), bytes: bytes("kp") }], { ref: bytes("lr"), bytes: bytes("last") });
      await s.createGroup(group("g", ["alice", "bob"]));
      await s.appendMessage(message("g", 0n, "alice", "hs c", commitOf(["carol"], [], "e1")));
      await s.appendMessage(message("g", 1n, "alice", "app"));
      await s.pruneQueues({ maxAgeMs: 1e12, maxPerClient: 1 }, 2_000);
      await s.close();
      await expect(s.getClient("alice")).rejects.toSatisfy((e: unknown) => DsStoreError.isInstance(e) && e.code === "store/closed");

      const r = await open();
      expect(await r.getClient("alice")).toEqual(alice);
      expect(await r.rememberNonce("alice", "n", Date.now() + 60_000)).toBe(false);
      expect(await r.countKeyPackages("alice", SUITE)).toEqual({ available: 1, lastResort: true });
      expect(await r.getGroup(bytes("g"))).toMatchObject({ epoch: 1n, members: ["alice", "bob", "carol"], groupInfo: bytes("gi e1") });
      expect(await r.handshakesSince(bytes("g"), 0n, 10)).toEqual([{ epoch: 0n, sender: "alice", message: bytes("hs c") }]);
      expect(await r.fetchQueue("bob", 0, 10)).toMatchObject({ truncated: true, items: [{ seq: 2, kind: "application", epoch: 1n }] });
      expect(await r.fetchQueue("carol", 0, 10)).toMatchObject({ truncated: true, items: [{ seq: 2 }] });
      // Counters continue where they were.
      await r.appendMessage(message("g", 1n, "alice", "more"));
      expect((await r.fetchQueue("bob", 2, 10)).items.map((i) => i.seq)).toEqual([3]);
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("timed out waiting for a notification");
    await new Promise((r) => setTimeout(r, 5));
  }
}
