/**
 * Secrets are wiped on schedule (RFC 9420 §9.2, §16.8): the test holds
 * references to secrets of a state and shows their bytes are zero once the
 * state that held them was replaced for good.
 */
import { describe, expect, it } from "vitest";
import { BasicIdentityProvider, acceptAll } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { Client } from "@mlskit/mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = nobleCryptoProvider();
const zero = (b: Uint8Array) => b.length > 0 && b.every((x) => x === 0);

async function pair(pastEpochs: number) {
  const alice = await Client.create({ identity: "alice", identityProvider, crypto, policy: { pastEpochs } });
  const bob = await Client.create({ identity: "bob", identityProvider, crypto, policy: { pastEpochs } });
  const a = await alice.createGroup();
  const add = await a.addMembers([(await bob.createKeyPackage()).keyPackage]);
  await a.confirmPendingCommit();
  const b = await bob.joinFromWelcome(add.welcome!);
  return { a, b };
}

describe("deletion schedule (RFC 9420 §9.2)", () => {
  it("a merged Commit wipes the old epoch's secrets but the two a past epoch keeps", async () => {
    const { a } = await pair(1);
    const keys = a.state.keys;
    const held = { init: keys.initSecret, exporter: keys.exporterSecret, confirmation: keys.confirmationKey, external: keys.externalSecret, auth: keys.epochAuthenticator };
    const kept = { senderData: keys.senderDataSecret, membership: keys.membershipKey };
    await a.update();
    await a.confirmPendingCommit();
    for (const [name, b] of Object.entries(held)) expect(zero(b), name).toBe(true);
    for (const [name, b] of Object.entries(kept)) expect(zero(b), name).toBe(false);
  });

  it("an epoch evicted from the past epochs has its secret tree and keys wiped", async () => {
    const { a, b } = await pair(1);
    const late = await a.encrypt("late"); // keeps epoch 1 readable while it is a past epoch
    const epoch1 = a.state;
    await a.update();
    await a.confirmPendingCommit();
    const past = a.state.pastEpochs[0]!;
    expect(past.epoch).toBe(epoch1.groupContext.epoch);
    await a.update();
    await a.confirmPendingCommit(); // epoch 1 leaves the ring (pastEpochs: 1)
    expect(zero(past.senderDataSecret)).toBe(true);
    expect(zero(past.membershipKey)).toBe(true);
    expect(() => past.secretTree.exportState()).toThrow(/wiped/);
    expect(late.length).toBeGreaterThan(0);
    expect(b.epoch).toBe(1n);
  });

  it("an Update replaces the leaf's and path's private keys: the superseded ones are wiped", async () => {
    const { a } = await pair(1);
    const pk = a.state.privateKeys;
    const old = pk.nodes().map((n) => pk.get(n)!);
    await a.update();
    await a.confirmPendingCommit();
    for (const k of old) expect(zero(k)).toBe(true);
    const now = a.state.privateKeys;
    for (const n of now.nodes()) expect(zero(now.get(n)!)).toBe(false);
  });

  it("a pending Commit the Delivery Service rejected leaves no secrets behind", async () => {
    const { a } = await pair(1);
    await a.update();
    const pending = a.state.pendingCommit!.state;
    const secrets = [pending.keys.initSecret, pending.keys.exporterSecret, ...pending.privateKeys.nodes().map((n) => pending.privateKeys.get(n)!)];
    const current = a.state.keys.exporterSecret;
    await a.discardPendingCommit();
    for (const s of secrets) expect(zero(s)).toBe(true);
    expect(zero(current)).toBe(false);
    expect(() => pending.secretTree.exportState()).toThrow(/wiped/);
  });
});
