/**
 * Bytes in JSON bodies are standard base64 (RFC 4648 §4). `atob`/`btoa` are
 * in every runtime mlskit targets (browsers, Node ≥ 16, Deno, Bun, workers).
 */
import { DsError } from "./ds-error.js";

const CHUNK = 0x8000;

/** Encodes bytes as standard base64. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard base64 from the network; anything else is a
 * `request/malformed` error naming the field.
 */
export function fromBase64(text: unknown, field: string): Uint8Array {
  if (typeof text !== "string" || !BASE64.test(text)) {
    throw new DsError("request/malformed", `${field} must be standard base64`);
  }
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
