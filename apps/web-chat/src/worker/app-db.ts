/**
 * The web chat's own IndexedDB database (beside the MLS client's, which
 * `@mlskit/storage-indexeddb` keeps): who is signed in on this browser and
 * the Authentication Service's roots (so a reload needs no AS), local room
 * names, and each room's history — MLS keeps no plaintext, so the chat does.
 */
import type { MessageView, RoomView } from "../worker-api.js";

const DB_NAME = "mlskit-web-chat";
const VERSION = 1;
const PROFILE = "profile";
const ROOMS = "rooms";
const MESSAGES = "messages";
const BY_ROOM = "by-room";
const CURRENT = "current";

/** The signed-in person and the roots their client trusts. */
export interface Profile {
  readonly name: string;
  readonly anchors: readonly Uint8Array[];
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("IndexedDB request failed"));
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

/** The chat's database, open. */
export class AppDb {
  readonly #db: IDBDatabase;

  private constructor(db: IDBDatabase) {
    this.#db = db;
  }

  /** Opens (creating) the database. */
  static async open(factory: IDBFactory = indexedDB): Promise<AppDb> {
    const request = factory.open(DB_NAME, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore(PROFILE);
      db.createObjectStore(ROOMS, { keyPath: "id" });
      db.createObjectStore(MESSAGES, { autoIncrement: true }).createIndex(BY_ROOM, "roomId");
    };
    const db = await done(request);
    db.onversionchange = () => db.close();
    return new AppDb(db);
  }

  async profile(): Promise<Profile | undefined> {
    return (await done(this.#db.transaction(PROFILE).objectStore(PROFILE).get(CURRENT))) as Profile | undefined;
  }

  async saveProfile(profile: Profile): Promise<void> {
    const tx = this.#db.transaction(PROFILE, "readwrite", { durability: "strict" });
    tx.objectStore(PROFILE).put(profile, CURRENT);
    await committed(tx);
  }

  async rooms(): Promise<RoomView[]> {
    return (await done(this.#db.transaction(ROOMS).objectStore(ROOMS).getAll())) as RoomView[];
  }

  async putRoom(room: RoomView): Promise<void> {
    const tx = this.#db.transaction(ROOMS, "readwrite");
    tx.objectStore(ROOMS).put(room);
    await committed(tx);
  }

  /** Forgets a room and its history. */
  async deleteRoom(roomId: string): Promise<void> {
    const tx = this.#db.transaction([ROOMS, MESSAGES], "readwrite");
    tx.objectStore(ROOMS).delete(roomId);
    const cursor = tx.objectStore(MESSAGES).index(BY_ROOM).openKeyCursor(IDBKeyRange.only(roomId));
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (c === null) return;
      tx.objectStore(MESSAGES).delete(c.primaryKey);
      c.continue();
    };
    await committed(tx);
  }

  async addMessage(message: MessageView): Promise<void> {
    const tx = this.#db.transaction(MESSAGES, "readwrite", { durability: "strict" });
    tx.objectStore(MESSAGES).add(message);
    await committed(tx);
  }

  /** A room's history, oldest first (in the order it was written). */
  async history(roomId: string): Promise<MessageView[]> {
    const index = this.#db.transaction(MESSAGES).objectStore(MESSAGES).index(BY_ROOM);
    return (await done(index.getAll(IDBKeyRange.only(roomId)))) as MessageView[];
  }

  close(): void {
    this.#db.close();
  }
}
