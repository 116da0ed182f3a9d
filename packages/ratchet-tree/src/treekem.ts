/**
 * TreeKEM (RFC 9420 §7.4-§7.6, §12.4.1-§12.4.2): creating an UpdatePath as a
 * committer, and merging and decrypting one as a receiver, on a
 * {@link TreeDiff}. A rejected path throws before anything reaches the base
 * tree: callers drop the diff.
 */
import { bytesEqual, wipe } from "@mlskit/codec";
import {
  type CipherSuiteProvider,
  type Credential,
  type Extension,
  UsageError,
  type HpkeEncapsulation,
  type KeyPair,
  decryptWithLabel,
  encryptWithLabelAfterEncap,
  encryptWithLabelMany,
  verifyWithLabel,
  expectDefined,
} from "@mlskit/core";
import { type Capabilities, type LeafNode, LeafNodeSource, encodeLeafNode, leafNodeLayout, leafNodeTbsFromEncoding, signLeafNode } from "./leaf-node.js";
import { computeParentHash } from "./parent-hash.js";
import { mapConcurrent, yieldToEventLoop } from "./concurrency.js";
import { TreePrivateKeys, deriveNodeKeyPair, nextPathSecret, pathSecretChain } from "./private-keys.js";
import type { TreeDiff } from "./tree-diff.js";
import { type LeafIndex, type NodeIndex, directPath, isAncestorOrSelf, leafToNode } from "./tree-math.js";
import type { FilteredPathEntry, TreeView } from "./tree-view.js";
import type { UpdatePath, UpdatePathNode } from "./update-path.js";
import { fail } from "./error-codes.js";

/** HPKE encryptions of an UpdatePath kept in flight (enough to keep WebCrypto's thread pool busy). */
const ENCRYPTION_WINDOW = 256;
/**
 * Encryptions from which an UpdatePath is sealed in one `hpkeSealBatch`
 * when the provider has it (spread over threads: node:crypto's worker),
 * instead of Encaps issued ahead on this thread.
 */
const SEAL_BATCH_MIN = 64;

/** The provisional GroupContext encoding for a tree hash (§12.4.1: the tree after the path is merged). */
export type GroupContextFor = (treeHash: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/** Options of {@link createUpdatePath}. */
export interface CreateUpdatePathOptions {
  /** The committer's leaf. */
  readonly leafIndex: LeafIndex;
  readonly signaturePrivateKey: Uint8Array;
  readonly groupId: Uint8Array;
  /** Provisional GroupContext (encoded) for the tree hash after the path is merged. */
  readonly groupContext: GroupContextFor;
  /** Leaves added by the same Commit: left out of every resolution (§7.6, §12.4.2). */
  readonly excludedLeaves?: Iterable<LeafIndex>;
  /** Changes to the new leaf node; other fields are kept from the current leaf (§7.5 step 4). */
  readonly leafNode?: {
    readonly signatureKey?: Uint8Array;
    readonly credential?: Credential;
    readonly capabilities?: Capabilities;
    readonly extensions?: readonly Extension[];
  };
  /** The leaf secret (tests only); random by default. */
  readonly leafSecret?: Uint8Array;
}

/** Result of {@link createUpdatePath}. */
export interface CreatedUpdatePath {
  readonly updatePath: UpdatePath;
  /** path_secret[n+1] after the last path secret (§12.4.1). */
  readonly commitSecret: Uint8Array;
  /** The path secret of each node of the filtered direct path (to send to new members in Welcome, §12.4.3.1). */
  readonly pathSecrets: ReadonlyMap<NodeIndex, Uint8Array>;
  /** The committer's private keys for its new leaf and filtered direct path. */
  readonly privateKeys: TreePrivateKeys;
  /** The provisional GroupContext used to encrypt. */
  readonly groupContext: Uint8Array;
}

/**
 * Creates an UpdatePath for the committer (§7.4, §7.5, §12.4.1): blanks its
 * direct path, derives the path secrets and node keys along the filtered
 * direct path, sets the parent hashes, re-signs its leaf with source
 * `commit`, and encrypts each path secret to the resolution of the copath
 * child (all encryptions issued together). Mutates `diff`.
 */
export async function createUpdatePath(diff: TreeDiff, options: CreateUpdatePathOptions): Promise<CreatedUpdatePath> {
  const cs = diff.cs;
  const l = options.leafIndex;
  const current = diff.leafNode(l);
  if (current === undefined) throw new UsageError("usage/blank-leaf", `leaf ${l} is blank`);
  const excluded = new Set(options.excludedLeaves ?? []);
  diff.blankDirectPath(l);
  const path = diff.filteredDirectPathWithCopath(l);
  // §7.4: "Generate a fresh HPKE key pair for the leaf" and "path_secret[0] is sampled at random";
  // then path_secret[n] = DeriveSecret(path_secret[n-1], "path"). A generated key pair costs a
  // fraction of DeriveKeyPair (which must compute pk(sk)); it is asked for first, ahead of the
  // encapsulations below on the provider's thread pool. With `leafSecret` (tests) both come from
  // it, as in the RFC's figure of §7.4.
  const { leafSecret } = options;
  const leafKeys = leafSecret === undefined ? cs.hpkeGenerateKeyPair() : deriveNodeKeyPair(cs, leafSecret);
  leafKeys.catch(() => undefined); // awaited below; a failure before that must not leave it unhandled
  // One HPKE encryption per resolution node of each copath child (up to N with many blank
  // parents). The copath subtrees do not change below, so the recipients are known now. The
  // Encap of each encryption needs only the recipient's key, not the path secret nor the
  // provisional GroupContext: the first ENCRYPTION_WINDOW are issued here and run on the
  // provider (WebCrypto's thread pool) while this thread derives the path's keys.
  const resolutions = path.map((e) => diff.resolution(e.copathChild, excluded));
  const jobs: { i: number; key: Uint8Array }[] = [];
  resolutions.forEach((res, i) => {
    for (const r of res) jobs.push({ i, key: expectDefined(diff.encryptionKey(r), "diff.encryptionKey(r)") });
  });
  // With a provider that seals in batches on other threads too, a large path is sealed in one batch once its secrets are known.
  const batched = cs.hpkeSealBatch !== undefined && jobs.length >= SEAL_BATCH_MIN;
  let unsettled = 0;
  const early = (batched ? [] : jobs.slice(0, ENCRYPTION_WINDOW)).map(({ key }) => {
    const encapsulation = cs.hpkeEncap(key);
    unsettled++;
    const settled = () => void unsettled--;
    encapsulation.then(settled, settled); // awaited below, or discarded on failure
    return encapsulation;
  });
  try {
    return await derivePathAndEncrypt(diff, options, current, path, { leafKeys, resolutions, jobs, early, unsettled: () => unsettled });
  } finally {
    // Sealing wipes a used encapsulation's shared secret; this wipes those a failure left unused.
    for (const e of early)
      e.then(
        (x) => x.discard(),
        () => undefined,
      );
  }
}

/** What {@link createUpdatePath} set going on the provider before deriving the path. */
interface PathInFlight {
  /** The new leaf's key pair. */
  readonly leafKeys: Promise<KeyPair>;
  /** The resolution of each copath child, in path order. */
  readonly resolutions: readonly (readonly NodeIndex[])[];
  /** One encryption per resolution node: the path entry it belongs to and the recipient's key. */
  readonly jobs: readonly { readonly i: number; readonly key: Uint8Array }[];
  /** The encapsulations of the first jobs. */
  readonly early: readonly Promise<HpkeEncapsulation>[];
  /** How many of them are still pending. */
  readonly unsettled: () => number;
}

async function derivePathAndEncrypt(
  diff: TreeDiff,
  options: CreateUpdatePathOptions,
  current: LeafNode,
  path: readonly FilteredPathEntry[],
  { leafKeys: leafKeysPending, resolutions, jobs, early, unsettled }: PathInFlight,
): Promise<CreatedUpdatePath> {
  const cs = diff.cs;
  const l = options.leafIndex;
  const { leafSecret } = options;
  const secrets = await pathSecretChain(cs, leafSecret === undefined ? cs.randomBytes(cs.hashLength) : await nextPathSecret(cs, leafSecret), path.length);
  // One at a time, yielding to the event loop between them while encapsulations are pending:
  // DeriveKeyPair is main-thread work (pk(sk)), and each turn lets the encapsulations issued
  // above move on to their next step on the thread pool, so that they are done, and the pool
  // free for the leaf's signature, when the keys are. A provider that encapsulates on this
  // thread (node:crypto) has settled them all by now: no turn is taken then.
  // An encapsulation finished on this thread may still count as pending until its settle callback (a microtask) runs:
  // the turn is raced against all of them settling, so that it is taken only for encapsulations running elsewhere.
  const nodeKeys: KeyPair[] = [];
  let allSettled: Promise<unknown> | undefined;
  for (let i = 0; i < path.length; i++) {
    nodeKeys.push(await deriveNodeKeyPair(cs, expectDefined(secrets[i], "secrets[i]")));
    if (unsettled() > 0) await Promise.race([(allSettled ??= Promise.allSettled(early)), yieldToEventLoop()]);
  }
  const leafKeys = await leafKeysPending;

  const leafParentHash = await setPathNodes(
    diff,
    path,
    nodeKeys.map((k) => k.publicKey),
  );
  const content = {
    encryptionKey: leafKeys.publicKey,
    signatureKey: options.leafNode?.signatureKey ?? current.signatureKey,
    credential: options.leafNode?.credential ?? current.credential,
    capabilities: options.leafNode?.capabilities ?? current.capabilities,
    leafNodeSource: LeafNodeSource.commit,
    parentHash: leafParentHash,
    extensions: options.leafNode?.extensions ?? current.extensions,
  };
  const leafNode = await signLeafNode(cs, options.signaturePrivateKey, content, { groupId: options.groupId, leafIndex: l });
  diff.setLeaf(l, leafNode);

  const groupContext = await options.groupContext(await diff.treeHash());
  const ciphertexts =
    early.length === 0 && jobs.length >= SEAL_BATCH_MIN && cs.hpkeSealBatch !== undefined
      ? await encryptWithLabelMany(
          cs,
          "UpdatePathNode",
          groupContext,
          jobs.map(({ i, key }) => ({ publicKey: key, plaintext: expectDefined(secrets[i], "secrets[i]") })),
        )
      : await mapConcurrent(jobs, ENCRYPTION_WINDOW, async ({ i, key }, k) =>
          encryptWithLabelAfterEncap(await (early[k] ?? cs.hpkeEncap(key)), "UpdatePathNode", groupContext, expectDefined(secrets[i], "secrets[i]")),
        );
  let next = 0;
  const nodes: UpdatePathNode[] = path.map((_, i) => {
    const encryptedPathSecret = ciphertexts.slice(next, next + expectDefined(resolutions[i], "resolutions[i]").length);
    next += expectDefined(resolutions[i], "resolutions[i]").length;
    return { encryptionKey: expectDefined(nodeKeys[i], "nodeKeys[i]").publicKey, encryptedPathSecret };
  });
  const pathSecrets = new Map<NodeIndex, Uint8Array>(path.map((e, i) => [e.node, expectDefined(secrets[i], "secrets[i]")]));
  const privateKeys = new TreePrivateKeys(l, [
    [leafToNode(l), leafKeys.privateKey] as const,
    ...path.map((e, i) => [e.node, expectDefined(nodeKeys[i], "nodeKeys[i]").privateKey] as const),
  ]);
  return { updatePath: { leafNode, nodes }, commitSecret: expectDefined(secrets[path.length], "secrets[path.length]"), pathSecrets, privateKeys, groupContext };
}

/**
 * Sets the filtered-direct-path nodes to fresh ParentNodes (§7.5 merge step 2:
 * new key, empty unmerged_leaves) with parent hashes computed from the root
 * down (§7.9), and returns the parent hash the leaf must carry.
 */
async function setPathNodes(diff: TreeDiff, path: readonly FilteredPathEntry[], keys: readonly Uint8Array[]): Promise<Uint8Array> {
  // Only the copath children's hashes are needed; the direct path is about to change.
  await diff.computeHashes(path.map((e) => e.copathChild));
  // original_sibling_tree_hash = tree hash of S: P was just reset, so no unmerged leaves to remove (§7.9).
  const siblingHashes = path.map((e) => diff.hashOf(e.copathChild));
  let parentHash: Uint8Array = new Uint8Array(0);
  for (let i = path.length - 1; i >= 0; i--) {
    diff.setParent(expectDefined(path[i], "path[i]").node, { encryptionKey: expectDefined(keys[i], "keys[i]"), parentHash, unmergedLeaves: [] });
    parentHash = await computeParentHash(diff.cs, expectDefined(keys[i], "keys[i]"), parentHash, expectDefined(siblingHashes[i], "siblingHashes[i]"));
  }
  return parentHash;
}

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
