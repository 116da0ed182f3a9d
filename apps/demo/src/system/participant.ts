/**
 * One person of the demo: an X.509 credential from the AS, a facade
 * `Client` whose state lives in its own SQLite file, and a `Messenger`
 * connected to the DS over HTTP and WebSocket. Everything the Messenger
 * reports is recorded so the script can wait for it and print it.
 */
import { join } from "node:path";
import { Client } from "@mlskit/mls";
import { Messenger, type MessengerEvents } from "@mlskit/ds-client";
import { authorityIdentityProvider, registerWithAuthority } from "@mlskit/ds-client/authentication";
import { type SqliteClientStore, sqliteStore } from "@mlskit/storage-sqlite";
import WebSocket from "ws";
import type { Servers } from "./servers.js";

type Log = { [K in keyof MessengerEvents]: MessengerEvents[K][] };

/** A person and what their Messenger told them. */
export class Participant {
  readonly events: Log = { message: [], joined: [], "members-changed": [], removed: [], error: [] };
  /** How many of this person's submissions the DS refused for a stale epoch (409). */
  conflicts = 0;
  #store: SqliteClientStore;
  #messenger: Messenger;

  private constructor(
    readonly name: string,
    private readonly servers: Servers,
    private readonly dbPath: string,
    store: SqliteClientStore,
    messenger: Messenger,
  ) {
    this.#store = store;
    this.#messenger = messenger;
    this.#listen();
  }

  /** Registers with the AS (an X.509 certificate for a fresh key) and connects to the DS. */
  static async register(name: string, servers: Servers, dir: string): Promise<Participant> {
    const { credential, signatureKeyPair } = await registerWithAuthority({
      asUrl: servers.asUrl,
      clientId: name,
      registrationToken: servers.registrationToken,
    });
    const dbPath = join(dir, `${name}.sqlite`);
    const store = sqliteStore({ path: dbPath });
    const client = await Client.create({
      credential,
      signatureKeyPair,
      identityProvider: authorityIdentityProvider(servers.anchors),
      storage: store,
    });
    const p: Participant = new Participant(name, servers, dbPath, store, await Participant.#connect(servers, client, () => p.conflicts++));
    return p;
  }

  static #connect(servers: Servers, client: Client, onConflict: () => void): Promise<Messenger> {
    // Counts the DS's epoch-conflict answers, to show the ordering at work.
    const counting = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const res = await fetch(input, init);
      if (res.status === 409) onConflict();
      return res;
    };
    return Messenger.open({ serverUrl: servers.dsUrl, client, WebSocket: WebSocket as never, fetch: counting, pollIntervalMs: 1_000 });
  }

  #listen(): void {
    for (const name of Object.keys(this.events) as (keyof MessengerEvents)[]) {
      this.#messenger.on(name, (e) => (this.events[name] as unknown[]).push(e));
    }
  }

  get messenger(): Messenger {
    return this.#messenger;
  }

  /** The texts this person has read in `room`, as "sender: text". */
  read(room: string): string[] {
    return this.events.message.filter((m) => m.groupId === room).map((m) => `${m.sender}: ${new TextDecoder().decode(m.data)}`);
  }

  /** The room's epoch authenticator (RFC 9420 §8.7) as this person's state has it, hex. */
  async epochAuthenticator(room: string): Promise<string> {
    const group = await this.#messenger.client.getGroup(Buffer.from(room, "hex"));
    return Buffer.from(group!.epochAuthenticator).toString("hex");
  }

  /** The room's epoch as this person's state has it. */
  async epoch(room: string): Promise<bigint> {
    return (await this.#messenger.client.getGroup(Buffer.from(room, "hex")))!.epoch;
  }

  /** Stops: the Messenger disconnects and the SQLite file is closed. Nothing is kept in memory. */
  async stop(): Promise<void> {
    await this.#messenger.close();
    await this.#store.close();
  }

  /** Starts again from the SQLite file alone: the client is restored and the Messenger catches up from the DS's queue. */
  async start(): Promise<void> {
    this.#store = sqliteStore({ path: this.dbPath });
    const client = await Client.create({ identityProvider: authorityIdentityProvider(this.servers.anchors), storage: this.#store });
    this.#messenger = await Participant.#connect(this.servers, client, () => this.conflicts++);
    this.#listen();
  }
}

/** Waits until `condition` holds (polling), or fails naming what was awaited. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
