/**
 * `Proposal` and its bodies (RFC 9420 §12.1), including proposals of types
 * RFC 9420 does not define (custom and GREASE types, §13.2 and §13.5).
 * Codecs and types only; validation is the group state machine's.
 */
import { type Codec, type Reader, type Writer, decode, encode, opaque } from "@mlskit/codec";
import { type CipherSuiteId, type Extension, type ProposalTypeId, type ProtocolVersionId, ProposalType, UsageError, extensionsCodec } from "@mlskit/core";
import { type PreSharedKeyID, preSharedKeyIdCodec } from "@mlskit/key-schedule";
import { type LeafIndex, type LeafNode, leafNodeCodec } from "@mlskit/ratchet-tree";
import { type KeyPackage, keyPackageCodec } from "../key-packages/key-package.js";
import { appDataUpdateCodec } from "../extensions/app-data.js";

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

/**
 * A proposal of a type RFC 9420 does not define: an application's own type
 * (private use, `0xF000`-`0xFFFF`), a type registered later with IANA
 * (§17.4), or a GREASE value (§13.5).
 *
 * Wire format: RFC 9420's `select` in `Proposal` has no length prefix, so a
 * proposal of a type one does not know cannot be skipped generically. Like
 * credentials (core's `credentialCodec`) and as OpenMLS and mls-rs do, mlskit
 * frames the body of every non-RFC-9420 proposal type as `opaque body<V>`;
 * an application defines its custom proposal's struct inside that body.
 * (A future IANA type whose body is not wrapped this way needs a dedicated
 * codec here.) Two parties exchanging custom proposals must agree on this
 * framing, as on the type's meaning (§13.2: every member must support it).
 *
 * `proposalType` is the string `"custom"` so that a `switch` on the RFC's
 * numeric types narrows correctly; the wire value is `customProposalType`.
 */
export interface CustomProposal {
  readonly proposalType: "custom";
  /** The `ProposalType` value on the wire: not one of the seven of RFC 9420, not 0 (reserved). */
  readonly customProposalType: ProposalTypeId;
  /** The proposal body, carried as `opaque<V>`. */
  readonly body: Uint8Array;
}

/**
 * ```tls
 * struct {
 *     ProposalType proposal_type;
 *     select (Proposal.proposal_type) {
 *         case add:                      Add;
 *         case update:                   Update;
 *         case remove:                   Remove;
 *         case psk:                      PreSharedKey;
 *         case reinit:                   ReInit;
 *         case external_init:            ExternalInit;
 *         case group_context_extensions: GroupContextExtensions;
 *     };
 * } Proposal;
 * ```
 * plus {@link CustomProposal} for every other type.
 */
export type Proposal =
  AddProposal | UpdateProposal | RemoveProposal | PreSharedKeyProposal | ReInitProposal | ExternalInitProposal | GroupContextExtensionsProposal | CustomProposal;

/** The `ProposalType` value a proposal carries on the wire. */
export function proposalTypeOf(p: Proposal): ProposalTypeId {
  return p.proposalType === "custom" ? p.customProposalType : p.proposalType;
}

/** draft-ietf-mls-extensions `self_remove` (extensions/self-remove.ts, `SELF_REMOVE_PROPOSAL_TYPE`): the one non-RFC type with a known, empty body. */
const SELF_REMOVE_TYPE = 0x000a;
/** draft-ietf-mls-extensions `app_data_update` (extensions/app-data.ts): its body is the AppDataUpdate struct, unwrapped. */
const APP_DATA_UPDATE_TYPE = 0x0008;

/** True for the seven proposal types RFC 9420 defines. */
export function isRfcProposalType(t: number): boolean {
  return Number.isInteger(t) && t >= ProposalType.add && t <= ProposalType.group_context_extensions;
}

/** `ProposalRef` (§5.2): `MakeProposalRef` of the AuthenticatedContent that carried the proposal. */
export type ProposalRef = Uint8Array;

/** A proposal body: the struct that follows `proposal_type`. */
export type ProposalBody<P> = Omit<P, "proposalType">;

/** `struct { KeyPackage key_package; } Add;` (§12.1.1) */
export const addCodec: Codec<ProposalBody<AddProposal>> = {
  encode: (w, v) => keyPackageCodec.encode(w, v.keyPackage),
  decode: (r) => ({ keyPackage: r.field("key_package", () => keyPackageCodec.decode(r)) }),
};

/** `struct { LeafNode leaf_node; } Update;` (§12.1.2) */
export const updateCodec: Codec<ProposalBody<UpdateProposal>> = {
  encode: (w, v) => leafNodeCodec.encode(w, v.leafNode),
  decode: (r) => ({ leafNode: r.field("leaf_node", () => leafNodeCodec.decode(r)) }),
};

/** `struct { uint32 removed; } Remove;` (§12.1.3) */
export const removeCodec: Codec<ProposalBody<RemoveProposal>> = {
  encode: (w, v) => w.uint32(v.removed),
  decode: (r) => ({ removed: r.field("removed", () => r.uint32()) as LeafIndex }),
};

/** `struct { PreSharedKeyID psk; } PreSharedKey;` (§12.1.4) */
export const preSharedKeyCodec: Codec<ProposalBody<PreSharedKeyProposal>> = {
  encode: (w, v) => preSharedKeyIdCodec.encode(w, v.psk),
  decode: (r) => ({ psk: r.field("psk", () => preSharedKeyIdCodec.decode(r)) }),
};

/** `struct { opaque group_id<V>; ProtocolVersion version; CipherSuite cipher_suite; Extension extensions<V>; } ReInit;` (§12.1.5) */
export const reInitCodec: Codec<ProposalBody<ReInitProposal>> = {
  encode(w, v) {
    w.opaque(v.groupId);
    w.uint16(v.version);
    w.uint16(v.cipherSuite);
    extensionsCodec.encode(w, v.extensions as Extension[]);
  },
  decode(r) {
    const groupId = r.field("group_id", () => opaque.decode(r));
    const version = r.field("version", () => r.uint16());
    const cipherSuite = r.field("cipher_suite", () => r.uint16());
    const extensions = r.field("extensions", () => extensionsCodec.decode(r));
    return { groupId, version, cipherSuite, extensions };
  },
};

/** `struct { opaque kem_output<V>; } ExternalInit;` (§12.1.6) */
export const externalInitCodec: Codec<ProposalBody<ExternalInitProposal>> = {
  encode: (w, v) => w.opaque(v.kemOutput),
  decode: (r) => ({ kemOutput: r.field("kem_output", () => opaque.decode(r)) }),
};

/** `struct { Extension extensions<V>; } GroupContextExtensions;` (§12.1.7) */
export const groupContextExtensionsCodec: Codec<ProposalBody<GroupContextExtensionsProposal>> = {
  encode: (w, v) => extensionsCodec.encode(w, v.extensions as Extension[]),
  decode: (r) => ({ extensions: r.field("extensions", () => extensionsCodec.decode(r)) }),
};

/**
 * Codec for {@link Proposal}. Types other than the seven of RFC 9420 are
 * decoded as a {@link CustomProposal} with an `opaque<V>` body, except
 * SelfRemove (0x000A, draft-ietf-mls-extensions), which has no body; type 0
 * (reserved) is malformed.
 */
export const proposalCodec: Codec<Proposal> = {
  encode(w: Writer, p: Proposal) {
    // The seven RFC types carry their proposal_type here; a custom one writes its own below.
    if (typeof p.proposalType === "number" && isRfcProposalType(p.proposalType)) w.uint16(p.proposalType);
    switch (p.proposalType) {
      case ProposalType.add:
        return addCodec.encode(w, p);
      case ProposalType.update:
        return updateCodec.encode(w, p);
      case ProposalType.remove:
        return removeCodec.encode(w, p);
      case ProposalType.psk:
        return preSharedKeyCodec.encode(w, p);
      case ProposalType.reinit:
        return reInitCodec.encode(w, p);
      case ProposalType.external_init:
        return externalInitCodec.encode(w, p);
      case ProposalType.group_context_extensions:
        return groupContextExtensionsCodec.encode(w, p);
      case "custom":
        if (p.customProposalType === 0 || isRfcProposalType(p.customProposalType)) {
          throw new UsageError("proposal/invalid-custom-type", `a custom proposal cannot use proposal_type ${p.customProposalType} (reserved or defined by RFC 9420)`);
        }
        w.uint16(p.customProposalType);
        // draft-ietf-mls-extensions SelfRemove: `struct {}`, no body on the wire.
        if (p.customProposalType === SELF_REMOVE_TYPE) {
          if (p.body.length !== 0) throw new UsageError("proposal/invalid-custom-type", "a SelfRemove proposal has no body");
          return;
        }
        // draft-ietf-mls-extensions AppDataUpdate: the struct itself, no opaque<V> around it (checked by decoding it).
        if (p.customProposalType === APP_DATA_UPDATE_TYPE) {
          w.bytes(encode(appDataUpdateCodec, decode(appDataUpdateCodec, p.body, "AppDataUpdate")));
          return;
        }
        w.opaque(p.body);
        return;
      default:
        throw new UsageError("proposal/invalid-type", `invalid proposal type ${String((p as { proposalType: unknown }).proposalType)}`);
    }
  },
  decode(r: Reader): Proposal {
    const at = r.offset;
    const proposalType = r.field("proposal_type", () => r.uint16());
    switch (proposalType) {
      case ProposalType.add:
        return { proposalType, ...addCodec.decode(r) };
      case ProposalType.update:
        return { proposalType, ...updateCodec.decode(r) };
      case ProposalType.remove:
        return { proposalType, ...removeCodec.decode(r) };
      case ProposalType.psk:
        return { proposalType, ...preSharedKeyCodec.decode(r) };
      case ProposalType.reinit:
        return { proposalType, ...reInitCodec.decode(r) };
      case ProposalType.external_init:
        return { proposalType, ...externalInitCodec.decode(r) };
      case ProposalType.group_context_extensions:
        return { proposalType, ...groupContextExtensionsCodec.decode(r) };
      case 0:
        return r.fail("codec/invalid-value", "proposal_type 0 is reserved", at);
      case SELF_REMOVE_TYPE:
        return { proposalType: "custom", customProposalType: proposalType, body: new Uint8Array(0) };
      case APP_DATA_UPDATE_TYPE:
        return {
          proposalType: "custom",
          customProposalType: proposalType,
          body: encode(
            appDataUpdateCodec,
            r.field("body", () => appDataUpdateCodec.decode(r)),
          ),
        };
      default:
        return { proposalType: "custom", customProposalType: proposalType, body: r.field("body", () => opaque.decode(r)) };
    }
  },
};
