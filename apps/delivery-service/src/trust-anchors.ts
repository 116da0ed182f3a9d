/** The AS's trust anchors for the DS's X509IdentityProvider: from a file or from the AS (GET /as/v1/trust-anchors). */
import { readFile } from "node:fs/promises";
import { AsRoutes, fromBase64 } from "@mlskit/ds-protocol";

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function anchorsOfJson(value: unknown, where: string): Uint8Array[] {
  const anchors = (value as { anchors?: unknown } | null)?.anchors;
  if (!Array.isArray(anchors) || anchors.length === 0) throw new Error(`${where}: expected { "anchors": [base64 DER, ...] }`);
  return anchors.map((a, i) => fromBase64(a, `anchors[${i}]`));
}

/** PEM certificates (one or more) or JSON `{ "anchors": [base64 DER] }`. */
export async function trustAnchorsFromFile(path: string): Promise<(Uint8Array | string)[]> {
  const text = await readFile(path, "utf8");
  const pems = text.match(PEM);
  if (pems !== null) return pems;
  return anchorsOfJson(JSON.parse(text), path);
}

/** The anchors the AS publishes. */
export async function trustAnchorsFromAs(asUrl: string): Promise<Uint8Array[]> {
  const url = new URL(AsRoutes.trustAnchors, asUrl);
  const res = await fetch(url, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return anchorsOfJson(await res.json(), url.toString());
}
