/**
 * `Node` and the `ratchet_tree` extension body `optional<Node> ratchet_tree<V>`
 * (RFC 9420 §12.4.3.3), plus validating scanners that check an encoding's
 * structure without building an object per field (how trees are loaded).
 */
import { type Codec, type Reader, optional, vector } from "@mlskit/codec";
import { type LeafNode, LeafNodeSource, leafNodeCodec } from "./leaf-node.js";
import { type ParentNode, parentNodeCodec } from "./parent-node.js";

/** `NodeType` (§7.8). */
export const NodeType = { leaf: 1, parent: 2 } as const;
export type NodeTypeId = (typeof NodeType)[keyof typeof NodeType];

/** `Node` (§12.4.3.3). */
export type Node = { readonly nodeType: typeof NodeType.leaf; readonly leafNode: LeafNode } | { readonly nodeType: typeof NodeType.parent; readonly parentNode: ParentNode };

export const nodeCodec: Codec<Node> = {
  encode(w, v) {
    w.uint8(v.nodeType);
    if (v.nodeType === NodeType.leaf) leafNodeCodec.encode(w, v.leafNode);
    else parentNodeCodec.encode(w, v.parentNode);
  },
  decode(r: Reader): Node {
    const at = r.offset;
    const t = r.uint8();
    if (t === NodeType.leaf) return { nodeType: t, leafNode: r.field("leaf_node", () => leafNodeCodec.decode(r)) };
    if (t === NodeType.parent) return { nodeType: t, parentNode: r.field("parent_node", () => parentNodeCodec.decode(r)) };
    return r.fail("codec/invalid-value", `invalid node_type ${t}`, at);
  },
};

/**
 * `optional<Node> ratchet_tree<V>` as plain objects (`undefined` = blank).
 * For loading a tree use {@link RatchetTree.decode}, which keeps nodes as bytes.
 */
export const ratchetTreeCodec: Codec<(Node | undefined)[]> = vector(optional(nodeCodec));

function skipUint16Vector(r: Reader): void {
  r.prefixed((b) => {
    if (b.remaining % 2 !== 0) b.fail("codec/length-mismatch", "uint16 vector of odd byte length");
    b.bytes(b.remaining);
  });
}

/** Checks the structure of a LeafNode encoding and moves past it. */
export function skipLeafNode(r: Reader): void {
  r.field("encryption_key", () => r.opaque());
  r.field("signature_key", () => r.opaque());
  r.field("credential", () => {
    const t = r.uint16();
    if (t === 2) {
      r.prefixed((b) => {
        while (b.remaining > 0) b.opaque();
      });
    } else {
      r.opaque();
    }
  });
  r.field("capabilities", () => {
    for (let i = 0; i < 5; i++) skipUint16Vector(r);
  });
  const at = r.offset;
  const source = r.uint8();
  if (source === LeafNodeSource.key_package) r.bytes(16);
  else if (source === LeafNodeSource.commit) r.field("parent_hash", () => r.opaque());
  else if (source !== LeafNodeSource.update) r.fail("codec/invalid-value", `invalid leaf_node_source ${source}`, at);
  r.field("extensions", () =>
    r.prefixed((b) => {
      while (b.remaining > 0) {
        b.uint16();
        b.opaque();
      }
    }),
  );
  r.field("signature", () => r.opaque());
}

/** Checks the structure of a ParentNode encoding and moves past it. */
export function skipParentNode(r: Reader): void {
  r.field("encryption_key", () => r.opaque());
  r.field("parent_hash", () => r.opaque());
  r.field("unmerged_leaves", () =>
    r.prefixed((b) => {
      if (b.remaining % 4 !== 0) b.fail("codec/length-mismatch", "uint32 vector length not a multiple of 4");
      b.bytes(b.remaining);
    }),
  );
}
