/** `ProposalOrRef` and `Commit` (RFC 9420 §12.4). Codecs and types only. */
import { type Codec, type Reader, type Writer, opaque, optional, vector } from "@mlskit/codec";
import { type UpdatePath, updatePathCodec } from "@mlskit/ratchet-tree";
import { type Proposal, type ProposalRef, proposalCodec } from "../proposals/proposal.js";

/** `enum { reserved(0), proposal(1), reference(2), (255) } ProposalOrRefType;` (§12.4) */
export const ProposalOrRefType = { proposal: 1, reference: 2 } as const;
/** A defined ProposalOrRefType value. */
export type ProposalOrRefTypeId = (typeof ProposalOrRefType)[keyof typeof ProposalOrRefType];

/**
 * ```tls
 * struct {
 *   ProposalOrRefType type;
 *   select (ProposalOrRef.type) {
 *     case proposal:  Proposal proposal;
 *     case reference: ProposalRef reference;
 *   };
 * } ProposalOrRef;
 * ```
 */
export type ProposalOrRef =
  { readonly type: typeof ProposalOrRefType.proposal; readonly proposal: Proposal } | { readonly type: typeof ProposalOrRefType.reference; readonly reference: ProposalRef };

/** Codec for {@link ProposalOrRef}; a reserved or unknown type is malformed. */
export const proposalOrRefCodec: Codec<ProposalOrRef> = {
  encode(w: Writer, v: ProposalOrRef) {
    w.uint8(v.type);
    if (v.type === ProposalOrRefType.proposal) proposalCodec.encode(w, v.proposal);
    else w.opaque(v.reference);
  },
  decode(r: Reader): ProposalOrRef {
    const at = r.offset;
    const type = r.uint8();
    if (type === ProposalOrRefType.proposal) return { type, proposal: r.field("proposal", () => proposalCodec.decode(r)) };
    if (type === ProposalOrRefType.reference) return { type, reference: r.field("reference", () => opaque.decode(r)) };
    return r.fail("codec/invalid-value", `unknown ProposalOrRefType ${type}`, at);
  },
};

/**
 * ```tls
 * struct {
 *     ProposalOrRef proposals<V>;
 *     optional<UpdatePath> path;
 * } Commit;
 * ```
 * `path` is `undefined` when absent.
 */
export interface Commit {
  readonly proposals: readonly ProposalOrRef[];
  readonly path: UpdatePath | undefined;
}

const proposalsCodec = vector(proposalOrRefCodec) as Codec<readonly ProposalOrRef[]>;
const pathCodec = optional(updatePathCodec);

/** Codec for {@link Commit}. */
export const commitCodec: Codec<Commit> = {
  encode(w, v) {
    proposalsCodec.encode(w, v.proposals);
    pathCodec.encode(w, v.path);
  },
  decode(r) {
    const proposals = r.field("proposals", () => proposalsCodec.decode(r));
    const path = r.field("path", () => pathCodec.decode(r));
    return { proposals, path };
  },
};
