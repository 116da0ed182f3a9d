import { toHex } from "@mlskit/codec";

/**
 * A fresh certificate serial number: 16 random bytes (RFC 5280 §4.1.2.2
 * allows up to 20; CA/B Forum asks for at least 64 random bits), as a
 * positive DER INTEGER (top bit clear, first byte non-zero), in hex.
 */
export function randomSerialNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return toHex(bytes);
}
