/**
 * History sharing across a fork (issue 16): an epoch is (epoch number,
 * branch), the branch being the epoch's confirmed transcript hash. A
 * losing-branch member shares the losing branch's epochs; members of the
 * winning branch, which hold an epoch of the same number, read the losing
 * branch's messages with them. A bundle of one branch never reads another
 * branch's messages; the consent hook still decides.
 */
import { describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, acceptAll, decryptWithLabel, encryptWithLabel, signWithLabel } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { decodeKeyPackageMaterial } from "@mlskit/group";
import { Client, type Group, MlsError, shareHistoryBetween } from "@mlskit/mls";
import { decodeKeyPackageInput } from "../key-package-input.js";
import { HISTORY_LABEL, decodeHistoryBundle, encodeHistoryBundle, encodeHistoryHeader, encodeHistoryTbs } from "./history-codec.js";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = nobleCryptoProvider();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Forks on, with a rule that makes alice's (leaf 0) Commit win; retention of history copies; sharing approved for members only. */
async function client(identity: string): Promise<Client> {
  return Client.create({
    identity,
    identityProvider,
    crypto,
    forks: { rule: ({ theirs }) => (theirs.committer === 0 ? "theirs" : "ours") },
    historySharing: { retainEpochs: 4, approve: (r) => r.relation === "member" },
  });
}

async function read(g: Group, m: Uint8Array): Promise<string> {
  const r = await g.processIncoming(m);
  if (r.kind !== "application") throw new Error(`expected an application message, got ${r.kind}`);
  return text(r.data);
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (MlsError.isInstance(e)) return e.code;
    throw e;
  }
  throw new Error("expected a rejection");
}

async function merge(g: Group, commit: Uint8Array): Promise<void> {
  const r = await g.processIncoming(commit);
  if (r.kind !== "commit") throw new Error(`expected a commit, got ${r.kind}`);
  await r.staged.merge();
}

/**
 * alice, bob, carol in epoch 1. alice (branch a) and bob (branch b) commit
 * concurrently on epoch 1; carol takes alice's. Each branch has messages of
 * epoch 2. Then the fork heals: alice's Commit wins, bob rolls back.
 */
async function forked() {
  const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map(client));
  const a = await alice!.createGroup();
  const kps = await Promise.all([bob!, carol!].map((c) => c.createKeyPackage()));
  const added = await a.addMembers(kps.map((k) => k.keyPackage));
  await a.confirmPendingCommit();
  const b = await bob!.joinFromWelcome(added.welcome!);
  const c = await carol!.joinFromWelcome(added.welcome!);
  const ca = (await a.update()).commit;
  await a.confirmPendingCommit();
  const cb = (await b.update()).commit;
  await b.confirmPendingCommit();
  await merge(c, ca);
  const branchA = a.state.groupContext.confirmedTranscriptHash.slice();
  const branchB = b.state.groupContext.confirmedTranscriptHash.slice();
  expect(a.epoch).toBe(2n);
  expect(b.epoch).toBe(2n);
  expect(toHex(branchA)).not.toBe(toHex(branchB));
  const onB = await b.encrypt("bob on branch b");
  const onA = await a.encrypt("alice on branch a");
  const onA2 = await c.encrypt("carol on branch a");
  // Heal: both sides see the other's Commit; alice's wins.
  for (const g of [a, c]) {
    const r = await g.processIncoming(cb);
    expect(r.kind === "fork" && r.event === "commit" && r.winner).toBe("ours");
  }
  const r = await b.processIncoming(ca);
  expect(r.kind === "fork" && r.event === "commit" && r.winner).toBe("theirs");
  expect(toHex(b.epochAuthenticator)).toBe(toHex(a.epochAuthenticator));
  return { alice: alice!, bob: bob!, carol: carol!, a, b, c, branchA, branchB, onA, onA2, onB };
}

describe("history sharing across a fork", () => {
  it("the losing-branch member shares its branch; a winning-branch member reads its messages of the same epoch number", async () => {
    const { alice, bob, carol, a, b, c, branchA, branchB, onA, onB } = await forked();
    // Carol holds epoch 2 (branch a): bob's branch-b message of epoch 2 does not read under it.
    await expect(c.processIncoming(onB)).rejects.toThrow();
    expect(await read(b, onA)).toBe("alice on branch a"); // bob, rolled back, reads branch a
    const imported = await shareHistoryBetween(bob, carol, c.groupId, { epochs: { from: 2n } });
    // Bob holds epoch 2 of both branches; branch a's is his live epoch (never shared): branch b only.
    expect(imported.branches.map((x) => [x.epoch, toHex(x.branch)])).toEqual([[2n, toHex(branchB)]]);
    expect(toHex(c.state.groupContext.confirmedTranscriptHash)).toBe(toHex(branchA));
    const r = await c.processIncoming(onB);
    expect(r.kind === "application" && text(r.data)).toBe("bob on branch b");
    expect(r.kind === "application" && r.epoch).toBe(2n);
    expect(r.kind === "application" && text(r.senderIdentity!)).toBe("bob");
    // Read once: the key is consumed (the deletion schedule applies).
    await expect(c.processIncoming(onB)).rejects.toThrow();
    // Carol's own branch is untouched: the live epoch still reads and sends.
    expect(await read(a, await c.encrypt("carol, live"))).toBe("carol, live");
    // Alice (the winning committer) reads it the same way.
    await shareHistoryBetween(bob, alice, a.groupId, { epochs: { from: 2n } });
    expect(await read(a, onB)).toBe("bob on branch b");
  });

  it("a member without epoch 2 reads both branches with both shared, and with branch a only not branch b's message of epoch 2", async () => {
    const { alice, bob, a, b, c, branchA, branchB, onA, onA2, onB } = await forked();
    // Dave joins in epoch 3: he holds no epoch 2 of either branch.
    const dave = await client("dave");
    const kp = await dave.createKeyPackage();
    const added = await a.addMembers([kp.keyPackage]);
    await a.confirmPendingCommit();
    for (const g of [b, c]) await merge(g, added.commit);
    const d = await dave.joinFromWelcome(added.welcome!);
    expect(d.epoch).toBe(3n);
    // Bob holds epoch 2 of both branches (his copies of each, whole): he shares both.
    const fromBob = await shareHistoryBetween(bob, dave, d.groupId, { epochs: { from: 2n, to: 2n } });
    expect(fromBob.branches.map((x) => toHex(x.branch)).sort()).toEqual([toHex(branchA), toHex(branchB)].sort());
    expect(await read(d, onB)).toBe("bob on branch b");
    expect(await read(d, onA)).toBe("alice on branch a");
    // Erin joins in epoch 4 and gets epoch 2 of branch a only: branch b's message of epoch 2 stays unreadable.
    const erin = await client("erin");
    const kp2 = await erin.createKeyPackage();
    const added2 = await a.addMembers([kp2.keyPackage]);
    await a.confirmPendingCommit();
    for (const g of [b, c, d]) await merge(g, added2.commit);
    const e = await erin.joinFromWelcome(added2.welcome!);
    // Alice never held branch b: her bundle of epoch 2 is branch a only.
    const fromAlice = await shareHistoryBetween(alice, erin, e.groupId, { epochs: { from: 2n, to: 2n } });
    expect(fromAlice.branches.map((x) => toHex(x.branch))).toEqual([toHex(branchA)]);
    expect(await code(e.processIncoming(onB))).toBe("history/out-of-scope");
    expect(await read(e, onA2)).toBe("carol on branch a");
  });

  it("a signed bundle whose header names another branch than its records is refused", async () => {
    const { bob, carol, c, branchA } = await forked();
    const kp = await carol.createKeyPackage();
    const bundle = decodeHistoryBundle(await bob.shareHistory((await bob.getGroup(c.groupId))!, { keyPackage: kp.keyPackage, epochs: { from: 2n } }));
    const cs = await crypto.cipherSuite(c.cipherSuite as never);
    // A sharer (bob, a member: his signature verifies) that names branch a for a record of branch b.
    const stored = await carol.storage.getKeyPackage(kp.reference);
    const material = decodeKeyPackageMaterial(stored!.data);
    const plaintext = await decryptWithLabel(cs, material.initPrivateKey, HISTORY_LABEL, encodeHistoryHeader(bundle.header), bundle.payload);
    const header = { ...bundle.header, epochs: bundle.header.epochs.map((x) => ({ ...x, branch: branchA })) };
    const payload = await encryptWithLabel(cs, decodeKeyPackageInput(kp.keyPackage).initKey, HISTORY_LABEL, encodeHistoryHeader(header), plaintext);
    const bobKeys = await bob.signatureKeyPair(c.cipherSuite as never);
    const signature = await signWithLabel(cs, bobKeys.privateKey, HISTORY_LABEL, encodeHistoryTbs({ header, payload }));
    expect(await code(carol.importHistory(encodeHistoryBundle({ header, payload, signature })))).toBe("history/invalid-bundle");
    // Changing the header's branch without re-encrypting: the header is the HPKE context and is signed.
    expect(await code(carol.importHistory(encodeHistoryBundle({ ...bundle, header })))).toBe("history/signature");
  });

  it("approval is still required: the consent hook refuses, nothing is shared, the message stays unread", async () => {
    const { bob, carol, c, onB } = await forked();
    expect(await code(shareHistoryBetween(bob, carol, c.groupId, { epochs: { from: 2n }, approve: () => false }))).toBe("history/not-approved");
    await expect(c.processIncoming(onB)).rejects.toThrow();
    // A non-member is refused before the hook is asked.
    const mallory = await client("mallory");
    const kp = await mallory.createKeyPackage();
    expect(await code(bob.shareHistory((await bob.getGroup(c.groupId))!, { keyPackage: kp.keyPackage, approve: () => true }))).toBe("history/recipient-not-allowed");
  });
});
