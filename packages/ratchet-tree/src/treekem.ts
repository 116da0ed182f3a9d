/**
 * TreeKEM as a committer (RFC 9420 §7.4-§7.5, §12.4.1): creating an
 * UpdatePath on a {@link TreeDiff}. The receiver's side (merging and
 * decrypting a path, §7.6, §12.4.2) is in `treekem-receive.ts`.
 */
import { type Credential, type Extension, UsageError, type HpkeEncapsulation, type KeyPair, encryptWithLabelAfterEncap, encryptWithLabelMany, expectDefined } from "@mlskit/core";
import { type Capabilities, type LeafNode, LeafNodeSource, signLeafNode } from "./leaf-node.js";
import { setPathNodes } from "./path-nodes.js";
import { mapConcurrent, yieldToEventLoop } from "./concurrency.js";
import { TreePrivateKeys, deriveNodeKeyPair, nextPathSecret, pathSecretChain } from "./private-keys.js";
import type { TreeDiff } from "./tree-diff.js";
import { type LeafIndex, type NodeIndex, leafToNode } from "./tree-math.js";
import type { FilteredPathEntry } from "./tree-view.js";
import type { UpdatePath, UpdatePathNode } from "./update-path.js";

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
