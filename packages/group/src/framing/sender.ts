/** `SenderType` and `Sender` (RFC 9420 §6). */
import type { Codec, Reader, Writer } from "@mlskit/codec";
import type { LeafIndex } from "@mlskit/ratchet-tree";

/**
 * ```tls
 * enum { reserved(0), member(1), external(2), new_member_proposal(3), new_member_commit(4), (255) } SenderType;
 * ```
 */
export const SenderType = { member: 1, external: 2, new_member_proposal: 3, new_member_commit: 4 } as const;
/** A defined SenderType value. */
export type SenderTypeId = (typeof SenderType)[keyof typeof SenderType];

/** A member of the group, identified by its leaf. */
export interface MemberSender {
  readonly senderType: typeof SenderType.member;
  readonly leafIndex: LeafIndex;
}

/** A pre-provisioned external sender: an index into the `external_senders` extension (§12.1.8.1). */
export interface ExternalSenderRef {
  readonly senderType: typeof SenderType.external;
  readonly senderIndex: number;
}

/** A client proposing to add itself (§12.1.8). */
export interface NewMemberProposalSender {
  readonly senderType: typeof SenderType.new_member_proposal;
}

/** A client joining by external commit (§12.4.3.2). */
export interface NewMemberCommitSender {
  readonly senderType: typeof SenderType.new_member_commit;
}

/**
 * ```tls
 * struct {
 *     SenderType sender_type;
 *     select (Sender.sender_type) {
 *         case member:              uint32 leaf_index;
 *         case external:            uint32 sender_index;
 *         case new_member_commit:
 *         case new_member_proposal: struct{};
 *     };
 * } Sender;
 * ```
 */
export type Sender = MemberSender | ExternalSenderRef | NewMemberProposalSender | NewMemberCommitSender;

/** Codec for {@link Sender}; a reserved or unknown `sender_type` is malformed. */
export const senderCodec: Codec<Sender> = {
  encode(w: Writer, s: Sender) {
    w.uint8(s.senderType);
    if (s.senderType === SenderType.member) w.uint32(s.leafIndex);
    else if (s.senderType === SenderType.external) w.uint32(s.senderIndex);
  },
  decode(r: Reader): Sender {
    const at = r.offset;
    const senderType = r.uint8();
    switch (senderType) {
      case SenderType.member:
        return { senderType, leafIndex: r.field("leaf_index", () => r.uint32()) as LeafIndex };
      case SenderType.external:
        return { senderType, senderIndex: r.field("sender_index", () => r.uint32()) };
      case SenderType.new_member_proposal:
      case SenderType.new_member_commit:
        return { senderType };
      default:
        return r.fail("codec/invalid-value", `unknown sender_type ${senderType}`, at);
    }
  },
};

/** Bytes of a Sender's encoding: the type, and a uint32 index for members and external senders. */
export function senderSize(s: Sender): number {
  return s.senderType === SenderType.member || s.senderType === SenderType.external ? 5 : 1;
}

/** The member sender at `leafIndex`. */
export function memberSender(leafIndex: LeafIndex | number): MemberSender {
  return { senderType: SenderType.member, leafIndex: leafIndex as LeafIndex };
}
