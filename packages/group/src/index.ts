/**
 * `@mlskit/group`: MLS groups (RFC 9420 §6, §10-§12). So far: every wire
 * struct with its codec (KeyPackage, proposals, Commit, framing, Welcome,
 * GroupInfo, extension bodies, MLSMessage) and message framing —
 * PublicMessage and PrivateMessage protection and their receiver checks
 * (§6). The group state machine follows.
 * @packageDocumentation
 */
export {
  type KeyPackage,
  type KeyPackageTBS,
  keyPackageCodec,
  encodeKeyPackageTbs,
  encodeKeyPackage,
  keyPackageRef,
  signKeyPackage,
  verifyKeyPackageSignature,
} from "./key-packages/key-package.js";
export {
  type Proposal,
  type AddProposal,
  type UpdateProposal,
  type RemoveProposal,
  type PreSharedKeyProposal,
  type ReInitProposal,
  type ExternalInitProposal,
  type GroupContextExtensionsProposal,
  type CustomProposal,
  type ProposalRef,
  proposalCodec,
  proposalTypeOf,
  isRfcProposalType,
  type ProposalBody,
  addCodec,
  updateCodec,
  removeCodec,
  preSharedKeyCodec,
  reInitCodec,
  externalInitCodec,
  groupContextExtensionsCodec,
} from "./proposals/proposal.js";
export { ProposalOrRefType, type ProposalOrRefTypeId, type ProposalOrRef, proposalOrRefCodec, type Commit, commitCodec } from "./commit/commit.js";
export { ContentType, type ContentTypeId, isContentType, ratchetTypeOf } from "./framing/content-type.js";
export {
  SenderType,
  type SenderTypeId,
  type Sender,
  type MemberSender,
  type ExternalSenderRef,
  type NewMemberProposalSender,
  type NewMemberCommitSender,
  senderCodec,
  memberSender,
} from "./framing/sender.js";
export {
  type FramedContent,
  type FramedContentHeader,
  type FramedContentBody,
  type ApplicationContentBody,
  type ProposalContentBody,
  type CommitContentBody,
  framedContentCodec,
  encodeContentBody,
  decodeContentBody,
  encodeFramedContentTbs,
  tbsIncludesGroupContext,
} from "./framing/framed-content.js";
export { type FramedContentAuthData, encodeFramedContentAuthData, decodeFramedContentAuthData, framedContentAuthDataCodec } from "./framing/framed-content-auth-data.js";
export {
  type AuthenticatedContent,
  type VerifiedContent,
  authenticatedContentCodec,
  encodeAuthenticatedContent,
  encodeConfirmedTranscriptHashInput,
  encodeAuthenticatedContentTbm,
} from "./framing/authenticated-content.js";
export { type FramingContext, type MemberLookup, createFramingContext } from "./framing/framing-context.js";
export { FramingErrorSection, type FramingErrorCode } from "./framing/framing-errors.js";
export {
  FRAMED_CONTENT_TBS_LABEL,
  type ConfirmationTagSource,
  type SignContentParams,
  createAuthenticatedContent,
  encodeAuthenticatedContentTbs,
  verifyFramedContentSignature,
  createMembershipTag,
  verifyMembershipTag,
} from "./framing/content-authentication.js";
export { type ReceiveOptions, EXTERNAL_SENDER_PROPOSAL_TYPES, checkGroupAndEpoch, checkContentRules, senderSignatureKey } from "./framing/receiver-checks.js";
export {
  type PublicMessage,
  type PublicMessageIn,
  type CreatePublicMessageParams,
  type PublicMessageReceiver,
  publicMessageCodec,
  protectPublicMessage,
  createPublicMessage,
  unprotectPublicMessage,
} from "./framing/public-message.js";
export {
  type PrivateMessage,
  type PrivateMessageIn,
  type SenderData,
  type SenderDataAAD,
  type PrivateContentAAD,
  REUSE_GUARD_LENGTH,
  privateMessageCodec,
  senderDataCodec,
  senderDataAadCodec,
  privateContentAadCodec,
  encodePrivateMessageAads,
} from "./framing/private-message.js";
export {
  type PrivateMessageContent,
  type DecodedPrivateMessageContent,
  type PaddingPolicy,
  NO_PADDING,
  padToMultipleOf,
  paddingLengthFor,
  encodePrivateMessageContent,
  encodePrivateMessageContentFromBody,
  decodePrivateMessageContent,
} from "./framing/private-message-content.js";
export {
  type PrivateMessageSecrets,
  type PrivateMessageOptions,
  type CreatePrivateMessageParams,
  type PrivateMessageReceiver,
  type UnprotectedPrivateMessage,
  createPrivateMessage,
  protectPrivateMessage,
  unprotectPrivateMessage,
} from "./framing/private-message-protection.js";
export {
  type PathSecret,
  type GroupSecrets,
  type KeyPackageRef,
  type EncryptedGroupSecrets,
  type Welcome,
  pathSecretCodec,
  groupSecretsCodec,
  encryptedGroupSecretsCodec,
  welcomeCodec,
} from "./welcome/welcome.js";
export { type GroupInfo, type GroupInfoTBS, GROUP_INFO_TBS_LABEL, groupInfoCodec, encodeGroupInfoTbs, signGroupInfo, verifyGroupInfoSignature } from "./welcome/group-info.js";
export {
  type ExternalPub,
  type ExternalSender,
  type RequiredCapabilities,
  applicationIdCodec,
  requiredCapabilitiesCodec,
  externalPubCodec,
  externalSenderCodec,
  externalSendersCodec,
  findExtension,
  decodeExtension,
  makeExtension,
  externalSendersOf,
} from "./extensions/extensions.js";
export {
  type MLSMessage,
  type MLSMessageIn,
  type MLSPublicMessage,
  type MLSPrivateMessage,
  type MLSWelcome,
  type MLSGroupInfo,
  type MLSKeyPackage,
  mlsMessageCodec,
  encodeMlsMessage,
  decodeMlsMessage,
  publicMessageToMls,
  privateMessageToMls,
  peekPrivateMessageHeader,
  type PrivateMessageHeader,
} from "./framing/mls-message.js";
export {
  GREASE_VALUES,
  isGrease,
  type RandomSource,
  type GreaseOptions,
  type GreaseSetting,
  resolveGrease,
  randomGreaseValues,
  greaseCapabilities,
  greaseExtension,
  addGreaseExtension,
} from "./extensions/grease.js";
export {
  SELF_REMOVE_PROPOSAL_TYPE,
  groupSupportsSelfRemove,
  isSelfRemove,
  requiresSelfRemove,
  selfRemoveProposal,
  supportsSelfRemove,
  withSelfRemoveRequired,
} from "./extensions/self-remove.js";
export {
  APP_DATA_DICTIONARY_EXTENSION_TYPE,
  APP_DATA_UPDATE_PROPOSAL_TYPE,
  type AppDataPolicy,
  type AppDataUpdate,
  type AppDataUpdateContext,
  type ComponentData,
  appDataDictionaryCodec,
  appDataOf,
  appDataUpdateCodec,
  appDataUpdateOf,
  appDataUpdateProposal,
  isAppDataUpdate,
  withAppDataUpdateRequired,
} from "./extensions/app-data.js";
export {
  DEFAULT_EXTENSION_TYPES,
  DEFAULT_PROPOSAL_TYPES,
  isDefaultExtensionType,
  isDefaultProposalType,
  type CapabilitiesOptions,
  defaultCapabilities,
  supportsExtension,
  supportsProposal,
  supportsCredential,
  requiredCapabilitiesOf,
  type CapabilityHolder,
  checkRequiredCapabilities,
  checkVersionAndCipherSuite,
  checkOwnCredentialType,
  checkLeafExtensionsListed,
  checkGroupContextExtensionsSupported,
  CredentialTypeSummary,
  checkCredentialTypeCompatibility,
  checkMembersSupportGroupContextExtensions,
} from "./leaf-nodes/capabilities.js";
export {
  DEFAULT_MAX_LIFETIME_SECONDS,
  DEFAULT_CLOCK_SKEW_SECONDS,
  type LifetimePolicy,
  type LeafKeyLookup,
  type LeafNodeGroup,
  type KeyPackageLeafOptions,
  type MemberLeafOptions,
  type LeafNodeValidationOptions,
  isPlausibleHpkePublicKey,
  hpkeKeyLengthProblem,
  leafNodeGroupOf,
  checkLeafNodeContents,
  checkLeafNodeEncryptionKey,
  checkLeafNodeSignature,
  checkSignatureKeyAfterFailure,
  validateLeafNodeCredential,
  validateLeafNode,
} from "./leaf-nodes/leaf-node-validation.js";
export {
  LAST_RESORT_EXTENSION_TYPE,
  DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS,
  KEY_PACKAGE_BACKDATE_SECONDS,
  type CreateKeyPackageOptions,
  type CreatedKeyPackage,
  KeyPackagePrivateKeys,
  createKeyPackage,
} from "./key-packages/key-package-create.js";
export {
  type KeyPackageIn,
  type ValidatedKeyPackage,
  type KeyPackageValidationOptions,
  type KeyPackageValidationResult,
  decodeKeyPackage,
  validateKeyPackage,
} from "./key-packages/key-package-validation.js";
export {
  type GroupPolicy,
  type GroupPolicyInput,
  type CustomProposalHandler,
  type CustomProposalContext,
  type ProposalAuthorizationContext,
  type ProposalAuthorizationStage,
  DEFAULT_GROUP_POLICY,
  DEFAULT_MAX_TREE_LEAVES,
  DEFAULT_MAX_PROPOSALS_PER_COMMIT,
  DEFAULT_MAX_MESSAGE_BYTES,
  groupPolicy,
} from "./policy/group-policy.js";
export {
  type GroupState,
  type EpochKeys,
  type CachedProposal,
  type PastEpoch,
  type PskStore,
  type ResumptionPskStore,
  type GroupServices,
  type PendingCommit,
  type Member,
  type GroupStatus,
  type EpochInput,
  ACTIVE,
  EPOCH_KEYS,
  enterEpoch,
  findCachedProposal,
  epochOf,
  epochAuthenticator,
  exportSecret,
  externalKeyPair,
  members,
} from "./state/group-state.js";
export { type CreateGroupOptions, createGroup } from "./creation/group-create.js";
export { releaseSuperseded } from "./state/state-release.js";
export { type ProposalInput, type CreatedProposal, type FramedHandshake, createProposal, frameHandshake, proposalFromInput } from "./proposals/proposal-create.js";
export {
  type ProposalWithSender,
  type AppliedProposals,
  type ProposalListEntry,
  type ProposalVerdict,
  type ProposalInvalid,
  type ProposalValid,
  applyProposalList,
} from "./proposals/proposal-list.js";
export type {
  EntryOf,
  AddEntry,
  UpdateEntry,
  RemoveEntry,
  PskEntry,
  ReInitEntry,
  ExternalInitEntry,
  GroupContextExtensionsEntry,
  SelfRemoveEntry,
  AppDataUpdateEntry,
  CustomEntry,
  ByReferenceEntry,
} from "./proposals/proposal-list-entries.js";
export type { ProposalListState, ApplyProposalListOptions } from "./proposals/proposal-list-types.js";
export { type CreateCommitOptions, type CreatedCommit, createCommit, mergePendingCommit, clearPendingCommit } from "./commit/commit-create.js";
export { type StagedCommit, stageCommit, mergeStagedCommit } from "./commit/commit-process.js";
export type { PskSource } from "./commit/commit-common.js";
export {
  type ProcessedMessage,
  type ReceivedApplicationMessage,
  type ReceivedProposal,
  type ReceivedCommit,
  type ConfirmedOwnCommit,
  type BufferedMessage,
  processMessage,
  processEarlyMessages,
  unprotectMessage,
} from "./receive/message-process.js";
export { type DecryptedWelcome, type JoinFromWelcomeOptions, decryptWelcome, joinFromWelcome } from "./welcome/welcome-join.js";
export { type SuccessorGroupOptions, type SuccessorGroup, type BranchOptions, createReinitGroup, createBranch } from "./creation/resumption-create.js";
export { type ResumedGroupSource, type ResumptionKind, resumptionPsksOf, checkResumedGroup } from "./creation/resumption-join.js";
export { createApplicationMessage } from "./framing/application-message.js";
export { type ExternalCommitOptions, joinByExternalCommit } from "./welcome/external-commit.js";
export {
  type ExternalProposalTarget,
  type CreatedExternalProposal,
  type ExternalProposalInput,
  createExternalProposal,
  createNewMemberProposal,
} from "./proposals/external-proposal.js";
export { type BlobKind, type StateHeader, BLOB_MAGIC, STATE_FORMAT_VERSION, peekStateHeader } from "./state/blob-header.js";
export { type GroupStateEnvironment, encodeGroupState, decodeGroupState } from "./state/group-state-codec.js";
export { encodePastEpoch, decodePastEpoch } from "./state/past-epoch-codec.js";
export { type KeyPackageMaterial, encodeKeyPackageMaterial, decodeKeyPackageMaterial } from "./state/key-package-material.js";
export { GROUP_ERROR_CODES, type GroupErrorCode } from "./error-codes.js";
export * from "./fork/index.js";
export {
  type PublicGroupView,
  type PublicGroupViewData,
  type PublicGroupViewEnvironment,
  publicGroupViewOf,
  type ObserveGroupInfoOptions,
  observeGroupInfo,
  type ObservedMessage,
  type ObservedCommit,
  type ObservedMember,
  type ObservedProposal,
  type ObservedPrivateMessage,
  observeMessage,
  type GroupInfoMismatch,
  groupInfoMatches,
  groupInfoMismatches,
  encodePublicGroupView,
  decodePublicGroupView,
} from "./observer/index.js";
