/**
 * Spent private keys leave the key store (RFC 9420 §9.2, §16.8): the mls
 * facade calls `forgetPrivateKey` for the keys it drops, and in the
 * `nonExtractableKeys` mode that deletes their `CryptoKey`s. Whether a
 * handle still names a key is checked with a fresh provider on the same key
 * store (no cache), by an HPKE round trip to the handle's public key.
 */
import { BasicIdentityProvider, CryptoError, acceptAll, type CipherSuiteId } from "@mlskit/core";
import { decodeKeyPackageMaterial, type GroupState } from "@mlskit/group";
import { Client, type Group, type KeyDeletionFailure, memoryStore } from "@mlskit/mls";
import { leafToNode } from "@mlskit/ratchet-tree";
import { describe, expect, it } from "vitest";
import { keyHandlePublicKey } from "./key-handle.js";
import { isKeyHandle, memoryKeyObjectStore, webCryptoProvider, type MemoryKeyObjectStore, type WebCryptoProvider } from "./index.js";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** "ok" when the HPKE key `handle` names is in `keyStore` and opens what is sealed to it, otherwise the CryptoError code. */
async function hpkeKeyState(keyStore: MemoryKeyObjectStore, suite: CipherSuiteId, handle: Uint8Array): Promise<string> {
  expect(isKeyHandle(handle)).toBe(true);
  const cs = await webCryptoProvider({ nonExtractableKeys: { keyStore } }).cipherSuite(suite);
  const info = new Uint8Array([1]);
  const aad = new Uint8Array([2]);
  const ct = await cs.hpkeSeal(keyHandlePublicKey(handle), info, aad, new Uint8Array([3, 4]));
  try {
    expect(await cs.hpkeOpen(ct, handle, info, aad)).toEqual(new Uint8Array([3, 4]));
    return "ok";
  } catch (e) {
    if (!CryptoError.isInstance(e)) throw e;
    return e.code;
  }
}

const leafKey = (s: GroupState): Uint8Array => s.privateKeys.get(leafToNode(s.ownLeaf))!.slice();

interface Member {
  readonly client: Client;
  readonly keyStore: MemoryKeyObjectStore;
  readonly provider: WebCryptoProvider;
}

async function member(name: string, onKeyDeletionFailed?: (f: KeyDeletionFailure) => void): Promise<Member> {
  const keyStore = memoryKeyObjectStore();
  const provider = webCryptoProvider({ nonExtractableKeys: { keyStore } });
  const client = await Client.create({
    identity: name,
    identityProvider,
    crypto: provider,
    storage: memoryStore(),
    ...(onKeyDeletionFailed !== undefined ? { onKeyDeletionFailed } : {}),
  });
  return { client, keyStore, provider };
}

/** The private keys stored for a KeyPackage (copies). */
async function keyPackageKeys(client: Client, ref: Uint8Array): Promise<{ init: Uint8Array; encryption: Uint8Array }> {
  const stored = (await client.storage.getKeyPackage(ref))!;
  const m = decodeKeyPackageMaterial(stored.data);
  return { init: m.initPrivateKey.slice(), encryption: m.encryptionPrivateKey.slice() };
}

async function mergeAt(other: Group, commit: Uint8Array): Promise<void> {
  const s = await other.processIncoming(commit);
  if (s.kind !== "commit") throw new Error("expected a commit");
  await s.staged.merge();
}

describe("spent private keys leave the key store (nonExtractableKeys through the mls facade)", () => {
  it("a join forgets the KeyPackage's init key; a self-Update forgets the old leaf key, the current one works", async () => {
    const alice = await member("alice");
    const bob = await member("bob");
    const a = await alice.client.createGroup();
    const suite = a.state.groupContext.cipherSuite;
    // createGroup's KeyPackage init key opened no Welcome: not kept (Alice's store: signature and leaf keys).
    expect(alice.keyStore.size).toBe(2);

    const kp = await bob.client.createKeyPackage();
    const kpKeys = await keyPackageKeys(bob.client, kp.reference);
    expect(await hpkeKeyState(bob.keyStore, suite, kpKeys.init)).toBe("ok");
    const sizeBefore = bob.keyStore.size;

    const add = await a.addMembers([kp.keyPackage]);
    await a.confirmPendingCommit();
    const b = await bob.client.joinFromWelcome(add.welcome!);
    expect(await hpkeKeyState(bob.keyStore, suite, kpKeys.init)).toBe("crypto/key-not-found");
    expect(bob.keyStore.size).toBe(sizeBefore - 1);
    // The encryption key lives on as Bob's leaf key.
    const bobLeaf = leafKey(b.state);
    expect(bobLeaf).toEqual(kpKeys.encryption);
    expect(await hpkeKeyState(bob.keyStore, suite, bobLeaf)).toBe("ok");

    // Alice commits: Bob's leaf key (a handle) opens the path secret, and stays.
    const u1 = await a.update();
    await a.confirmPendingCommit();
    await mergeAt(b, u1.commit);
    expect(await hpkeKeyState(bob.keyStore, suite, bobLeaf)).toBe("ok");

    // Bob's self-Update commit is confirmed: his old leaf key's CryptoKey is gone.
    const u2 = await b.update();
    await b.confirmPendingCommit();
    await mergeAt(a, u2.commit);
    expect(await hpkeKeyState(bob.keyStore, suite, bobLeaf)).toBe("crypto/key-not-found");
    // The Commit's fresh leaf key (generated, a handle) works.
    const bobLeaf2 = leafKey(b.state);
    expect(bobLeaf2).not.toEqual(bobLeaf);
    expect(await hpkeKeyState(bob.keyStore, suite, bobLeaf2)).toBe("ok");

    // The group goes on, in both directions and through another Commit.
    const hi = await a.processIncoming(await b.encrypt("after"));
    expect(hi.kind === "application" && text(hi.data)).toBe("after");
    const u3 = await a.update();
    await a.confirmPendingCommit();
    await mergeAt(b, u3.commit);
    expect(b.epochAuthenticator).toEqual(a.epochAuthenticator);
    // Bob's store: his signature key and his current leaf key (his path keys are derived, bytes).
    expect(await hpkeKeyState(bob.keyStore, suite, bobLeaf2)).toBe("ok");
    expect(bob.keyStore.size).toBe(2);
    // Alice's likewise: the leaf keys of her two Commits and of createGroup were replaced in turn.
    expect(alice.keyStore.size).toBe(2);
  });

  it("a pending Commit that is discarded has its fresh leaf key forgotten", async () => {
    const bob = await member("bob");
    const g = await bob.client.createGroup();
    const suite = g.state.groupContext.cipherSuite;
    const current = leafKey(g.state);
    await g.update();
    const pendingLeaf = leafKey(g.state.pendingCommit!.state);
    expect(await hpkeKeyState(bob.keyStore, suite, pendingLeaf)).toBe("ok");
    await g.discardPendingCommit();
    expect(await hpkeKeyState(bob.keyStore, suite, pendingLeaf)).toBe("crypto/key-not-found");
    expect(await hpkeKeyState(bob.keyStore, suite, current)).toBe("ok");
    expect(bob.keyStore.size).toBe(2);
  });

  it("an Update proposal's fresh leaf key (a handle) is forgotten once a later Commit supersedes it", async () => {
    const alice = await member("alice");
    const bob = await member("bob");
    const a = await alice.client.createGroup();
    const suite = a.state.groupContext.cipherSuite;
    const add = await a.addMembers([(await bob.client.createKeyPackage()).keyPackage]);
    await a.confirmPendingCommit();
    const b = await bob.client.joinFromWelcome(add.welcome!);

    const proposal = await b.proposeUpdate();
    const [updateKey] = [...b.state.ownUpdates.values()].map((k) => k.slice());
    expect(updateKey !== undefined && isKeyHandle(updateKey)).toBe(true);
    await a.processIncoming(proposal.message);
    const c1 = await a.commit();
    await a.confirmPendingCommit();
    await mergeAt(b, c1.commit);
    // The Update's key became Bob's leaf key: kept.
    expect(leafKey(b.state)).toEqual(updateKey);
    expect(await hpkeKeyState(bob.keyStore, suite, updateKey!)).toBe("ok");

    const c2 = await b.update();
    await b.confirmPendingCommit();
    await mergeAt(a, c2.commit);
    expect(await hpkeKeyState(bob.keyStore, suite, updateKey!)).toBe("crypto/key-not-found");
  });

  it("a last-resort KeyPackage keeps its keys through a join and the joined group's Updates", async () => {
    const alice = await member("alice");
    const bob = await member("bob");
    const a = await alice.client.createGroup();
    const suite = a.state.groupContext.cipherSuite;
    const kp = await bob.client.createKeyPackage({ lastResort: true });
    const kpKeys = await keyPackageKeys(bob.client, kp.reference);
    const add = await a.addMembers([kp.keyPackage]);
    await a.confirmPendingCommit();
    const b = await bob.client.joinFromWelcome(add.welcome!);
    expect(await hpkeKeyState(bob.keyStore, suite, kpKeys.init)).toBe("ok");
    expect(await bob.client.storage.getKeyPackage(kp.reference)).toBeDefined();

    // The leaf key is the KeyPackage's encryption key, shared with every group joined with it.
    const u = await b.update();
    await b.confirmPendingCommit();
    await mergeAt(a, u.commit);
    expect(await hpkeKeyState(bob.keyStore, suite, kpKeys.encryption)).toBe("ok");

    // A second group joins with the same KeyPackage, and its leaf key still works.
    const carol = await member("carol");
    const c = await carol.client.createGroup();
    const add2 = await c.addMembers([kp.keyPackage]);
    await c.confirmPendingCommit();
    const b2 = await bob.client.joinFromWelcome(add2.welcome!);
    const u2 = await c.update();
    await c.confirmPendingCommit();
    await mergeAt(b2, u2.commit);
    expect(b2.epochAuthenticator).toEqual(c.epochAuthenticator);

    // Deleting it forgets the init key only.
    expect(await bob.client.deleteKeyPackage(kp.reference)).toBe(true);
    expect(await hpkeKeyState(bob.keyStore, suite, kpKeys.init)).toBe("crypto/key-not-found");
    expect(await hpkeKeyState(bob.keyStore, suite, kpKeys.encryption)).toBe("ok");
  });

  it("a KeyPackage the app deletes has both keys forgotten; a deleted group's keys are forgotten", async () => {
    const bob = await member("bob");
    const kp = await bob.client.createKeyPackage();
    const suite = bob.client.cipherSuite;
    const kpKeys = await keyPackageKeys(bob.client, kp.reference);
    expect(bob.keyStore.size).toBe(3);
    expect(await bob.client.deleteKeyPackage(kp.reference)).toBe(true);
    expect(await bob.client.storage.getKeyPackage(kp.reference)).toBeUndefined();
    expect(await hpkeKeyState(bob.keyStore, suite, kpKeys.init)).toBe("crypto/key-not-found");
    expect(await hpkeKeyState(bob.keyStore, suite, kpKeys.encryption)).toBe("crypto/key-not-found");
    expect(bob.keyStore.size).toBe(1);
    expect(await bob.client.deleteKeyPackage(kp.reference)).toBe(false);

    const g = await bob.client.createGroup();
    const leaf = leafKey(g.state);
    expect(await hpkeKeyState(bob.keyStore, suite, leaf)).toBe("ok");
    await bob.client.deleteGroup(g.groupId);
    expect(await hpkeKeyState(bob.keyStore, suite, leaf)).toBe("crypto/key-not-found");
    expect(bob.keyStore.size).toBe(1);
  });

  it("a key store that cannot delete fails no operation: the failure reaches onKeyDeletionFailed", async () => {
    const failures: KeyDeletionFailure[] = [];
    const alice = await member("alice");
    const bob = await member("bob", (f) => failures.push(f));
    bob.keyStore.deleteKeyObject = () => Promise.reject(new Error("disk full"));
    const a = await alice.client.createGroup();
    const kp = await bob.client.createKeyPackage();
    const add = await a.addMembers([kp.keyPackage]);
    await a.confirmPendingCommit();
    const b = await bob.client.joinFromWelcome(add.welcome!);
    expect(failures.map((f) => f.reason)).toEqual(["key-package-consumed"]);
    expect((failures[0]!.error as Error).message).toBe("disk full");
    const u = await b.update();
    await b.confirmPendingCommit();
    await mergeAt(a, u.commit);
    expect(failures.map((f) => f.reason)).toEqual(["key-package-consumed", "superseded"]);
    expect(b.epochAuthenticator).toEqual(a.epochAuthenticator);
  });
});
