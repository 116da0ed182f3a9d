/**
 * The options of ratchet-tree validation (§12.4.3.1): the group's ID and
 * tree hash, its required capabilities (§11.1), and the application's
 * credential and lifetime policy (§5.3.1, §7.2, §7.3).
 */
import type { CredentialTypeId } from "@mlskit/core";
import type { LeafNode } from "./leaf-node.js";
import type { LeafIndex } from "./tree-math.js";

/** Capabilities the group requires of every member (the `required_capabilities` extension, §11.1). */
export interface RequiredCapabilities {
  readonly extensionTypes: readonly number[];
  readonly proposalTypes: readonly number[];
  readonly credentialTypes: readonly CredentialTypeId[];
}

/** Options of {@link validateTree}. */
export interface TreeValidationOptions {
  /** The group's ID: context of the signatures of `update`/`commit` leaves (§7.2). */
  readonly groupId: Uint8Array;
  /** The GroupContext's `tree_hash`; the tree must hash to it (§12.4.3.1). */
  readonly treeHash?: Uint8Array;
  /** From the GroupContext's `required_capabilities` extension, if any (§7.3). */
  readonly requiredCapabilities?: RequiredCapabilities;
  /**
   * Credential validation by the application (§5.3.1), called once per
   * member. Return false or throw to reject the tree.
   */
  readonly validateCredential?: (leaf: LeafNode, leafIndex: LeafIndex) => boolean | void | Promise<boolean | void>;
  /** Current time in seconds since the Unix epoch: when set, `key_package` leaves must be within their lifetime (§7.3). */
  readonly now?: bigint;
  /** Seconds of clock skew tolerated at either end of a lifetime when `now` is set (default 0). */
  readonly clockSkew?: bigint;
  /**
   * Most leaves a tree may list ({@link decodeAndValidateTree}): parsing
   * stops at the first node beyond `2 * maxLeaves - 1`, ValidationError
   * `limits/tree-too-large` (§12.4.3.1). Undefined: no cap.
   */
  readonly maxLeaves?: number;
  /** Longest acceptable `not_after - not_before` in seconds (§7.2), when set. */
  readonly maxLifetime?: bigint;
  /**
   * The encoding of a LeafNode whose signature the caller made itself (a
   * joiner's own, from its KeyPackage, §12.4.3.1): a leaf of exactly these
   * bytes has that valid signature already and is not verified again (its
   * credential and every other check still apply). Only for a `key_package`
   * leaf, whose LeafNodeTBS is the leaf's own bytes (§7.2).
   */
  readonly signedLeaf?: Uint8Array;
  /** Also require each leaf's capabilities to list the group's cipher suite (§7.2). Default true. */
  readonly checkCipherSuite?: boolean;
}
