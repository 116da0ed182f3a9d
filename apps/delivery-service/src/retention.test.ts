/** Queue retention runs on its timer with the configured policy; a reader past dropped entries is told (truncated). */
import { toHex } from "@mlskit/codec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, TestClient, b64, startDs, unb64 } from "./ds-harness.fixture.js";

describe("Delivery Service: queue retention", () => {
  let h: Harness;
  let offset = 0;
  beforeAll(async () => {
    h = await startDs({ clock: () => Date.now() + offset, limits: { retention: { maxAgeMs: 60_000, maxPerClient: 10_000 }, retentionIntervalMs: 50 } });
  });
  afterAll(async () => h.close());

  it("drops entries older than maxAgeMs and reports the gap", async () => {
    const alice = await TestClient.registered(h, "alice");
    const bob = await TestClient.registered(h, "bob");
    await bob.publish(1);
    const ga = await alice.client.createGroup();
    expect((await alice.call("POST", "/v1/groups", { groupId: toHex(ga.groupId), groupInfo: b64(await ga.groupInfo()) })).status).toBe(201);
    const add = await ga.addMembers([unb64((await alice.claim("bob")).body.keyPackage)]);
    expect((await alice.submit(ga.groupId, { message: b64(add.commit), welcome: b64(add.welcome!), welcomeRecipients: ["bob"] })).status).toBe(200);
    expect((await bob.queue()).body.items).toHaveLength(1);
    // Two minutes later (the server's clock; requests are signed with the same clock).
    offset = 120_000;
    await new Promise((r) => setTimeout(r, 300));
    const q = await bob.call("GET", "/v1/queue?after=0", undefined, { now: Date.now() + offset });
    expect(q.status).toBe(200);
    expect(q.body).toEqual({ items: [], truncated: true });
  });
});
