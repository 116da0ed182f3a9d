/**
 * A group conversation through the `@mlskit/mls` facade with clients whose
 * provider runs in the `nonExtractableKeys` mode: KeyPackages, a Welcome, a
 * join, messages both ways, Updates (an Update commit generates a fresh leaf
 * key), and a client restored from its storage by a fresh provider on the
 * same key store (a reloaded page).
 *
 * To show that no generated private key reaches storage, `crypto.subtle` is
 * wrapped: a key the provider asks for with `extractable: false` is generated
 * extractable, its private bytes (JWK `d`) recorded, and handed back
 * re-imported as non-extractable. Every byte array the clients write to
 * storage is recorded, and none contains a recorded private key. The same
 * scenario in the default mode (the "extractable twin") finds the signature
 * private key in the stored client record, so the search does see keys.
 */
import { bytesEqual } from "@mlskit/codec";
import { BasicIdentityProvider, acceptAll, type ClientStore } from "@mlskit/core";
import { Client, memoryStore } from "@mlskit/mls";
import { describe, expect, it } from "vitest";
import { KEY_HANDLE_PREFIX, memoryKeyObjectStore, webCryptoProvider, type KeyObjectStore, type MemoryKeyObjectStore, type WebCryptoProvider } from "./index.js";
import { base64UrlDecode } from "./util.js";

const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** `crypto` whose `subtle.generateKey` records the private key bytes of every key pair it makes with `extractable` as asked. */
function recordingCrypto(recordExtractable: boolean): { crypto: Crypto; secrets: Uint8Array[] } {
  const real = globalThis.crypto;
  const subtle = real.subtle;
  const secrets: Uint8Array[] = [];
  const generateKey = async (algorithm: EcKeyGenParams, extractable: boolean, usages: KeyUsage[]): Promise<CryptoKeyPair> => {
    if (extractable !== recordExtractable) return (await subtle.generateKey(algorithm, extractable, usages)) as CryptoKeyPair;
    const pair = (await subtle.generateKey(algorithm, true, usages)) as CryptoKeyPair;
    const jwk = await subtle.exportKey("jwk", pair.privateKey);
    secrets.push(base64UrlDecode(jwk.d!));
    if (extractable) return pair;
    const privateKey = await subtle.importKey("jwk", jwk, algorithm, false, pair.privateKey.usages);
    expect(privateKey.extractable).toBe(false);
    return { publicKey: pair.publicKey, privateKey };
  };
  const spySubtle = new Proxy(subtle, {
    get: (target, name) => {
      if (name === "generateKey") return generateKey;
      const value: unknown = Reflect.get(target, name);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { crypto: { subtle: spySubtle, getRandomValues: real.getRandomValues.bind(real) } as unknown as Crypto, secrets };
}

/** `store` recording every byte array passed to it (states, records, KeyPackages, PSKs). */
function recordingStore(store: ClientStore, blobs: Uint8Array[]): ClientStore {
  const collect = (v: unknown): void => {
    if (v instanceof Uint8Array) blobs.push(v.slice());
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(collect);
  };
  return new Proxy(store, {
    get: (target, name) => {
      const value: unknown = Reflect.get(target, name);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        args.forEach(collect);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const contains = (haystack: Uint8Array, needle: Uint8Array): boolean => {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
};

interface Scenario {
  readonly secrets: Uint8Array[];
  readonly blobs: Uint8Array[];
  readonly clientRecords: Uint8Array[];
}

/** Alice and Bob converse; returns what was recorded. `keyStores` set: the nonExtractableKeys mode. */
async function conversation(nonExtractable: boolean): Promise<Scenario> {
  const { crypto, secrets } = recordingCrypto(!nonExtractable);
  const blobs: Uint8Array[] = [];
  // Every key the stores were given (spent keys are deleted from them again, and counted here).
  let stored = 0;
  const counting = (): MemoryKeyObjectStore => {
    const store = memoryKeyObjectStore();
    const put = store.putKeyObject.bind(store);
    store.putKeyObject = (id, key) => {
      stored++;
      return put(id, key);
    };
    return store;
  };
  const keyStores = { alice: counting(), bob: counting() };
  const provider = (keyStore: KeyObjectStore): WebCryptoProvider => webCryptoProvider(nonExtractable ? { crypto, nonExtractableKeys: { keyStore } } : { crypto });
  const stores = { alice: memoryStore(), bob: memoryStore() };
  const alice = await Client.create({ identity: "alice", identityProvider, crypto: provider(keyStores.alice), storage: recordingStore(stores.alice, blobs) });
  const bob = await Client.create({ identity: "bob", identityProvider, crypto: provider(keyStores.bob), storage: recordingStore(stores.bob, blobs) });

  const a = await alice.createGroup();
  const kpB = await bob.createKeyPackage();
  const add = await a.addMembers([kpB.keyPackage]);
  await a.processIncoming(add.commit);
  const b = await bob.joinFromWelcome(add.welcome!);
  expect(b.epochAuthenticator).toEqual(a.epochAuthenticator);

  const hello = await b.processIncoming(await a.encrypt("hello bob"));
  expect(hello.kind === "application" && text(hello.data)).toBe("hello bob");
  const back = await a.processIncoming(await b.encrypt("hello alice"));
  expect(back.kind === "application" && text(back.data)).toBe("hello alice");

  for (const [committer, other] of [
    [b, a],
    [a, b],
  ] as const) {
    const u = await committer.update();
    await committer.confirmPendingCommit();
    const s = await other.processIncoming(u.commit);
    if (s.kind !== "commit") throw new Error("expected a commit");
    await s.staged.merge();
    expect(other.epochAuthenticator).toEqual(committer.epochAuthenticator);
  }

  // Bob's page reloads: a fresh provider on the same key store, the client and group from storage.
  const bob2 = await Client.create({ identityProvider, crypto: provider(keyStores.bob), storage: recordingStore(stores.bob, blobs) });
  const b2 = (await bob2.getGroup(a.groupId))!;
  const after = await b2.processIncoming(await a.encrypt("still there?"));
  expect(after.kind === "application" && text(after.data)).toBe("still there?");
  const reply = await a.processIncoming(await b2.encrypt("yes"));
  expect(reply.kind === "application" && text(reply.data)).toBe("yes");
  const u = await b2.update();
  await b2.confirmPendingCommit();
  const s = await a.processIncoming(u.commit);
  if (s.kind !== "commit") throw new Error("expected a commit");
  await s.staged.merge();
  expect(a.epochAuthenticator).toEqual(b2.epochAuthenticator);

  if (nonExtractable) {
    // Two signature keys, a KeyPackage's init and leaf keys, and fresh leaf keys from the commits.
    expect(stored).toBeGreaterThanOrEqual(5);
    // Every key generated non-extractable went to a key store (none was an ephemeral Encap key).
    expect(secrets.length).toBe(stored);
    // Spent keys left them again: what is left is each client's signature key and current leaf key.
    expect(keyStores.alice.size).toBe(2);
    expect(keyStores.bob.size).toBe(2);
  }
  const clientRecords = [(await stores.alice.readClient())!, (await stores.bob.readClient())!];
  return { secrets, blobs, clientRecords };
}

describe("nonExtractableKeys through the mls facade", () => {
  it("a conversation works and no generated private key appears in anything stored", async () => {
    const { secrets, blobs, clientRecords } = await conversation(true);
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    expect(blobs.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(secret.length).toBe(32);
      for (const blob of blobs) expect(contains(blob, secret)).toBe(false);
    }
    // What the records carry instead: key handles.
    const prefix = new TextEncoder().encode(KEY_HANDLE_PREFIX);
    for (const record of clientRecords) expect(contains(record, prefix)).toBe(true);
  });

  it("the extractable twin: in the default mode the same search finds the signature private keys in the client records", async () => {
    const { secrets, clientRecords } = await conversation(false);
    const found = secrets.filter((secret) => clientRecords.some((record) => contains(record, secret)));
    expect(found.length).toBeGreaterThanOrEqual(2); // Alice's and Bob's signature keys
    expect(found.every((f) => !bytesEqual(f, new Uint8Array(32)))).toBe(true);
  });
});
