/**
 * Durable state through the facade (issue "durable state"): a client and
 * its groups come back from storage after a restart and carry on; what was
 * consumed stays consumed; a failed write releases nothing; the state's
 * secrets appear nowhere but in the blobs handed to storage.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { toHex } from "@mlskit/codec";
import { BasicIdentityProvider, type CipherSuiteProvider, type ClientStore, type CryptoProvider, StorageError, acceptAll } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { Client, type Group, UsageError, ValidationError, memoryStore } from "@mlskit/mls";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A noble provider whose suites record every AEAD key they seal with. */
function recordingCrypto(sealedKeys: string[]): CryptoProvider {
  const inner = nobleCryptoProvider();
  return {
    name: "recording",
    async cipherSuite(id) {
      const cs = await inner.cipherSuite(id);
      return new Proxy(cs, {
        get(target, prop) {
          if (prop === "aeadSeal") {
            return (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array) => {
              sealedKeys.push(toHex(key) + ":" + toHex(nonce));
              return target.aeadSeal(key, nonce, aad, pt);
            };
          }
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as CipherSuiteProvider;
    },
  } as CryptoProvider;
}

async function pair(crypto: CryptoProvider = nobleCryptoProvider()) {
  const stores = { alice: memoryStore(), bob: memoryStore() };
  const alice = await Client.create({ identity: "alice", identityProvider, crypto, storage: stores.alice });
  const bob = await Client.create({ identity: "bob", identityProvider, crypto, storage: stores.bob });
  const a = await alice.createGroup();
  const kp = await bob.createKeyPackage();
  const add = await a.addMembers([kp.keyPackage]);
  await a.confirmPendingCommit();
  const b = await bob.joinFromWelcome(add.welcome!);
  return { stores, alice, bob, a, b, crypto };
}

/** A new Client on the same store: what a restarted process gets. */
async function restart(store: ClientStore, identity: string, crypto: CryptoProvider = nobleCryptoProvider()): Promise<Client> {
  return Client.create({ identity, identityProvider, crypto, storage: store });
}

async function read(g: Group, m: Uint8Array): Promise<string> {
  const r = await g.processIncoming(m);
  if (r.kind !== "application") throw new Error(`expected an application message, got ${r.kind}`);
  return text(r.data);
}

describe("restoring clients and groups from storage", () => {
  it("a restarted client has its identity, keys and groups, and carries on", async () => {
    const { stores, alice, a, b } = await pair();
    expect(await read(b, await a.encrypt("before"))).toBe("before");
    const alice2 = await restart(stores.alice, "alice");
    expect(toHex(alice2.signaturePublicKey)).toBe(toHex(alice.signaturePublicKey));
    expect((await alice2.groupIds()).map(toHex)).toEqual([toHex(a.groupId)]);
    const a2 = (await alice2.getGroup(a.groupId))!;
    expect(a2.epoch).toBe(a.epoch);
    expect(toHex(a2.epochAuthenticator)).toBe(toHex(b.epochAuthenticator));
    expect(await read(b, await a2.encrypt("after"))).toBe("after");
    expect(await read(a2, await b.encrypt("reply"))).toBe("reply");
    // A commit from the restored member, and one to it.
    const u = await a2.update();
    await a2.confirmPendingCommit();
    const s = await b.processIncoming(u.commit);
    if (s.kind !== "commit") throw new Error("expected a commit");
    await s.staged.merge();
    expect(toHex(b.epochAuthenticator)).toBe(toHex(a2.epochAuthenticator));
  });

  it("a restarted sender never reuses a key and nonce; a restarted receiver refuses a replay", async () => {
    const sealed: string[] = [];
    const crypto = recordingCrypto(sealed);
    const { stores, a, b } = await pair(crypto);
    const first = await a.encrypt("one");
    expect(await read(b, first)).toBe("one");
    const a2 = (await (await restart(stores.alice, "alice", crypto)).getGroup(a.groupId))!;
    const b2 = (await (await restart(stores.bob, "bob", crypto)).getGroup(b.groupId))!;
    const second = await a2.encrypt("two");
    expect(await read(b2, second)).toBe("two");
    expect(new Set(sealed).size).toBe(sealed.length);
    const replay = await b2.processIncoming(first).catch((e: unknown) => e);
    expect(ValidationError.isInstance(replay) && replay.code).toBe("secret-tree/generation-consumed");
  });

  it("a message held for the next epoch, a pending commit and cached proposals survive a restart", async () => {
    const { stores, a, b } = await pair();
    const p = await b.proposeUpdate();
    expect((await a.processIncoming(p.message)).kind).toBe("proposal");
    const a2 = (await (await restart(stores.alice, "alice")).getGroup(a.groupId))!;
    expect(a2.pendingProposals).toBe(1);
    // The Delivery Service hands the proposal back: it is known, not processed twice.
    expect((await a2.processIncoming(p.message)).kind).toBe("proposal");
    const c = await a2.commit();
    const a3 = (await (await restart(stores.alice, "alice")).getGroup(a.groupId))!;
    expect(a3.hasPendingCommit).toBe(true);
    const s = await b.processIncoming(c.commit);
    if (s.kind !== "commit") throw new Error("expected a commit");
    await s.staged.merge();
    const early = await b.encrypt("early");
    expect((await a3.processIncoming(early)).kind).toBe("buffered");
    const a4 = (await (await restart(stores.alice, "alice")).getGroup(a.groupId))!;
    const merged = await a4.processIncoming(c.commit);
    expect(merged.kind).toBe("own-commit");
    expect(merged.kind === "own-commit" && merged.replayed.map((r) => r.kind === "application" && text(r.data))).toEqual(["early"]);
    expect(toHex(a4.epochAuthenticator)).toBe(toHex(b.epochAuthenticator));
  });

  it("late messages of a past epoch are read after a restart, once", async () => {
    const { stores, a, b } = await pair();
    const late = await b.encrypt("late");
    const u = await a.update();
    await a.confirmPendingCommit();
    const s = await b.processIncoming(u.commit);
    if (s.kind === "commit") await s.staged.merge();
    const a2 = (await (await restart(stores.alice, "alice")).getGroup(a.groupId))!;
    expect(await read(a2, late)).toBe("late");
    const a3 = (await (await restart(stores.alice, "alice")).getGroup(a.groupId))!;
    const again = await a3.processIncoming(late).catch((e: unknown) => e);
    expect(ValidationError.isInstance(again) && again.code).toBe("secret-tree/generation-consumed");
  });

  it("a join consumes its KeyPackage in the group's transaction; a last-resort one stays", async () => {
    const { stores, bob } = await pair();
    expect(await stores.bob.keyPackageRefs()).toHaveLength(0);
    const last = await bob.createKeyPackage({ lastResort: true });
    const alice2 = await restart(stores.alice, "alice");
    const g = await alice2.createGroup();
    const add = await g.addMembers([last.keyPackage]);
    await g.confirmPendingCommit();
    await bob.joinFromWelcome(add.welcome!);
    expect((await stores.bob.keyPackageRefs()).map(toHex)).toEqual([toHex(last.reference)]);
    // A restarted client still opens Welcomes for its stored KeyPackages.
    const kp = await bob.createKeyPackage();
    const bob2 = await restart(stores.bob, "bob");
    const g2 = await alice2.createGroup();
    const add2 = await g2.addMembers([kp.keyPackage]);
    await g2.confirmPendingCommit();
    const joined = await bob2.joinFromWelcome(add2.welcome!);
    expect(await read(joined, await g2.encrypt("hi"))).toBe("hi");
  });

  it("a failed write releases nothing, and the group goes on from what storage holds", async () => {
    const { stores, alice, a, b } = await pair();
    const store = stores.alice;
    const original = store.writeGroup.bind(store);
    let fail = true;
    store.writeGroup = async (w) => {
      if (fail) {
        fail = false;
        throw new Error("disk full");
      }
      return original(w);
    };
    const err = await a.encrypt("lost").catch((e: unknown) => e);
    expect(StorageError.isInstance(err) && err.code).toBe("storage/failed");
    expect(await read(b, await a.encrypt("kept"))).toBe("kept");
    expect(alice).toBeDefined();
  });

  it("two clients writing one group: the stale writer is refused and reloads", async () => {
    const { stores, a, b } = await pair();
    const other = (await (await restart(stores.alice, "alice")).getGroup(a.groupId))!;
    expect(await read(b, await other.encrypt("from the other handle"))).toBe("from the other handle");
    const err = await a.encrypt("stale").catch((e: unknown) => e);
    expect(StorageError.isInstance(err) && err.code).toBe("storage/conflict");
    // Reloaded: it continues after the other handle's generation.
    expect(await read(b, await a.encrypt("fresh"))).toBe("fresh");
  });

  it("a group's own policy comes back through policyFor (policies are never stored)", async () => {
    const store = memoryStore();
    const alice = await Client.create({ identity: "alice", identityProvider, crypto: nobleCryptoProvider(), storage: store });
    const g = await alice.createGroup({ policy: { handshakeWireFormat: "private", pastEpochs: 7 } });
    const plain = (await (await restart(store, "alice")).getGroup(g.groupId))!;
    expect([plain.state.policy.handshakeWireFormat, plain.state.policy.pastEpochs]).toEqual(["public", 3]);
    const alice2 = await Client.create({
      identity: "alice",
      identityProvider,
      crypto: nobleCryptoProvider(),
      storage: store,
      policyFor: (id) => (toHex(id) === toHex(g.groupId) ? { handshakeWireFormat: "private", pastEpochs: 7 } : undefined),
    });
    const back = (await alice2.getGroup(g.groupId))!;
    expect([back.state.policy.handshakeWireFormat, back.state.policy.pastEpochs]).toEqual(["private", 7]);
  });

  it("a stored client of another identity is refused", async () => {
    const { stores } = await pair();
    const err = await restart(stores.alice, "mallory").catch((e: unknown) => e);
    expect(UsageError.isInstance(err) && err.code).toBe("usage/storage-of-another-client");
  });

  it("JSON and util.inspect of a client, a group and a state show no key bytes", async () => {
    const { alice, a, b } = await pair();
    await read(b, await a.encrypt("x"));
    const s = a.state;
    const secrets = [
      (await alice.signatureKeyPair()).privateKey,
      s.signaturePrivateKey,
      s.keys.exporterSecret,
      s.keys.epochAuthenticator,
      s.keys.initSecret,
      s.keys.membershipKey,
      s.keys.senderDataSecret,
    ].map((k) => toHex(k));
    const shown = [alice, a, s, { nested: s }].flatMap((v) => [JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)), inspect(v, { depth: 10 })]);
    for (const out of shown) {
      const hexOut = out.replace(/[^0-9a-f]/g, "");
      for (const secret of secrets) expect(hexOut.includes(secret)).toBe(false);
      // No byte arrays at all: Uint8Array contents would show as lists of numbers.
      expect(out).not.toMatch(/Uint8Array/);
    }
  });
});
