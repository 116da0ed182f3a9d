/**
 * `@mlskit/ratchet-tree`: the MLS ratchet tree (RFC 9420 §4, §7) — tree math,
 * nodes and their codecs, tree and parent hashes with caching, copy-on-write
 * diffs, TreeKEM update paths, and validation of a received tree.
 * @packageDocumentation
 */
export * from "./tree-math.js";
export * from "./leaf-node.js";
export * from "./parent-node.js";
export * from "./node.js";
export * from "./update-path.js";
export { TreeView, type FilteredPathEntry, encodeRatchetTreeNodes } from "./tree-view.js";
export { RatchetTree, type TreeParseLimits } from "./ratchet-tree.js";
export { TreeDiff, withUnmergedLeaf } from "./tree-diff.js";
export { type Scratch, leafHashInput, parentHashInput } from "./tree-hash.js";
export { encodeParentHashInput, computeParentHash, originalSiblingTreeHash, treeHashWithout } from "./parent-hash.js";
export {
  validateTree,
  decodeAndValidateTree,
  decodeAndStartValidation,
  type TreeUnderValidation,
  type TreeValidationOptions,
  type RequiredCapabilities,
} from "./tree-validation.js";
export { TreePrivateKeys, deriveNodeKeyPair, nextPathSecret } from "./private-keys.js";
export { type GroupContextFor, type CreateUpdatePathOptions, type CreatedUpdatePath, createUpdatePath } from "./treekem.js";
export {
  type MergeUpdatePathOptions,
  type DecryptedUpdatePath,
  type ApplyUpdatePathOptions,
  type AppliedUpdatePath,
  mergeUpdatePath,
  decryptUpdatePath,
  applyUpdatePath,
} from "./treekem-receive.js";
export { RATCHET_TREE_ERROR_CODES, type RatchetTreeErrorCode } from "./error-codes.js";
