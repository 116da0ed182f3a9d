/**
 * The demo's servers: the Authentication Service and the Delivery Service
 * of RFC 9750, each on its own SQLite file in the demo's folder, listening
 * on 127.0.0.1 (any free port). The DS validates credentials against the
 * AS's trust anchors, as a deployment would.
 */
import { join } from "node:path";
import { createAuthenticationService, sqliteAsStore } from "@mlskit/authentication-service";
import { X509IdentityProvider } from "@mlskit/credential-x509";
import { createDeliveryService, sqliteDsStore } from "@mlskit/delivery-service";
import { fetchTrustAnchors } from "@mlskit/ds-client/authentication";

/** The running servers. */
export interface Servers {
  readonly asUrl: string;
  readonly dsUrl: string;
  /** The AS's root certificates (DER). */
  readonly anchors: Uint8Array[];
  /** The AS's registration token (the demo's pluggable registration: an admin token). */
  readonly registrationToken: string;
  close(): Promise<void>;
}

/** Starts both servers with their state under `dir`. */
export async function startServers(dir: string, registrationToken: string): Promise<Servers> {
  const asStore = sqliteAsStore(join(dir, "authentication-service.sqlite"));
  const as = await createAuthenticationService({ store: asStore, registration: { adminToken: registrationToken } });
  const asUrl = await as.listen({ host: "127.0.0.1", port: 0 });
  const anchors = await fetchTrustAnchors(asUrl);
  const dsStore = sqliteDsStore({ path: join(dir, "delivery-service.sqlite") });
  const ds = createDeliveryService({ store: dsStore, identityProvider: new X509IdentityProvider({ trustAnchors: anchors }) });
  const dsUrl = await ds.listen({ host: "127.0.0.1", port: 0 });
  return {
    asUrl,
    dsUrl,
    anchors,
    registrationToken,
    async close() {
      await ds.close();
      await dsStore.close();
      await as.close();
      asStore.close();
    },
  };
}
