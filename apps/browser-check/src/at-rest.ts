/**
 * The at-rest encryption checks of the page: an MLS client whose
 * `@mlskit/storage-indexeddb` store is wrapped by `encryptedStore` under a
 * non-extractable AES-GCM key kept in the same database (`loadOrCreateAtRestKey`).
 * Its group comes back through a new handle; the raw IndexedDB rows hold
 * none of the plaintext blobs; `exportKey` refuses the key; after
 * `rotateAtRestKey` the group comes back under the second key alone.
 */
import { BasicIdentityProvider, type CipherSuiteProvider, type ClientStore, acceptAll, encryptedStore } from "@mlskit/core";
import { nobleCryptoProvider } from "@mlskit/crypto-noble";
import { Client, type Group } from "@mlskit/mls";
import {
  type IndexedDbClientStore,
  type StoredAtRestKey,
  atRestKeySlot,
  deleteIndexedDbStore,
  indexedDbStore,
  loadAtRestKey,
  loadOrCreateAtRestKey,
  rotateAtRestKey,
} from "@mlskit/storage-indexeddb";

const TITLE = "at-rest encryption (IndexedDB, non-extractable key)";
const crypto_ = nobleCryptoProvider();
const identityProvider = new BasicIdentityProvider({ policy: acceptAll });
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** `store`, recording every blob written through it (the plaintexts the encrypted store seals). */
function recording(store: ClientStore, blobs: Uint8Array[]): ClientStore {
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      const fn = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop === "writeClient") return (data: Uint8Array) => (blobs.push(data.slice()), fn(data));
      if (prop === "putKeyPackage" || prop === "putPsk") return (id: Uint8Array, data: Uint8Array, ...rest: unknown[]) => (blobs.push(data.slice()), fn(id, data, ...rest));
      if (prop === "writeGroup") {
        return (w: Parameters<ClientStore["writeGroup"]>[0]) => {
          blobs.push(w.state.slice(), ...(w.putEpochs ?? []).map((e) => e.data.slice()));
          return fn(w);
        };
      }
      return fn;
    },
  });
}

/** Every byte string in every row of every object store of database `name`, read behind the store's back. */
async function rawBytes(name: string): Promise<Uint8Array[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const out: Uint8Array[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Uint8Array) out.push(v);
    else if (v instanceof ArrayBuffer) out.push(new Uint8Array(v));
    else if (typeof v === "string") out.push(new TextEncoder().encode(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null && !(v instanceof CryptoKey)) Object.values(v).forEach(walk);
  };
  try {
    for (const storeName of Array.from(db.objectStoreNames)) {
      const tx = db.transaction(storeName, "readonly");
      const rows = await new Promise<unknown[]>((resolve, reject) => {
        const r = tx.objectStore(storeName).getAll();
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      rows.forEach(walk);
    }
  } finally {
    db.close();
  }
  return out;
}

/** 16-byte windows of each plaintext blob (every 32 bytes) found in the raw bytes, as hex; empty when none is. */
async function leaks(name: string, plaintexts: readonly Uint8Array[]): Promise<string[]> {
  const raw = (await rawBytes(name)).map(hex);
  const found: string[] = [];
  for (const p of plaintexts) {
    for (let at = 0; at + 16 <= p.length; at += 32) {
      const w = hex(p.subarray(at, at + 16));
      if (raw.some((r) => r.includes(w))) found.push(w);
    }
  }
  return found;
}

async function refusesExport(key: CryptoKey): Promise<boolean> {
  return crypto.subtle.exportKey("raw", key).then(
    () => false,
    () => true,
  );
}

interface Story {
  readonly name: string;
  readonly plaintexts: Uint8Array[];
  cs?: CipherSuiteProvider;
  store?: IndexedDbClientStore;
  key?: StoredAtRestKey;
  groupId?: Uint8Array;
  bob?: Group;
}

/** Alice on `store` under `keys`: a Client whose storage is the encrypted store (recording the plaintexts). */
function alice(s: Story, store: IndexedDbClientStore, keys: readonly StoredAtRestKey[]): Promise<Client> {
  return Client.create({ identity: "alice", identityProvider, crypto: crypto_, storage: recording(encryptedStore(store, { cs: s.cs!, keys }), s.plaintexts) });
}

/** Alice's group, back from `store`, still talks with Bob both ways. */
async function talks(s: Story, a: Client, said: string): Promise<void> {
  const g = await a.getGroup(s.groupId!);
  check(g !== undefined, "the group is back");
  check(hex(g!.epochAuthenticator) === hex(s.bob!.epochAuthenticator), "alice and bob agree on the epoch");
  const m = await s.bob!.processIncoming(await g!.encrypt(said));
  check(m.kind === "application" && text(m.data) === said, "bob reads alice");
  const r = await g!.processIncoming(await s.bob!.encrypt(`re: ${said}`));
  check(r.kind === "application" && text(r.data) === `re: ${said}`, "alice reads bob");
}

function steps(s: Story): { name: string; run: () => Promise<void> }[] {
  return [
    {
      name: "a group written through encryptedStore on IndexedDB under a non-extractable key",
      run: async () => {
        s.cs = await crypto_.cipherSuite(1);
        s.store = await indexedDbStore({ name: s.name });
        s.key = await loadOrCreateAtRestKey(s.store);
        const a = await alice(s, s.store, [s.key]);
        const bobClient = await Client.create({ identity: "bob", identityProvider, crypto: crypto_ });
        const g = await a.createGroup();
        const add = await g.addMembers([(await bobClient.createKeyPackage()).keyPackage]);
        await g.confirmPendingCommit();
        s.bob = await bobClient.joinFromWelcome(add.welcome!);
        s.groupId = g.groupId;
        await talks(s, a, "before the reload");
        check(s.plaintexts.length > 0, "blobs went through the encrypted store");
      },
    },
    {
      name: "reload: a new handle loads the same key from its slot and the group reads back",
      run: async () => {
        await s.store!.close();
        s.store = await indexedDbStore({ name: s.name });
        const key = await loadOrCreateAtRestKey(s.store);
        check(key.id === 1 && key.cryptoKey.extractable === false, "the key read back is key 1, non-extractable");
        await talks(s, await alice(s, s.store, [key]), "after the reload");
      },
    },
    {
      name: "the raw IndexedDB rows hold none of the plaintext blobs (and an unencrypted control database does)",
      run: async () => {
        const found = await leaks(s.name, s.plaintexts);
        check(found.length === 0, `plaintext found in the raw rows: ${found.slice(0, 3).join(", ")}`);
        const control = `${s.name}-control`;
        const plain = await indexedDbStore({ name: control });
        const marker = new TextEncoder().encode("mlskit at-rest control blob, in the clear: 0123456789abcdef");
        await plain.putPsk(Uint8Array.of(1), marker);
        await plain.close();
        check((await leaks(control, [marker])).length > 0, "the scan finds a blob stored in the clear");
        await deleteIndexedDbStore(control);
      },
    },
    {
      name: "crypto.subtle.exportKey refuses the at-rest key, fresh and read back",
      run: async () => {
        check(await refusesExport(s.key!.cryptoKey), "exportKey refuses the key as created");
        const back = await loadAtRestKey(s.store!);
        check(back !== undefined && (await refusesExport(back.cryptoKey)), "exportKey refuses the key read back");
      },
    },
    {
      name: "rotateAtRestKey to a second key: everything rewritten, key 1 gone, the group reads back under key 2 alone",
      run: async () => {
        const { key, report } = await rotateAtRestKey(s.store!, { cs: s.cs!, from: 1 });
        check(key.id === 2 && report.rewritten > 0, `rotated to key 2 (${JSON.stringify(report)})`);
        check((await s.store!.getKeyObject(atRestKeySlot(1))) === undefined, "key 1's slot is empty");
        check(await refusesExport(key.cryptoKey), "exportKey refuses key 2");
        await s.store!.close();
        s.store = await indexedDbStore({ name: s.name });
        const back = await loadAtRestKey(s.store, { id: 2 });
        check(back !== undefined, "key 2 reads back");
        await talks(s, await alice(s, s.store, [back!]), "after the rotation");
        check((await leaks(s.name, s.plaintexts)).length === 0, "still no plaintext in the raw rows");
      },
    },
  ];
}

/** Runs the at-rest checks, reporting into `lines` and `failures`: one line per check, then `"<title>: N passed, N failed"`. */
export async function atRestChecks(lines: string[], failures: string[]): Promise<void> {
  const s: Story = { name: `mlskit-at-rest-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, plaintexts: [] };
  const all = steps(s);
  let passed = 0;
  for (const c of all) {
    try {
      await c.run();
      passed++;
      lines.push(`  ok   ${c.name}`);
    } catch (e) {
      lines.push(`  FAIL ${c.name}`);
      failures.push(`${TITLE}: ${c.name}: ${(e as Error).message}`);
    }
  }
  lines.push(`${TITLE}: ${passed} passed, ${all.length - passed} failed`);
  await s.store?.close();
  await deleteIndexedDbStore(s.name).catch(() => undefined);
}
