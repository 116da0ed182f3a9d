/**
 * The client id a facade `Client` goes by at the Delivery Service: the
 * identity its credential presents (RFC 9420 §5.3.3, as its identity
 * provider reads it), as UTF-8 — what the Authentication Service certified.
 */
import { parseClientId } from "@mlskit/ds-protocol";
import type { Credential, IdentityProvider } from "@mlskit/core";
import type { Client } from "@mlskit/mls";
import { DsClientError } from "./errors.js";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** A credential's client id, or undefined when its identity is not one. */
export async function clientIdOfCredential(identityProvider: IdentityProvider, credential: Credential): Promise<string | undefined> {
  try {
    return parseClientId(decoder.decode(await identityProvider.identity(credential)));
  } catch {
    return undefined;
  }
}

/** The client id of a facade `Client`. @throws DsClientError when its identity is not a valid client id. */
export async function clientIdOf(client: Client): Promise<string> {
  const id = await clientIdOfCredential(client.identityProvider, client.credential);
  if (id === undefined) throw new DsClientError("ds-client/bad-client-id", "the client's credential does not present a valid client id: pass clientId");
  return id;
}
