/**
 * The facade tells the crypto provider which private keys are spent
 * (`CryptoProvider.forgetPrivateKey`, RFC 9420 §9.2): every leaf, path and
 * Update key the deletion schedule releases, after the state that no longer
 * holds them is stored; never an epoch secret or the signature key. Shown
 * with the noble provider (which keeps nothing, and has no such method)
 * wrapped to record the calls.
 */
import { describe, expect, it } from "vitest";
import { BasicIdentityProvider, acceptAll, type CryptoProvider } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { Client, memoryStore, type Group } from "@mlskit/mls";
import { leafToNode } from "@mlskit/ratchet-tree";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const noble = nobleCryptoProvider();
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** noble, recording what it is told to forget (as hex). */
function recording(): { crypto: CryptoProvider; forgotten: string[] } {
  const forgotten: string[] = [];
  const crypto: CryptoProvider = {
    name: noble.name,
    supportedCipherSuites: () => noble.supportedCipherSuites(),
    cipherSuite: (id) => noble.cipherSuite(id),
    forgetPrivateKey: (k) => {
      forgotten.push(hex(k));
      return Promise.resolve();
    },
  };
  return { crypto, forgotten };
}

async function mergeAt(g: Group, commit: Uint8Array): Promise<void> {
  const s = await g.processIncoming(commit);
  if (s.kind !== "commit") throw new Error("expected a commit");
  await s.staged.merge();
}

const heldKeys = (g: Group): Map<number, string> => new Map(g.state.privateKeys.nodes().map((n) => [n, hex(g.state.privateKeys.get(n)!)]));

describe("spent private keys are forgotten by the provider", () => {
  it("the noble provider keeps nothing and has no forgetPrivateKey", () => {
    expect(noble.forgetPrivateKey).toBeUndefined();
  });

  it("an epoch's path keys superseded by the next Commit are forgotten, after the new state is stored", async () => {
    const rec = recording();
    let storedEpoch = 0n;
    const store = memoryStore();
    const storage = new Proxy(store, {
      get: (target, name) => {
        const v: unknown = Reflect.get(target, name);
        if (name === "writeGroup") {
          return async (w: { epoch: bigint }) => {
            const r: unknown = await (v as (w: unknown) => Promise<unknown>).call(target, w);
            storedEpoch = w.epoch;
            return r;
          };
        }
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const alice = await Client.create({ identity: "alice", identityProvider, crypto: rec.crypto, storage });
    const bob = await Client.create({ identity: "bob", identityProvider, crypto: noble });
    const carol = await Client.create({ identity: "carol", identityProvider, crypto: noble });
    const a = await alice.createGroup();
    const add = await a.addMembers([(await bob.createKeyPackage()).keyPackage, (await carol.createKeyPackage()).keyPackage]);
    await a.confirmPendingCommit();
    const b = await bob.joinFromWelcome(add.welcome!);
    const c = await carol.joinFromWelcome(add.welcome!);
    const u0 = await a.update();
    await a.confirmPendingCommit();
    await mergeAt(b, u0.commit);
    await mergeAt(c, u0.commit);
    // Alice's Commit gave her the keys of her direct path (nodes 1 and 3 of a 3-leaf tree).
    const alicePath = heldKeys(a);
    expect([...alicePath.keys()].filter((n) => n !== leafToNode(a.state.ownLeaf)).length).toBeGreaterThan(0);
    rec.forgotten.length = 0;

    // Bob commits: Alice's path keys and leaf key stay except those his path replaces.
    const u = await b.update();
    await b.confirmPendingCommit();
    await mergeAt(c, u.commit);
    const epochSecrets = Object.values(a.state.keys).map((k) => hex(k as Uint8Array));
    const signature = hex((await alice.signatureKeyPair()).privateKey);
    let forgottenAtEpoch: bigint | undefined;
    const forget = rec.crypto.forgetPrivateKey!;
    rec.crypto.forgetPrivateKey = (k) => {
      forgottenAtEpoch = storedEpoch;
      return forget(k);
    };
    await mergeAt(a, u.commit);
    const now = heldKeys(a);
    const superseded = [...alicePath].filter(([n, k]) => now.get(n) !== k).map(([, k]) => k);
    expect(superseded.length).toBeGreaterThan(0); // node 1 or 3 was on Bob's path
    expect(rec.forgotten.sort()).toEqual(superseded.sort());
    // Only once the new epoch was stored.
    expect(forgottenAtEpoch).toBe(a.epoch);
    expect(rec.forgotten).not.toContain(signature);
    for (const s of epochSecrets) expect(rec.forgotten).not.toContain(s);
    // Alice's own leaf key is still hers, and not forgotten.
    expect(rec.forgotten).not.toContain(now.get(leafToNode(a.state.ownLeaf)));

    // Alice's self-Update: every key she held (leaf and path) is superseded.
    rec.forgotten.length = 0;
    const before = [...heldKeys(a).values()];
    const u2 = await a.update();
    await a.confirmPendingCommit();
    expect(rec.forgotten.sort()).toEqual(before.sort());
    await mergeAt(b, u2.commit);
    await mergeAt(c, u2.commit);
    expect(b.epochAuthenticator).toEqual(a.epochAuthenticator);
  });

  it("a join forgets the KeyPackage's init key (not a last-resort one's); Client.deleteKeyPackage forgets its keys", async () => {
    const rec = recording();
    const alice = await Client.create({ identity: "alice", identityProvider, crypto: noble });
    const bob = await Client.create({ identity: "bob", identityProvider, crypto: rec.crypto });
    const a = await alice.createGroup();
    const kp = await bob.createKeyPackage();
    const lr = await bob.createKeyPackage({ lastResort: true });
    rec.forgotten.length = 0;
    const add = await a.addMembers([kp.keyPackage]);
    await a.confirmPendingCommit();
    await bob.joinFromWelcome(add.welcome!);
    expect(rec.forgotten).toHaveLength(1);

    const a2 = await alice.createGroup();
    const add2 = await a2.addMembers([lr.keyPackage]);
    await a2.confirmPendingCommit();
    await bob.joinFromWelcome(add2.welcome!);
    expect(rec.forgotten).toHaveLength(1);

    const other = await bob.createKeyPackage();
    expect(await bob.deleteKeyPackage(other.reference)).toBe(true);
    expect(rec.forgotten).toHaveLength(3); // init and encryption keys
    expect(await bob.deleteKeyPackage(lr.reference)).toBe(true);
    expect(rec.forgotten).toHaveLength(4); // the init key only: the encryption key is a leaf key
  });

  it("a provider whose forgetPrivateKey fails fails no operation; the failure reaches onKeyDeletionFailed", async () => {
    const failing: CryptoProvider = { ...recording().crypto, forgetPrivateKey: () => Promise.reject(new Error("no")) };
    const reasons: string[] = [];
    const alice = await Client.create({ identity: "alice", identityProvider, crypto: failing, onKeyDeletionFailed: (f) => reasons.push(f.reason) });
    const a = await alice.createGroup();
    await a.update();
    await a.confirmPendingCommit();
    expect(reasons).toEqual(["unused", "superseded"]);
    expect(a.epoch).toBe(1n);
  });
});
