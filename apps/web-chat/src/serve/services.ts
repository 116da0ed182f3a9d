/**
 * The Authentication Service and the Delivery Service (RFC 9750), each on
 * its own SQLite file in the data dir, listening on 127.0.0.1 (any free
 * port). The DS checks credentials against the AS's roots.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createAuthenticationService, sqliteAsStore } from "@mlskit/authentication-service";
import { createDeliveryService, sqliteDsStore } from "@mlskit/delivery-service";
import { authorityIdentityProvider, fetchTrustAnchors } from "@mlskit/ds-client/authentication";

/** The running services. */
export interface Services {
  readonly asUrl: string;
  readonly dsUrl: string;
  close(): Promise<void>;
}

/** Starts both services with their state under `dataDir` (created when missing). */
export async function startServices(dataDir: string, registrationToken: string): Promise<Services> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const asStore = sqliteAsStore(join(dataDir, "authentication-service.sqlite"));
  const as = await createAuthenticationService({ store: asStore, registration: { adminToken: registrationToken } });
  const asUrl = await as.listen({ host: "127.0.0.1", port: 0 });
  const anchors = await fetchTrustAnchors(asUrl);
  const dsStore = sqliteDsStore({ path: join(dataDir, "delivery-service.sqlite") });
  const ds = createDeliveryService({ store: dsStore, identityProvider: authorityIdentityProvider(anchors) });
  const dsUrl = await ds.listen({ host: "127.0.0.1", port: 0 });
  return {
    asUrl,
    dsUrl,
    async close() {
      await ds.close();
      await dsStore.close();
      await as.close();
      asStore.close();
    },
  };
}
