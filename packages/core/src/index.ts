/**
 * `@mlskit/core`: the spec package — identifiers, provider interfaces, the
 * error taxonomy, and RFC 9420's labeled cryptographic operations.
 * @packageDocumentation
 */
export * from "./ids.js";
export * from "./cipher-suite-map.js";
export * from "./errors.js";
export type { CipherSuiteProvider, CryptoProvider, KeyPair, HpkeCiphertext, HpkeEncapsulation, HpkeSealInput, SignatureCheck } from "./crypto-provider.js";
export {
  expandWithLabel,
  deriveSecret,
  deriveTreeSecret,
  type SyncKdfProvider,
  hasSyncKdf,
  expandWithLabelSync,
  deriveSecretSync,
  deriveTreeSecretSync,
  encodeSignContent,
  signWithLabel,
  verifyWithLabel,
  encryptWithLabel,
  encryptWithLabelMany,
  encryptWithLabelAfterEncap,
  decryptWithLabel,
  refHash,
  makeKeyPackageRef,
  makeProposalRef,
  assertValidSignature,
} from "./labeled.js";
export { type Extension, extensionCodec, extensionsCodec } from "./extension.js";
export { type Credential, type BasicCredential, type X509Credential, type CustomCredential, credentialCodec, isBasicCredential, isX509Credential } from "./credential.js";
export {
  type IdentityProvider,
  type CredentialEvent,
  type CredentialContext,
  type CredentialGroup,
  type CredentialValidationInput,
  type ValidatedIdentity,
  type CompositeIdentityProviderOptions,
  CompositeIdentityProvider,
  validationTime,
  unsupportedCredentialType,
  guardIdentityProvider,
} from "./identity-provider.js";
export {
  type BasicCredentialPolicy,
  type BasicIdentityProviderOptions,
  type DirectoryEntry,
  type DirectoryLookup,
  BasicIdentityProvider,
  acceptAll,
  directoryPolicy,
} from "./basic-identity-provider.js";
export { type ClientStore, type EpochRecord, type GroupWrite, type PskStore, type StoredGroup, type StoredKeyPackage, pskStoreOf } from "./storage/client-store.js";
export { checkGroupWrite, isUint64 } from "./storage/check-write.js";
export { type EncryptedStoreOptions, type RotationReport, EncryptedClientStore, encryptedStore } from "./storage/encrypted-store.js";
export { type AtRestBytesKey, type AtRestCipher, type AtRestCipherKey, type AtRestKey, AT_REST_CIPHER_NONCE_LENGTH, checkAtRestKeyId } from "./storage/at-rest-cipher.js";
export { generateAtRestCryptoKey, webCryptoAtRestCipher } from "./storage/webcrypto-at-rest-cipher.js";
export { forEachConcurrent, mapConcurrent } from "./concurrency.js";
export { CORE_ERROR_CODES, type CoreErrorCode } from "./error-codes.js";
