/** The per-group queue: interleaved calls on one Group cannot fork its state. */
import { describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, acceptAll } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { createProposal, decodeKeyPackage, decodeMlsMessage, type ValidatedKeyPackage } from "@mlskit/group";
import { Client, SerialQueue, UsageError } from "@mlskit/mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = nobleCryptoProvider();
const newClient = (identity: string) => Client.create({ identity, identityProvider, crypto });

describe("SerialQueue", () => {
  it("runs operations one at a time, in order, and survives rejections", async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    const op = (name: string, ms: number, fail = false) =>
      q.run(async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([op("a", 20), op("b", 1, true), op("c", 5)]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(q.pending).toBe(0);
  });
});

describe("Group serialisation", () => {
  it("keeps every interleaved proposal (the raw state machine would lose one)", async () => {
    const [alice, bob, carol, dave] = await Promise.all(["alice", "bob", "carol", "dave"].map(newClient));
    const g = await alice!.createGroup();
    const [kb, kc, kd] = await Promise.all([bob!, carol!, dave!].map((c) => c.createKeyPackage()));

    // The hazard: two transitions from one snapshot; the second result drops the first's proposal.
    const s0 = g.state;
    const kp = (b: Uint8Array) => {
      const m = decodeMlsMessage(b);
      return (m.wireFormat === 5 ? m.keyPackage : decodeKeyPackage(b)) as ValidatedKeyPackage;
    };
    const [p1, p2] = await Promise.all([createProposal(s0, { add: kp(kb!.keyPackage) }), createProposal(s0, { add: kp(kc!.keyPackage) })]);
    expect(p1.state.proposals.size + p2.state.proposals.size).toBe(2); // each fork holds one

    // Through the facade the calls queue up: both proposals are kept.
    await Promise.all([g.proposeAdd(kb!.keyPackage), g.proposeAdd(kc!.keyPackage), g.proposeAdd(kd!.keyPackage)]);
    expect(g.pendingProposals).toBe(3);
    const [first, second] = await Promise.allSettled([g.commit(), g.update()]);
    expect(first.status).toBe("fulfilled");
    expect(second.status === "rejected" && UsageError.isInstance(second.reason) && second.reason.code).toBe("usage/commit-pending");
    const out = (first as PromiseFulfilledResult<Awaited<ReturnType<typeof g.commit>>>).value;
    // Encrypting while the commit is pending and confirming it, interleaved: still one linear history.
    const [, confirmed] = await Promise.all([g.export("x", new Uint8Array(0), 8), g.processIncoming(out.commit)]);
    expect(confirmed.kind).toBe("own-commit");
    expect(g.epoch).toBe(1n);
    expect((await g.members()).length).toBe(4);
    const joined = await Promise.all([bob!, carol!, dave!].map((c) => c.joinFromWelcome(out.welcome!)));
    for (const j of joined) expect(toHex(j.epochAuthenticator)).toBe(toHex(g.epochAuthenticator));
  });

  it("merges one of two concurrent stagings of the same Commit; the other is stale", async () => {
    const [alice, bob] = await Promise.all(["alice", "bob"].map(newClient));
    const a = await alice!.createGroup();
    const c1 = await a.addMembers([(await bob!.createKeyPackage()).keyPackage]);
    await a.confirmPendingCommit();
    const b = await bob!.joinFromWelcome(c1.welcome!);
    const u = await a.update();
    await a.confirmPendingCommit();
    const [r1, r2] = await Promise.all([b.processIncoming(u.commit), b.processIncoming(u.commit)]);
    if (r1.kind !== "commit" || r2.kind !== "commit") throw new Error("expected commits");
    const [m1, m2] = await Promise.allSettled([r1.staged.merge(), r2.staged.merge()]);
    expect(m1.status).toBe("fulfilled");
    expect(m2.status === "rejected" && (m2.reason as UsageError).code).toBe("usage/stale-staged-commit");
    expect(toHex(b.epochAuthenticator)).toBe(toHex(a.epochAuthenticator));
  });
});
