/**
 * InteropRegistry: releasing a handle releases what it holds (the group in
 * the client's storage and memory, its keys forgotten by the provider; an
 * unused KeyPackage; the client and its PSKs once nothing of it is held),
 * and eviction does the same.
 */
import type { CryptoProvider } from "@mlskit/core";
import { describe, expect, it } from "vitest";
import { BasicIdentityProvider, acceptAll } from "@mlskit/core";
import { InteropRegistry } from "./registry.js";
import { cryptoProvider } from "./providers.js";

const utf8 = (s: string) => new TextEncoder().encode(s);

/** The webcrypto provider, counting the private keys it is told to forget. */
function countingProvider(): { crypto: CryptoProvider; forgotten: () => number } {
  const base = cryptoProvider("webcrypto");
  let forgotten = 0;
  const crypto = new Proxy(base, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (prop === "forgetPrivateKey" && typeof v === "function") {
        return async (key: Uint8Array) => {
          forgotten++;
          return (v as (k: Uint8Array) => Promise<void>).call(target, key);
        };
      }
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { crypto, forgotten: () => forgotten };
}

function registry(crypto: CryptoProvider, maxHandles = 16) {
  const errors: unknown[] = [];
  const r = new InteropRegistry({
    crypto,
    identityProvider: new BasicIdentityProvider({ policy: acceptAll }),
    advertisedCredentialTypes: [],
    limits: { maxHandles },
    onReleaseError: (e) => errors.push(e),
  });
  return { r, errors };
}

describe("InteropRegistry", () => {
  it("free(state) deletes the group from its client's storage and memory, the provider forgets its keys, and the idle client goes with its PSKs", async () => {
    const { crypto, forgotten } = countingProvider();
    const { r, errors } = registry(crypto);
    const { st, owner } = await r.withClient(utf8("alice"), 1, async (owner) => {
      const group = await owner.client.createGroup({ cipherSuite: 1 });
      return { st: r.addState(owner, group, false), owner };
    });
    await owner.client.psks.put(utf8("psk-1"), new Uint8Array(32).fill(7));
    expect(await owner.storage.groupIds()).toHaveLength(1);
    expect(await owner.storage.pskIds()).toHaveLength(1);
    expect(r.counts()).toMatchObject({ states: 1, clients: 1 });
    const before = forgotten();

    expect(await r.free(st.id)).toBe(true);
    expect(await owner.storage.groupIds()).toEqual([]);
    expect(await owner.client.getGroup(st.group.groupId)).toBeUndefined();
    expect(forgotten()).toBeGreaterThan(before); // the leaf's HPKE private key
    expect(await owner.storage.pskIds()).toEqual([]);
    expect(r.counts()).toMatchObject({ states: 0, clients: 0, evictions: 0 });
    expect(() => r.states.get(st.id)).toThrow(`state ${st.id} is no longer held: it was freed`);
    expect(await r.free(st.id)).toBe(false);
    expect(errors).toEqual([]);
  });

  it("an evicted transaction's KeyPackage is deleted; a consumed one is not released twice", async () => {
    const { crypto } = countingProvider();
    const { r, errors } = registry(crypto, 2);
    const ids: number[] = [];
    const owner = await r.withClient(utf8("bob"), 1, async (o) => {
      for (let i = 0; i < 3; i++) ids.push(r.addTransaction(o, await o.client.createKeyPackage({ cipherSuite: 1 })));
      return o;
    });
    await r.settled();
    // The first was evicted (cap 2): its KeyPackage left the store, the two others are kept.
    expect(await owner.storage.keyPackageRefs()).toHaveLength(2);
    expect(r.counts()).toMatchObject({ transactions: 2, evictions: 1, clients: 1 });
    expect(() => r.transactions.get(ids[0] ?? 0)).toThrow(/transaction \d+ is no longer held: it was evicted as the least recently used of more than 2 transactions/);
    r.consumeTransaction(ids[1] ?? 0);
    await r.settled();
    expect(await owner.storage.keyPackageRefs()).toHaveLength(2); // consumed: a Welcome would have used it, nothing deleted here
    expect(await r.free(ids[2] ?? 0)).toBe(true);
    expect(await owner.storage.keyPackageRefs()).toHaveLength(1);
    expect(r.counts()).toMatchObject({ transactions: 0, clients: 0 });
    expect(errors).toEqual([]);
  });

  it("evicting the least recently used state releases its group; using a state keeps it", async () => {
    const { crypto } = countingProvider();
    const { r } = registry(crypto, 2);
    const made = await r.withClient(utf8("carol"), 1, async (owner) => {
      const a = r.addState(owner, await owner.client.createGroup({ cipherSuite: 1 }), false);
      const b = r.addState(owner, await owner.client.createGroup({ cipherSuite: 1 }), false);
      r.states.get(a.id); // a is now the most recently used
      const c = r.addState(owner, await owner.client.createGroup({ cipherSuite: 1 }), false);
      return { a, b, c, owner };
    });
    await r.settled();
    expect(r.states.has(made.a.id) && r.states.has(made.c.id)).toBe(true);
    expect(r.states.has(made.b.id)).toBe(false);
    expect(await made.owner.storage.groupIds()).toHaveLength(2);
    expect(await made.owner.client.getGroup(made.b.group.groupId)).toBeUndefined();
  });
});
