/**
 * Who this browser's chat is. The first sign-in registers the name with the
 * Authentication Service (an X.509 credential for a signature key made as a
 * non-extractable CryptoKey) and stores the client in IndexedDB; later
 * loads restore it from there with the AS's roots kept in the app database,
 * without asking the AS anything.
 */
import type { CryptoProvider } from "@mlskit/core";
import type { X509IdentityProvider } from "@mlskit/credential-x509";
import { webCryptoProvider } from "@mlskit/crypto-webcrypto";
import { clientIdOf } from "@mlskit/ds-client";
import { type AuthorityRegistration, authorityIdentityProvider, fetchTrustAnchors, registerWithAuthority } from "@mlskit/ds-client/authentication";
import { Client } from "@mlskit/mls";
import { type IndexedDbClientStore, indexedDbStore } from "@mlskit/storage-indexeddb";
import type { AppDb } from "./app-db.js";
import { ChatError } from "./chat-error.js";
import { keyObjectStore } from "./key-store.js";

/** A ready client, the store it lives in and the provider that checks credentials. */
export interface Identity {
  readonly name: string;
  readonly client: Client;
  readonly store: IndexedDbClientStore;
  readonly identityProvider: X509IdentityProvider;
}

/** The MLS store's database name for a person. */
function clientDbName(name: string): string {
  return `mlskit-web-chat-client-${name}`;
}

/** The client in `name`'s store: the stored one, or a new one from `registration`. Closes the store on failure. */
async function openClient(name: string, anchors: readonly Uint8Array[], register?: (crypto: CryptoProvider) => Promise<AuthorityRegistration>): Promise<Identity> {
  const store = await indexedDbStore({ name: clientDbName(name) });
  try {
    // Generated private keys (signature, HPKE) become non-extractable CryptoKeys in the store's key slots.
    const crypto = webCryptoProvider({ nonExtractableKeys: { keyStore: keyObjectStore(store) } });
    const identityProvider = authorityIdentityProvider(anchors);
    let client: Client;
    if ((await store.readClient()) !== undefined || register === undefined) {
      client = await Client.create({ storage: store, identityProvider, crypto });
    } else {
      const { credential, signatureKeyPair } = await register(crypto);
      client = await Client.create({ credential, signatureKeyPair, storage: store, identityProvider, crypto });
    }
    const id = await clientIdOf(client);
    if (id !== name) throw new ChatError("web-chat/another-client", `this browser's data holds ${id}'s client, not ${name}'s`);
    return { name, client, store, identityProvider };
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}

/** The client signed in on this browser before, restored from IndexedDB; undefined when nobody is. */
export async function restoreIdentity(db: AppDb): Promise<Identity | undefined> {
  const profile = await db.profile();
  if (profile === undefined) return undefined;
  return openClient(profile.name, profile.anchors);
}

/**
 * Signs `name` in: restores it when this browser has it, otherwise registers
 * it with the Authentication Service at `asUrl` (the registration token is
 * needed then only).
 */
export async function signIn(db: AppDb, asUrl: string, name: string, token: string): Promise<Identity> {
  const profile = await db.profile();
  if (profile !== undefined) {
    if (profile.name !== name) throw new ChatError("web-chat/another-client", `this browser is signed in as ${profile.name}`);
    return openClient(profile.name, profile.anchors);
  }
  if (token === "") throw new ChatError("web-chat/token-needed", "the first sign-in needs the registration token");
  const anchors = await fetchTrustAnchors(asUrl);
  const identity = await openClient(name, anchors, (crypto) => registerWithAuthority({ asUrl, clientId: name, registrationToken: token, crypto }));
  await db.saveProfile({ name, anchors });
  return identity;
}
