/**
 * Validation of a ratchet tree received by a joiner (RFC 9420 §12.4.3.1, with
 * §7.1, §7.3 and §7.9.2). Every step is O(N) in the size of the tree (the
 * unmerged-leaves checks are O(M log N) for M unmerged entries), and the leaf
 * signatures are verified concurrently.
 */
import { bytesEqual } from "@mlskit/codec";
import { type CipherSuiteProvider, ValidationError, expectDefined } from "@mlskit/core";
import { KeyIndex } from "./key-index.js";
import { Yielder } from "./concurrency.js";
import { RatchetTree } from "./ratchet-tree.js";
import { type NodeIndex, isLeaf, nodeToLeaf } from "./tree-math.js";
import type { TreeView } from "./tree-view.js";
import { unmergedStats } from "./unmerged.js";
import { checkLeaves } from "./tree-validation-leaves.js";
import type { TreeValidationOptions } from "./tree-validation-options.js";
import { checkParentHashes } from "./tree-validation-parent-hashes.js";
import { startSignatureChecks } from "./tree-validation-signatures.js";
import { fail } from "./error-codes.js";

export type { RequiredCapabilities, TreeValidationOptions } from "./tree-validation-options.js";

/**
 * Validates a ratchet tree as a joiner must (§12.4.3.1): its tree hash, the
 * parent-hash validity of every non-blank parent (§7.9.2), each leaf (§7.3:
 * signature, capabilities, credential, lifetime), the `unmerged_leaves` lists,
 * the uniqueness of encryption and signature keys, and the validity of every
 * public key (§5.1.1, RFC 9180 §7.1.1: `tree/invalid-encryption-key`,
 * `tree/invalid-signature-key`). Throws
 * {@link ValidationError} naming the broken rule and its RFC section.
 * Leaf signatures are verified in the background while the other checks run.
 */
export async function validateTree(tree: TreeView, options: TreeValidationOptions): Promise<void> {
  const signatures = startSignatureChecks(tree, options);
  try {
    // §12.4.3.1: "Verify that the tree hash of the ratchet tree matches the tree_hash field in GroupInfo."
    if (options.treeHash !== undefined && !bytesEqual(await tree.treeHash(), options.treeHash)) {
      fail("tree/tree-hash-mismatch", "12.4.3.1", "the tree hash does not match the GroupContext's tree_hash");
    }
    await checkStructure(tree, options, new Yielder());
  } catch (e) {
    // Another check failed: stop issuing signature batches (their outcome no longer matters).
    signatures.stop();
    throw e;
  }
  await signatures.finish();
}

/**
 * Decodes a tree received by a joiner (§12.4.3.3) and validates it
 * (§12.4.3.1, see {@link validateTree}), verifying the leaf signatures while
 * the tree hashes are computed. Returns the tree once everything holds.
 */
export async function decodeAndValidateTree(cs: CipherSuiteProvider, bytes: Uint8Array, options: TreeValidationOptions): Promise<RatchetTree> {
  const { tree, verifyLeaves } = await decodeAndStartValidation(cs, bytes, options);
  await verifyLeaves();
  return tree;
}

/** A received tree whose every check but the leaf signatures and credentials holds; those are still running. */
export interface TreeUnderValidation {
  readonly tree: RatchetTree;
  /**
   * Completes the leaf checks (§7.3, §5.3.1): verifies on this thread what
   * the provider's pool has not verified yet, and resolves once every leaf's
   * signature and credential is checked, or rejects with the
   * {@link ValidationError} of the lowest failing leaf. The tree is valid
   * only once it resolves. The same promise on every call.
   */
  verifyLeaves(): Promise<void>;
}

/**
 * {@link decodeAndValidateTree} in two parts: resolves once the tree is
 * decoded and its hashes, structure and keys are checked, while the leaf
 * signatures (on a provider's thread pool, some of them) and credentials are
 * still being checked, so that a joiner can go on with its own work (the
 * GroupInfo signature, the key schedule) meanwhile and call
 * `verifyLeaves` before it uses the tree. A failure of the other checks
 * stops further signature work and is thrown here.
 */
export async function decodeAndStartValidation(cs: CipherSuiteProvider, bytes: Uint8Array, options: TreeValidationOptions): Promise<TreeUnderValidation> {
  // The leaves cap first: parsing stops at the first node beyond it (limits/tree-too-large).
  const tree = RatchetTree.parse(cs, bytes, options.maxLeaves !== undefined ? { maxLeaves: options.maxLeaves } : {});
  // Verifications first: they run on other threads (WebCrypto, node:crypto's pool) while this one hashes.
  const signatures = startSignatureChecks(tree, options);
  try {
    const yielder = new Yielder();
    await tree.computeAllHashes(yielder);
    if (options.treeHash !== undefined && !bytesEqual(await tree.treeHash(), options.treeHash)) {
      fail("tree/tree-hash-mismatch", "12.4.3.1", "the tree hash does not match the GroupContext's tree_hash");
    }
    await checkStructure(tree, options, yielder);
  } catch (e) {
    // Another check failed: stop issuing signature batches (their outcome no longer matters).
    signatures.stop();
    throw e;
  }
  return { tree, verifyLeaves: () => signatures.finish() };
}

/** The synchronous checks, with a yield between them so that concurrent verifications keep being refilled. */
async function checkStructure(tree: TreeView, options: TreeValidationOptions, yielder: Yielder): Promise<void> {
  const stats = unmergedStats(tree);
  await yielder.yield();
  checkKeyUniqueness(tree);
  await checkEncryptionKeys(tree);
  await yielder.yield();
  checkLeaves(tree, options);
  await yielder.yield();
  await checkParentHashes(tree, stats.nearestAncestor, stats.resolutionSize, yielder);
}

/** Key checks issued together (WebCrypto imports a NIST point on its thread pool; X25519/X448 keys are settled at once). */
const KEY_CHECK_WINDOW = 256;

/**
 * §12.4.3.1 with §5.1.1 and RFC 9180 §7.1.1: every node's encryption key,
 * leaves and parents, is a public key of the suite's KEM that
 * DeserializePublicKey accepts (`CipherSuiteProvider.hpkePublicKeyProblem`:
 * no low-order X25519/X448 point, no point off a NIST curve). A joiner would
 * otherwise take a key nobody can encrypt to, and fail its first Commit.
 * Reports the lowest such node. (Signature keys are proven by the leaf
 * signatures, and examined when one fails: `tree-validation-signatures.ts`.)
 */
async function checkEncryptionKeys(tree: TreeView): Promise<void> {
  const cs = tree.cs;
  let worst: { n: number; problem: string } | undefined;
  // The keys of a window of nodes checked together (one await per window, no closure per node; blank nodes skipped).
  const width = tree.nodeCount;
  for (let from = 0; from < width && worst === undefined; from += KEY_CHECK_WINDOW) {
    const nodes: number[] = [];
    const problems: Promise<string | undefined>[] = [];
    for (let n = from; n < Math.min(width, from + KEY_CHECK_WINDOW); n++) {
      const key = tree.encryptionKey(n as NodeIndex);
      if (key === undefined) continue;
      nodes.push(n);
      problems.push(cs.hpkePublicKeyProblem(key));
    }
    const found = await Promise.all(problems);
    // The lowest node of the first window with a problem is the lowest of the tree.
    const k = found.findIndex((problem) => problem !== undefined);
    if (k >= 0) worst = { n: expectDefined(nodes[k], "nodes[k]"), problem: expectDefined(found[k], "found[k]") };
  }
  if (worst !== undefined) {
    const what = isLeaf(worst.n as NodeIndex) ? `leaf ${nodeToLeaf(worst.n as NodeIndex)}` : `parent node ${worst.n}`;
    fail("tree/invalid-encryption-key", "12.4.3.1", `the encryption key of ${what} is not a valid ${cs.suite.name} HPKE public key (RFC 9180 §7.1.1): ${worst.problem}`);
  }
}

/**
 * §7.3: `signature_key` and `encryption_key` are unique among the members;
 * §12.4.3.1: a parent's encryption key appears in no other node. Together: all
 * encryption keys in the tree are distinct, and all signature keys are.
 */
function checkKeyUniqueness(tree: TreeView): void {
  const index = tree instanceof RatchetTree ? tree.keyIndex() : KeyIndex.build(tree);
  const width = tree.nodeCount;
  for (let n = 0; n < width; n++) {
    const key = tree.encryptionKey(n as NodeIndex);
    if (key === undefined) continue;
    const cands = index.encryptionKeyCandidates(key);
    if (cands.length > 1) {
      for (const c of cands) {
        if (c !== n && bytesEqual(tree.encryptionKey(c as NodeIndex) ?? new Uint8Array(0), key)) {
          fail(
            "tree/duplicate-encryption-key",
            isLeaf(n as NodeIndex) && isLeaf(c as NodeIndex) ? "7.3" : "12.4.3.1",
            `nodes ${Math.min(n, c)} and ${Math.max(n, c)} have the same encryption key`,
          );
        }
      }
    }
    if (isLeaf(n as NodeIndex)) {
      const sig = expectDefined(tree.signatureKey(nodeToLeaf(n as NodeIndex)), "tree.signatureKey(nodeToLeaf(n as NodeIndex))");
      const sc = index.signatureKeyCandidates(sig);
      if (sc.length > 1) {
        for (const c of sc) {
          if (c !== n && bytesEqual(tree.signatureKey(nodeToLeaf(c as NodeIndex)) ?? new Uint8Array(0), sig)) {
            fail("tree/duplicate-signature-key", "7.3", `leaves ${Math.min(n, c) / 2} and ${Math.max(n, c) / 2} have the same signature key`);
          }
        }
      }
    }
  }
}
