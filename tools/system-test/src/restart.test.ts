/**
 * Crashes. A Delivery Service node (child process; on SQLite, then on
 * PostgreSQL) is killed with SIGKILL while four members send in a loop,
 * and restarted on the same port and database: the Messengers' streams
 * reconnect, the senders retry what failed (each attempt a new text: a
 * send that got no answer may or may not have been stored). Then a client
 * restarts: its Messenger closed, its Client reopened from its SQLite
 * store, a new Messenger catches up with what was sent while it was away.
 *
 * Nothing lost, nothing twice: every message the DS acknowledged reaches
 * every other member exactly once, an attempt without an answer reaches all
 * of them or none, no member's application sees any text twice.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestPostgres, startTestPostgres } from "../../../apps/delivery-service/src/testing/postgres.js";
import {
  type Authority,
  Cleanup,
  type DsNode,
  SystemClient,
  counts,
  duplicates,
  fromHexString,
  sleep,
  startAuthority,
  startDsNode,
  startSenders,
  tempDir,
  until,
} from "./system.fixture.js";

const cleanup = new Cleanup();
let authority: Authority;
let pg: TestPostgres;
let dir: string;

beforeAll(async () => {
  dir = tempDir(cleanup, "restart");
  const [as, cluster] = await Promise.all([startAuthority(cleanup), startTestPostgres()]);
  authority = as;
  pg = cluster;
  cleanup.add("stop postgres", () => pg.stop());
}, 60_000);
afterAll(() => cleanup.run());

/** Acknowledged sends per sender before the kill and after the restart. */
const ACKED_BEFORE = 6;
const ACKED_AFTER = 6;
/** Messages each of the others sends while the restarted client is away. */
const WHILE_AWAY = 4;
/** Error events a Messenger may emit while its node is down (its stream and polls fail). */
const OUTAGE_ERRORS = ["ds-client/network"];

describe.each(["sqlite", "postgres"] as const)("a DS node on %s killed with SIGKILL mid-traffic", (backend) => {
  it("restarted on the same port and database: every acknowledged message exactly once to every other member, nothing twice; a client restarted from SQLite catches up exactly once", async () => {
    const db = backend === "sqlite" ? `sqlite:${join(dir, "ds.sqlite")}` : await pg.createDatabase();
    let node: DsNode = await startDsNode(cleanup, { db, asUrl: authority.url });
    const port = node.port;
    const p = backend[0]!;
    const ids = ["alice", "bob", "carol", "dave"].map((n) => `${p}-${n}`);
    const [alice, bob, carol, dave] = await Promise.all(ids.map((id) => SystemClient.register(cleanup, authority, dir, id, node.url)));
    const everyone = [alice!, bob!, carol!, dave!];
    const room = await alice!.messenger.createRoom();
    await alice!.messenger.invite(room, ids.slice(1));
    await until("everyone joins", () => everyone.slice(1).every((c) => c.events.joined.length === 1));
    // A second room, alice and erin: alice's Commit removing erin goes out while the node is down.
    const erin = await SystemClient.register(cleanup, authority, dir, `${p}-erin`, node.url);
    const room2 = await alice!.messenger.createRoom();
    await alice!.messenger.invite(room2, [erin.id]);
    await until("erin joins", () => erin.events.joined.length === 1);

    // --- senders in a loop; the node is killed and restarted under them ---
    const traffic = startSenders(everyone, room);
    const { attempts, ackedBy } = traffic;
    try {
      await until("each sender has 2 messages acknowledged", () => everyone.every((c) => ackedBy(c.id) >= 2));
      // Stored but unanswered: one of alice's sends loses its first answer (the same bytes are sent again and answered);
      // one of dave's loses every answer (3 copies stored, the send fails, his loop moves on).
      alice!.loseAnswers = 1;
      dave!.loseAnswers = 3;
      await until(`each sender has ${ACKED_BEFORE} messages acknowledged`, () => everyone.every((c) => ackedBy(c.id) >= ACKED_BEFORE));
      expect([alice!.lostAnswers, dave!.lostAnswers]).toEqual([1, 3]);
      await node.kill("SIGKILL");
      const ackedAtKill = new Map(everyone.map((c) => [c.id, ackedBy(c.id)]));
      const attemptsAtKill = attempts.length;
      // A Commit whose fate is unknown: the network fails under it; the group keeps it pending.
      await expect(alice!.messenger.remove(room2, [erin.id])).rejects.toMatchObject({ code: "ds-client/network" });
      expect((await alice!.client.getGroup(fromHexString(room2)))?.hasPendingCommit).toBe(true);
      await sleep(300);
      node = await startDsNode(cleanup, { db, asUrl: authority.url, port });
      expect(node.port).toBe(port);
      expect(attempts.length).toBeGreaterThan(attemptsAtKill); // the loops kept trying while the node was down
      await until(
        `each sender has ${ACKED_AFTER} more acknowledged after the restart`,
        () => everyone.every((c) => ackedBy(c.id) >= ackedAtKill.get(c.id)! + ACKED_AFTER),
        20_000,
        () => everyone.map((c) => `${c.id}=${ackedBy(c.id)}`).join(" "),
      );
    } finally {
      await traffic.stop();
    }

    const acked = attempts.filter((a) => a.acked);
    const receiversOf = (text: string) => everyone.filter((c) => c.texts(room).includes(text)).map((c) => c.id);
    await until(
      "every acknowledged message reaches every other member",
      () => acked.every((a) => receiversOf(a.text).length === 3),
      20_000,
      () =>
        acked
          .filter((a) => receiversOf(a.text).length !== 3)
          .map((a) => `${a.text}→${receiversOf(a.text).join(",")}`)
          .join(" "),
    );
    // Drain every queue to its end before judging the attempts without an answer.
    await Promise.all(everyone.map((c) => c.messenger.sync()));
    await sleep(200);

    for (const c of everyone) {
      expect(duplicates(c.texts(room)), c.id).toEqual([]);
      expect(
        c.texts(room).filter((t) => t.startsWith(`${c.id}#`)),
        c.id,
      ).toEqual([]);
      // Each sender's messages arrive in the order sent.
      for (const s of everyone.filter((s) => s !== c)) {
        const ns = c
          .texts(room)
          .filter((t) => t.startsWith(`${s.id}#`))
          .map((t) => Number(t.slice(t.indexOf("#") + 1)));
        expect(ns, `${c.id} from ${s.id}`).toEqual([...ns].sort((x, y) => x - y));
      }
    }
    for (const a of acked) expect(receiversOf(a.text).sort(), a.text).toEqual(ids.filter((id) => id !== a.sender).sort());
    const unanswered = attempts.filter((a) => !a.acked);
    for (const a of unanswered) expect([0, 3], `${a.text} reached ${receiversOf(a.text).join(",")}`).toContain(receiversOf(a.text).length);
    const allTexts = new Set(attempts.map((a) => a.text));
    for (const c of everyone)
      expect(
        c.texts(room).filter((t) => !allTexts.has(t)),
        c.id,
      ).toEqual([]);
    expect(traffic.failed()).toBeGreaterThan(0);
    // dave's send whose every answer was lost was stored (three times): everyone else read it once.
    expect(unanswered.filter((a) => a.sender === dave!.id && receiversOf(a.text).length === 3).length).toBeGreaterThanOrEqual(1);
    for (const c of everyone) expect(c.unexpectedErrors(OUTAGE_ERRORS)).toEqual([]);
    const states = await Promise.all(everyone.map((c) => c.state(room)));
    expect(new Set(states.map((s) => `${s.epoch}/${s.authenticator}`)).size).toBe(1);
    console.log(
      `restart (${backend}): ${attempts.length} attempts, ${acked.length} acknowledged, ${unanswered.length} without an answer (${unanswered.filter((a) => receiversOf(a.text).length > 0).length} of them stored), ${everyone.reduce((n, c) => n + c.texts(room).length, 0)} deliveries; error events ${JSON.stringify(Object.fromEntries(counts(everyone.flatMap((c) => c.events.error.map((e) => e.code)))))}`,
    );

    // The pending Commit did not land: settled from the group's history, made again, accepted.
    expect(await alice!.messenger.remove(room2, [erin.id])).toEqual({ removed: [erin.id], notMembers: [] });
    await until("erin is removed", () => erin.events.removed.length === 1);
    expect(erin.events.removed[0]).toEqual({ groupId: room2, epoch: 2n });
    expect((await alice!.state(room2)).members).toEqual([alice!.id]);
    expect((await alice!.state(room2)).epoch).toBe(2n);
    expect(erin.unexpectedErrors(OUTAGE_ERRORS)).toEqual([]);

    // --- a client restart: bob away while a Commit and messages go by, back from his SQLite store ---
    const bobBefore = bob!.received.length;
    const bobEventsBefore = { joined: bob!.events.joined.length, changed: bob!.events["members-changed"].length };
    await bob!.stop();
    const away: string[] = [];
    for (const c of [alice!, carol!, dave!]) {
      for (let i = 0; i < WHILE_AWAY / 2; i++) {
        const text = `${c.id}:away:${i}`;
        await c.messenger.send(room, text);
        away.push(text);
      }
    }
    expect(await carol!.messenger.remove(room, [dave!.id])).toEqual({ removed: [dave!.id], notMembers: [] });
    for (const c of [alice!, carol!]) {
      for (let i = WHILE_AWAY / 2; i < WHILE_AWAY; i++) {
        const text = `${c.id}:away:${i}`;
        await c.messenger.send(room, text);
        away.push(text);
      }
    }
    await bob!.restart();
    await until(
      "bob catches up",
      () => bob!.received.length >= bobBefore + away.length,
      15_000,
      () => `${bob!.received.length - bobBefore} of ${away.length}`,
    );
    await bob!.messenger.sync();
    await sleep(200);
    expect(
      bob!.received
        .slice(bobBefore)
        .map((m) => m.text)
        .sort(),
    ).toEqual([...away].sort());
    expect(duplicates(bob!.texts(room))).toEqual([]);
    expect(bob!.events.joined.length).toBe(bobEventsBefore.joined);
    expect(bob!.events["members-changed"].slice(bobEventsBefore.changed)).toEqual([{ groupId: room, added: [], removed: [dave!.id], epoch: 2n }]);
    expect(bob!.unexpectedErrors(OUTAGE_ERRORS)).toEqual([]);
    await bob!.messenger.send(room, `${bob!.id}:back`);
    await until("alice and carol read bob", () => [alice!, carol!].every((c) => c.texts(room).includes(`${bob!.id}:back`)));
    const after = await Promise.all([alice!, bob!, carol!].map((c) => c.state(room)));
    expect(after.map((s) => s.epoch)).toEqual([2n, 2n, 2n]);
    expect(new Set(after.map((s) => s.authenticator)).size).toBe(1);
    for (const s of after) expect(s.members).toEqual([alice!.id, bob!.id, carol!.id].sort());
    await node.kill("SIGTERM");
  });
});
