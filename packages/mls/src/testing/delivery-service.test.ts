import { describe, expect, it } from "vitest";
import { BasicIdentityProvider, acceptAll } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { Client } from "@mlskit/mls";
import { DeliveryService } from "@mlskit/mls/testing";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = nobleCryptoProvider();

describe("simulated Delivery Service", () => {
  it("takes the first Commit of an epoch, rejects the rest and stale proposals, and can deliver late", async () => {
    const [alice, bob] = await Promise.all(["alice", "bob"].map((identity) => Client.create({ identity, identityProvider, crypto })));
    let r = 0;
    const ds = new DeliveryService({ random: () => (r = (r + 0.37) % 1), delayProbability: 1, maxDelay: 1 });
    const a = await alice!.createGroup();
    ds.createGroup(a.groupId, ["alice"]);
    const add = await a.addMembers([(await bob!.createKeyPackage()).keyPackage]);
    expect(ds.submitHandshake("alice", add.commit, { welcome: add.welcome!, newMembers: ["bob"] })).toEqual({ accepted: true, epoch: 1n });
    expect((await a.processIncoming(ds.receive("alice")[0]!.bytes)).kind).toBe("own-commit");
    const [welcome] = ds.receive("bob");
    expect(welcome?.kind).toBe("welcome");
    const b = await bob!.joinFromWelcome(welcome!.bytes);
    expect(ds.subscribers(a.groupId).sort()).toEqual(["alice", "bob"]);

    // Both commit in epoch 1: the first wins, the second is rejected and discarded.
    const [ua, ub] = await Promise.all([a.update(), b.update()]);
    const p = await b.proposeUpdate(); // a proposal of epoch 1, submitted after the epoch moved on
    expect(ds.submitHandshake("alice", ua.commit).accepted).toBe(true);
    expect(ds.submitHandshake("bob", ub.commit)).toEqual({ accepted: false, reason: "stale-epoch", epoch: 2n });
    expect(ds.submitHandshake("bob", p.message)).toMatchObject({ accepted: false, reason: "stale-epoch" });
    await b.discardPendingCommit();
    expect(ds.stats.commitsRejected).toBe(1);

    // An application message held back arrives after the next submission.
    const m = await a.encrypt("late");
    ds.submitApplication("alice", m);
    expect(ds.held).toBe(1);
    expect(ds.pending("bob")).toBe(1); // the winning commit
    ds.releaseAll();
    const inbox = ds.receive("bob");
    expect(inbox.map((e) => e.kind)).toEqual(["handshake", "application"]);
    expect(inbox[1]!.delayed).toBe(true);
  });
});
