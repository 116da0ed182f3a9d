/**
 * Ordering (RFC 9750 §5.2): of two Commits for one epoch exactly one is
 * accepted, the other answered 409 `group/stale-epoch` with the current
 * epoch, after which its sender catches up from the handshake history. And a
 * stream never delivers an entry twice or out of order while pushes race
 * with its backlog.
 */
import { toHex } from "@mlskit/codec";
import type { QueueItem } from "@mlskit/ds-protocol";
import type { Group } from "@mlskit/mls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, TestClient, b64, startDs, unb64 } from "./ds-harness.fixture.js";

describe("Delivery Service: ordering", () => {
  let h: Harness;
  let alice: TestClient;
  let bob: TestClient;
  let ga: Group;
  let gb: Group;

  beforeAll(async () => {
    h = await startDs();
    alice = await TestClient.registered(h, "alice");
    bob = await TestClient.registered(h, "bob");
    await bob.publish(1);
    ga = await alice.client.createGroup();
    expect((await alice.call("POST", "/v1/groups", { groupId: toHex(ga.groupId), groupInfo: b64(await ga.groupInfo()) })).status).toBe(201);
    const add = await ga.addMembers([unb64((await alice.claim("bob")).body.keyPackage)]);
    expect((await alice.submit(ga.groupId, { message: b64(add.commit), welcome: b64(add.welcome!), welcomeRecipients: ["bob"] })).status).toBe(200);
    await ga.confirmPendingCommit();
    gb = await bob.client.joinFromWelcome(add.welcome!);
  });
  afterAll(async () => h.close());

  it("two Commits for one epoch: exactly one 200, the other 409 with currentEpoch; the loser catches up", async () => {
    const [ca, cb] = [await ga.update(), await gb.update()];
    const answers = await Promise.all([alice.submit(ga.groupId, { message: b64(ca.commit) }), bob.submit(gb.groupId, { message: b64(cb.commit) })]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409]);
    const loser = answers.find((a) => a.status === 409)!;
    expect(loser.body).toMatchObject({ error: "group/stale-epoch", currentEpoch: "2" });
    expect((await h.store.getGroup(ga.groupId))?.epoch).toBe(2n);

    // The loser discards its Commit and applies the winner's from the history.
    const [winnerGroup, loserGroup, loserClient] = answers[0]!.status === 200 ? [ga, gb, bob] : [gb, ga, alice];
    await winnerGroup.confirmPendingCommit();
    await loserGroup.discardPendingCommit();
    const history = await loserClient.call("GET", `/v1/groups/${toHex(ga.groupId)}/messages?fromEpoch=1`);
    expect(history.body.items).toHaveLength(1);
    const m = await loserGroup.processIncoming(unb64(history.body.items[0].message));
    if (m.kind !== "commit") throw new Error(`expected a commit, got ${m.kind}`);
    await m.staged.merge();
    expect(loserGroup.epoch).toBe(2n);
    expect(toHex(loserGroup.epochAuthenticator)).toBe(toHex(winnerGroup.epochAuthenticator));
  });

  it("a stream sends each entry once and in order while pushes race with the backlog", async () => {
    const before = (await bob.queue()).body.items as QueueItem[];
    const after = before.at(-1)?.seq ?? 0;
    const messages = await ga.encryptMany(Array.from({ length: 30 }, (_, i) => `m${i}`));
    // Half before subscribing, half while the backlog is read.
    for (const m of messages.slice(0, 15)) expect((await alice.submit(ga.groupId, { message: b64(m) })).status).toBe(200);
    const s = await bob.stream();
    s.ws.send(JSON.stringify({ type: "subscribe", after }));
    await Promise.all(messages.slice(15).map((m) => alice.submit(ga.groupId, { message: b64(m) })));
    const items = () => s.frames.flatMap((f) => (f.type === "items" ? f.items : []));
    while (items().length < 30) await s.next();
    // Nothing more comes (no entry twice).
    await new Promise((r) => setTimeout(r, 200));
    const seen = items();
    s.ws.close();
    expect(seen).toHaveLength(30);
    const seqs = seen.map((i) => i.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(30);
    expect(seqs[0]).toBeGreaterThan(after);
  });
});
