/**
 * Test harness: the real Delivery Service (`@mlskit/delivery-service`) on
 * 127.0.0.1, port 0, over a SQLite store in a temp folder, and people —
 * facade clients (basic credentials, every identity accepted) with a
 * Messenger and a record of its events.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDeliveryService, sqliteDsStore } from "@mlskit/delivery-service";
import { BasicIdentityProvider, Client, type ClientStore, acceptAll } from "@mlskit/mls";
import { sqliteStore } from "@mlskit/storage-sqlite";
import WebSocket from "ws";
import { type FetchFunction, Messenger, type MessengerEvents, type MessengerOptions, type WebSocketConstructor } from "./index.js";

export const identityProvider = new BasicIdentityProvider({ policy: acceptAll });

export interface Server {
  readonly url: string;
  /** A folder removed with the server (for clients' SQLite files). */
  readonly dir: string;
  close(): Promise<void>;
}

export async function startServer(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), "mlskit-ds-client-"));
  const store = sqliteDsStore({ path: join(dir, "ds.db") });
  const app = createDeliveryService({ identityProvider, store });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url,
    dir,
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A client, its Messenger and every event it emitted. */
export class Person {
  readonly events: { [K in keyof MessengerEvents]: MessengerEvents[K][] } = { message: [], joined: [], "members-changed": [], removed: [], error: [] };

  private constructor(
    readonly id: string,
    readonly client: Client,
    readonly messenger: Messenger,
  ) {
    for (const name of Object.keys(this.events) as (keyof MessengerEvents)[]) {
      messenger.on(name, (e) => (this.events[name] as unknown[]).push(e));
    }
  }

  /**
   * Opens a person. `push: false` gives no stream and no polling (driven by
   * `sync()`, for deterministic conflicts); `storage` a durable store.
   */
  static async open(
    server: Server,
    id: string,
    options: { push?: boolean; storage?: ClientStore; fetch?: FetchFunction; WebSocket?: WebSocketConstructor } & Partial<
      Pick<MessengerOptions, "keyPackageTarget" | "maxAttempts" | "pollIntervalMs">
    > = {},
  ): Promise<Person> {
    const client = await Client.create({ identity: id, identityProvider, ...(options.storage !== undefined ? { storage: options.storage } : {}) });
    const messenger = await Messenger.open({
      serverUrl: server.url,
      client,
      WebSocket: options.push === false ? null : (options.WebSocket ?? (WebSocket as unknown as WebSocketConstructor)),
      pollIntervalMs: options.pollIntervalMs ?? (options.push === false ? 0 : 1_000),
      keyPackageTarget: options.keyPackageTarget ?? 2,
      ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      reconnect: { baseDelayMs: 50, maxDelayMs: 500 },
    });
    return new Person(id, client, messenger);
  }

  /** The texts received in a room, in order. */
  texts(room: string): string[] {
    return this.events.message.filter((m) => m.groupId === room).map((m) => new TextDecoder().decode(m.data));
  }

  async epochOf(room: string): Promise<{ epoch: bigint; authenticator: string }> {
    const g = await this.client.getGroup(hexToBytes(room));
    if (g === undefined) throw new Error(`${this.id} holds no group ${room}`);
    return { epoch: g.epoch, authenticator: Array.from(g.epochAuthenticator, (b) => b.toString(16).padStart(2, "0")).join("") };
  }
}

export function sqliteFile(server: Server, name: string): ClientStore {
  return sqliteStore({ path: join(server.dir, `${name}.db`) });
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Waits until `check` holds (polling), or fails after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
