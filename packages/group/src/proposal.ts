/** `Proposal` and its bodies (RFC 9420 §12.1). Codecs and types only. */
import { type Codec, type Reader, type Writer, opaque } from "@mlskit/codec";
import { type CipherSuiteId, type Extension, type ProtocolVersionId, ProposalType, extensionsCodec } from "@mlskit/core";
import { type PreSharedKeyID, preSharedKeyIdCodec } from "@mlskit/key-schedule";
import { type LeafIndex, type LeafNode, leafNodeCodec } from "@mlskit/ratchet-tree";
import { type KeyPackage, keyPackageCodec } from "./key-package.js";

/** `Add` (§12.1.1). */
export interface AddProposal {
  readonly proposalType: typeof ProposalType.add;
  readonly keyPackage: KeyPackage;
}

/** `Update` (§12.1.2). */
export interface UpdateProposal {
  readonly proposalType: typeof ProposalType.update;
  readonly leafNode: LeafNode;
}

/** `Remove` (§12.1.3). */
export interface RemoveProposal {
  readonly proposalType: typeof ProposalType.remove;
  readonly removed: LeafIndex;
}

/** `PreSharedKey` (§12.1.4). */
export interface PreSharedKeyProposal {
  readonly proposalType: typeof ProposalType.psk;
  readonly psk: PreSharedKeyID;
}

/** `ReInit` (§12.1.5). */
export interface ReInitProposal {
  readonly proposalType: typeof ProposalType.reinit;
  readonly groupId: Uint8Array;
  readonly version: ProtocolVersionId;
  readonly cipherSuite: CipherSuiteId;
  readonly extensions: readonly Extension[];
}

/** `ExternalInit` (§12.1.6). */
export interface ExternalInitProposal {
  readonly proposalType: typeof ProposalType.external_init;
  readonly kemOutput: Uint8Array;
}

/** `GroupContextExtensions` (§12.1.7). */
export interface GroupContextExtensionsProposal {
  readonly proposalType: typeof ProposalType.group_context_extensions;
  readonly extensions: readonly Extension[];
}

/** `Proposal` (§12.1) of one of the seven types RFC 9420 defines. */
export type Proposal =
  | AddProposal
  | UpdateProposal
  | RemoveProposal
  | PreSharedKeyProposal
  | ReInitProposal
  | ExternalInitProposal
  | GroupContextExtensionsProposal;

/**
 * Codec for {@link Proposal}. A proposal type without a known body format
 * cannot be framed (the `select` has no length prefix) and is malformed here.
 */
export const proposalCodec: Codec<Proposal> = {
  encode(w: Writer, p: Proposal) {
    w.uint16(p.proposalType);
    switch (p.proposalType) {
      case ProposalType.add:
        keyPackageCodec.encode(w, p.keyPackage);
        break;
      case ProposalType.update:
        leafNodeCodec.encode(w, p.leafNode);
        break;
      case ProposalType.remove:
        w.uint32(p.removed);
        break;
      case ProposalType.psk:
        preSharedKeyIdCodec.encode(w, p.psk);
        break;
      case ProposalType.reinit:
        w.opaque(p.groupId);
        w.uint16(p.version);
        w.uint16(p.cipherSuite);
        extensionsCodec.encode(w, p.extensions as Extension[]);
        break;
      case ProposalType.external_init:
        w.opaque(p.kemOutput);
        break;
      case ProposalType.group_context_extensions:
        extensionsCodec.encode(w, p.extensions as Extension[]);
        break;
    }
  },
  decode(r: Reader): Proposal {
    const at = r.offset;
    const proposalType = r.uint16();
    switch (proposalType) {
      case ProposalType.add:
        return { proposalType, keyPackage: r.field("key_package", () => keyPackageCodec.decode(r)) };
      case ProposalType.update:
        return { proposalType, leafNode: r.field("leaf_node", () => leafNodeCodec.decode(r)) };
      case ProposalType.remove:
        return { proposalType, removed: r.field("removed", () => r.uint32()) as LeafIndex };
      case ProposalType.psk:
        return { proposalType, psk: r.field("psk", () => preSharedKeyIdCodec.decode(r)) };
      case ProposalType.reinit: {
        const groupId = r.field("group_id", () => opaque.decode(r));
        const version = r.field("version", () => r.uint16());
        const cipherSuite = r.field("cipher_suite", () => r.uint16());
        const extensions = r.field("extensions", () => extensionsCodec.decode(r));
        return { proposalType, groupId, version, cipherSuite, extensions };
      }
      case ProposalType.external_init:
        return { proposalType, kemOutput: r.field("kem_output", () => opaque.decode(r)) };
      case ProposalType.group_context_extensions:
        return { proposalType, extensions: r.field("extensions", () => extensionsCodec.decode(r)) };
      default:
        return r.fail("codec/invalid-value", `unknown proposal_type ${proposalType}`, at);
    }
  },
};
