/**
 * TreeKEM as a receiver (RFC 9420 §7.5-§7.6, §12.4.2): validating and
 * merging a committer's UpdatePath into a {@link TreeDiff}, then decrypting
 * the path secret meant for this member. A rejected path throws before
 * anything reaches the base tree: callers drop the diff.
 */
import { bytesEqual, wipe } from "@mlskit/codec";
import { type CipherSuiteProvider, UsageError, decryptWithLabel, verifyWithLabel, expectDefined } from "@mlskit/core";
import { LeafNodeSource, encodeLeafNode, leafNodeLayout, leafNodeTbsFromEncoding } from "./leaf-node.js";
import { setPathNodes } from "./path-nodes.js";
import type { GroupContextFor } from "./treekem.js";
import { type TreePrivateKeys, deriveNodeKeyPair, pathSecretChain } from "./private-keys.js";
import type { TreeDiff } from "./tree-diff.js";
import { type LeafIndex, type NodeIndex, directPath, isAncestorOrSelf, leafToNode } from "./tree-math.js";
import type { TreeView } from "./tree-view.js";
import type { UpdatePath } from "./update-path.js";
import { fail } from "./error-codes.js";

/** Options of {@link mergeUpdatePath}. */
export interface MergeUpdatePathOptions {
  /** The committer's leaf. */
  readonly sender: LeafIndex;
  readonly updatePath: UpdatePath;
  readonly groupId: Uint8Array;
  /** Leaves added by the same Commit (§7.6). */
  readonly excludedLeaves?: Iterable<LeafIndex>;
}

/**
 * Validates an UpdatePath against the tree and merges it into `diff` (§7.5
 * "merges UpdatePath into the tree", §12.4.2): checks the leaf's source,
 * signature and new keys (unique, and valid public keys of the suite's KEM:
 * `leaf-node/invalid-encryption-key`, `update-path/invalid-node-key`), the
 * number of path nodes and ciphertexts, then
 * sets the path and verifies the leaf's parent hash (§7.9.2).
 */
export async function mergeUpdatePath(diff: TreeDiff, options: MergeUpdatePathOptions): Promise<void> {
  const cs = diff.cs;
  const { sender, updatePath } = options;
  const leaf = updatePath.leafNode;
  const old = diff.leafNodeBytes(sender);
  if (old === undefined) fail("tree/update-path-sender-blank", "12.4.2", `the committer's leaf ${sender} is blank`);
  // §12.4.2: "The leaf_node_source field MUST be set to commit."
  if (leaf.leafNodeSource !== LeafNodeSource.commit || leaf.parentHash === undefined) {
    fail("tree/leaf-node-source", "12.4.2", "the UpdatePath's leaf node does not have source commit");
  }
  const oldKey = old.subarray(...leafNodeLayout(old).encryptionKey);
  // §12.4.2: "Verify that the encryption_key value in the LeafNode is different from the committer's current leaf node."
  if (bytesEqual(oldKey, leaf.encryptionKey)) fail("tree/encryption-key-reused", "12.4.2", "the committer's new leaf reuses its encryption key");
  const excluded = new Set(options.excludedLeaves ?? []);
  const path = diff.filteredDirectPathWithCopath(sender);
  // §7.6: one UpdatePathNode per node of the filtered direct path, in order.
  if (updatePath.nodes.length !== path.length) {
    fail("tree/update-path-length", "7.6", `UpdatePath has ${updatePath.nodes.length} nodes, the filtered direct path ${path.length}`);
  }
  path.forEach((e, i) => {
    const expected = diff.resolution(e.copathChild, excluded).length;
    const got = expectDefined(updatePath.nodes[i], "updatePath.nodes[i]").encryptedPathSecret.length;
    // §7.6: "The length of the encrypted_path_secret vector MUST be equal to the length of the resolution of the copath node".
    if (got !== expected) fail("tree/update-path-ciphertexts", "7.6", `UpdatePath node ${i} has ${got} ciphertexts, expected ${expected}`);
  });
  // §12.4.2: "Verify that none of the public keys in the UpdatePath appear in any node of the new ratchet tree."
  const newKeys = [leaf.encryptionKey, ...updatePath.nodes.map((n) => n.encryptionKey)];
  newKeys.forEach((k, i) => {
    if (diff.findEncryptionKey(k).length > 0 || newKeys.findIndex((o) => bytesEqual(o, k)) !== i) {
      fail("tree/duplicate-encryption-key", "12.4.2", "a public key of the UpdatePath already appears in the tree");
    }
  });
  // §7.3: signature_key unique among the members (the committer may keep its own).
  if (diff.findSignatureKey(leaf.signatureKey).some((o) => o !== sender)) {
    fail("tree/duplicate-signature-key", "7.3", "the committer's new signature key belongs to another member");
  }
  // §5.1.1, RFC 9180 §7.1.1: every public key of the path is one the members can encrypt to (DeserializePublicKey:
  // no low-order X25519/X448 point, no point off a NIST curve); a bad one would break every later Commit whose
  // path covers it. Checked together, and with the signature below.
  const keyProblems = Promise.all(newKeys.map((k) => cs.hpkePublicKeyProblem(k)));
  // §7.3: the leaf node's signature, over LeafNodeTBS with group_id and leaf_index
  // (verified while the path is merged, awaited before anything is accepted).
  const encoded = encodeLeafNode(leaf);
  const layout = leafNodeLayout(encoded);
  const tbs = leafNodeTbsFromEncoding(encoded, layout, { groupId: options.groupId, leafIndex: sender });
  const signatureOk = verifyWithLabel(cs, leaf.signatureKey, "LeafNodeTBS", tbs, leaf.signature);
  signatureOk.catch(() => {});
  (await keyProblems).forEach((problem, i) => {
    if (problem === undefined) return;
    const why = `is not a valid ${cs.suite.name} HPKE public key (RFC 9180 §7.1.1): ${problem}`;
    if (i === 0) fail("leaf-node/invalid-encryption-key", "5.1.1", `the UpdatePath's leaf encryption_key ${why}`);
    fail("update-path/invalid-node-key", "12.4.2", `the UpdatePath's key for node ${expectDefined(path[i - 1], "path[i - 1]").node} ${why}`);
  });
  // §7.5 merge: blank the direct path, set the filtered direct path, compute parent hashes.
  diff.blankDirectPath(sender);
  const expected = await setPathNodes(
    diff,
    path,
    updatePath.nodes.map((n) => n.encryptionKey),
  );
  if (!(await signatureOk)) {
    // §5.1.1: a signature key that is no valid key (a compressed ECDSA point, ...) is named as the cause.
    const problem = await cs.signaturePublicKeyProblem(leaf.signatureKey);
    if (problem !== undefined) fail("leaf-node/invalid-signature-key", "5.1.1", `the UpdatePath leaf's signature_key is not a valid ${cs.suite.name} signature key: ${problem}`);
    fail("tree/leaf-signature-invalid", "7.3", "invalid signature on the UpdatePath's leaf node");
  }
  // §7.9.2: "clients MUST recompute the expected value of parent_hash for the committer's new leaf and verify that it matches".
  if (!bytesEqual(expected, leaf.parentHash)) fail("tree/parent-hash-invalid", "7.9.2", "the committer's leaf parent_hash does not match its UpdatePath");
  diff.setNodeBytes(leafToNode(sender), encoded);
}

/** Result of {@link decryptUpdatePath}. */
export interface DecryptedUpdatePath {
  /** The node whose path secret was decrypted (the lowest common ancestor with the committer). */
  readonly node: NodeIndex;
  readonly pathSecret: Uint8Array;
  readonly commitSecret: Uint8Array;
  /** The receiver's keys with those of the committer's direct path replaced. */
  readonly privateKeys: TreePrivateKeys;
}

/**
 * Decrypts the path secret meant for the receiver and derives the rest of the
 * path (§7.5 "decrypts the path secrets"): finds the first filtered-path node
 * whose copath child covers the receiver, the resolution node it holds a key
 * for, decrypts with DecryptWithLabel(., "UpdatePathNode", group_context, .),
 * derives upwards and checks every derived public key against the path.
 * `view` is the tree with the path merged.
 */
export async function decryptUpdatePath(
  view: TreeView,
  sender: LeafIndex,
  updatePath: UpdatePath,
  privateKeys: TreePrivateKeys,
  groupContext: Uint8Array,
  excludedLeaves?: Iterable<LeafIndex>,
): Promise<DecryptedUpdatePath> {
  const cs: CipherSuiteProvider = view.cs;
  const me = leafToNode(privateKeys.leafIndex);
  if (privateKeys.leafIndex === sender) throw new UsageError("usage/own-update-path", "the committer does not decrypt its own UpdatePath");
  const path = view.filteredDirectPathWithCopath(sender);
  const i = path.findIndex((e) => isAncestorOrSelf(e.copathChild, me));
  if (i < 0) fail("tree/update-path-not-covering", "7.5", `no node of the UpdatePath covers leaf ${privateKeys.leafIndex}`);
  const resolution = view.resolution(expectDefined(path[i], "path[i]").copathChild, new Set(excludedLeaves ?? []));
  const j = resolution.findIndex((r) => privateKeys.has(r));
  if (j < 0) throw new UsageError("usage/no-private-key", `leaf ${privateKeys.leafIndex} holds no key in the resolution of node ${expectDefined(path[i], "path[i]").copathChild}`);
  const r = expectDefined(resolution[j], "resolution[j]");
  const ct = expectDefined(expectDefined(updatePath.nodes[i], "updatePath.nodes[i]").encryptedPathSecret[j], "updatePath.nodes[i].encryptedPathSecret[j]");
  let secret: Uint8Array;
  try {
    secret = await decryptWithLabel(cs, expectDefined(privateKeys.get(r), "privateKeys.get(r)"), "UpdatePathNode", groupContext, ct, view.encryptionKey(r));
  } catch (cause) {
    fail("tree/path-secret-decryption", "7.5", `cannot decrypt the path secret for node ${expectDefined(path[i], "path[i]").node}`, cause);
  }
  // Path secrets up the rest of the filtered direct path (each from the last),
  // then all node key pairs at once (independent of each other).
  const secrets = await pathSecretChain(cs, secret, path.length - i);
  const pairs = await Promise.all(secrets.slice(0, path.length - i).map((s) => deriveNodeKeyPair(cs, s)));
  const add: [NodeIndex, Uint8Array][] = [];
  pairs.forEach((kp, m) => {
    const k = i + m;
    // §7.5 step 6: "Verify that the derived public keys are the same as the corresponding public keys sent in the UpdatePath."
    if (!bytesEqual(kp.publicKey, expectDefined(updatePath.nodes[k], "updatePath.nodes[k]").encryptionKey)) {
      fail("tree/path-key-mismatch", "7.5", `the key derived for node ${expectDefined(path[k], "path[k]").node} differs from the UpdatePath's`);
    }
    add.push([expectDefined(path[k], "path[k]").node, kp.privateKey]);
  });
  const first = expectDefined(secrets[0], "secrets[0]");
  secret = expectDefined(secrets[secrets.length - 1], "secrets[secrets.length - 1]");
  wipe(...secrets.slice(1, -1)); // intermediate path secrets are consumed (§7.5)
  const drop = directPath(leafToNode(sender), view.leafCount);
  return { node: expectDefined(path[i], "path[i]").node, pathSecret: first, commitSecret: secret, privateKeys: privateKeys.with(add, drop) };
}

/** Options of {@link applyUpdatePath}. */
export interface ApplyUpdatePathOptions extends MergeUpdatePathOptions {
  readonly groupContext: GroupContextFor;
  /** The receiver's keys; without them the path is only validated and merged. */
  readonly privateKeys?: TreePrivateKeys;
}

/** Result of {@link applyUpdatePath}. */
export interface AppliedUpdatePath {
  readonly groupContext: Uint8Array;
  readonly decrypted?: DecryptedUpdatePath;
}

/** {@link mergeUpdatePath}, then the provisional GroupContext, then {@link decryptUpdatePath} (§12.4.2). */
export async function applyUpdatePath(diff: TreeDiff, options: ApplyUpdatePathOptions): Promise<AppliedUpdatePath> {
  await mergeUpdatePath(diff, options);
  const groupContext = await options.groupContext(await diff.treeHash());
  if (options.privateKeys === undefined) return { groupContext };
  const decrypted = await decryptUpdatePath(diff, options.sender, options.updatePath, options.privateKeys, groupContext, options.excludedLeaves);
  return { groupContext, decrypted };
}
