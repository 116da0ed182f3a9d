/**
 * History and key sharing (issue 16): a member gives another device of the
 * same user, or an approved member, the keys to read past epochs, scoped to
 * a group, an epoch range and senders; behind the application's consent;
 * encrypted to the recipient KeyPackage and signed by a member.
 */
import { describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, type ClientStore, acceptAll, signWithLabel } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { Client, type Group, type HistorySharingOptions, MlsError, memoryStore, shareHistoryBetween } from "@mlskit/mls";
import { HISTORY_LABEL, decodeHistoryBundle, encodeHistoryBundle, encodeHistoryTbs } from "./history-codec.js";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const crypto = nobleCryptoProvider();
const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** Identities are "user/device": one user's devices are distinct clients (§12.2). */
const userOf = (id: Uint8Array) => text(id).split("/")[0];
const sameUser = (a: Uint8Array, b: Uint8Array) => userOf(a) === userOf(b);

async function client(identity: string, historySharing?: HistorySharingOptions, storage: ClientStore = memoryStore()): Promise<Client> {
  return Client.create({ identity, identityProvider, crypto, storage, ...(historySharing !== undefined ? { historySharing } : {}) });
}

async function read(g: Group, m: Uint8Array): Promise<string> {
  const r = await g.processIncoming(m);
  if (r.kind !== "application") throw new Error(`expected an application message, got ${r.kind}`);
  return text(r.data);
}

/** Adds `joiner` to `g` (whose other members are `others`) and returns its group. */
async function add(g: Group, joiner: Client, others: readonly Group[]): Promise<Group> {
  const kp = await joiner.createKeyPackage();
  const out = await g.addMembers([kp.keyPackage]);
  await g.confirmPendingCommit();
  for (const o of others) {
    const r = await o.processIncoming(out.commit);
    if (r.kind !== "commit") throw new Error("expected a commit");
    await r.staged.merge();
  }
  return joiner.joinFromWelcome(out.welcome!);
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

/**
 * alice/phone (who retains epochs and approves same-user sharing) and
 * bob/phone talk in epoch 1 and read each other; then alice/laptop joins.
 */
async function scene(options: { aliceSharing?: HistorySharingOptions; laptopStore?: ClientStore } = {}) {
  const aliceSharing = options.aliceSharing ?? { sameUser, retainEpochs: 4, approve: (r) => r.relation === "same-user" };
  const phone = await client("alice/phone", aliceSharing);
  const bob = await client("bob/phone");
  const laptopStore = options.laptopStore ?? memoryStore();
  const laptop = await client("alice/laptop", { sameUser }, laptopStore);
  const a = await phone.createGroup();
  const b = await add(a, bob, []);
  const m0 = await a.encrypt("alice in epoch 1"); // epoch 1
  const m1 = await b.encrypt("bob in epoch 1");
  expect(await read(b, m0)).toBe("alice in epoch 1");
  expect(await read(a, m1)).toBe("bob in epoch 1");
  const unread = await b.encrypt("bob, not read by alice yet");
  const l = await add(a, laptop, [b]); // epoch 2
  expect(l.epoch).toBe(2n);
  return { phone, bob, laptop, laptopStore, a, b, l, m0, m1, unread };
}

describe("history sharing", () => {
  it("alice's second device joins later and reads alice's and bob's earlier messages once alice shares them", async () => {
    const { phone, laptop, a, l, m0, m1, unread } = await scene();
    // Before: nothing to read the past with.
    expect(await code(l.processIncoming(m1))).toBe("message/epoch-too-old");
    const kp = await laptop.createKeyPackage();
    const bundle = await phone.shareHistory(a, { keyPackage: kp.keyPackage });
    const imported = await laptop.importHistory(bundle);
    expect(imported.epochs).toEqual([0n, 1n]);
    expect(text(imported.sharedBy.identity)).toBe("alice/phone");
    expect(imported.senders.filter((s) => s.epoch === 1n).map((s) => s.leafIndex)).toEqual([0, 1]);
    const r = await l.processIncoming(m0);
    expect(r.kind === "application" && text(r.data)).toBe("alice in epoch 1");
    expect(r.kind === "application" && text(r.senderIdentity!)).toBe("alice/phone");
    expect(await read(l, m1)).toBe("bob in epoch 1");
    expect(await read(l, unread)).toBe("bob, not read by alice yet");
    // The KeyPackage was single-use: consumed by the import.
    expect(await laptop.storage.getKeyPackage(kp.reference)).toBeUndefined();
    // Each key reads once (the deletion schedule applies to imported history too).
    expect(await code(l.processIncoming(m1))).toBe("history/out-of-scope");
    // The live group is untouched: the current epoch still works.
    expect(await read(a, await l.encrypt("laptop now"))).toBe("laptop now");
  });

  it("without retention only what the sharer still holds is shared: messages it already read are not", async () => {
    const { laptop, a, l, m1, unread, phone } = await scene({ aliceSharing: { sameUser, approve: () => true } });
    const kp = await laptop.createKeyPackage();
    await laptop.importHistory(await phone.shareHistory(a, { keyPackage: kp.keyPackage }));
    // Bob's message alice never read is readable; the one she read is gone from her keys, so from the bundle.
    expect(await read(l, unread)).toBe("bob, not read by alice yet");
    expect(await code(l.processIncoming(m1))).toBe("history/out-of-scope");
  });

  it("a new member (another user) reads history only when the application approves it", async () => {
    const approved: string[] = [];
    const { phone, a, b, l, m0, m1 } = await scene({
      aliceSharing: {
        sameUser,
        retainEpochs: 4,
        approve: (r) => {
          approved.push(`${r.relation}:${text(r.recipientIdentity)}:${r.epochs.join(",")}`);
          return r.relation === "member" && text(r.recipientIdentity) === "carol/phone";
        },
      },
    });
    const carol = await client("carol/phone");
    const c = await add(a, carol, [b, l]); // epoch 3
    const kp = await carol.createKeyPackage();
    await carol.importHistory(await phone.shareHistory(a, { keyPackage: kp.keyPackage, epochs: { from: 1n, to: 1n } }));
    expect(approved).toEqual(["member:carol/phone:1"]);
    expect(await read(c, m0)).toBe("alice in epoch 1");
    expect(await read(c, m1)).toBe("bob in epoch 1");
  });

  it("refuses by default: no consent hook, nothing leaves", async () => {
    const { laptop, a, l, m1, phone } = await scene({ aliceSharing: { sameUser, retainEpochs: 4 } });
    const kp = await laptop.createKeyPackage();
    expect(await code(phone.shareHistory(a, { keyPackage: kp.keyPackage }))).toBe("history/not-approved");
    expect(await code(l.processIncoming(m1))).toBe("message/epoch-too-old");
    // A per-call hook approves.
    await laptop.importHistory(await phone.shareHistory(a, { keyPackage: kp.keyPackage, approve: () => true }));
    expect(await read(l, m1)).toBe("bob in epoch 1");
  });

  it("a device that is not the user's is refused: a non-member always, another member unless approved", async () => {
    const { phone, a, bob } = await scene({ aliceSharing: { sameUser, retainEpochs: 4, approve: (r) => r.relation === "same-user" } });
    // Dave is not in the group: refused even by an approve-all hook.
    const dave = await client("dave/phone");
    const daveKp = await dave.createKeyPackage();
    expect(await code(phone.shareHistory(a, { keyPackage: daveKp.keyPackage, approve: () => true }))).toBe("history/recipient-not-allowed");
    // Bob's laptop: another user's device (and not a member): refused.
    const bobLaptop = await client("bob/laptop");
    expect(await code(phone.shareHistory(a, { keyPackage: (await bobLaptop.createKeyPackage()).keyPackage }))).toBe("history/recipient-not-allowed");
    // Bob himself is a member but not alice: the same-user-only hook refuses.
    expect(await code(phone.shareHistory(a, { keyPackage: (await bob.createKeyPackage()).keyPackage }))).toBe("history/not-approved");
  });

  it("tampered bundle, wrong recipient KeyPackage, signature by a non-member: typed errors, nothing imported", async () => {
    const { phone, laptop, bob, a, l, m1 } = await scene();
    const kp = await laptop.createKeyPackage();
    const bundle = await phone.shareHistory(a, { keyPackage: kp.keyPackage });
    const decoded = decodeHistoryBundle(bundle);

    // A flipped ciphertext byte: the signature no longer holds.
    const ct = decoded.payload.ciphertext.slice();
    ct[5]! ^= 1;
    expect(await code(laptop.importHistory(encodeHistoryBundle({ ...decoded, payload: { ...decoded.payload, ciphertext: ct } })))).toBe("history/signature");
    // Garbage.
    expect(await code(laptop.importHistory(bundle.subarray(0, bundle.length - 3)))).toBe("history/invalid-bundle");
    // Another client's KeyPackage (bob holds none of this ref): not for him.
    expect(await code(bob.importHistory(bundle))).toBe("history/wrong-recipient");
    // A bundle for a KeyPackage of another device of alice, handed to the laptop.
    const other = await client("alice/tablet");
    const otherBundle = await phone.shareHistory(a, { keyPackage: (await other.createKeyPackage()).keyPackage });
    expect(await code(laptop.importHistory(otherBundle))).toBe("history/wrong-recipient");

    // Re-signed by a non-member (eve's key) under alice's leaf: the signature is checked with alice's key.
    const cs = await crypto.cipherSuite(a.cipherSuite as never);
    const eve = await cs.signatureGenerateKeyPair();
    const eveSig = await signWithLabel(cs, eve.privateKey, HISTORY_LABEL, encodeHistoryTbs(decoded));
    expect(await code(laptop.importHistory(encodeHistoryBundle({ ...decoded, signature: eveSig })))).toBe("history/signature");
    // Claiming a leaf nobody holds: not a member.
    const ghost = { ...decoded, header: { ...decoded.header, senderLeaf: 9 } };
    const ghostSig = await signWithLabel(cs, eve.privateKey, HISTORY_LABEL, encodeHistoryTbs(ghost));
    expect(await code(laptop.importHistory(encodeHistoryBundle({ ...ghost, signature: ghostSig })))).toBe("history/sender-not-member");
    // Bob (a member) re-signs alice's bundle as his own: the header is the HPKE context, so it no longer decrypts.
    const bobKeys = await bob.signatureKeyPair(a.cipherSuite as never);
    const asBob = { ...decoded, header: { ...decoded.header, senderLeaf: 1 } };
    const bobSig = await signWithLabel(cs, bobKeys.privateKey, HISTORY_LABEL, encodeHistoryTbs(asBob));
    expect(await code(laptop.importHistory(encodeHistoryBundle({ ...asBob, signature: bobSig })))).toBe("history/invalid-bundle");

    // Nothing was imported; the KeyPackage is still there.
    expect(await code(l.processIncoming(m1))).toBe("message/epoch-too-old");
    expect(await laptop.storage.getKeyPackage(kp.reference)).toBeDefined();
    // The genuine bundle still imports.
    await laptop.importHistory(bundle);
    expect(await read(l, m1)).toBe("bob in epoch 1");
  });

  it("scope: other sender, other epoch, other group are refused with typed errors", async () => {
    const { phone, laptop, a, b, l, m0, m1 } = await scene();
    const m0Epoch0 = await (async () => {
      // A message of epoch 0 cannot exist for others (alice alone); take another group of alice instead.
      const other = await phone.createGroup();
      return other.encrypt("another group");
    })();
    const kp = await laptop.createKeyPackage();
    const imported = await laptop.importHistory(await phone.shareHistory(a, { keyPackage: kp.keyPackage, epochs: { from: 1n, to: 1n }, senders: ["bob/phone"] }));
    expect(imported.epochs).toEqual([1n]);
    expect(imported.senders.map(({ epoch, leafIndex }) => ({ epoch, leafIndex }))).toEqual([{ epoch: 1n, leafIndex: 1 }]);
    expect(await read(l, m1)).toBe("bob in epoch 1");
    // Alice's message of the same epoch: another sender.
    expect(await code(l.processIncoming(m0))).toBe("history/out-of-scope");
    // Epoch 2 (the laptop's first) becomes a live past epoch: read normally, not from history.
    const late = await b.encrypt("bob in epoch 2");
    const u = await a.update();
    await a.confirmPendingCommit();
    for (const g of [b, l]) {
      const r = await g.processIncoming(u.commit);
      if (r.kind === "commit") await r.staged.merge();
    }
    expect(await read(l, late)).toBe("bob in epoch 2");
    // A message of another group.
    expect(await code(l.processIncoming(m0Epoch0))).toBe("message/wrong-group");
    // A bundle for a group the recipient is not in.
    const solo = await phone.createGroup();
    await solo.update();
    await solo.confirmPendingCommit();
    const kp2 = await laptop.createKeyPackage();
    // The laptop is the same user, so alice makes the bundle; the laptop is not in that group.
    const soloBundle = await phone.shareHistory(solo, { keyPackage: kp2.keyPackage });
    expect(await code(laptop.importHistory(soloBundle))).toBe("history/unknown-group");
  });

  it("an epoch not imported is out of scope once a group has history", async () => {
    const phone = await client("alice/phone", { sameUser, retainEpochs: 8, approve: () => true });
    const bob = await client("bob/phone");
    const laptop = await client("alice/laptop");
    const a = await phone.createGroup();
    const b = await add(a, bob, []); // epoch 1
    const e1 = await b.encrypt("epoch 1");
    const u = await a.update();
    await a.confirmPendingCommit();
    const r = await b.processIncoming(u.commit);
    if (r.kind === "commit") await r.staged.merge(); // epoch 2
    const e2 = await b.encrypt("epoch 2");
    const l = await add(a, laptop, [b]); // epoch 3
    const kp = await laptop.createKeyPackage();
    await laptop.importHistory(await phone.shareHistory(a, { keyPackage: kp.keyPackage, epochs: { from: 2n, to: 2n } }));
    expect(await read(l, e2)).toBe("epoch 2");
    expect(await code(l.processIncoming(e1))).toBe("history/out-of-scope");
  });

  it("imported history survives a restore (and what was read stays read); history rows are not groups", async () => {
    const laptopStore = memoryStore();
    const { phone, laptop, a, b, l, m0, m1 } = await scene({ laptopStore });
    const kp = await laptop.createKeyPackage();
    await laptop.importHistory(await phone.shareHistory(a, { keyPackage: kp.keyPackage }));
    expect(await read(l, m0)).toBe("alice in epoch 1");
    const again = await client("alice/laptop", { sameUser }, laptopStore);
    expect((await again.groupIds()).map(toHex)).toEqual([toHex(a.groupId)]);
    const l2 = (await again.getGroup(a.groupId))!;
    expect(await read(l2, m1)).toBe("bob in epoch 1");
    expect(await code(l2.processIncoming(m0))).toBe("history/out-of-scope");
    // Retention survives too: a restarted phone can still share epoch 1 whole.
    const phoneAgain = await Client.create({
      identity: "alice/phone",
      identityProvider,
      crypto,
      storage: phone.storage,
      historySharing: { sameUser, retainEpochs: 4, approve: () => true },
    });
    const tablet = await client("alice/tablet");
    const t = await add((await phoneAgain.getGroup(a.groupId))!, tablet, [b]);
    await shareHistoryBetween(phoneAgain, tablet, a.groupId, { epochs: { from: 1n, to: 1n } });
    expect(await read(t, m0)).toBe("alice in epoch 1");
    // Deleting the group deletes its history.
    await again.deleteGroup(a.groupId);
    expect(await again.storage.groupIds()).toEqual([]);
  });

  it("shareHistoryBetween: the simulation's one-call hook", async () => {
    const { phone, laptop, a, l, m1 } = await scene();
    const imported = await shareHistoryBetween(phone, laptop, a.groupId);
    expect(imported.epochs).toEqual([0n, 1n]);
    expect(await read(l, m1)).toBe("bob in epoch 1");
  });
});

describe("scopedSecretTree: only the application ratchets of the senders in scope", () => {
  it("carries no node secret, no handshake ratchet, and exhausts every other leaf; the source is untouched", async () => {
    const { SecretTree } = await import("@mlskit/key-schedule");
    const { scopedSecretTree } = await import("./client-history.js");
    const cs = await crypto.cipherSuite(1 as never);
    const source = new SecretTree(cs, new Uint8Array(cs.hashLength).fill(7), 4);
    const before = source.exportState();
    const scoped = await scopedSecretTree(cs, source, new Set([1, 3]));
    expect(scoped.nodes).toEqual([]);
    expect(scoped.leaves.map((l) => l.leaf)).toEqual([0, 1, 2, 3]);
    for (const l of scoped.leaves) {
      expect(l.handshake.secret).toBeUndefined();
      expect(l.application.secret === undefined).toBe(l.leaf === 0 || l.leaf === 2);
    }
    // The shared ratchet is the one the source would derive: same key for generation 0.
    const tree = SecretTree.fromState(cs, scoped);
    const shared = await tree.getKey(3, "application", 0);
    const own = await SecretTree.fromState(cs, before).getKey(3, "application", 0);
    expect(toHex(shared.key)).toBe(toHex(own.key));
    await expect(tree.getKey(2, "application", 0)).rejects.toMatchObject({ code: expect.stringMatching(/^secret-tree\//) });
    await expect(tree.getKey(1, "handshake", 0)).rejects.toMatchObject({ code: expect.stringMatching(/^secret-tree\//) });
    expect(source.exportState()).toEqual(before);
  });
});
