/**
 * `@mlskit/mls`: the facade of mlskit — {@link Client} and {@link Group}
 * over the MLS (RFC 9420) state machine of `@mlskit/group`, with defaults
 * (suite 0x0001, WebCrypto with a noble fallback, in-memory storage).
 *
 * @example
 * ```ts
 * import { Client, BasicIdentityProvider, directoryPolicy } from "@mlskit/mls";
 * const identityProvider = new BasicIdentityProvider({ policy: directoryPolicy(directory) });
 * const alice = await Client.create({ identity: "alice", identityProvider });
 * const bob = await Client.create({ identity: "bob", identityProvider });
 * const group = await alice.createGroup();
 * const { commit, welcome } = await group.addMembers([(await bob.createKeyPackage()).keyPackage]);
 * await group.confirmPendingCommit(); // once the Delivery Service accepted `commit`
 * const bobsGroup = await bob.joinFromWelcome(welcome!);
 * const incoming = await bobsGroup.processIncoming(await group.encrypt("hello"));
 * ```
 * @packageDocumentation
 */
export { Client } from "./client.js";
export type {
  ClientOptions,
  KeyDeletionFailure,
  CreateGroupOptions,
  DraftExtensionsOptions,
  KeyPackageOptions,
  PublishedKeyPackage,
  JoinOptions,
  ResumedGroupInput,
  JoinExternalOptions,
  SuccessorGroup,
  SuccessorOptions,
} from "./client-options.js";
export { Group, type GroupView, type MembershipStatus, type MemberRef, type ProposalSpec, type CommitOptions, type GroupInfoOptions, type ProposeOptions } from "./group.js";
export {
  StagedCommit,
  type MemberInfo,
  type CommitOutput,
  type ProposalOutput,
  type IncomingMessage,
  type ApplicationReceived,
  type ProposalReceived,
  type CommitReceived,
  type OwnCommitConfirmed,
  type MessageBuffered,
  type MergeResult,
} from "./results.js";
export {
  ExternalSigner,
  type ExternalSignerOptions,
  type ExternalProposeOptions,
  type ExternalProposalSpec,
  type ExternalProposalOutput,
  type NewMemberProposalOptions,
  type NewMemberProposalOutput,
} from "./external.js";
export {
  type HistorySharingOptions,
  type HistoryShareRequest,
  type HistoryRecipientRelation,
  type ShareHistoryOptions,
  type ImportHistoryOptions,
  type ImportedHistory,
  shareHistoryBetween,
} from "./history/index.js";
export { type ForkOptions, DEFAULT_RETAIN_EPOCHS } from "./forks/fork-options.js";
export type { ForkResult, ForkDetected, ForkBranchMessage, ForkCommitSummary, LostChange } from "./forks/fork-results.js";
export { type ForkRule, type ForkRuleInput, type ForkWinner, type ForkBranchCommit, type ForkVerification, type BranchChange, lowerHashWins, compareBytes } from "@mlskit/group";
export { SerialQueue } from "./serial-queue.js";
export { DEFAULT_CIPHER_SUITE, defaultCryptoProvider } from "./defaults.js";
export { MLS_ERROR_CODES, type MlsErrorCode, FACADE_ERROR_CODES, type FacadeErrorCode } from "./error-codes.js";
// Re-exports an application needs next to the facade.
export {
  CipherSuite,
  SignatureScheme,
  CredentialType,
  MlsError,
  ValidationError,
  UsageError,
  CryptoError,
  CodecError,
  InternalError,
  ProviderError,
  BasicIdentityProvider,
  CompositeIdentityProvider,
  acceptAll,
  directoryPolicy,
  type Credential,
  type CryptoProvider,
  type IdentityProvider,
  type Extension,
  type KeyPair,
  type SignatureSchemeId,
  type ClientStore,
  type StoredGroup,
  type StoredKeyPackage,
  type GroupWrite,
  type EpochRecord,
  type PskStore,
  StorageError,
  type StorageErrorCode,
} from "@mlskit/core";
export { memoryStore } from "@mlskit/storage-memory";
// The types the facade's signatures name (exported-types.test.ts checks that none is missing).
export type {
  BasicCredential,
  X509Credential,
  CustomCredential,
  BasicCredentialPolicy,
  BasicIdentityProviderOptions,
  CompositeIdentityProviderOptions,
  CredentialContext,
  CredentialEvent,
  CredentialGroup,
  CredentialValidationInput,
  ValidatedIdentity,
  DirectoryEntry,
  DirectoryLookup,
  CipherSuiteId,
  CipherSuiteDescription,
  CipherSuiteProvider,
  CredentialTypeId,
  ExtensionTypeId,
  ProposalTypeId,
  ProtocolVersionId,
  KemDeriveKeyPair,
  HpkeCiphertext,
  HpkeEncapsulation,
  HpkeSealInput,
  SignatureCheck,
  MlsErrorOptions,
  CodecErrorCode,
  CoreErrorCode,
  ProviderErrorCode,
} from "@mlskit/core";
export type { HpkeErrorCode } from "@mlskit/crypto-noble";
export type { WebCryptoErrorCode } from "@mlskit/crypto-webcrypto";
export type { MemoryClientStore, MemoryStoreOptions, MemoryStorageErrorCode } from "@mlskit/storage-memory";
export type { LeafIndex, LeafNode, LeafNodeSourceId, Lifetime, Capabilities, HPKEPublicKey, SignaturePublicKey, RatchetTreeErrorCode } from "@mlskit/ratchet-tree";
export type { PreSharedKeyID, ExternalPreSharedKeyID, ResumptionPreSharedKeyID, ResumptionPSKUsageId, RatchetPolicy, KeyScheduleErrorCode } from "@mlskit/key-schedule";
export type {
  Proposal,
  AddProposal,
  UpdateProposal,
  RemoveProposal,
  PreSharedKeyProposal,
  ReInitProposal,
  ExternalInitProposal,
  GroupContextExtensionsProposal,
  CustomProposal,
  Sender,
  MemberSender,
  ExternalSenderRef,
  NewMemberProposalSender,
  NewMemberCommitSender,
  KeyPackage,
  GroupPolicy,
  LifetimePolicy,
  PaddingPolicy,
  CustomProposalContext,
  GroupErrorCode,
  AppDataPolicy,
  AppDataUpdateContext,
} from "@mlskit/group";
export {
  type GroupPolicyInput,
  type CustomProposalHandler,
  type ProposalAuthorizationContext,
  type ProposalAuthorizationStage,
  type GroupState,
  type GroupStatus,
  type ExternalSender,
  type ResumptionKind,
} from "@mlskit/group";
