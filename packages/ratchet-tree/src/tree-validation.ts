/**
 * Validation of a ratchet tree received by a joiner (RFC 9420 §12.4.3.1, with
 * §7.1, §7.3 and §7.9.2). Every step is O(N) in the size of the tree (the
 * unmerged-leaves checks are O(M log N) for M unmerged entries), and the leaf
 * signatures are verified concurrently.
 */
import { bytesEqual, utf8, varintSize } from "@mlskit/codec";
import { type CipherSuiteProvider, type CredentialTypeId, ValidationError } from "@mlskit/core";
import { type LeafNode, LeafNodeSource, leafNodeLayout, readVarintAt } from "./leaf-node.js";
import { KeyIndex } from "./key-index.js";
import { parentNodeLayout } from "./parent-node.js";
import { encodeParentHashInput, treeHashWithout, unmergedUnder } from "./parent-hash.js";
import { Yielder, forEachConcurrent } from "./concurrency.js";
import { hashBatch, putOpaque, putVarint, syncHash } from "./tree-hash.js";
import { RatchetTree } from "./ratchet-tree.js";
import { type LeafIndex, type NodeIndex, isLeaf, leafRange, left, nodeToLeaf, right } from "./tree-math.js";
import type { TreeView } from "./tree-view.js";
import { unmergedStats } from "./unmerged.js";

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
  /** Longest acceptable `not_after - not_before` in seconds (§7.2), when set. */
  readonly maxLifetime?: bigint;
  /** Also require each leaf's capabilities to list the group's cipher suite (§7.2). Default true. */
  readonly checkCipherSuite?: boolean;
}

/**
 * Signature verifications kept in flight (WebCrypto spreads them over its
 * thread pool; each holds only its SignContent). With a synchronous hash,
 * enough to keep the pool busy while this thread hashes for a time slice
 * between yields. With an async hash, fewer: the digests share the pool's
 * FIFO queue and would otherwise wait behind a thousand verifications each.
 */
const SIGNATURE_WINDOW_SYNC_HASH = 1024;
const SIGNATURE_WINDOW_ASYNC_HASH = 256;

const DEFAULT_EXTENSIONS = new Set([1, 2, 3, 4, 5]);
const DEFAULT_PROPOSALS = new Set([1, 2, 3, 4, 5, 6, 7]);

function fail(code: string, section: string, message: string, cause?: unknown): never {
  throw new ValidationError(code, section, message, cause === undefined ? {} : { cause });
}

/** Whether the uint16 vector whose length prefix is at `at` contains `v`; returns the offset after it too. */
function u16VectorHas(b: Uint8Array, at: number, v: number): [boolean, number] {
  const [len, p] = readVarintAt(b, at);
  let found = false;
  for (let i = p; i < p + len; i += 2) if (((b[i]! << 8) | b[i + 1]!) === v) found = true;
  return [found, p + len];
}

/** Offsets of the five capability vectors of an encoded LeafNode. */
function capabilityOffsets(b: Uint8Array, at: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 5; i++) {
    out.push(at);
    const [len, p] = readVarintAt(b, at);
    at = p + len;
  }
  return out;
}

/**
 * Validates a ratchet tree as a joiner must (§12.4.3.1): its tree hash, the
 * parent-hash validity of every non-blank parent (§7.9.2), each leaf (§7.3:
 * signature, capabilities, credential, lifetime), the `unmerged_leaves` lists,
 * and the uniqueness of encryption and signature keys. Throws
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
  await signatures.done;
}

/**
 * Decodes a tree received by a joiner (§12.4.3.3) and validates it
 * (§12.4.3.1, see {@link validateTree}), verifying the leaf signatures while
 * the tree hashes are computed. Returns the tree once everything holds.
 */
export async function decodeAndValidateTree(cs: CipherSuiteProvider, bytes: Uint8Array, options: TreeValidationOptions): Promise<RatchetTree> {
  const tree = RatchetTree.parse(cs, bytes);
  // Verifications first: they run on other threads (WebCrypto) while this one hashes.
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
  await signatures.done;
  return tree;
}

/** The synchronous checks, with a yield between them so that concurrent verifications keep being refilled. */
async function checkStructure(tree: TreeView, options: TreeValidationOptions, yielder: Yielder): Promise<void> {
  const stats = unmergedStats(tree);
  await yielder.yield();
  checkKeyUniqueness(tree);
  await yielder.yield();
  checkLeaves(tree, options);
  await yielder.yield();
  await checkParentHashes(tree, stats.nearestAncestor, stats.resolutionSize, yielder);
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
          fail("tree/duplicate-encryption-key", isLeaf(n as NodeIndex) && isLeaf(c as NodeIndex) ? "7.3" : "12.4.3.1", `nodes ${Math.min(n, c)} and ${Math.max(n, c)} have the same encryption key`);
        }
      }
    }
    if (isLeaf(n as NodeIndex)) {
      const sig = tree.signatureKey(nodeToLeaf(n as NodeIndex))!;
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

/** Synchronous leaf checks of §7.2/§7.3: capabilities, extensions, lifetime. */
function checkLeaves(tree: TreeView, options: TreeValidationOptions): void {
  const suite = tree.cs.suite.id;
  const inUse = new Set<number>();
  const leaves = [...tree.leaves()];
  for (const l of leaves) inUse.add(tree.leafLayout(l)!.credentialType);
  const req = options.requiredCapabilities;
  for (const l of leaves) {
    const b = tree.leafNodeBytes(l)!;
    const layout = leafNodeLayout(b);
    const [, ciphers, extensions, proposals, credentials] = capabilityOffsets(b, layout.capabilities) as [number, number, number, number, number];
    // §7.3: the capabilities list the credential types of all members (and so its own, §7.2).
    for (const t of inUse) {
      if (!u16VectorHas(b, credentials, t)[0]) {
        fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support credential type ${t} used in the group`);
      }
    }
    // §7.2: "The client MUST list all values for the respective parameters that it supports" — a member supports the group's suite.
    if (options.checkCipherSuite !== false && !u16VectorHas(b, ciphers, suite)[0]) {
      fail("tree/leaf-capabilities", "7.2", `leaf ${l} does not list the group's cipher suite 0x${suite.toString(16).padStart(4, "0")}`);
    }
    if (req !== undefined) {
      // §7.3: required extensions, proposals and credential types MUST be listed.
      for (const t of req.extensionTypes) {
        if (!DEFAULT_EXTENSIONS.has(t) && !u16VectorHas(b, extensions, t)[0]) fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support required extension ${t}`);
      }
      for (const t of req.proposalTypes) {
        if (!DEFAULT_PROPOSALS.has(t) && !u16VectorHas(b, proposals, t)[0]) fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support required proposal ${t}`);
      }
      for (const t of req.credentialTypes) {
        if (!u16VectorHas(b, credentials, t)[0]) fail("tree/leaf-capabilities", "7.3", `leaf ${l} does not support required credential type ${t}`);
      }
    }
    // §7.2: non-default extensions of the leaf are listed in its capabilities.
    const [extLen, extStart] = readVarintAt(b, extensionsOffset(b, layout));
    for (let q = extStart; q < extStart + extLen; ) {
      const t = (b[q]! << 8) | b[q + 1]!;
      const [dl, dp] = readVarintAt(b, q + 2);
      q = dp + dl;
      if (!DEFAULT_EXTENSIONS.has(t) && !u16VectorHas(b, extensions, t)[0]) {
        fail("tree/leaf-extension-unsupported", "7.2", `leaf ${l} carries extension ${t} its capabilities do not list`);
      }
    }
    if (layout.source === LeafNodeSource.key_package && (options.now !== undefined || options.maxLifetime !== undefined)) {
      const lt = lifetimeOf(b, layout);
      if (options.now !== undefined && (options.now < lt.notBefore || options.now > lt.notAfter)) {
        fail("tree/leaf-lifetime", "7.3", `leaf ${l} is outside its lifetime`);
      }
      if (options.maxLifetime !== undefined && lt.notAfter - lt.notBefore > options.maxLifetime) {
        fail("tree/leaf-lifetime", "7.2", `leaf ${l} has a lifetime longer than the application's maximum`);
      }
    }
  }
}

/** Offset of the `extensions` length prefix of an encoded LeafNode. */
function extensionsOffset(b: Uint8Array, layout: ReturnType<typeof leafNodeLayout>): number {
  let p = layout.capabilities;
  for (let i = 0; i < 5; i++) {
    const [len, q] = readVarintAt(b, p);
    p = q + len;
  }
  p += 1; // leaf_node_source
  if (layout.source === LeafNodeSource.key_package) p += 16;
  else if (layout.source === LeafNodeSource.commit) p = layout.parentHash[1];
  return p;
}

function lifetimeOf(b: Uint8Array, layout: ReturnType<typeof leafNodeLayout>): { notBefore: bigint; notAfter: bigint } {
  let p = layout.capabilities;
  for (let i = 0; i < 5; i++) {
    const [len, q] = readVarintAt(b, p);
    p = q + len;
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { notBefore: view.getBigUint64(p + 1), notAfter: view.getBigUint64(p + 9) };
}

/**
 * §7.9.2: every non-blank parent node is parent-hash valid. A link D → P can
 * only hold when P is D's nearest non-blank ancestor (the nodes between were
 * blanked by the UpdatePath that set both), so each node has at most one
 * candidate link and the check is one pass. For the link, with C the child of
 * P above D and S the other: D is in resolution(C) (all nodes between are
 * blank) and `P.unmerged_leaves ∩ subtree(C) = resolution(C) \ {D}`, which —
 * given the unmerged-leaves rules already checked — reduces to counting:
 * |P.unmerged ∩ subtree(C)| = |resolution(C)| − 1 and D ∉ P.unmerged.
 * Then D.parent_hash must equal the parent hash of P with copath child S.
 * Every non-blank parent must be the target of exactly one valid link; since
 * links point strictly upwards, each chain then ends at a leaf.
 */
async function checkParentHashes(tree: TreeView, nearest: Int32Array, resSize: Int32Array, yielder: Yielder): Promise<void> {
  const width = tree.nodeCount;
  const links: { d: number; p: number; s: number }[] = [];
  for (let d = 0; d < width; d++) {
    const p = nearest[d]!;
    if (p < 0) continue;
    const ph = tree.parentHashField(d as NodeIndex);
    if (ph === undefined) continue; // blank, or a leaf without parent_hash (key_package/update source)
    const pn = p as NodeIndex;
    const c = d < p ? left(pn) : right(pn);
    const s = d < p ? right(pn) : left(pn);
    const pBytes = tree.nodeBytes(pn)!;
    const [ua, uz] = parentNodeLayout(pBytes).unmergedLeaves;
    const [a, z] = leafRange(c);
    let count = 0;
    let dListed = false;
    for (let i = ua; i < uz; i += 4) {
      const u = ((pBytes[i]! << 24) >>> 0) + (pBytes[i + 1]! << 16) + (pBytes[i + 2]! << 8) + pBytes[i + 3]!;
      if (u >= a && u <= z) count++;
      if (isLeaf(d as NodeIndex) && u === d >>> 1) dListed = true;
    }
    if (count === resSize[c]! - 1 && !dListed) links.push({ d, p, s });
  }
  // original_sibling_tree_hash: the cached tree hash of S unless P has unmerged leaves under S (§7.9);
  // only those few are recomputed (no promise for the others).
  const recomputed = new Map<number, Uint8Array>();
  for (let i = 0; i < links.length; i++) {
    const { p, s } = links[i]!;
    const removed = unmergedUnder(tree, p as NodeIndex, s as NodeIndex);
    if (removed !== undefined) recomputed.set(i, await treeHashWithout(tree, s as NodeIndex, new Set(removed)));
  }
  const results: boolean[] = new Array(links.length);
  await hashBatch(
    tree.cs,
    links.length,
    (i, scratch) => {
      const { p, s } = links[i]!;
      const pBytes = tree.nodeBytes(p as NodeIndex)!;
      const layout = parentNodeLayout(pBytes);
      return encodeParentHashInput(
        pBytes.subarray(layout.encryptionKey[0], layout.encryptionKey[1]),
        pBytes.subarray(layout.parentHash[0], layout.parentHash[1]),
        recomputed.get(i) ?? tree.hashOf(s as NodeIndex),
        scratch,
      );
    },
    (i, digest) => {
      results[i] = bytesEqual(digest, tree.parentHashField(links[i]!.d as NodeIndex)!);
    },
    yielder,
  );
  const incoming = new Int32Array(width);
  links.forEach((link, i) => {
    if (results[i]) incoming[link.p]!++;
  });
  for (let p = 1; p < width; p += 2) {
    if (tree.nodeBytes(p as NodeIndex) === undefined) continue;
    if (incoming[p] !== 1) {
      fail(
        "tree/parent-hash-invalid",
        "7.9.2",
        incoming[p] === 0 ? `parent node ${p} is not parent-hash valid` : `parent node ${p} is the target of ${incoming[p]} parent-hash links`,
      );
    }
  }
}

const LEAF_NODE_TBS_LABEL = utf8("MLS 1.0 LeafNodeTBS");

/**
 * `SignContent` (§5.1.2) of a stored leaf: label "LeafNodeTBS" and content
 * LeafNodeTBS (§7.2: the leaf's bytes up to its signature, then group_id and
 * leaf_index unless the source is key_package), in one allocation.
 */
function leafSignContent(b: Uint8Array, layout: ReturnType<typeof leafNodeLayout>, groupId: Uint8Array, leafIndex: number): Uint8Array {
  const bound = layout.source !== LeafNodeSource.key_package;
  const tbsLength = layout.signatureField + (bound ? varintSize(groupId.length) + groupId.length + 4 : 0);
  const out = new Uint8Array(1 + LEAF_NODE_TBS_LABEL.length + varintSize(tbsLength) + tbsLength);
  let at = putOpaque(out, 0, LEAF_NODE_TBS_LABEL);
  at = putVarint(out, at, tbsLength);
  out.set(b.subarray(0, layout.signatureField), at);
  at += layout.signatureField;
  if (bound) {
    at = putOpaque(out, at, groupId);
    out[at] = leafIndex >>> 24;
    out[at + 1] = (leafIndex >>> 16) & 0xff;
    out[at + 2] = (leafIndex >>> 8) & 0xff;
    out[at + 3] = leafIndex & 0xff;
  }
  return out;
}

/**
 * §7.3: each leaf's signature (LeafNodeTBS, with group_id and leaf_index
 * unless from a KeyPackage) and credential, with up to
 * `SIGNATURE_WINDOW_*` verifications in flight (the next issued as soon
 * as one completes). `done` settles with the failure of the lowest failing
 * leaf; after a failure, or `stop()` (another check failed), no further
 * verification is issued.
 */
function startSignatureChecks(tree: TreeView, options: TreeValidationOptions): { done: Promise<void>; stop(): void } {
  let stopped = false;
  const leaves = [...tree.leaves()];
  const cs = tree.cs;
  let failure: { l: LeafIndex; error: "signature" | "credential"; cause?: unknown } | undefined;
  const record = (f: NonNullable<typeof failure>) => {
    if (failure === undefined || f.l < failure.l) failure = f;
  };
  const check = async (i: number): Promise<void> => {
    if (stopped || failure !== undefined) return;
    const l = leaves[i]!;
    const b = tree.leafNodeBytes(l)!;
    const layout = leafNodeLayout(b);
    const content = leafSignContent(b, layout, options.groupId, l);
    const ok = await cs.verify(b.subarray(layout.signatureKey[0], layout.signatureKey[1]), content, b.subarray(layout.signature[0], layout.signature[1]));
    if (!ok) return record({ l, error: "signature" });
    if (options.validateCredential !== undefined) {
      try {
        if ((await options.validateCredential(tree.leafNode(l)!, l)) === false) record({ l, error: "credential" });
      } catch (cause) {
        record({ l, error: "credential", cause });
      }
    }
  };
  const window = syncHash(cs) !== undefined ? SIGNATURE_WINDOW_SYNC_HASH : SIGNATURE_WINDOW_ASYNC_HASH;
  const done = forEachConcurrent(leaves.length, window, check).then(() => {
    if (failure === undefined) return;
    if (failure.error === "signature") fail("tree/leaf-signature-invalid", "7.3", `invalid signature on the leaf node at leaf ${failure.l}`);
    // Name the reason (e.g. the failing certificate) in the message itself, not only in `cause`.
    const reason = failure.cause instanceof Error ? `: ${failure.cause.message}` : "";
    fail("tree/credential-invalid", "5.3.1", `the credential of leaf ${failure.l} was rejected${reason}`, failure.cause);
  });
  // Failures surface when `done` is awaited; never as an unhandled rejection.
  done.catch(() => {});
  return {
    done,
    stop() {
      stopped = true;
    },
  };
}
