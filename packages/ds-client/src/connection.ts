/**
 * {@link DsConnection}: the Delivery Service's HTTP API (`@mlskit/ds-protocol`),
 * one method per route. Every request is signed with the client's MLS
 * signature key (`signRequest`, fresh timestamp and nonce per attempt);
 * every answer is checked before use (answers.ts); error answers become
 * `DsError`s (`DsError.fromBody`). Network failures and 5xx answers of
 * idempotent calls are retried with backoff.
 */
import { encode, utf8 } from "@mlskit/codec";
import { credentialCodec } from "@mlskit/core";
import {
  type AckRequest,
  type ClaimKeyPackageRequest,
  type CreateGroupRequest,
  DsError,
  DsRoutes,
  type PublishKeyPackagesRequest,
  type RegisterClientRequest,
  type RequestSigner,
  type SubmitMessageRequest,
  signRequest,
  toBase64,
} from "@mlskit/ds-protocol";
import type { Client } from "@mlskit/mls";
import { type HistoryItem, type ReceivedBatch, parseClaim, parseGroupInfo, parseHistory, parseKeyPackageCount, parseMembers, parseQueueBatch, parseSubmit } from "./answers.js";
import { type Backoff, type BackoffOptions, backoff, delayFor, sleep } from "./backoff.js";
import { clientIdOf } from "./client-id.js";
import { DsClientError } from "./errors.js";

/** The `fetch` a connection uses (the runtime's by default): the WHATWG signature. */
export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

/** Options of {@link DsConnection}. */
export interface DsConnectionOptions {
  /** The Delivery Service's base URL, e.g. `https://ds.example` (a path prefix is kept). */
  readonly serverUrl: string;
  /** Who signs: the client id, its suite provider and private signature key. */
  readonly signer: RequestSigner;
  /** Default: the runtime's `fetch`. */
  readonly fetch?: FetchFunction;
  /** How idempotent calls are retried after a network failure or a 5xx answer. */
  readonly retry?: BackoffOptions;
}

/** Options of {@link DsConnection.forClient}. */
export interface ClientConnectionOptions {
  readonly serverUrl: string;
  /** The client id the DS knows this client by (default: its credential's identity, as UTF-8). */
  readonly clientId?: string;
  readonly fetch?: FetchFunction;
  readonly retry?: BackoffOptions;
}

/** A KeyPackage to publish, as bytes. */
export interface KeyPackagesToPublish {
  readonly keyPackages: readonly Uint8Array[];
  readonly lastResort?: Uint8Array;
}

/** A message to submit to a group, as bytes (see `SubmitMessageRequest`). */
export interface MessageToSubmit {
  readonly message: Uint8Array;
  readonly welcome?: Uint8Array;
  readonly welcomeRecipients?: readonly string[];
  readonly removed?: readonly string[];
  readonly groupInfo?: Uint8Array;
  readonly ratchetTree?: Uint8Array;
}

interface Call {
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: unknown;
  /** Safe to send again when the first attempt's fate is unknown. */
  readonly idempotent: boolean;
}

function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** A signed HTTP connection to the Delivery Service. */
export class DsConnection {
  /** Scheme, host and port. */
  readonly #origin: string;
  /** The base URL's path without its trailing slash ("" for none). */
  readonly #prefix: string;
  readonly #secure: boolean;
  readonly #signer: RequestSigner;
  readonly #fetch: FetchFunction;
  readonly #retry: Backoff;

  constructor(options: DsConnectionOptions) {
    let base: URL;
    try {
      base = new URL(options.serverUrl);
    } catch (e) {
      throw new DsClientError("ds-client/network", `serverUrl is not a URL: ${options.serverUrl}`, { cause: e });
    }
    if (base.protocol !== "http:" && base.protocol !== "https:") throw new DsClientError("ds-client/network", "serverUrl must be http: or https:");
    this.#origin = base.origin;
    this.#prefix = base.pathname.replace(/\/+$/, "");
    this.#secure = base.protocol === "https:";
    this.#signer = options.signer;
    const f: FetchFunction | undefined = options.fetch ?? (typeof globalThis.fetch === "function" ? globalThis.fetch.bind(globalThis) : undefined);
    if (f === undefined) throw new DsClientError("ds-client/network", "this runtime has no fetch: pass one in the options");
    this.#fetch = f;
    this.#retry = backoff(options.retry);
  }

  /**
   * A connection signing with a facade `Client`'s signature key of its
   * default suite (`Client.signatureKeyPair()`).
   */
  static async forClient(client: Client, options: ClientConnectionOptions): Promise<DsConnection> {
    const clientId = options.clientId ?? (await clientIdOf(client));
    const cs = await client.crypto.cipherSuite(client.cipherSuite);
    const { privateKey } = await client.signatureKeyPair();
    return new DsConnection({
      serverUrl: options.serverUrl,
      signer: { clientId, cs, signaturePrivateKey: privateKey },
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      ...(options.retry !== undefined ? { retry: options.retry } : {}),
    });
  }

  /** The client id requests are signed for. */
  get clientId(): string {
    return this.#signer.clientId;
  }

  /** POST /v1/clients: presents the client's credential and signature key (idempotent for the same key). */
  async registerClient(client: Client): Promise<void> {
    const body: RegisterClientRequest = {
      clientId: this.clientId,
      cipherSuite: client.cipherSuite,
      credential: toBase64(encode(credentialCodec, client.credential)),
      signaturePublicKey: toBase64(client.signaturePublicKey),
    };
    await this.#call({ method: "POST", path: DsRoutes.clients, body, idempotent: true });
  }

  /** POST /v1/key-packages (duplicates are ignored by the DS, so it is retried). */
  async publishKeyPackages(input: KeyPackagesToPublish): Promise<void> {
    const body: PublishKeyPackagesRequest = {
      keyPackages: input.keyPackages.map(toBase64),
      ...(input.lastResort !== undefined ? { lastResort: toBase64(input.lastResort) } : {}),
    };
    await this.#call({ method: "POST", path: DsRoutes.keyPackages, body, idempotent: true });
  }

  /** GET /v1/key-packages/count: this client's KeyPackages left to claim. */
  async keyPackageCount(cipherSuite: number): Promise<{ readonly available: number; readonly lastResort: boolean }> {
    const c = parseKeyPackageCount(await this.#call({ method: "GET", path: `${DsRoutes.keyPackageCount}?cipherSuite=${cipherSuite}`, idempotent: true }));
    return { available: c.available, lastResort: c.lastResort };
  }

  /** POST /v1/key-packages/claim: one KeyPackage of another client (not retried: a claim consumes one). */
  async claimKeyPackage(clientId: string, cipherSuite: number): Promise<{ readonly keyPackage: Uint8Array; readonly lastResort: boolean }> {
    const body: ClaimKeyPackageRequest = { clientId, cipherSuite };
    return parseClaim(await this.#call({ method: "POST", path: DsRoutes.claimKeyPackage, body, idempotent: false }));
  }

  /**
   * POST /v1/groups: registers a new group with its GroupInfo. Retried after
   * a network failure; `group/exists` on a retry means the first attempt
   * landed (group ids are random).
   */
  async createGroup(groupIdHex: string, groupInfo: Uint8Array, ratchetTree?: Uint8Array): Promise<void> {
    const body: CreateGroupRequest = {
      groupId: groupIdHex,
      groupInfo: toBase64(groupInfo),
      ...(ratchetTree !== undefined ? { ratchetTree: toBase64(ratchetTree) } : {}),
    };
    await this.#call({ method: "POST", path: DsRoutes.groups, body, idempotent: true }, (e, attempt) => attempt > 0 && e.code === "group/exists");
  }

  /**
   * POST /v1/groups/{id}/messages → the group's epoch after the message.
   * `repeatable`: the message may be sent again when the first attempt's
   * fate is unknown (application messages and proposals: receivers drop a
   * copy); a Commit is not (its fate is read from the group's history).
   */
  async submitMessage(groupIdHex: string, input: MessageToSubmit, repeatable: boolean): Promise<bigint> {
    const body: SubmitMessageRequest = {
      message: toBase64(input.message),
      ...(input.welcome !== undefined ? { welcome: toBase64(input.welcome) } : {}),
      ...(input.welcomeRecipients !== undefined ? { welcomeRecipients: input.welcomeRecipients } : {}),
      ...(input.removed !== undefined ? { removed: input.removed } : {}),
      ...(input.groupInfo !== undefined ? { groupInfo: toBase64(input.groupInfo) } : {}),
      ...(input.ratchetTree !== undefined ? { ratchetTree: toBase64(input.ratchetTree) } : {}),
    };
    return parseSubmit(await this.#call({ method: "POST", path: DsRoutes.groupMessages(groupIdHex), body, idempotent: repeatable }));
  }

  /** GET /v1/groups/{id}/messages?fromEpoch=N: the accepted handshake messages of epochs ≥ N, oldest first. */
  async handshakes(groupIdHex: string, fromEpoch: bigint): Promise<HistoryItem[]> {
    return parseHistory(await this.#call({ method: "GET", path: `${DsRoutes.groupMessages(groupIdHex)}?fromEpoch=${fromEpoch}`, idempotent: true }));
  }

  /** GET /v1/groups/{id}/group-info: the latest GroupInfo (for external joins). */
  async groupInfo(groupIdHex: string): Promise<{ readonly epoch: bigint; readonly groupInfo: Uint8Array; readonly ratchetTree: Uint8Array | undefined }> {
    return parseGroupInfo(await this.#call({ method: "GET", path: DsRoutes.groupInfo(groupIdHex), idempotent: true }));
  }

  /** GET /v1/groups/{id}/members: the client ids the DS fans the group's messages out to. */
  async groupMembers(groupIdHex: string): Promise<{ readonly epoch: bigint; readonly members: readonly string[] }> {
    return parseMembers(await this.#call({ method: "GET", path: DsRoutes.groupMembers(groupIdHex), idempotent: true }));
  }

  /** GET /v1/queue?after=N&limit=M: items of this client's queue after the cursor. */
  async queue(after: number, limit = 100): Promise<ReceivedBatch> {
    return parseQueueBatch(await this.#call({ method: "GET", path: `${DsRoutes.queue}?after=${after}&limit=${limit}`, idempotent: true }));
  }

  /** POST /v1/queue/ack: items up to `upTo` are processed and may be dropped. */
  async ack(upTo: number): Promise<void> {
    const body: AckRequest = { upTo };
    await this.#call({ method: "POST", path: DsRoutes.queueAck, body, idempotent: true });
  }

  /** The WebSocket URL of the stream, signed now (`?auth=`, signed over `GET /v1/stream`). */
  async streamUrl(): Promise<string> {
    const path = `${this.#prefix}${DsRoutes.stream}`;
    const auth = await signRequest(this.#signer, { method: "GET", path, body: new Uint8Array(0) });
    const host = this.#origin.replace(/^https?:/, this.#secure ? "wss:" : "ws:");
    return `${host}${path}?auth=${encodeURIComponent(auth)}`;
  }

  /**
   * Sends one signed request and returns its parsed JSON answer (undefined
   * for an empty one). `accept` may turn an error answer into success.
   */
  async #call(call: Call, accept?: (e: DsError, attempt: number) => boolean): Promise<unknown> {
    const bodyText = call.body === undefined ? undefined : JSON.stringify(call.body);
    const bodyBytes = bodyText === undefined ? new Uint8Array(0) : utf8(bodyText);
    const signedPath = `${this.#prefix}${call.path}`;
    const url = `${this.#origin}${signedPath}`;
    const attempts = call.idempotent ? this.#retry.attempts : 1;
    let lastFailure: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep(delayFor(this.#retry, attempt - 1));
      const authorization = await signRequest(this.#signer, { method: call.method, path: signedPath, body: bodyBytes });
      const headers: Record<string, string> = { authorization, accept: "application/json" };
      if (call.body !== undefined) headers["content-type"] = "application/json";
      let status: number;
      let ok: boolean;
      let text: string;
      try {
        const res = await this.#fetch(url, { method: call.method, headers, ...(bodyText !== undefined ? { body: bodyText } : {}) });
        status = res.status;
        ok = res.ok;
        text = await res.text();
      } catch (e) {
        lastFailure = e;
        continue;
      }
      if (ok) return parseJson(text);
      const error = DsError.fromBody(status, parseJsonOrUndefined(text));
      if (accept?.(error, attempt) === true) return undefined;
      if (call.idempotent && isRetryableStatus(status) && attempt + 1 < attempts) {
        lastFailure = error;
        continue;
      }
      throw error;
    }
    if (lastFailure instanceof DsError) throw lastFailure;
    throw new DsClientError("ds-client/network", `${call.method} ${call.path} failed after ${attempts} attempt(s)`, { cause: lastFailure });
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DsClientError("ds-client/bad-answer", "the Delivery Service's answer is not JSON", { cause: e });
  }
}
