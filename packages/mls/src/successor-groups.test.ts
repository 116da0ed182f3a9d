/** ReInit (§11.2), branching (§11.3), custom proposals and GroupContextExtensions through the facade. */
import { describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, CipherSuite, acceptAll } from "@mlskit/core";
import { noblePrimitives } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { Client, type Group, UsageError } from "@mlskit/mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = webCryptoProvider({ fallback: noblePrimitives() });
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function deliver(commit: Uint8Array, ...groups: Group[]): Promise<void> {
  for (const g of groups) {
    const r = await g.processIncoming(commit);
    if (r.kind === "commit") await r.staged.merge();
  }
}

async function pair(policy = {}) {
  const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((identity) => Client.create({ identity, identityProvider, crypto, policy })));
  const a = await alice!.createGroup();
  const c1 = await a.addMembers([(await bob!.createKeyPackage()).keyPackage, (await carol!.createKeyPackage()).keyPackage]);
  await a.confirmPendingCommit();
  const b = await bob!.joinFromWelcome(c1.welcome!);
  const c = await carol!.joinFromWelcome(c1.welcome!);
  return { alice: alice!, bob: bob!, carol: carol!, a, b, c };
}

describe("ReInit (§11.2)", () => {
  it("reinitialises the group with a new cipher suite; the old group is frozen", async () => {
    const { alice, bob, carol, a, b, c } = await pair();
    const p = await b.proposeReInit({ cipherSuite: CipherSuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 });
    await deliver(p.message, a, c);
    const commit = await a.commit();
    await a.confirmPendingCommit();
    await deliver(commit.commit, b, c);
    for (const g of [a, b, c]) expect(g.reinit?.cipherSuite).toBe(3);
    await expect(a.encrypt("old")).rejects.toMatchObject({ code: "usage/group-reinitialized" });

    const kps = await Promise.all([bob, carol].map(async (x) => (await x.createKeyPackage({ cipherSuite: 3 })).keyPackage));
    const next = await alice.reinitGroup(a, kps);
    const [nb, nc] = await Promise.all([bob.joinFromWelcome(next.welcome!), carol.joinFromWelcome(next.welcome!)]);
    for (const g of [next.group, nb, nc]) {
      expect(g.cipherSuite).toBe(3);
      expect(g.epoch).toBe(1n);
      expect(toHex(g.groupId)).toBe(toHex(a.reinit!.groupId));
      expect(toHex(g.epochAuthenticator)).toBe(toHex(next.group.epochAuthenticator));
    }
    const r = await nc.processIncoming(await nb.encrypt("over chacha"));
    expect(r.kind === "application" && text(r.data)).toBe("over chacha");
    await expect(alice.reinitGroup(nb, [])).rejects.toSatisfy((e: unknown) => UsageError.isInstance(e) && e.code === "usage/no-reinit");
  });
});

describe("branching (§11.3)", () => {
  it("branches a sub-group linked by a resumption PSK; both groups keep working", async () => {
    const { alice, carol, a, b, c } = await pair();
    const branch = await alice.branchGroup(a, [(await carol.createKeyPackage()).keyPackage]);
    const bc = await carol.joinFromWelcome(branch.welcome!);
    expect(bc.epoch).toBe(1n);
    expect(toHex(bc.epochAuthenticator)).toBe(toHex(branch.group.epochAuthenticator));
    expect((await bc.members()).map((m) => text(m.identity))).toEqual(["alice", "carol"]);
    const r = await bc.processIncoming(await branch.group.encrypt("side channel"));
    expect(r.kind === "application" && text(r.data)).toBe("side channel");
    // The original group goes on.
    const u = await c.update();
    await c.confirmPendingCommit();
    await deliver(u.commit, a, b);
    expect(toHex(a.epochAuthenticator)).toBe(toHex(c.epochAuthenticator));
  });
});

describe("custom proposals (§13.2) and GroupContextExtensions (§12.1.7)", () => {
  it("commits an application-defined proposal by reference and new extensions", async () => {
    const seen: string[] = [];
    const policy = {
      customProposals: [{ proposalType: 0xf0a0, requiresPath: false, validate: (p: { body: Uint8Array }) => void seen.push(text(p.body)) }],
    };
    const { a, b, c } = await pair(policy);
    const p = await b.proposeCustom(0xf0a0, new TextEncoder().encode("rename: team"));
    await deliver(p.message, a, c);
    const gce = await c.proposeGroupContextExtensions([]);
    await deliver(gce.message, a, b);
    const out = await a.commit();
    await a.confirmPendingCommit();
    const r = await b.processIncoming(out.commit);
    if (r.kind !== "commit") throw new Error("expected a commit");
    expect(r.staged.proposals.map((x) => x.proposal.proposalType)).toEqual(["custom", 7]);
    expect(r.staged.newExtensions).toEqual([]);
    await r.staged.merge();
    await deliver(out.commit, c);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(toHex(b.epochAuthenticator)).toBe(toHex(a.epochAuthenticator));
  });
});
