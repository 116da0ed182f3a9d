/**
 * Test harness: a real Delivery Service on 127.0.0.1 (port 0) over a
 * SQLite store in a temp file, and clients built from facade `Client`s
 * (BasicIdentityProvider accepting every identity) that sign their requests
 * with ds-protocol's signRequest and speak to the server with fetch and ws.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode, toHex } from "@mlskit/codec";
import { credentialCodec } from "@mlskit/core";
import { type RequestSigner, type StreamFrame, fromBase64, signRequest, toBase64 } from "@mlskit/ds-protocol";
import { BasicIdentityProvider, Client, type GroupPolicyInput, acceptAll } from "@mlskit/mls";
import type { FastifyInstance } from "fastify";
import WebSocket from "ws";
import { type DeliveryServiceOptions, createDeliveryService } from "./server.js";
import type { DsStore } from "./store/ds-store.js";
import { sqliteDsStore } from "./store/sqlite-store.js";

export const identityProvider = new BasicIdentityProvider({ policy: acceptAll });

export interface Harness {
  readonly url: string;
  readonly store: DsStore;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export async function startDs(options: Partial<Omit<DeliveryServiceOptions, "store">> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "mlskit-ds-server-"));
  const store = sqliteDsStore({ path: join(dir, "ds.db") });
  const app = createDeliveryService({ identityProvider, ...options, store });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url: address,
    store,
    app,
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  readonly status: number;
  // biome-ignore lint: test answers are read loosely
  readonly body: any;
}

export interface CallOptions {
  /** Replace the Authorization header (null: none). */
  readonly authorization?: string | null;
  readonly now?: number;
  readonly nonce?: string;
  /** Send these bytes as the body instead of JSON of `body`. */
  readonly rawBody?: Uint8Array;
  /** Sign these bytes instead of the body sent. */
  readonly signedBody?: Uint8Array;
}

export class TestClient {
  private constructor(
    readonly h: Harness,
    readonly id: string,
    readonly client: Client,
    readonly signer: RequestSigner,
  ) {}

  static async create(h: Harness, id: string, policy?: GroupPolicyInput): Promise<TestClient> {
    const client = await Client.create({ identity: id, identityProvider, ...(policy !== undefined ? { policy } : {}) });
    const cs = await client.crypto.cipherSuite(client.cipherSuite);
    const { privateKey } = await client.signatureKeyPair();
    return new TestClient(h, id, client, { clientId: id, cs, signaturePrivateKey: privateKey });
  }

  /** Creates and registers. */
  static async registered(h: Harness, id: string, policy?: GroupPolicyInput): Promise<TestClient> {
    const c = await TestClient.create(h, id, policy);
    const r = await c.register();
    if (r.status !== 201) throw new Error(`registration of ${id}: ${r.status} ${JSON.stringify(r.body)}`);
    return c;
  }

  registrationBody(): Record<string, unknown> {
    return {
      clientId: this.id,
      cipherSuite: this.client.cipherSuite,
      credential: toBase64(encode(credentialCodec, this.client.credential)),
      signaturePublicKey: toBase64(this.client.signaturePublicKey),
    };
  }

  register(): Promise<Answer> {
    return this.call("POST", "/v1/clients", this.registrationBody());
  }

  async authorization(method: string, path: string, body: Uint8Array, options: CallOptions = {}): Promise<string> {
    return signRequest(
      this.signer,
      { method, path, body },
      {
        ...(options.now !== undefined ? { now: options.now } : {}),
        ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
      },
    );
  }

  async call(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Answer> {
    const bytes = options.rawBody ?? (body === undefined ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(body)));
    const headers: Record<string, string> = {};
    const auth = options.authorization === undefined ? await this.authorization(method, path, options.signedBody ?? bytes, options) : options.authorization;
    if (auth !== null) headers.authorization = auth;
    if (bytes.length > 0) headers["content-type"] = "application/json";
    const res = await fetch(this.h.url + path, { method, headers, ...(bytes.length > 0 ? { body: new Blob([bytes as Uint8Array<ArrayBuffer>]) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
  }

  async publish(count: number, lastResort = false): Promise<Answer> {
    const kps: string[] = [];
    for (let i = 0; i < count; i++) kps.push(toBase64((await this.client.createKeyPackage()).keyPackage));
    const body: Record<string, unknown> = { keyPackages: kps };
    if (lastResort) body.lastResort = toBase64((await this.client.createKeyPackage({ lastResort: true })).keyPackage);
    return this.call("POST", "/v1/key-packages", body);
  }

  async claim(target: string): Promise<Answer> {
    return this.call("POST", "/v1/key-packages/claim", { clientId: target, cipherSuite: this.client.cipherSuite });
  }

  async queue(after = 0): Promise<Answer> {
    return this.call("GET", `/v1/queue?after=${after}`);
  }

  submit(groupId: Uint8Array, fields: Record<string, unknown>, options: CallOptions = {}): Promise<Answer> {
    return this.call("POST", `/v1/groups/${toHex(groupId)}/messages`, fields, options);
  }

  /** Opens the stream (resolves on open) and collects frames. */
  async stream(): Promise<{ ws: WebSocket; frames: StreamFrame[]; next: (n?: number) => Promise<StreamFrame[]> }> {
    const auth = await this.authorization("GET", "/v1/stream", new Uint8Array(0));
    const ws = new WebSocket(`${this.h.url.replace(/^http/, "ws")}/v1/stream?auth=${encodeURIComponent(auth)}`);
    const frames: StreamFrame[] = [];
    const waiters: (() => void)[] = [];
    ws.on("message", (data) => {
      frames.push(JSON.parse(String(data)) as StreamFrame);
      for (const w of waiters.splice(0)) w();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    /** Waits until at least `n` frames have arrived in all. */
    const next = async (n = frames.length + 1) => {
      const deadline = Date.now() + 10_000;
      while (frames.length < n) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for frame ${n}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return frames;
    };
    return { ws, frames, next };
  }
}

export const b64 = toBase64;
export const unb64 = (s: string) => fromBase64(s, "test");
