/**
 * Reading JSON bodies: the raw bytes (kept for the signature check) parsed
 * once the request is authenticated, and typed field readers that answer
 * `request/malformed` naming the field.
 */
import { DsError, fromBase64 } from "@mlskit/ds-protocol";

/** Parses a request body as a JSON object (`request/malformed` otherwise). */
export function parseJsonObject(raw: Uint8Array | undefined): Record<string, unknown> {
  if (raw === undefined || raw.length === 0) throw new DsError("request/malformed", "the request needs a JSON body");
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
  } catch {
    throw new DsError("request/malformed", "the body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DsError("request/malformed", "the body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** A required base64 field. */
export function bytesField(body: Record<string, unknown>, field: string): Uint8Array {
  return fromBase64(body[field], field);
}

/** An optional base64 field. */
export function optionalBytesField(body: Record<string, unknown>, field: string): Uint8Array | undefined {
  return body[field] === undefined ? undefined : fromBase64(body[field], field);
}

/** A required non-negative safe integer field. */
export function integerField(body: Record<string, unknown>, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = body[field];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > max) {
    throw new DsError("request/malformed", `${field} must be an integer in [0, ${max}]`);
  }
  return v;
}

/** An optional array of strings, at most `max` long. */
export function optionalStringArray(body: Record<string, unknown>, field: string, max: number): string[] | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw new DsError("request/malformed", `${field} must be an array of strings`);
  if (v.length > max) throw new DsError("request/malformed", `${field} has more than ${max} entries`);
  return v as string[];
}

/** A non-negative integer query parameter (decimal), or `fallback` when absent. */
export function integerQuery(value: unknown, field: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !/^\d{1,16}$/.test(value) || Number(value) > max) {
    throw new DsError("request/malformed", `${field} must be a decimal integer in [0, ${max}]`);
  }
  return Number(value);
}

/** A uint64 query parameter (decimal) as bigint. */
export function epochQuery(value: unknown, field: string, fallback: bigint): bigint {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !/^\d{1,20}$/.test(value) || BigInt(value) > 0xffff_ffff_ffff_ffffn) {
    throw new DsError("request/malformed", `${field} must be a decimal uint64`);
  }
  return BigInt(value);
}

/** A group id from a path or body: lowercase hex, 1..255 bytes. */
export function groupIdHex(value: unknown, field = "groupId"): Uint8Array {
  if (typeof value !== "string" || !/^(?:[0-9a-f]{2}){1,255}$/.test(value)) {
    throw new DsError("request/malformed", `${field} must be lowercase hex`);
  }
  const out = new Uint8Array(value.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(value.slice(2 * i, 2 * i + 2), 16);
  return out;
}
