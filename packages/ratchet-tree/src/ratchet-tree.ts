/**
 * The ratchet tree (RFC 9420 §4, §7): an immutable, array-represented tree
 * whose nodes are kept as their encodings in a shared byte arena and whose
 * tree hashes (§7.8) are computed once, on load, and kept in flat chunks.
 *
 * Changes are staged in a {@link TreeDiff} (`tree.stage()`), which stores only
 * the nodes and hashes it changes; `diff.merge()` returns a new tree and
 * leaves this one untouched, so a rejected commit cannot alter it.
 */
import { Reader, encode } from "@mlskit/codec";
import { type CipherSuiteProvider, ValidationError, expectDefined } from "@mlskit/core";
import type { LeafNode } from "./leaf-node.js";
import { type Node, NodeType, ratchetTreeCodec, skipLeafNode, skipParentNode } from "./node.js";
import { Arena, CHUNK, CHUNK_BITS, CHUNK_MASK, LeafBitmap, type NodeTables, chunkCapacity, chunkCount, digestLength, hashChunkBytes, hashSlot } from "./store.js";
import { Scratch, hashBatch, leafHashInput, parentHashInput, syncHash } from "./tree-hash.js";
import { type LeafIndex, MAX_LEAVES, type NodeIndex, isLeaf, left, nodeToLeaf, nodeWidth, right } from "./tree-math.js";
import { TreeDiff } from "./tree-diff.js";
import { TreeView } from "./tree-view.js";
import { KeyIndex, confirmEncryptionKey, confirmSignatureKey } from "./key-index.js";
import { Yielder } from "./concurrency.js";

/** Input buffer for leaf hashes recomputed by `hashOf` (synchronous, so never shared across calls). */
const LEAF_SCRATCH = new Scratch();

/** Caps on a tree being parsed (a receiver's policy). */
export interface TreeParseLimits {
  /** Most leaves the tree may list (its node vector at most `2 * maxLeaves - 1` entries); undefined: no cap beyond 2^30. */
  readonly maxLeaves?: number;
}

/** An immutable ratchet tree bound to one cipher suite. */
export class RatchetTree extends TreeView {
  readonly cs: CipherSuiteProvider;
  readonly leafCount: number;
  /** @internal */ readonly arena: Arena;
  /** @internal The arena buffer as of this tree's creation. */ readonly buf: Uint8Array;
  /** @internal */ readonly tables: NodeTables;
  /** @internal */ readonly bits: LeafBitmap;
  /** @internal Sum of the lengths of this tree's node encodings. */ readonly liveBytes: number;
  /** @internal Encryption/signature key index, built on first use. */ keyIndexCache: KeyIndex | undefined;

  /** @internal Use {@link RatchetTree.decode}, {@link RatchetTree.create} or {@link TreeDiff.merge}. */
  constructor(cs: CipherSuiteProvider, leafCount: number, arena: Arena, tables: NodeTables, bits: LeafBitmap, liveBytes: number, keyIndex?: KeyIndex) {
    super();
    this.cs = cs;
    this.leafCount = leafCount;
    this.arena = arena;
    this.buf = arena.buf;
    this.tables = tables;
    this.bits = bits;
    this.liveBytes = liveBytes;
    this.keyIndexCache = keyIndex;
  }

  /**
   * @internal A tree of this one's suite over new storage: how a merge or a
   * compaction (tree-diff-merge.ts) makes the next tree without importing
   * this class, which imports the diff (no import cycle).
   */
  successor(leafCount: number, arena: Arena, tables: NodeTables, bits: LeafBitmap, liveBytes: number, keyIndex?: KeyIndex): RatchetTree {
    return new RatchetTree(this.cs, leafCount, arena, tables, bits, liveBytes, keyIndex);
  }

  /**
   * Loads a tree from the `ratchet_tree` extension body (§12.4.3.3) and
   * computes every tree hash. Structure is checked (CodecError for malformed
   * bytes; ValidationError `tree/malformed` when the last node is blank or a
   * node's type does not match its position); nothing is authenticated — use
   * {@link validateTree} for a tree received from others.
   */
  static async decode(cs: CipherSuiteProvider, bytes: Uint8Array, limits: TreeParseLimits = {}): Promise<RatchetTree> {
    const tree = RatchetTree.parse(cs, bytes, limits);
    await tree.computeAllHashes();
    return tree;
  }

  /**
   * @internal The structural part of {@link RatchetTree.decode}: the tree
   * before its hashes are computed (they must be, with `computeAllHashes`,
   * before the tree is handed out). With `limits.maxLeaves`, parsing stops
   * at the first node beyond `2 * maxLeaves - 1` (ValidationError
   * `limits/tree-too-large`), so refusing an oversized tree costs at most
   * the parse of a tree at the cap, whatever the input claims.
   */
  static parse(cs: CipherSuiteProvider, bytes: Uint8Array, limits: TreeParseLimits = {}): RatchetTree {
    const maxNodes = limits.maxLeaves === undefined ? Infinity : 2 * Math.max(0, Math.floor(limits.maxLeaves)) - 1;
    // Parsed in place; copied once the structure holds (a refused input is never copied).
    const r = new Reader(bytes);
    let starts = new Uint32Array(1024);
    let lens = new Uint32Array(1024);
    let count = 0;
    r.field("ratchet_tree", () =>
      r.prefixed((body) => {
        while (body.remaining > 0) {
          if (count >= maxNodes) {
            throw new ValidationError(
              "limits/tree-too-large",
              "12.4.3.1",
              `the ratchet tree lists more than ${maxNodes} nodes, beyond this client's limit of ${limits.maxLeaves} leaves`,
            );
          }
          if (count === starts.length) {
            const s2 = new Uint32Array(count * 2);
            s2.set(starts);
            starts = s2;
            const l2 = new Uint32Array(count * 2);
            l2.set(lens);
            lens = l2;
          }
          const i = count;
          body.field(`[${i}]`, () => {
            const at = body.offset;
            const flag = body.uint8();
            if (flag === 0) return;
            if (flag !== 1) body.fail("codec/invalid-value", `optional presence flag ${flag} is neither 0 nor 1`, at);
            const t = body.uint8();
            const expected = (i & 1) === 0 ? NodeType.leaf : NodeType.parent;
            if (t !== NodeType.leaf && t !== NodeType.parent) body.fail("codec/invalid-value", `invalid node_type ${t}`, at + 1);
            if (t !== expected) {
              throw new ValidationError("tree/malformed", "12.4.3.3", `node ${i} has node_type ${t}, but its position holds a ${expected === 1 ? "leaf" : "parent"}`);
            }
            const start = body.offset;
            if (t === NodeType.leaf) skipLeafNode(body);
            else skipParentNode(body);
            starts[i] = start;
            lens[i] = body.offset - start;
          });
          count++;
        }
      }),
    );
    r.assertEnd();
    const buf = bytes.slice();
    // §12.4.3.3: "The receiver MUST check that the last node in ratchet_tree is non-blank".
    if (count === 0 || lens[count - 1] === 0) {
      throw new ValidationError("tree/malformed", "12.4.3.3", count === 0 ? "empty ratchet_tree" : "the last node of ratchet_tree is blank");
    }
    // Extend with the fewest blank nodes to a width 2^(d+1) - 1.
    let leafCount = 1;
    while (nodeWidth(leafCount) < count) leafCount *= 2;
    if (leafCount > MAX_LEAVES) throw new ValidationError("tree/malformed", "12.4.3.3", "tree too large");
    const width = nodeWidth(leafCount);
    const nh = digestLength(cs);
    const nChunks = chunkCount(width);
    const leafHashes = syncHash(cs) === undefined;
    const tables: NodeTables = { spans: [], hashes: [], leafHashes };
    let live = 0;
    for (let c = 0; c < nChunks; c++) {
      const cap = chunkCapacity(c, width);
      const spans = new Uint32Array(2 * cap);
      for (let j = 0, i = c * CHUNK; j < cap && i < count; j++, i++) {
        spans[2 * j] = expectDefined(starts[i], "starts[i]");
        spans[2 * j + 1] = expectDefined(lens[i], "lens[i]");
        live += expectDefined(lens[i], "lens[i]");
      }
      tables.spans.push(spans);
      tables.hashes.push(new Uint8Array(hashChunkBytes(leafHashes, cap, nh)));
    }
    const bits = LeafBitmap.allBlank(leafCount);
    for (let l = 0; l < leafCount && 2 * l < count; l++) if (expectDefined(lens[2 * l], "lens[2 * l]") > 0) bits.set(l, false);
    return new RatchetTree(cs, leafCount, new Arena(buf, buf.length), tables, bits, live);
  }

  /** A one-member tree holding `leaf` (group creation, §11). */
  static create(cs: CipherSuiteProvider, leaf: LeafNode): Promise<RatchetTree> {
    return RatchetTree.fromNodes(cs, [{ nodeType: NodeType.leaf, leafNode: leaf }]);
  }

  /** A tree from decoded nodes (`undefined` = blank), as listed in the `ratchet_tree` extension. */
  static fromNodes(cs: CipherSuiteProvider, nodes: readonly (Node | undefined)[]): Promise<RatchetTree> {
    return RatchetTree.decode(cs, encode(ratchetTreeCodec, nodes as (Node | undefined)[]));
  }

  nodeBytes(n: NodeIndex): Uint8Array | undefined {
    if (n >= nodeWidth(this.leafCount)) return undefined;
    const spans = expectDefined(this.tables.spans[n >>> CHUNK_BITS], "this.tables.spans[n >>> CHUNK_BITS]");
    const j = 2 * (n & CHUNK_MASK);
    const len = expectDefined(spans[j + 1], "spans[j + 1]");
    if (len === 0) return undefined;
    const start = expectDefined(spans[j], "spans[j]");
    return this.buf.subarray(start, start + len);
  }

  /** @internal */
  hashOf(n: NodeIndex): Uint8Array {
    const { leafHashes } = this.tables;
    if (!leafHashes && isLeaf(n)) {
      // Not stored (see NodeTables.leafHashes): one synchronous hash of the leaf's bytes.
      return expectDefined(syncHash(this.cs), "syncHash(this.cs)")(leafHashInput(nodeToLeaf(n), this.nodeBytes(n), LEAF_SCRATCH));
    }
    const nh = digestLength(this.cs);
    const at = hashSlot(leafHashes, n) * nh;
    return expectDefined(this.tables.hashes[n >>> CHUNK_BITS], "this.tables.hashes[n >>> CHUNK_BITS]").subarray(at, at + nh);
  }

  /** @internal */
  get leafBits(): LeafBitmap {
    return this.bits;
  }

  treeHash(): Promise<Uint8Array> {
    return Promise.resolve(this.hashOf(this.rootIndex).slice());
  }

  nodeHash(n: NodeIndex): Promise<Uint8Array> {
    if (n >= this.nodeCount) throw new RangeError(`node ${n} outside the tree`);
    return Promise.resolve(this.hashOf(n).slice());
  }

  /** Starts a staged set of changes over this tree (copy-on-write; this tree is never modified). */
  stage(): TreeDiff {
    return new TreeDiff(this);
  }

  /** Nodes whose encryption key equals `key` (§7.3, §12.4.2 uniqueness checks). */
  findEncryptionKey(key: Uint8Array): NodeIndex[] {
    return confirmEncryptionKey(this, this.keyIndex().encryptionKeyCandidates(key), key);
  }

  /** Leaves whose signature key equals `key` (§7.3). */
  findSignatureKey(key: Uint8Array): LeafIndex[] {
    return confirmSignatureKey(this, this.keyIndex().signatureKeyCandidates(key), key);
  }

  /** @internal The key index (built on first use, O(N)). */
  keyIndex(): KeyIndex {
    this.keyIndexCache ??= KeyIndex.build(this);
    return this.keyIndexCache;
  }

  /**
   * @internal Hashes every node, level by level: one loop with a synchronous
   * hash, else many digests in flight per level. `yielder` shares time slices
   * with the caller's other work (see tree-validation).
   */
  async computeAllHashes(yielder?: Yielder): Promise<void> {
    const nh = digestLength(this.cs);
    const y = yielder ?? new Yielder();
    const { leafHashes } = this.tables;
    const store = (n: number, d: Uint8Array) => expectDefined(this.tables.hashes[n >>> CHUNK_BITS], "this.tables.hashes[n >>> CHUNK_BITS]").set(d, hashSlot(leafHashes, n) * nh);
    // Leaf hashes that are not stored are kept here until their parents are hashed.
    const leaves = leafHashes ? undefined : new Uint8Array(this.leafCount * nh);
    const hashOf = (n: NodeIndex): Uint8Array => (leaves !== undefined && isLeaf(n) ? leaves.subarray((n >>> 1) * nh, ((n >>> 1) + 1) * nh) : this.hashOf(n));
    await hashBatch(
      this.cs,
      this.leafCount,
      (l, scratch) => leafHashInput(l, this.nodeBytes((2 * l) as NodeIndex), scratch),
      (l, d) => (leaves !== undefined ? leaves.set(d, l * nh) : store(2 * l, d)),
      y,
    );
    for (let k = 1; 1 << k <= this.leafCount; k++) {
      const first = (1 << k) - 1;
      const step = 1 << (k + 1);
      await hashBatch(
        this.cs,
        this.leafCount >>> k,
        (j, scratch) => {
          const n = (first + j * step) as NodeIndex;
          return parentHashInput(this.nodeBytes(n), hashOf(left(n)), hashOf(right(n)), scratch);
        },
        (j, d) => store(first + j * step, d),
        y,
      );
    }
  }
}
