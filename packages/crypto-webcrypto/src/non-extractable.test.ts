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
import { keyHandleId } from "./key-handle.js";

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

  it("needs crypto.subtle", () => {
    const noSubtle = { getRandomValues: crypto.getRandomValues.bind(crypto) } as unknown as Crypto;
    expect(() => webCryptoProvider({ crypto: noSubtle, nonExtractableKeys: { keyStore: memoryKeyObjectStore() } })).toThrow(
      expect.objectContaining({ code: "crypto/unsupported" }),
    );
  });
});
