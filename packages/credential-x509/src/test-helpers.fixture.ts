/** Shared helpers of this package's tests (test-only, excluded from the build). */
import { expect } from "vitest";
import { type CredentialContext, type CredentialValidationInput, CredentialType } from "@mlskit/core";
import { X509CredentialError, type X509ErrorCode } from "./errors.js";
import { type Chain, type KeyAlg, SUITE } from "./pki.fixture.js";

/** The validation input for a chain, as a KeyPackage would present it. */
export function inputFor(
  chain: Pick<Chain, "certificates" | "signatureKey" | "leaf">,
  over: Partial<Omit<CredentialValidationInput, "context">> & { context?: CredentialContext } = {},
): CredentialValidationInput {
  return {
    credential: { credentialType: CredentialType.x509, certificates: chain.certificates },
    signaturePublicKey: chain.signatureKey,
    cipherSuite: SUITE[chain.leaf.alg as KeyAlg],
    context: { event: "key-package" },
    ...over,
  };
}

/** Awaits a rejection and checks it is the X.509 error expected, at the position expected. */
export async function expectRejection(promise: Promise<unknown>, code: X509ErrorCode, chainIndex?: number | "anchor"): Promise<X509CredentialError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeDefined();
  expect(X509CredentialError.isInstance(error), String(error)).toBe(true);
  const e = error as X509CredentialError;
  expect(e.code, e.message).toBe(code);
  expect(e.rfcSection).toMatch(/^5\.[13]/);
  if (chainIndex !== undefined) expect(e.chainIndex, e.message).toBe(chainIndex);
  return e;
}

/** A copy of `der` with one byte changed. */
export function flipByte(der: Uint8Array, index: number): Uint8Array {
  const out = der.slice();
  const i = index < 0 ? out.length + index : index;
  out[i] = out[i]! ^ 0x01;
  return out;
}

/** The offset of an ASCII string in bytes. */
export function indexOfAscii(bytes: Uint8Array, text: string): number {
  const needle = new TextEncoder().encode(text);
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error(`"${text}" not found`);
}
