/**
 * Who this chat is: on the first run the client registers with the
 * Authentication Service (an X.509 credential for `--name`) and is stored in
 * SQLite under the data dir; later runs restore it from there. The AS's
 * trust anchors are cached in `trust-anchors.json` beside it, so a restart
 * needs no AS at all.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FetchFunction, clientIdOf } from "@mlskit/ds-client";
import { authorityIdentityProvider, fetchTrustAnchors, registerWithAuthority } from "@mlskit/ds-client/authentication";
import { fromBase64, toBase64 } from "@mlskit/ds-protocol";
import { Client } from "@mlskit/mls";
import { type SqliteClientStore, sqliteStore } from "@mlskit/storage-sqlite";

/** The files in the data dir. */
export const DATA_FILES = { client: "client.sqlite", anchors: "trust-anchors.json", rooms: "rooms.json" } as const;

/** What {@link setUpIdentity} needs. */
export interface IdentitySetupOptions {
  readonly name: string;
  readonly dataDir: string;
  readonly asUrl: string;
  /** Needed on the first run only. */
  readonly token: string | undefined;
  /** Default: `globalThis.fetch`. */
  readonly fetch?: FetchFunction;
}

/** A ready client and the store it lives in (close the store when done). */
export interface ChatIdentity {
  readonly client: Client;
  readonly store: SqliteClientStore;
  /** True when this run registered the client with the AS (its first run). */
  readonly registered: boolean;
}

/** A setup that cannot go on; its message says what to do. */
export class IdentitySetupError extends Error {
  override readonly name = "IdentitySetupError";
}

/** The trust anchors from the cache file, or from the AS (then cached). */
async function trustAnchors(dataDir: string, asUrl: string, fetchFn?: FetchFunction): Promise<Uint8Array[]> {
  const file = join(dataDir, DATA_FILES.anchors);
  if (existsSync(file)) {
    try {
      const { anchors } = JSON.parse(readFileSync(file, "utf8")) as { anchors?: unknown };
      if (Array.isArray(anchors) && anchors.length > 0) return anchors.map((a, i) => fromBase64(a, `anchor ${i}`));
    } catch {
      // A damaged cache: fetch again.
    }
  }
  const anchors = await fetchTrustAnchors(asUrl, fetchFn !== undefined ? { fetch: fetchFn } : {});
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ asUrl, anchors: anchors.map((a) => toBase64(a)) }, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, file);
  return anchors;
}

/**
 * Restores the client stored in the data dir, or registers `name` with the
 * AS and stores a new one.
 * @throws {@link IdentitySetupError} (no token on a first run, a data dir of
 *   another name); `DsError`s of the AS; storage errors.
 */
export async function setUpIdentity(options: IdentitySetupOptions): Promise<ChatIdentity> {
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const path = join(options.dataDir, DATA_FILES.client);
  const firstRun = !existsSync(path);
  if (firstRun && options.token === undefined) {
    throw new IdentitySetupError(
      `${options.name} is not registered yet (no data in ${options.dataDir}): pass --token or set MLSKIT_AS_TOKEN to register with the Authentication Service`,
    );
  }
  const anchors = await trustAnchors(options.dataDir, options.asUrl, options.fetch);
  const identityProvider = authorityIdentityProvider(anchors);
  const store = sqliteStore({ path });
  try {
    if (firstRun) chmodSync(path, 0o600);
    const stored = (await store.readClient()) !== undefined;
    let client: Client;
    if (stored) {
      client = await Client.create({ storage: store, identityProvider });
      const id = await clientIdOf(client);
      if (id !== options.name) throw new IdentitySetupError(`the data dir ${options.dataDir} holds ${id}'s client, not ${options.name}'s: pass --data-dir for ${options.name}`);
    } else {
      if (options.token === undefined) throw new IdentitySetupError(`${options.name} is not registered yet: pass --token or set MLSKIT_AS_TOKEN`);
      const { credential, signatureKeyPair } = await registerWithAuthority({
        asUrl: options.asUrl,
        clientId: options.name,
        registrationToken: options.token,
        ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      });
      client = await Client.create({ credential, signatureKeyPair, identityProvider, storage: store });
    }
    return { client, store, registered: !stored };
  } catch (e) {
    await store.close();
    throw e;
  }
}
