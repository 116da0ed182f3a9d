/**
 * `@mlskit/core/conformance`: checks every {@link CipherSuiteProvider} must
 * pass, and every storage adapter ({@link storageConformance}), written
 * without a test framework (a failed check throws an `Error`), so each
 * provider's and adapter's tests can run them:
 * `for (const c of cipherSuiteConformance(cs)) it(c.name, c.run)`.
 * @packageDocumentation
 */
import type { CipherSuiteProvider } from "../crypto-provider.js";
import type { CryptoError } from "../errors.js";
import { aeadChecks } from "./aead.js";
import type { AddCheck, ConformanceCheck } from "./helpers.js";
import { hashKdfChecks } from "./hash-kdf.js";
import { hpkeChecks } from "./hpke.js";
import { inputChecks } from "./inputs.js";
import { expected } from "./known-answers.js";
import { type PublicKeyCheckOptions, publicKeyChecks } from "./public-keys.js";
import { signatureChecks } from "./signature.js";

export type { ConformanceCheck } from "./helpers.js";
export type { PublicKeyCheckOptions } from "./public-keys.js";

/**
 * Options of {@link cipherSuiteConformance}: what a provider may declare it
 * cannot do. `decodesEdDsaKeys: false` for `crypto.subtle` without a
 * fallback, which cannot tell an EdDSA encoding that is no point from a
 * valid key (its verification must still refuse such a key).
 */
export type CipherSuiteConformanceOptions = PublicKeyCheckOptions;
export { crossProviderChecks } from "./cross-provider.js";
export { type StorageConformanceTarget, type StorageFaultHook, type StorageWriteStep, storageConformance } from "./storage.js";

/**
 * The checks one {@link CipherSuiteProvider} must pass: sizes, known answers
 * for hash/HMAC/HKDF/AEAD/signatures, round trips, every failure mode with
 * its {@link CryptoError} code, `verify` returning false (never throwing) on
 * malformed input, deterministic HPKE DeriveKeyPair, public-key validation
 * (valid keys accepted, every class of bad HPKE and signature key refused,
 * refused keys unusable), and inputs left unmutated.
 */
export function cipherSuiteConformance(cs: CipherSuiteProvider, options: CipherSuiteConformanceOptions = {}): ConformanceCheck[] {
  const x = expected(cs);
  const checks: ConformanceCheck[] = [];
  const add: AddCheck = (name, run) => void checks.push({ name: `${cs.suite.name}: ${name}`, run });
  hashKdfChecks(cs, x, add);
  aeadChecks(cs, x, add);
  signatureChecks(cs, x, add);
  hpkeChecks(cs, x, add);
  publicKeyChecks(cs, x, add, options);
  inputChecks(cs, x, add);
  return checks;
}
