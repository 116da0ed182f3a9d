/**
 * Facade flows the interop client needed: ReInit Welcomes (same group id,
 * other signature scheme), adopting a state, one signature key per scheme,
 * committing a chosen subset of cached proposals, the pending epoch's tree,
 * and proposals from outside the group (new member, external sender).
 */
import { describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, CipherSuite, SignatureScheme, acceptAll } from "@mlskit/core";
import { noblePrimitives } from "@mlskit/crypto-noble";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { createGroup, createKeyPackage, decodeMlsMessage, groupPolicy } from "@mlskit/group";
import { Client, ExternalSigner, type Group, UsageError } from "@mlskit/mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = webCryptoProvider({ fallback: noblePrimitives() });
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const P256 = CipherSuite.MLS_128_DHKEMP256_AES128GCM_SHA256_P256;

async function deliver(message: Uint8Array, ...groups: Group[]): Promise<void> {
  for (const g of groups) {
    const r = await g.processIncoming(message);
    if (r.kind === "commit") await r.staged.merge();
  }
}

async function trio() {
  const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((identity) => Client.create({ identity, identityProvider, crypto })));
  const a = await alice!.createGroup();
  const c1 = await a.addMembers([(await bob!.createKeyPackage()).keyPackage, (await carol!.createKeyPackage()).keyPackage]);
  await a.confirmPendingCommit();
  const b = await bob!.joinFromWelcome(c1.welcome!);
  const c = await carol!.joinFromWelcome(c1.welcome!);
  return { alice: alice!, bob: bob!, carol: carol!, a, b, c };
}

async function reinit(x: Awaited<ReturnType<typeof trio>>, params: { groupId?: Uint8Array; cipherSuite?: number }) {
  const p = await x.b.proposeReInit(params);
  await deliver(p.message, x.a, x.c);
  const commit = await x.a.commit();
  await x.a.confirmPendingCommit();
  await deliver(commit.commit, x.b, x.c);
}

describe("ReInit Welcomes through Client.joinFromWelcome", () => {
  it("joins a ReInit that keeps the group id; the frozen group is replaced in the client", async () => {
    const x = await trio();
    const groupId = x.a.groupId;
    await reinit(x, { groupId });
    const kps = await Promise.all([x.bob, x.carol].map(async (c) => (await c.createKeyPackage()).keyPackage));
    const next = await x.alice.reinitGroup(x.a, kps);
    const nb = await x.bob.joinFromWelcome(next.welcome!);
    const nc = await x.carol.joinFromWelcome(next.welcome!, { resumedGroup: x.c, expectResumption: "reinit" });
    for (const g of [nb, nc]) {
      expect(toHex(g.groupId)).toBe(toHex(groupId));
      expect(g.epoch).toBe(1n);
      expect(toHex(g.epochAuthenticator)).toBe(toHex(next.group.epochAuthenticator));
    }
    expect(await x.bob.getGroup(groupId)).toBe(nb);
    expect(await x.alice.getGroup(groupId)).toBe(next.group);
    const r = await nc.processIncoming(await nb.encrypt("same id"));
    expect(r.kind === "application" && text(r.data)).toBe("same id");
  });

  it("joins a ReInit to a suite of another signature scheme, with one key per scheme; the old group is retired", async () => {
    const x = await trio();
    const oldId = x.a.groupId;
    await reinit(x, { cipherSuite: P256 });
    const kps = await Promise.all([x.bob, x.carol].map(async (c) => (await c.createKeyPackage({ cipherSuite: P256 })).keyPackage));
    const next = await x.alice.reinitGroup(x.a, kps);
    const [nb, nc] = await Promise.all([x.bob.joinFromWelcome(next.welcome!), x.carol.joinFromWelcome(next.welcome!, { expectResumption: "reinit" })]);
    expect(nb.cipherSuite).toBe(P256);
    expect(toHex(nc.epochAuthenticator)).toBe(toHex(next.group.epochAuthenticator));
    // The P-256 groups use P-256 keys, not the Ed25519 one.
    const p256 = await x.bob.signatureKeyPair(P256);
    const bobLeaf = (await nb.members()).find((m) => text(m.identity) === "bob")!;
    expect(toHex(bobLeaf.signatureKey)).toBe(toHex(p256.publicKey));
    expect(toHex(p256.publicKey)).not.toBe(toHex(x.bob.signaturePublicKey));
    expect(toHex((await x.bob.signatureKeyPair(P256)).publicKey)).toBe(toHex(p256.publicKey));
    // The frozen group left the clients' maps once its successor was joined or created.
    expect(await x.bob.getGroup(oldId)).toBeUndefined();
    expect(await x.alice.getGroup(oldId)).toBeUndefined();
    const r = await nb.processIncoming(await nc.encrypt("over P-256"));
    expect(r.kind === "application" && text(r.data)).toBe("over P-256");
  });

  it("takes the resumed group from another client (a lookup)", async () => {
    const x = await trio();
    await reinit(x, { cipherSuite: CipherSuite.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 });
    // Carol's new-suite client shares her credential but not her groups.
    const carol3 = await Client.create({ identity: "carol", identityProvider, crypto, cipherSuite: 3 });
    const kps = [(await x.bob.createKeyPackage({ cipherSuite: 3 })).keyPackage, (await carol3.createKeyPackage()).keyPackage];
    const next = await x.alice.reinitGroup(x.a, kps);
    await expect(carol3.joinFromWelcome(next.welcome!)).rejects.toMatchObject({ code: "welcome/resumed-group-unknown" });
    const nc = await carol3.joinFromWelcome(next.welcome!, { resumedGroup: () => x.c });
    expect(toHex(nc.epochAuthenticator)).toBe(toHex(next.group.epochAuthenticator));
  });

  it("supplies key pairs per signature scheme", async () => {
    const cs = await crypto.cipherSuite(P256);
    const p256 = await cs.signatureGenerateKeyPair();
    const dave = await Client.create({ identity: "dave", identityProvider, crypto, signatureKeyPairs: { [SignatureScheme.ecdsa_secp256r1_sha256]: p256 } });
    const kp = await dave.createKeyPackage({ cipherSuite: P256 });
    const m = decodeMlsMessage(kp.keyPackage);
    expect(m.wireFormat === 5 && toHex(m.keyPackage.leafNode.signatureKey)).toBe(toHex(p256.publicKey));
    const g = await dave.createGroup({ cipherSuite: P256 });
    expect(g.cipherSuite).toBe(P256);
    expect(toHex((await g.members())[0]!.signatureKey)).toBe(toHex(p256.publicKey));
  });
});

describe("Client.adoptGroup", () => {
  it("adopts a state made with @mlskit/group", async () => {
    const erin = await Client.create({ identity: "erin", identityProvider, crypto });
    const cs = await crypto.cipherSuite(1);
    const sig = await erin.signatureKeyPair();
    const kp = await createKeyPackage({ cs, credential: erin.credential, signaturePrivateKey: sig.privateKey, signaturePublicKey: sig.publicKey });
    const state = await createGroup({
      cs,
      leafNode: kp.keyPackage.leafNode,
      encryptionPrivateKey: kp.privateKeys.encryptionPrivateKey,
      signaturePrivateKey: sig.privateKey,
      services: { identityProvider },
      policy: groupPolicy({}),
    });
    const g = await erin.adoptGroup(state);
    expect(await erin.getGroup(g.groupId)).toBe(g);
    const frank = await Client.create({ identity: "frank", identityProvider, crypto });
    const out = await g.addMembers([(await frank.createKeyPackage()).keyPackage]);
    await g.confirmPendingCommit();
    const f = await frank.joinFromWelcome(out.welcome!);
    expect(toHex(f.epochAuthenticator)).toBe(toHex(g.epochAuthenticator));
    await expect(erin.adoptGroup({ ...state })).rejects.toSatisfy((e: unknown) => UsageError.isInstance(e) && e.code === "usage/duplicate-group");
  });
});

describe("commit byReference and the pending epoch's tree", () => {
  it("commits exactly the chosen cached proposals; the others stay cached", async () => {
    const x = await trio();
    const psk = new Uint8Array([1, 2, 3]);
    for (const c of [x.alice, x.bob, x.carol]) await c.psks.put(psk, new Uint8Array(32).fill(9));
    const p1 = await x.b.proposePsk(psk);
    const p2 = await x.c.proposeGroupContextExtensions([]);
    await deliver(p1.message, x.a, x.c);
    await deliver(p2.message, x.a, x.b);
    expect(x.a.pendingProposals).toBe(2);
    // By ref; and by message (the own proposal comes back as already cached).
    const out = await x.a.commit({ byReference: [p2.ref] });
    expect(x.a.pendingProposals).toBe(2);
    const own = await x.c.processIncoming(p2.message);
    expect(own.kind === "proposal" && toHex(own.ref)).toBe(toHex(p2.ref));
    await x.a.confirmPendingCommit();
    const r = await x.b.processIncoming(out.commit);
    if (r.kind !== "commit") throw new Error("expected a commit");
    expect(r.staged.proposals.map((p) => toHex(p.ref!))).toEqual([toHex(p2.ref)]);
    await r.staged.merge();
    await deliver(out.commit, x.c);
    expect(toHex(x.b.epochAuthenticator)).toBe(toHex(x.a.epochAuthenticator));

    // In the new epoch: a proposal by message, processed on the way; unknown refs are refused.
    const p3 = await x.b.proposePsk(psk);
    await deliver(p3.message, x.c);
    await expect(x.a.commit({ byReference: [new Uint8Array(32)] })).rejects.toMatchObject({ code: "usage/unknown-proposal" });
    const out2 = await x.a.commit({ byReference: [p3.message] });
    await x.a.confirmPendingCommit();
    await deliver(out2.commit, x.b, x.c);
    expect(toHex(x.c.epochAuthenticator)).toBe(toHex(x.a.epochAuthenticator));
  });

  it("returns the new epoch's tree for a Welcome without it", async () => {
    const x = await trio();
    const dave = await Client.create({ identity: "dave", identityProvider, crypto });
    const out = await x.a.addMembers([(await dave.createKeyPackage()).keyPackage], { ratchetTreeInWelcome: false });
    expect(out.ratchetTree).toBeDefined();
    expect(toHex(x.a.pendingRatchetTree()!)).toBe(toHex(out.ratchetTree!));
    await x.a.confirmPendingCommit();
    expect(x.a.pendingRatchetTree()).toBeUndefined();
    await expect(dave.joinFromWelcome(out.welcome!)).rejects.toMatchObject({ code: "welcome/missing-ratchet-tree", rfcSection: "12.4.3.1" });
    const d = await dave.joinFromWelcome(out.welcome!, { ratchetTree: out.ratchetTree! });
    expect(toHex(d.epochAuthenticator)).toBe(toHex(x.a.epochAuthenticator));
  });
});

describe("proposals from outside the group", () => {
  it("a new member proposes its own Add, then joins from the Welcome", async () => {
    const x = await trio();
    const dave = await Client.create({ identity: "dave", identityProvider, crypto });
    const gi = await x.a.groupInfo();
    const p = await dave.proposeAsNewMember(gi);
    await deliver(p.message, x.a, x.b, x.c);
    const out = await x.b.commit({ byReference: [p.ref] });
    await x.b.confirmPendingCommit();
    await deliver(out.commit, x.a, x.c);
    const d = await dave.joinFromWelcome(out.welcome!);
    expect((await d.members()).map((m) => text(m.identity))).toEqual(["alice", "bob", "carol", "dave"]);
    expect(toHex(d.epochAuthenticator)).toBe(toHex(x.a.epochAuthenticator));
    // A GroupInfo whose tree does not match is refused.
    const other = await x.a.groupInfo({ withRatchetTree: false });
    await expect(dave.proposeAsNewMember(other, { ratchetTree: (await x.alice.createGroup()).ratchetTree() })).rejects.toMatchObject({
      code: "group-info/tree-hash-mismatch",
    });
  });

  it("an external signer is listed in external_senders, then proposes a Remove and an Add", async () => {
    const x = await trio();
    const ds = await ExternalSigner.create({ identity: "ds", identityProvider, crypto });
    await expect(ds.propose(await x.a.groupInfo(), { remove: "carol" })).rejects.toMatchObject({ code: "usage/not-an-external-sender" });
    const listed = await x.a.proposeExternalSender(ds.externalSenderBytes);
    await deliver(listed.message, x.b, x.c);
    const c1 = await x.a.commit();
    await x.a.confirmPendingCommit();
    await deliver(c1.commit, x.b, x.c);
    expect(ds.indexIn(x.b.extensions)).toBe(0);
    expect(ds.addTo(x.b.extensions)).toEqual([...x.b.extensions]);

    const rm = await ds.propose(await x.a.groupInfo(), { remove: "carol" });
    const dave = await Client.create({ identity: "dave", identityProvider, crypto });
    const add = await ds.propose(await x.b.groupInfo({ withRatchetTree: false }), { add: (await dave.createKeyPackage()).keyPackage });
    await deliver(rm.message, x.a, x.b, x.c);
    await deliver(add.message, x.a, x.b, x.c);
    const c2 = await x.b.commit({ byReference: [rm.message, add.message] });
    await x.b.confirmPendingCommit();
    await deliver(c2.commit, x.a);
    const removed = await x.c.processIncoming(c2.commit);
    expect(removed.kind === "commit" && removed.staged.removedSelf).toBe(true);
    const d = await dave.joinFromWelcome(c2.welcome!);
    expect((await d.members()).map((m) => text(m.identity))).toEqual(["alice", "bob", "dave"]);
    expect(toHex(d.epochAuthenticator)).toBe(toHex(x.a.epochAuthenticator));
  });
});
