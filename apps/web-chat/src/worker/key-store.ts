/**
 * The IndexedDB store's CryptoKey slots as the WebCrypto provider's key
 * store. The two interfaces differ only in what deletion returns
 * (`Promise<boolean>` in `@mlskit/storage-indexeddb`, `Promise<void>` in
 * `@mlskit/crypto-webcrypto`'s `KeyObjectStore`), which TypeScript does not
 * take as assignable: this adapter bridges them.
 */
import type { KeyObjectStore } from "@mlskit/crypto-webcrypto";
import type { CryptoKeyStore } from "@mlskit/storage-indexeddb";

/** `store`'s key slots as a {@link KeyObjectStore}: private keys stay non-extractable CryptoKeys in IndexedDB. */
export function keyObjectStore(store: CryptoKeyStore): KeyObjectStore {
  return {
    putKeyObject: (id, key) => store.putKeyObject(id, key),
    getKeyObject: (id) => store.getKeyObject(id),
    async deleteKeyObject(id) {
      await store.deleteKeyObject(id);
    },
  };
}
