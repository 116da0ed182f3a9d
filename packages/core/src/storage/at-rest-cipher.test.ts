import { fromHex, toHex, utf8 } from "@mlskit/codec";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { type MemoryClientStore, memoryStore } from "@mlskit/storage-memory";
import { afterEach, describe, expect, it, vi } from "vitest";
import { storageConformance } from "../conformance/index.js";
import type { CipherSuiteProvider } from "../crypto-provider.js";
import { CryptoError, StorageError, UsageError } from "../errors.js";
import { type AtRestCipher, type AtRestKey, AT_REST_CIPHER_NONCE_LENGTH } from "./at-rest-cipher.js";
import type { ClientStore } from "./client-store.js";
import { encryptedStore } from "./encrypted-store.js";
import { sealedKeyId } from "./sealed-blob.js";
import { generateAtRestCryptoKey, webCryptoAtRestCipher } from "./webcrypto-at-rest-cipher.js";

const cs: CipherSuiteProvider = await nobleCryptoProvider().cipherSuite(1);
const bytesKey: AtRestKey = { id: 1, key: new Uint8Array(16).fill(1) };
const cryptoKey = await generateAtRestCryptoKey();
const cipherKey: AtRestKey = { id: 2, cipher: webCryptoAtRestCipher(cryptoKey) };
const b = (...x: number[]) => Uint8Array.from(x);

async function error(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (x: unknown) => x,
  );
}
async function storageCode(p: Promise<unknown>): Promise<string> {
  const e = await error(p);
  if (!StorageError.isInstance(e)) throw new Error(`expected a StorageError, got ${String(e)}`);
  return e.code;
}

/** Everything of every kind, through `s`. */
async function fill(s: ClientStore): Promise<void> {
  await s.writeClient(b(0xc1));
  await s.writeGroup({
    groupId: b(1),
    epoch: 3n,
    state: b(0x31),
    expectedVersion: 0,
    putEpochs: [
      { epoch: 1n, data: b(0x11) },
      { epoch: 2n, data: b(0x21) },
    ],
  });
  await s.putKeyPackage(b(7), b(0x77), true);
  await s.putPsk(b(5), b(0x55));
}
async function contents(s: ClientStore): Promise<unknown> {
  const g = await s.readGroup(b(1));
  return [await s.readClient(), g?.state, g?.pastEpochs, await s.getKeyPackage(b(7)), await s.getPsk(b(5))];
}
/** The key id of every sealed blob in `inner`. */
async function keyIds(inner: ClientStore): Promise<(number | undefined)[]> {
  const g = (await inner.readGroup(b(1)))!;
  return [(await inner.readClient())!, g.state, ...g.pastEpochs.map((e) => e.data), (await inner.getKeyPackage(b(7)))!.data, (await inner.getPsk(b(5)))!].map(sealedKeyId);
}

describe("encryptedStore conformance with a non-extractable WebCrypto key (over the memory store)", () => {
  const inners = new WeakMap<ClientStore, MemoryClientStore>();
  const wrap = (inner: MemoryClientStore) => {
    const s = encryptedStore(inner, { cs, keys: [cipherKey] });
    inners.set(s, inner);
    return s;
  };
  const checks = storageConformance({
    name: "encrypted memory (cipher key)",
    open: async (options) => wrap(memoryStore(options?.faults ? { faults: options.faults } : {})),
    reopen: async (store) => wrap(inners.get(store)!.newHandle()),
    corruptGroup: async (store, groupId) => {
      const inner = inners.get(store)!;
      const g = (await inner.readGroup(groupId))!;
      const state = g.state.slice();
      state[state.length - 1]! ^= 1;
      await inner.writeGroup({ groupId, epoch: g.epoch, state, expectedVersion: g.version });
    },
  });
  for (const c of checks) it(c.name, c.run);
});

describe("at-rest keys: bytes and ciphers", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("compatibility: blobs sealed under a bytes key before AtRestCipher existed still open (golden blobs)", async () => {
    const inner = memoryStore();
    // Sealed by the first encryptedStore (suite 1, key id 7, key 0x42 x 16): group aabb at epoch 5 with past epoch 4, last-resort KeyPackage 09.
    const state = fromHex("01000000074aafa22a754520a506c01fdceab868a78624255a76ca25c57ad6f8ec68041420960a6dfa527ce2af207d");
    const past = fromHex("01000000071953d4a89f3e573fedfa6495fb1fd495de8f8ebbc5dec1d89f29e6ff178e44a04ce3e3");
    await inner.writeGroup({ groupId: b(0xaa, 0xbb), epoch: 5n, state, expectedVersion: 0, putEpochs: [{ epoch: 4n, data: past }] });
    await inner.putKeyPackage(b(9), fromHex("0100000007215dfabf1a08c8a79b747844c42f19cbaad37b735e64c79ccdc83855e8ee"), true);
    const s = encryptedStore(inner, { cs, keys: [cipherKey, { id: 7, key: new Uint8Array(16).fill(0x42) }] });
    const g = (await s.readGroup(b(0xaa, 0xbb)))!;
    expect([g.state, g.pastEpochs]).toEqual([utf8("group state v1"), [{ epoch: 4n, data: utf8("epoch 4") }]]);
    expect((await s.getKeyPackage(b(9)))?.data).toEqual(utf8("kp"));
  });

  it("a cipher key seals header | key id | 12-byte fresh nonce | AES-GCM ciphertext and tag, and the cipher never sees the same nonce twice", async () => {
    const nonces = new Set<string>();
    const spy: AtRestCipher = {
      seal: (nonce, aad, pt) => (nonces.add(toHex(nonce)), cipherKey.cipher!.seal(nonce, aad, pt)),
      open: (nonce, aad, ct) => cipherKey.cipher!.open(nonce, aad, ct),
    };
    const inner = memoryStore();
    const s = encryptedStore(inner, { cs, keys: [{ id: 0xabcdef01, cipher: spy }] });
    const secret = new Uint8Array(64).fill(0xab);
    for (let i = 0; i < 20; i++) await s.writeClient(secret);
    expect(nonces.size).toBe(20);
    const sealed = (await inner.readClient())!;
    expect(sealed.length).toBe(5 + AT_REST_CIPHER_NONCE_LENGTH + 64 + 16);
    expect([sealed[0], sealedKeyId(sealed)]).toEqual([1, 0xabcdef01]);
    expect(toHex(sealed)).not.toContain("abababab");
    expect(await s.readClient()).toEqual(secret);
  });

  it("a tampered cipher-sealed blob is storage/corrupt (cause: crypto/aead-open); other cipher failures pass through", async () => {
    const inner = memoryStore();
    const s = encryptedStore(inner, { cs, keys: [cipherKey] });
    await s.putPsk(b(5), b(0x55));
    const sealed = (await inner.getPsk(b(5)))!;
    for (const at of [5, 5 + 12, sealed.length - 1]) {
      const flipped = sealed.slice();
      flipped[at]! ^= 0x01;
      await inner.putPsk(b(5), flipped);
      const e = await error(s.getPsk(b(5)));
      expect(StorageError.isInstance(e) && e.code === "storage/corrupt" && CryptoError.isInstance(e.cause) && e.cause.code === "crypto/aead-open").toBe(true);
    }
    await inner.putPsk(b(5), sealed.subarray(0, 5 + 11));
    expect(await storageCode(s.getPsk(b(5)))).toBe("storage/corrupt");
    await inner.putPsk(b(5), sealed);
    const gone = new Error("the HSM is unreachable");
    const failing = encryptedStore(inner, { cs, keys: [{ id: 2, cipher: { seal: () => Promise.reject(gone), open: () => Promise.reject(gone) } }] });
    expect(await error(failing.getPsk(b(5)))).toBe(gone);
    expect(await error(failing.putPsk(b(6), b(1)))).toBe(gone);
    expect(await s.getPsk(b(5))).toEqual(b(0x55));
  });

  it("a mixed list during rotation: bytes-sealed and cipher-sealed blobs both open, new writes go under the first key", async () => {
    const inner = memoryStore();
    await fill(encryptedStore(inner, { cs, keys: [bytesKey] }));
    const want = await contents(encryptedStore(inner, { cs, keys: [bytesKey] }));
    const mixed = encryptedStore(inner, { cs, keys: [cipherKey, bytesKey] });
    await mixed.putPsk(b(6), b(0x66));
    expect(sealedKeyId((await inner.getPsk(b(6)))!)).toBe(cipherKey.id);
    expect(await contents(mixed)).toEqual(want);
    expect(await keyIds(inner)).toEqual([1, 1, 1, 1, 1, 1]);
    // And the other way round: a cipher key still in the list behind a new bytes key.
    expect(await encryptedStore(inner, { cs, keys: [{ id: 3, key: new Uint8Array(16).fill(3) }, cipherKey, bytesKey] }).getPsk(b(6))).toEqual(b(0x66));
  });

  it("rotation from a bytes key to a cipher key rewrites everything; the bytes key can then be dropped", async () => {
    const inner = memoryStore();
    await fill(encryptedStore(inner, { cs, keys: [bytesKey] }));
    const want = await contents(encryptedStore(inner, { cs, keys: [bytesKey] }));
    expect(await encryptedStore(inner, { cs, keys: [cipherKey, bytesKey] }).rotate()).toEqual({ rewritten: 4, current: 0 });
    expect(await keyIds(inner)).toEqual([2, 2, 2, 2, 2, 2]);
    const onlyCipher = encryptedStore(inner, { cs, keys: [cipherKey] });
    expect(await contents(onlyCipher)).toEqual(want);
    expect(await onlyCipher.rotate()).toEqual({ rewritten: 0, current: 4 });
    expect(await storageCode(encryptedStore(inner, { cs, keys: [bytesKey] }).readClient())).toBe("storage/corrupt");
    // A second cipher key (another non-extractable CryptoKey) takes over the same way.
    const next: AtRestKey = { id: 3, cipher: webCryptoAtRestCipher(await generateAtRestCryptoKey()) };
    expect(await encryptedStore(inner, { cs, keys: [next, cipherKey] }).rotate()).toEqual({ rewritten: 4, current: 0 });
    expect(await contents(encryptedStore(inner, { cs, keys: [next] }))).toEqual(want);
  });

  it("the generated key is non-extractable AES-GCM-256 for encrypt and decrypt only", async () => {
    expect([cryptoKey.extractable, cryptoKey.algorithm, [...cryptoKey.usages].sort()]).toEqual([false, { name: "AES-GCM", length: 256 }, ["decrypt", "encrypt"]]);
    await expect(crypto.subtle.exportKey("raw", cryptoKey)).rejects.toThrow();
  });

  it("refuses bad keys with UsageError", async () => {
    const hmac = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const encryptOnly = await crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt"]);
    for (const k of [hmac, encryptOnly]) expect(() => webCryptoAtRestCipher(k)).toThrow(UsageError);
    const cipher = cipherKey.cipher!;
    const bad = [
      [{ id: 1, key: bytesKey.key, cipher }],
      [{ id: 1 }],
      [{ id: 1, cipher: { seal: cipher.seal } }],
      [cipherKey, { id: 2, key: bytesKey.key }],
      [{ id: 2 ** 32, cipher }],
    ] as unknown as AtRestKey[][];
    for (const keys of bad) expect(() => encryptedStore(memoryStore(), { cs, keys })).toThrow(UsageError);
    await expect(cipher.seal(new Uint8Array(16), b(), b())).rejects.toThrow(UsageError);
  });

  it("without crypto.subtle: crypto/unsupported when called, not when imported", async () => {
    vi.stubGlobal("crypto", undefined);
    expect(() => webCryptoAtRestCipher(cryptoKey)).toThrow(expect.objectContaining({ code: "crypto/unsupported" }));
    await expect(generateAtRestCryptoKey()).rejects.toMatchObject({ code: "crypto/unsupported" });
    vi.unstubAllGlobals();
    const passed = webCryptoAtRestCipher(cryptoKey, crypto.subtle);
    const nonce = new Uint8Array(12);
    expect(await passed.open(nonce, b(1), await passed.seal(nonce, b(1), b(42)))).toEqual(b(42));
  });
});
