/**
 * HTTP with the Authentication Service: JSON over `fetch` (browsers, Node,
 * workers); error answers become the {@link DsError} they carry.
 */
import { DsError, fromBase64 } from "@mlskit/ds-protocol";

/** The `fetch` the functions of this folder use (default `globalThis.fetch`). */
export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

/** `route` under the service's base URL, keeping any path prefix of the base. */
export function asEndpoint(asUrl: string | URL, route: string): string {
  return String(asUrl).replace(/\/+$/, "") + route;
}

/**
 * Sends a request and reads the JSON answer.
 * @throws {@link DsError}: the answer's code for a 4xx/5xx answer
 *   (`DsError.fromBody`), `internal/failed` when the service cannot be
 *   reached or answers with something other than JSON.
 */
export async function requestJson(fetchFn: FetchFunction | undefined, url: string, init: RequestInit): Promise<unknown> {
  const f = fetchFn ?? globalThis.fetch.bind(globalThis);
  let response: Response;
  try {
    response = await f(url, init);
  } catch (cause) {
    throw new DsError("internal/failed", `the Authentication Service at ${url} cannot be reached`, { cause });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) throw DsError.fromBody(response.status, body);
  if (body === undefined) throw malformedAnswer();
  return body;
}

/** The error for an answer that is not the documented body. */
function malformedAnswer(): DsError {
  return new DsError("internal/failed", "the Authentication Service answered with a malformed body");
}

/** A non-empty array of base64 DER certificates from an answer. */
export function certificatesOf(value: unknown): Uint8Array[] {
  if (!Array.isArray(value) || value.length === 0) throw malformedAnswer();
  try {
    return value.map((c, i) => fromBase64(c, `certificate ${i}`));
  } catch {
    throw malformedAnswer();
  }
}
