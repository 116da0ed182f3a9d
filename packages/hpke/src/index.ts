/**
 * `@mlskit/hpke`: RFC 9180 HPKE — DHKEM, the Base-mode key schedule, the
 * encryption context, single-shot seal/open and secret export — written once
 * over primitive interfaces, and the MLS cipher-suite provider built on it.
 * A crypto backend implements only a {@link PrimitiveSource}; then
 * {@link createCryptoProvider} gives a full `CryptoProvider`.
 *
 * RFC 9180 vector checks for a primitive source are at `@mlskit/hpke/conformance`.
 * @packageDocumentation
 */
export type { HashPrimitive, Kdf, Aead, DhGroup, EphemeralDh, SignaturePrimitive, SuitePrimitives, PrimitiveSource, KemPrimitive } from "./primitives.js";
export { PqKem, isPqKemId, labeledDeriveShake256, type Kem } from "./pq-kem.js";
export { HPKE_ERROR_CODES, type HpkeErrorCode } from "./error-codes.js";
export { kemKdfId, kemName, kdfName, aeadName } from "./algorithms.js";
export { LabeledKdf, kemSuiteId, hpkeSuiteId } from "./labeled.js";
export { Dhkem, type EncapResult } from "./dhkem.js";
export { dhPublicKeyProblem, dhPublicKeyShapeProblem, signaturePublicKeyProblem, signaturePublicKeyShapeProblem } from "./public-keys.js";
export {
  HpkeSuite,
  createHpkeSuite,
  keyScheduleBase,
  EXPORT_ONLY_AEAD,
  EXPORT_ONLY_AEAD_ID,
  type HpkeSuiteParams,
  type KeyScheduleSecrets,
  type KeyScheduleNeeds,
} from "./key-schedule.js";
export { HpkeContext, computeNonce, type HpkeRole } from "./context.js";
export {
  setupBaseS,
  setupBaseR,
  sealBase,
  openBase,
  sendExport,
  receiveExport,
  encapForSealBase,
  type EncapsulatedSeal,
  type SenderSetup,
  type SealResult,
  type SendExportResult,
} from "./single-shot.js";
export {
  createCipherSuiteProvider,
  createCryptoProvider,
  suitePrimitives,
  missingPrimitives,
  signatureName,
  unknownCipherSuite,
  type CryptoProviderOptions,
} from "./cipher-suite.js";
