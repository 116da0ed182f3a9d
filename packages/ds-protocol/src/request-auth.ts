/**
 * Signed requests. Every Delivery Service request carries
 *
 *     Authorization: MLS-Signature client=<id>;ts=<ms>;nonce=<32 hex>;sig=<base64>
 *
 * where `sig` is SignWithLabel(signature key, "mlskit ds request",
 * RequestContent) (RFC 9420 §5.1.2) by the key the client registered, over
 *
 *     RequestContent = utf8("<METHOD> <path and query>\n<client>\n<ts>\n<nonce>\n") || body
 *
 * The server accepts a timestamp within {@link MAX_CLOCK_SKEW_MS} of its
 * clock and each nonce once in that window, so a captured request cannot be
 * replayed. WebSocket upgrades (which browsers cannot give headers) put the
 * same value in the `auth` query parameter, signed over `GET /v1/stream`.
 */
import { concatBytes, toHex, utf8 } from "@mlskit/codec";
import { type CipherSuiteProvider, signWithLabel, verifyWithLabel } from "@mlskit/core";
import { fromBase64, toBase64 } from "./base64.js";
import { CLIENT_ID_PATTERN } from "./client-id.js";
import { DsError } from "./ds-error.js";

/** The label of request signatures. */
export const REQUEST_SIGNATURE_LABEL = "mlskit ds request";
/** The label of the AS's proof of possession. */
export const REGISTRATION_PROOF_LABEL = "mlskit AS registration";
/** How far a request's timestamp may be from the server's clock. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const SCHEME = "MLS-Signature";

/** What a signed request states about itself. */
export interface RequestAuthorization {
  readonly clientId: string;
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number;
  /** 16 random bytes, hex. */
  readonly nonce: string;
  readonly signature: Uint8Array;
}

/** The request being signed or checked. */
export interface SignedRequestTarget {
  readonly method: string;
  /** Path and query exactly as sent, e.g. `/v1/queue?after=3`. */
  readonly path: string;
  readonly body: Uint8Array;
}

function requestContent(target: SignedRequestTarget, clientId: string, timestamp: number, nonce: string): Uint8Array {
  const head = utf8(`${target.method.toUpperCase()} ${target.path}\n${clientId}\n${timestamp}\n${nonce}\n`);
  return concatBytes(head, target.body);
}

/** What signing needs: the client's suite provider and private signature key. */
export interface RequestSigner {
  readonly clientId: string;
  readonly cs: CipherSuiteProvider;
  readonly signaturePrivateKey: Uint8Array;
}

/** Signs a request; returns the `Authorization` header value. */
export async function signRequest(signer: RequestSigner, target: SignedRequestTarget, options: { now?: number; nonce?: string } = {}): Promise<string> {
  const timestamp = options.now ?? Date.now();
  const nonce = options.nonce ?? toHex(signer.cs.randomBytes(16));
  const sig = await signWithLabel(signer.cs, signer.signaturePrivateKey, REQUEST_SIGNATURE_LABEL, requestContent(target, signer.clientId, timestamp, nonce));
  return `${SCHEME} client=${signer.clientId};ts=${timestamp};nonce=${nonce};sig=${toBase64(sig)}`;
}

/** Parses an `Authorization` value (`auth/missing` or `auth/malformed` otherwise); verifies nothing. */
export function parseAuthorization(value: string | undefined): RequestAuthorization {
  if (value === undefined || value === "") throw new DsError("auth/missing", "the request is not signed");
  if (!value.startsWith(`${SCHEME} `)) throw new DsError("auth/malformed", `authorization scheme must be ${SCHEME}`);
  const fields = new Map<string, string>();
  for (const part of value.slice(SCHEME.length + 1).split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new DsError("auth/malformed", "authorization fields are key=value");
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const clientId = fields.get("client") ?? "";
  const ts = fields.get("ts") ?? "";
  const nonce = fields.get("nonce") ?? "";
  const sig = fields.get("sig");
  if (!CLIENT_ID_PATTERN.test(clientId)) throw new DsError("auth/malformed", "authorization client is not a client id");
  if (!/^\d{1,15}$/.test(ts)) throw new DsError("auth/malformed", "authorization ts is not a millisecond timestamp");
  if (!/^[0-9a-f]{32}$/.test(nonce)) throw new DsError("auth/malformed", "authorization nonce is not 16 bytes of hex");
  let signature: Uint8Array;
  try {
    signature = fromBase64(sig, "sig");
  } catch {
    throw new DsError("auth/malformed", "authorization sig is not base64");
  }
  return { clientId, timestamp: Number(ts), nonce, signature };
}

/**
 * Checks a parsed authorization against the client's registered key and the
 * server's clock (`auth/stale`, `auth/bad-signature`). Replay (a nonce seen
 * before) is the caller's check: it needs the server's memory of nonces.
 */
export async function verifyRequest(
  cs: CipherSuiteProvider,
  signaturePublicKey: Uint8Array,
  auth: RequestAuthorization,
  target: SignedRequestTarget,
  now: number = Date.now(),
): Promise<void> {
  if (Math.abs(now - auth.timestamp) > MAX_CLOCK_SKEW_MS) {
    throw new DsError("auth/stale", "the request's timestamp is outside the accepted window");
  }
  const ok = await verifyWithLabel(cs, signaturePublicKey, REQUEST_SIGNATURE_LABEL, requestContent(target, auth.clientId, auth.timestamp, auth.nonce), auth.signature).catch(
    () => false,
  );
  if (!ok) throw new DsError("auth/bad-signature", "the request's signature does not verify");
}
