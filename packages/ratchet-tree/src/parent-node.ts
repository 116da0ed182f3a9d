/** `ParentNode` (RFC 9420 §7.1). */
import { type Codec, type Reader, Writer, opaque } from "@mlskit/codec";
import type { HPKEPublicKey } from "./leaf-node.js";
import { opaqueRangeAt, unmergedLeavesRange } from "./encoded-fields.js";
import type { LeafIndex } from "./tree-math.js";
import { expectDefined } from "@mlskit/core";

/** `ParentNode` (§7.1). `unmergedLeaves` is sorted in increasing order on the wire (§7.1 MUST). */
export interface ParentNode {
  readonly encryptionKey: HPKEPublicKey;
  readonly parentHash: Uint8Array;
  readonly unmergedLeaves: readonly LeafIndex[];
}

export const parentNodeCodec: Codec<ParentNode> = {
  encode(w, v) {
    w.opaque(v.encryptionKey);
    w.opaque(v.parentHash);
    w.prefixed((b) => {
      for (const l of v.unmergedLeaves) b.uint32(l);
    });
  },
  decode(r: Reader): ParentNode {
    const encryptionKey = r.field("encryption_key", () => opaque.decode(r));
    const parentHash = r.field("parent_hash", () => opaque.decode(r));
    const unmergedLeaves = r.field("unmerged_leaves", () =>
      r.prefixed((b) => {
        const out: LeafIndex[] = [];
        while (b.remaining > 0) out.push(b.uint32() as LeafIndex);
        return out;
      }),
    );
    return { encryptionKey, parentHash, unmergedLeaves };
  },
};

/** Encodes a ParentNode. */
export function encodeParentNode(p: ParentNode): Uint8Array {
  const w = new Writer(p.encryptionKey.length + p.parentHash.length + 4 * p.unmergedLeaves.length + 12);
  parentNodeCodec.encode(w, p);
  return w.finish();
}

/** Offsets inside a validated ParentNode encoding. */
export interface ParentNodeLayout {
  readonly encryptionKey: readonly [number, number];
  readonly parentHash: readonly [number, number];
  /** [start, end) of the uint32 entries of `unmerged_leaves`. */
  readonly unmergedLeaves: readonly [number, number];
}

/** Locates the fields of a validated ParentNode encoding without allocating field copies. */
export function parentNodeLayout(b: Uint8Array): ParentNodeLayout {
  const encryptionKey = opaqueRangeAt(b, 0);
  const parentHash = opaqueRangeAt(b, encryptionKey[1]);
  return { encryptionKey, parentHash, unmergedLeaves: unmergedLeavesRange(b) };
}

/** The `unmerged_leaves` of a validated ParentNode encoding. */
export function unmergedLeavesOf(b: Uint8Array): LeafIndex[] {
  const [s, e] = unmergedLeavesRange(b);
  const out: LeafIndex[] = [];
  for (let i = s; i < e; i += 4)
    out.push(
      (((expectDefined(b[i], "b[i]") << 24) >>> 0) +
        (expectDefined(b[i + 1], "b[i + 1]") << 16) +
        (expectDefined(b[i + 2], "b[i + 2]") << 8) +
        expectDefined(b[i + 3], "b[i + 3]")) as LeafIndex,
    );
  return out;
}
