/**
 * The `nonExtractableKeys` mode: handles instead of key bytes, keys that
 * cannot be exported, a fresh provider finding keys in the store (a reload),
 * typed errors for a missing key or a handle of another algorithm, derived
 * keys staying bytes, and the default mode unchanged.
 */
import { CryptoError, type CipherSuiteProvider } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { describe, expect, it } from "vitest";
import { isKeyHandle, memoryKeyObjectStore, webCryptoProvider, type KeyObjectStore } from "./index.js";
import { isKeyHandle as isHandleBytes, keyHandleId, KEY_HANDLE_PREFIX, keyHandlePublicKey, makeKeyHandle } from "./key-handle.js";
import { noblePrimitives } from "@mlskit/crypto-noble";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const X25519_ED25519 = 0x0001;
const P256 = 0x0002;
const P521 = 0x0007;
const info = utf8("info");
const aad = utf8("aad");
const pt = utf8("a secret for the key's owner");

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (e === undefined) return undefined;
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows the error a check already raised (unknown, narrowed to {})
  if (!CryptoError.isInstance(e)) throw e;
  return e.code;
}

/** A key store that records what it stores. */
function recordingStore(): KeyObjectStore & { keys: CryptoKey[] } {
  const inner = memoryKeyObjectStore();
  const keys: CryptoKey[] = [];
  return {
    keys,
    putKeyObject: (id, key) => (keys.push(key), inner.putKeyObject(id, key)),
    getKeyObject: (id) => inner.getKeyObject(id),
    deleteKeyObject: (id) => inner.deleteKeyObject(id),
  };
}

describe("key handles", () => {
  it("are the prefix, a 32-byte id and the public key; never the length of a real private key", () => {
    const id = new Uint8Array(32).fill(7);
    for (const publicKeyLength of [32, 56, 57, 65, 97, 133]) {
      const pk = new Uint8Array(publicKeyLength).fill(9);
      const handle = makeKeyHandle(id, pk);
      expect(handle.length).toBe(16 + 32 + publicKeyLength);
      expect(new TextDecoder().decode(handle.subarray(0, 16))).toBe(KEY_HANDLE_PREFIX);
      expect(isHandleBytes(handle)).toBe(true);
      expect(keyHandleId(handle)).toEqual(id);
      expect(keyHandlePublicKey(handle)).toEqual(pk);
      expect([32, 48, 56, 57, 66]).not.toContain(handle.length);
    }
  });

  it("are told apart from key bytes of every size, even ones starting with the prefix", () => {
    const prefix = new TextEncoder().encode(KEY_HANDLE_PREFIX);
    for (const n of [32, 48, 56, 57, 66]) {
      const key = new Uint8Array(n);
      key.set(prefix);
      expect(isHandleBytes(key)).toBe(false);
      expect(isHandleBytes(new Uint8Array(n).fill(0xab))).toBe(false);
    }
    const almost = makeKeyHandle(new Uint8Array(32), new Uint8Array(32));
    almost[15] = almost[15]! ^ 1;
    expect(isHandleBytes(almost)).toBe(false);
  });
});

/** `crypto` whose subtle refuses X448 and Ed448, as most browsers do. */
function withoutCurve448(): Crypto {
  const real = globalThis.crypto;
  const is448 = (a: unknown): boolean => a === "X448" || a === "Ed448" || (typeof a === "object" && a !== null && ["X448", "Ed448"].includes((a as { name?: string }).name ?? ""));
  const subtle = new Proxy(real.subtle, {
    get: (target, name) => {
      const value: unknown = Reflect.get(target, name);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        args.some(is448) ? Promise.reject(new DOMException("unsupported", "NotSupportedError")) : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return { subtle, getRandomValues: real.getRandomValues.bind(real) } as unknown as Crypto;
}

describe("nonExtractableKeys: generated keys", () => {
  for (const suite of [X25519_ED25519, P256, P521]) {
    it(`suite ${suite}: private keys are handles of stored non-extractable CryptoKeys that cannot be exported`, async () => {
      const keyStore = recordingStore();
      const cs = await webCryptoProvider({ nonExtractableKeys: { keyStore } }).cipherSuite(suite);
      const sig = await cs.signatureGenerateKeyPair();
      const hpke = await cs.hpkeGenerateKeyPair();
      expect(isKeyHandle(sig.privateKey) && isKeyHandle(hpke.privateKey)).toBe(true);
      expect(keyStore.keys).toHaveLength(2);
      for (const key of keyStore.keys) {
        expect(key.type).toBe("private");
        expect(key.extractable).toBe(false);
        for (const format of ["pkcs8", "jwk", "raw"] as const) {
          await expect(crypto.subtle.exportKey(format, key)).rejects.toThrow();
        }
      }
      expect(keyStore.keys[0]!.usages).toEqual(["sign"]);
      expect(keyStore.keys[1]!.usages).toEqual(["deriveBits"]);
      // The handle works through the provider: sign, public key, open, export.
      expect(await cs.verify(sig.publicKey, pt, await cs.sign(sig.privateKey, pt))).toBe(true);
      expect(await cs.signaturePublicKey(sig.privateKey)).toEqual(sig.publicKey);
      const ct = await cs.hpkeSeal(hpke.publicKey, info, aad, pt);
      expect(await cs.hpkeOpen(ct, hpke.privateKey, info, aad)).toEqual(pt);
      expect(await cs.hpkeOpen(ct, hpke.privateKey, info, aad, hpke.publicKey)).toEqual(pt);
      const s = await cs.hpkeExportSender(hpke.publicKey, info, aad, 32);
      expect(await cs.hpkeExportReceiver(s.kemOutput, hpke.privateKey, info, aad, 32)).toEqual(s.exportedSecret);
    });
  }

  it("interoperates with noble on public keys: noble seals to a handle's key and verifies its signatures", async () => {
    const cs = await webCryptoProvider({ nonExtractableKeys: { keyStore: memoryKeyObjectStore() } }).cipherSuite(P256);
    const other = await nobleCryptoProvider().cipherSuite(P256);
    const sig = await cs.signatureGenerateKeyPair();
    expect(await other.verify(sig.publicKey, pt, await cs.sign(sig.privateKey, pt))).toBe(true);
    const hpke = await cs.hpkeGenerateKeyPair();
    expect(await cs.hpkeOpen(await other.hpkeSeal(hpke.publicKey, info, aad, pt), hpke.privateKey, info, aad)).toEqual(pt);
  });

  it("a handle is no key anywhere else: noble and the default mode refuse it (crypto/invalid-key)", async () => {
    const cs = await webCryptoProvider({ nonExtractableKeys: { keyStore: memoryKeyObjectStore() } }).cipherSuite(P256);
    const sig = await cs.signatureGenerateKeyPair();
    const hpke = await cs.hpkeGenerateKeyPair();
    const ct = await cs.hpkeSeal(hpke.publicKey, info, aad, pt);
    for (const other of [await nobleCryptoProvider().cipherSuite(P256), await webCryptoProvider().cipherSuite(P256)]) {
      expect(await codeOf(other.sign(sig.privateKey, pt))).toBe("crypto/invalid-key");
      expect(await codeOf(other.signaturePublicKey(sig.privateKey))).toBe("crypto/invalid-key");
      expect(await codeOf(other.hpkeOpen(ct, hpke.privateKey, info, aad))).toBe("crypto/invalid-key");
    }
  });

  it("keys derived from secrets and key bytes from elsewhere stay bytes and keep working", async () => {
    const cs = await webCryptoProvider({ nonExtractableKeys: { keyStore: memoryKeyObjectStore() } }).cipherSuite(X25519_ED25519);
    const derived = await cs.hpkeDeriveKeyPair(utf8("a path secret"));
    expect(isKeyHandle(derived.privateKey)).toBe(false);
    expect(derived.privateKey).toHaveLength(32);
    expect(await cs.hpkeOpen(await cs.hpkeSeal(derived.publicKey, info, aad, pt), derived.privateKey, info, aad)).toEqual(pt);
    const bytes = await (await nobleCryptoProvider().cipherSuite(X25519_ED25519)).signatureGenerateKeyPair();
    expect(await cs.verify(bytes.publicKey, pt, await cs.sign(bytes.privateKey, pt))).toBe(true);
  });
});

describe("nonExtractableKeys: the key store", () => {
  it("a fresh provider on the same store (a reloaded page) uses the stored keys", async () => {
    const keyStore = memoryKeyObjectStore();
    const before = await webCryptoProvider({ nonExtractableKeys: { keyStore } }).cipherSuite(X25519_ED25519);
    const sig = await before.signatureGenerateKeyPair();
    const hpke = await before.hpkeGenerateKeyPair();
    const ct = await before.hpkeSeal(hpke.publicKey, info, aad, pt);
    const after = await webCryptoProvider({ nonExtractableKeys: { keyStore } }).cipherSuite(X25519_ED25519);
    expect(await after.verify(sig.publicKey, pt, await after.sign(sig.privateKey, pt))).toBe(true);
    expect(await after.signaturePublicKey(sig.privateKey)).toEqual(sig.publicKey);
    expect(await after.hpkeOpen(ct, hpke.privateKey, info, aad)).toEqual(pt);
  });

  it("a handle whose key the store lacks throws crypto/key-not-found, for every use", async () => {
    const made = await webCryptoProvider({ nonExtractableKeys: { keyStore: memoryKeyObjectStore() } }).cipherSuite(X25519_ED25519);
    const sig = await made.signatureGenerateKeyPair();
    const hpke = await made.hpkeGenerateKeyPair();
    const ct = await made.hpkeSeal(hpke.publicKey, info, aad, pt);
    const s = await made.hpkeExportSender(hpke.publicKey, info, aad, 32);
    const cs = await webCryptoProvider({ nonExtractableKeys: { keyStore: memoryKeyObjectStore() } }).cipherSuite(X25519_ED25519);
    expect(await codeOf(cs.sign(sig.privateKey, pt))).toBe("crypto/key-not-found");
    expect(await codeOf(cs.signaturePublicKey(sig.privateKey))).toBe("crypto/key-not-found");
    expect(await codeOf(cs.hpkeOpen(ct, hpke.privateKey, info, aad))).toBe("crypto/key-not-found");
    expect(await codeOf(cs.hpkeOpen(ct, hpke.privateKey, info, aad, hpke.publicKey))).toBe("crypto/key-not-found");
    expect(await codeOf(cs.hpkeExportReceiver(s.kemOutput, hpke.privateKey, info, aad, 32))).toBe("crypto/key-not-found");
  });

  it("deleteKeyHandle forgets the key (cache and store); later uses throw crypto/key-not-found", async () => {
    const keyStore = memoryKeyObjectStore();
    const provider = webCryptoProvider({ nonExtractableKeys: { keyStore } });
    const cs = await provider.cipherSuite(X25519_ED25519);
    const hpke = await cs.hpkeGenerateKeyPair();
    const ct = await cs.hpkeSeal(hpke.publicKey, info, aad, pt);
    expect(await cs.hpkeOpen(ct, hpke.privateKey, info, aad)).toEqual(pt);
    expect(keyStore.size).toBe(1);
    await provider.deleteKeyHandle(hpke.privateKey);
    expect(keyStore.size).toBe(0);
    expect(await keyStore.getKeyObject(keyHandleId(hpke.privateKey))).toBeUndefined();
    expect(await codeOf(cs.hpkeOpen(ct, hpke.privateKey, info, aad))).toBe("crypto/key-not-found");
    expect(await codeOf(provider.deleteKeyHandle(new Uint8Array(32)))).toBe("crypto/invalid-key");
    expect(await codeOf(webCryptoProvider().deleteKeyHandle(hpke.privateKey))).toBe("crypto/unsupported");
  });

  it("a handle of another algorithm or suite is crypto/invalid-key", async () => {
    const keyStore = memoryKeyObjectStore();
    const provider = webCryptoProvider({ nonExtractableKeys: { keyStore } });
    const [x25519, p256] = await Promise.all([provider.cipherSuite(X25519_ED25519), provider.cipherSuite(P256)]);
    const ed = await x25519.signatureGenerateKeyPair();
    const x = await x25519.hpkeGenerateKeyPair();
    const ecdsa = await p256.signatureGenerateKeyPair();
    expect(await codeOf(p256.sign(ed.privateKey, pt))).toBe("crypto/invalid-key"); // Ed25519 key, ECDSA suite
    expect(await codeOf(x25519.sign(x.privateKey, pt))).toBe("crypto/invalid-key"); // an X25519 key cannot sign
    const ct = await x25519.hpkeSeal(x.publicKey, info, aad, pt);
    expect(await codeOf(x25519.hpkeOpen(ct, ed.privateKey, info, aad))).toBe("crypto/invalid-key"); // an Ed25519 key cannot DH
    const p256Ct = await p256.hpkeSeal((await p256.hpkeGenerateKeyPair()).publicKey, info, aad, pt);
    expect(await codeOf(p256.hpkeOpen(p256Ct, ecdsa.privateKey, info, aad))).toBe("crypto/invalid-key"); // ECDSA, not ECDH
  });

  it("takes a store whose deleteKeyObject tells whether there was a key (as the IndexedDB store's does)", async () => {
    const inner = memoryKeyObjectStore();
    const telling = {
      putKeyObject: (id: Uint8Array, key: CryptoKey) => inner.putKeyObject(id, key),
      getKeyObject: (id: Uint8Array) => inner.getKeyObject(id),
      deleteKeyObject: async (id: Uint8Array): Promise<boolean> => {
        const had = (await inner.getKeyObject(id)) !== undefined;
        await inner.deleteKeyObject(id);
        return had;
      },
    };
    const keyStore: KeyObjectStore = telling;
    const provider = webCryptoProvider({ nonExtractableKeys: { keyStore } });
    const kp = await (await provider.cipherSuite(X25519_ED25519)).signatureGenerateKeyPair();
    await provider.deleteKeyHandle(kp.privateKey);
    expect(inner.size).toBe(0);
  });

  it("a failing store fails key generation with the store's error", async () => {
    const broken: KeyObjectStore = {
      putKeyObject: () => Promise.reject(new Error("quota exceeded")),
      getKeyObject: () => Promise.resolve(undefined),
    };
    const cs = await webCryptoProvider({ nonExtractableKeys: { keyStore: broken } }).cipherSuite(X25519_ED25519);
    await expect(cs.signatureGenerateKeyPair()).rejects.toThrow("quota exceeded");
    await expect(cs.hpkeGenerateKeyPair()).rejects.toThrow("quota exceeded");
  });

  it("the in-memory key cache is bounded; evicted keys come back from the store", async () => {
    const keyStore = memoryKeyObjectStore();
    let gets = 0;
    const counting: KeyObjectStore = { ...keyStore, getKeyObject: (id) => (gets++, keyStore.getKeyObject(id)) };
    const cs = await webCryptoProvider({ nonExtractableKeys: { keyStore: counting, cacheSize: 2 } }).cipherSuite(X25519_ED25519);
    const pairs: { privateKey: Uint8Array; publicKey: Uint8Array }[] = [];
    for (let i = 0; i < 3; i++) pairs.push(await cs.signatureGenerateKeyPair());
    await cs.sign(pairs[2]!.privateKey, pt);
    expect(gets).toBe(0);
    await cs.sign(pairs[0]!.privateKey, pt); // evicted: read from the store
    await cs.sign(pairs[0]!.privateKey, pt);
    expect(gets).toBe(1);
  });
});

describe("nonExtractableKeys: opt-in", () => {
  it("the default mode still generates key bytes of the canonical sizes", async () => {
    const cs: CipherSuiteProvider = await webCryptoProvider().cipherSuite(X25519_ED25519);
    expect((await cs.signatureGenerateKeyPair()).privateKey).toHaveLength(32);
    expect((await cs.hpkeGenerateKeyPair()).privateKey).toHaveLength(32);
  });

  it("refuses a suite whose DH or signature only the fallback offers (its keys would be bytes)", async () => {
    const options = { crypto: withoutCurve448(), fallback: noblePrimitives() };
    expect(await webCryptoProvider(options).supportedCipherSuites()).toEqual([1, 2, 3, 4, 5, 6, 7, ...Array.from({ length: 11 }, (_, i) => 0xf101 + i)]);
    const hardened = webCryptoProvider({ ...options, nonExtractableKeys: { keyStore: memoryKeyObjectStore() } });
    // 4 and 6 are the X448/Ed448 suites; 3 takes only ChaCha20-Poly1305 from noble, which involves no private key.
    expect(await hardened.supportedCipherSuites()).toEqual([1, 2, 3, 5, 7]);
    await expect(hardened.cipherSuite(0x0004)).rejects.toMatchObject({
      code: "crypto/unsupported",
      message: expect.stringContaining("nonExtractableKeys"),
    });
  });

  it("needs crypto.subtle", () => {
    const noSubtle = { getRandomValues: crypto.getRandomValues.bind(crypto) } as unknown as Crypto;
    expect(() => webCryptoProvider({ crypto: noSubtle, nonExtractableKeys: { keyStore: memoryKeyObjectStore() } })).toThrow(
      expect.objectContaining({ code: "crypto/unsupported" }),
    );
  });
});
