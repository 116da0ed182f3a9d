/** Checks of the CryptoKey slots: non-extractable keys stay non-extractable and usable, across handles. */
import { deleteIndexedDbStore, indexedDbStore } from "../open.js";
import { b, check, rejectsWith, same } from "./assert.js";
import { freshName } from "./raw.js";
import type { AddCheck } from "./index.js";

async function refusesExport(key: CryptoKey, format: "raw" | "pkcs8", what: string): Promise<void> {
  const exported = await crypto.subtle.exportKey(format, key).then(
    () => true,
    () => false,
  );
  check(!exported, `${what}: crypto.subtle.exportKey must refuse a non-extractable key`);
}

/** Registers the CryptoKey checks. @internal */
export function cryptoKeyChecks(factory: IDBFactory, add: AddCheck): void {
  add("CryptoKey slots: a non-extractable key reads back non-extractable and usable, exportKey refuses it, through a new handle too", async () => {
    const name = freshName("mlskit-keys");
    const aes = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    const ecdsa = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const s = await indexedDbStore({ name, indexedDB: factory });
    await s.putKeyObject(b(1), aes);
    await s.putKeyObject(b(2), ecdsa.privateKey);
    await s.close();
    const t = await indexedDbStore({ name, indexedDB: factory });
    const aesBack = await t.getKeyObject(b(1));
    const ecdsaBack = await t.getKeyObject(b(2));
    check(aesBack !== undefined && ecdsaBack !== undefined, "both keys read back");
    same([aesBack.extractable, aesBack.type, aesBack.algorithm.name, [...aesBack.usages].sort()], [false, "secret", "AES-GCM", ["decrypt", "encrypt"]], "the AES key read back");
    same([ecdsaBack.extractable, ecdsaBack.type, ecdsaBack.algorithm.name], [false, "private", "ECDSA"], "the ECDSA private key read back");
    await refusesExport(aesBack, "raw", "the AES key read back");
    await refusesExport(ecdsaBack, "pkcs8", "the ECDSA key read back");
    const iv = new Uint8Array(12);
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, b(1, 2, 3));
    same(new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, aesBack, sealed)), b(1, 2, 3), "decrypting with the key read back");
    const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, ecdsaBack, b(4));
    check(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, ecdsa.publicKey, signature, b(4)), "a signature by the key read back verifies");
    await t.close();
    await deleteIndexedDbStore(name, { indexedDB: factory });
  });

  add("CryptoKey slots: ids by value, replace, delete, unknown ids, closed store", async () => {
    const name = freshName("mlskit-keys");
    const k1 = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const k2 = await crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt"]);
    const s = await indexedDbStore({ name, indexedDB: factory });
    const id = b(7, 0);
    await s.putKeyObject(id, k1);
    id.fill(9);
    same((await s.getKeyObject(b(7, 0)))?.algorithm.name, "HMAC", "the key through a copy of its id");
    check((await s.getKeyObject(b(7))) === undefined, "a prefix of the id names no key");
    await s.putKeyObject(b(7, 0), k2);
    same((await s.getKeyObject(b(7, 0)))?.algorithm.name, "AES-GCM", "the replaced key");
    same(await s.deleteKeyObject(b(7, 0)), true, "deleting it");
    same(await s.deleteKeyObject(b(7, 0)), false, "deleting it again");
    check((await s.getKeyObject(b(7, 0))) === undefined, "a deleted key reads as undefined");
    await s.close();
    await rejectsWith(s.putKeyObject(b(1), k1), "storage/closed", "putKeyObject after close");
    await rejectsWith(s.getKeyObject(b(1)), "storage/closed", "getKeyObject after close");
    await rejectsWith(s.deleteKeyObject(b(1)), "storage/closed", "deleteKeyObject after close");
    await deleteIndexedDbStore(name, { indexedDB: factory });
  });
}
