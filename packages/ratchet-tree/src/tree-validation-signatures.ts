/**
 * Verification of every leaf's signature and credential (§7.3, §5.3.1) while
 * the other tree-validation checks run: a window of verifications kept in
 * flight, each over the leaf's LeafNodeTBS built straight from its encoding.
 * A provider with a thread pool (`verifyBatch`, node:crypto) gets all of a
 * large tree's leaves in chunks, and most of a small tree's in one batch while
 * this thread verifies the others: the two cores share the work.
 */
import { bytesEqual, decode, utf8, varintSize } from "@mlskit/codec";
import { credentialCodec, expectDefined } from "@mlskit/core";
import { forEachConcurrent } from "./concurrency.js";
import { RACE_MIN_LEAVES, raceThreadPool } from "./tree-validation-pool.js";
import { type LeafNode, LeafNodeSource, leafNodeLayout } from "./leaf-node.js";
import { putOpaque, putVarint, syncHash } from "./tree-hash.js";
import type { LeafIndex } from "./tree-math.js";
import type { TreeView } from "./tree-view.js";
import type { TreeValidationOptions } from "./tree-validation-options.js";
import { fail } from "./error-codes.js";

/**
 * Signature verifications kept in flight (WebCrypto spreads them over its
 * thread pool; each holds only its SignContent). With a synchronous hash,
 * enough to keep the pool busy while this thread hashes for a time slice
 * between yields. With an async hash, fewer: the digests share the pool's
 * FIFO queue and would otherwise wait behind a thousand verifications each.
 */
const SIGNATURE_WINDOW_SYNC_HASH = 1024;
const SIGNATURE_WINDOW_ASYNC_HASH = 256;
/** Leaves per `verifyBatch` call (a failure stops further chunks from being issued). */
const BATCH = 32;
/**
 * Leaves from which all signatures go to the provider's thread pool, in
 * chunks of {@link BATCH} with a window in flight; below it, they race
 * (`tree-validation-pool.ts`).
 */
const BATCH_MIN_LEAVES = 64;

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
 * The LeafNode handed to `validateCredential`: its credential and signature
 * key read straight from the encoding, every other field decoded (the whole
 * leaf, once) only if the application reads it. A joiner calls the
 * Authentication Service once per member: decoding N full leaves there
 * would be the largest allocation of a large join.
 */
function credentialLeaf(tree: TreeView, l: LeafIndex, b: Uint8Array, layout: ReturnType<typeof leafNodeLayout>): LeafNode {
  let full: LeafNode | undefined;
  const all = (): LeafNode => (full ??= expectDefined(tree.leafNode(l), "tree.leafNode(l)"));
  const leaf: LeafNode = {
    get encryptionKey() {
      return all().encryptionKey;
    },
    signatureKey: b.slice(layout.signatureKey[0], layout.signatureKey[1]),
    credential: decode(credentialCodec, b.subarray(layout.signatureKey[1], layout.capabilities)),
    get capabilities() {
      return all().capabilities;
    },
    get leafNodeSource() {
      return all().leafNodeSource;
    },
    get extensions() {
      return all().extensions;
    },
    get signature() {
      return all().signature;
    },
  };
  // The optional fields exist exactly when the source has them (§7.2), as on a decoded leaf.
  if (layout.source === LeafNodeSource.key_package) Object.defineProperty(leaf, "lifetime", { get: () => all().lifetime, enumerable: true });
  if (layout.source === LeafNodeSource.commit) Object.defineProperty(leaf, "parentHash", { get: () => all().parentHash, enumerable: true });
  return leaf;
}

/**
 * The leaf that is `signedLeaf` byte for byte, if a `key_package` one: its
 * LeafNodeTBS is its own bytes up to the signature (§7.2), the same in any
 * group, so the signature its owner made holds here too.
 */
function signedLeafIndex(tree: TreeView, leaves: readonly LeafIndex[], signedLeaf: Uint8Array): LeafIndex | undefined {
  for (const l of leaves) {
    const b = tree.leafNodeBytes(l);
    if (b !== undefined && b.length === signedLeaf.length && bytesEqual(b, signedLeaf)) {
      return leafNodeLayout(b).source === LeafNodeSource.key_package ? l : undefined;
    }
  }
  return undefined;
}

/** The signature checks of a tree's leaves, started by {@link startSignatureChecks}. */
export interface SignatureChecks {
  /**
   * Completes the checks: verifies on this thread the leaves the provider's
   * pool has not verified yet (a small tree, the last issued first), then
   * settles with the failure of the lowest failing leaf. The same promise
   * on every call; never an unhandled rejection before it is called.
   */
  finish(): Promise<void>;
  /** Another check failed: no further verification is issued. */
  stop(): void;
}

/**
 * §7.3: each leaf's signature (LeafNodeTBS, with group_id and leaf_index
 * unless from a KeyPackage) and credential. Without a thread pool, up to
 * `SIGNATURE_WINDOW_*` verifications in flight (the next issued as soon
 * as one completes). With one (`verifyBatch`), a large tree's leaves go in
 * chunks (after a failure no further chunk is issued); a small tree's all at
 * once, one job each, and whatever the pool has not done when the caller
 * needs the result is verified here ({@link SignatureChecks.finish}): this
 * thread never waits for a pool that another process keeps from running.
 */
export function startSignatureChecks(tree: TreeView, options: TreeValidationOptions): SignatureChecks {
  let stopped = false;
  const members = [...tree.leaves()];
  const signed = options.signedLeaf !== undefined ? signedLeafIndex(tree, members, options.signedLeaf) : undefined;
  const leaves = signed === undefined ? members : members.filter((l) => l !== signed);
  const cs = tree.cs;
  let failure: { l: LeafIndex; error: "signature" | "credential"; cause?: unknown } | undefined;
  const record = (f: NonNullable<typeof failure>) => {
    if (failure === undefined || f.l < failure.l) failure = f;
  };
  const signatureCheck = (l: LeafIndex) => {
    const b = expectDefined(tree.leafNodeBytes(l), "tree.leafNodeBytes(l)");
    const layout = leafNodeLayout(b);
    return {
      publicKey: b.subarray(layout.signatureKey[0], layout.signatureKey[1]),
      message: leafSignContent(b, layout, options.groupId, l),
      signature: b.subarray(layout.signature[0], layout.signature[1]),
    };
  };
  const credential = async (l: LeafIndex): Promise<void> => {
    if (options.validateCredential === undefined) return;
    try {
      const b = expectDefined(tree.leafNodeBytes(l), "tree.leafNodeBytes(l)");
      if ((await options.validateCredential(credentialLeaf(tree, l, b, leafNodeLayout(b)), l)) === false) record({ l, error: "credential" });
    } catch (cause) {
      record({ l, error: "credential", cause });
    }
  };
  const verifyHere = async (l: LeafIndex): Promise<void> => {
    const x = signatureCheck(l);
    if (!(await cs.verify(x.publicKey, x.message, x.signature))) return record({ l, error: "signature" });
    await credential(l);
  };
  const check = async (i: number): Promise<void> => {
    if (stopped || failure !== undefined) return;
    await verifyHere(expectDefined(leaves[i], "leaves[i]"));
  };
  const verifyBatch = cs.verifyBatch?.bind(cs);
  const checkChunk = async (chunk: readonly LeafIndex[]): Promise<void> => {
    if (stopped || failure !== undefined || verifyBatch === undefined) return;
    const results = await verifyBatch(chunk.map(signatureCheck));
    // A bad signature is recorded synchronously, a good one's credential checked: Promise.all takes both.
    // eslint-disable-next-line @typescript-eslint/await-thenable
    await Promise.all(chunk.map((l, k) => (results[k] === true ? credential(l) : record({ l, error: "signature" }))));
  };
  const window = syncHash(cs) !== undefined ? SIGNATURE_WINDOW_SYNC_HASH : SIGNATURE_WINDOW_ASYNC_HASH;
  // The caller's own leaf: its credential still goes to the application.
  const own = signed !== undefined ? credential(signed) : Promise.resolve();
  let verified: () => Promise<void>;
  if (verifyBatch === undefined || leaves.length < RACE_MIN_LEAVES) {
    const all = forEachConcurrent(leaves.length, window, check);
    all.catch(() => {});
    verified = () => all;
  } else if (leaves.length >= BATCH_MIN_LEAVES) {
    // A large tree: chunks of leaves, a window of them in flight.
    const all = forEachConcurrent(Math.ceil(leaves.length / BATCH), Math.max(1, SIGNATURE_WINDOW_SYNC_HASH / BATCH), (c) => checkChunk(leaves.slice(c * BATCH, (c + 1) * BATCH)));
    all.catch(() => {});
    verified = () => all;
  } else {
    const answered = (l: LeafIndex, ok: boolean): Promise<void> | void => (ok ? credential(l) : record({ l, error: "signature" }));
    verified = raceThreadPool(leaves, verifyBatch, signatureCheck, verifyHere, answered, () => stopped);
  }
  let finished: Promise<void> | undefined;
  const settle = async (): Promise<void> => {
    await verified();
    await own;
    if (failure === undefined) return;
    if (failure.error === "signature") {
      // §5.1.1: a signature that verifies proves its key valid (verify refuses every key signaturePublicKeyProblem
      // refuses), so keys are examined only here, to name an invalid key (a compressed ECDSA point, ...) as the cause.
      const problem = await cs.signaturePublicKeyProblem(expectDefined(tree.signatureKey(failure.l), "tree.signatureKey(failure.l)"));
      if (problem !== undefined) {
        fail("tree/invalid-signature-key", "12.4.3.1", `the signature key of leaf ${failure.l} is not a valid ${cs.suite.name} signature key (RFC 9420 §5.1.1): ${problem}`);
      }
      fail("tree/leaf-signature-invalid", "7.3", `invalid signature on the leaf node at leaf ${failure.l}`);
    }
    // Name the reason (e.g. the failing certificate) in the message itself, not only in `cause`.
    const reason = failure.cause instanceof Error ? `: ${failure.cause.message}` : "";
    fail("tree/credential-invalid", "5.3.1", `the credential of leaf ${failure.l} was rejected${reason}`, failure.cause);
  };
  return {
    finish: () => (finished ??= settle()),
    stop() {
      stopped = true;
    },
  };
}
