import { AsRoutes } from "@mlskit/ds-protocol";
import { type FetchFunction, asEndpoint, certificatesOf, requestJson } from "./as-http.js";

/**
 * The Authentication Service's root certificates (DER), to configure an
 * identity provider with ({@link authorityIdentityProvider}). Fetch them
 * over an authenticated channel (HTTPS) or pin them: whoever answers this
 * decides whom the client trusts.
 * @throws {@link @mlskit/ds-protocol!DsError} from the service, `internal/failed` when it cannot be reached.
 */
export async function fetchTrustAnchors(asUrl: string | URL, options: { readonly fetch?: FetchFunction } = {}): Promise<Uint8Array[]> {
  const body = await requestJson(options.fetch, asEndpoint(asUrl, AsRoutes.trustAnchors), { method: "GET", headers: { accept: "application/json" } });
  return certificatesOf((body as { anchors?: unknown }).anchors);
}
