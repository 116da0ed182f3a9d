/**
 * `@mlskit/group`: MLS groups (RFC 9420 §10-§12). So far: the KeyPackage and
 * Proposal codecs; framing, commits, Welcome and the state machine follow.
 * @packageDocumentation
 */
export {
  type KeyPackage,
  type KeyPackageTBS,
  keyPackageCodec,
  encodeKeyPackageTbs,
  signKeyPackage,
  verifyKeyPackageSignature,
} from "./key-package.js";
export {
  type Proposal,
  type AddProposal,
  type UpdateProposal,
  type RemoveProposal,
  type PreSharedKeyProposal,
  type ReInitProposal,
  type ExternalInitProposal,
  type GroupContextExtensionsProposal,
  proposalCodec,
} from "./proposal.js";
